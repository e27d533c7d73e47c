"""Tutoring-class actions: who may do each, what each records, and that nothing is saved
when a rule or a permission says no."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent, Role
from schools.models import ActivitySlot, Enrollment, StaffMember, Subject, SubjectResult
from schools.services import consent_record_paper, role_grant
from tests.factories import UserFactory
from tutoring import services
from tutoring.models import CapException, TutoringClass

T = datetime.time


@pytest.fixture
def teacher(world):
    return StaffMember.objects.get(user=world.staff, school=world.school_a)


def draft(world, **fields):
    values = {
        "school": world.school_a,
        "school_year": world.year,
        "title": "Toán 7 – phụ đạo B",
        "subject": Subject.objects.get(code="toan"),
        "grade": 7,
        "category": "remedial",
        "capacity": 30,
        "monthly_fee": 0,
        "start_date": datetime.date(2026, 9, 15),
        "end_date": datetime.date(2027, 1, 10),
    }
    values.update(fields)
    return TutoringClass(**values)


def slots(day=2, periods=2):
    return [ActivitySlot(weekday=day, start=T(17), end=T(18, 30), periods=periods)]


@pytest.fixture
def created(world, teacher):
    return services.tutoring_class_save(
        actor=world.staff, tutoring_class=draft(world), slots=slots(), teachers=[teacher]
    )


def test_staff_register_a_class_as_a_draft_with_its_history(world, created):
    assert created.status == "draft"
    assert created.kind == "tutoring"
    assert len(created.terms_hash) == 64
    event = created.events.get()
    assert (event.actor, event.from_status, event.to_status) == (world.staff, "", "draft")
    assert created.slots.count() == 1


def test_a_class_breaking_rules_is_not_saved(world, teacher):
    before = TutoringClass.objects.count()
    with pytest.raises(services.RuleViolations) as caught:
        services.tutoring_class_save(
            actor=world.staff,
            tutoring_class=draft(world, monthly_fee=150_000),
            slots=slots(periods=3),
            teachers=[teacher],
        )
    assert {v.rule for v in caught.value.violations} == {"T4", "T6"}
    assert TutoringClass.objects.count() == before


@pytest.mark.parametrize("who", ["far_principal", "committee", "parent", "department"])
def test_only_the_schools_own_people_register_classes(world, teacher, who):
    with pytest.raises(PermissionDenied):
        services.tutoring_class_save(
            actor=getattr(world, who),
            tutoring_class=draft(world),
            slots=slots(),
            teachers=[teacher],
        )


def test_submit_approve_open_close_by_the_right_people(world, created):
    services.tutoring_class_submit(actor=world.staff, tutoring_class=created)
    with pytest.raises(PermissionDenied):
        services.tutoring_class_approve(actor=world.staff, tutoring_class=created)
    with pytest.raises(PermissionDenied):
        services.tutoring_class_approve(actor=world.far_principal, tutoring_class=created)
    services.tutoring_class_approve(actor=world.principal, tutoring_class=created)
    services.tutoring_class_open(actor=world.principal, tutoring_class=created)
    services.tutoring_class_close(actor=world.principal, tutoring_class=created)
    created.refresh_from_db()
    assert created.status == "closed"
    assert [e.to_status for e in created.events.all()] == [
        "draft",
        "submitted",
        "approved",
        "open",
        "closed",
    ]
    assert AuditEvent.objects.filter(action="tutoring_class_approved").exists()


def test_the_head_returns_a_class_with_a_reason_and_staff_resubmit(world, created, teacher):
    services.tutoring_class_submit(actor=world.staff, tutoring_class=created)
    with pytest.raises(ValidationError):
        services.tutoring_class_return(actor=world.principal, tutoring_class=created, reason=" ")
    services.tutoring_class_return(
        actor=world.principal, tutoring_class=created, reason="Đổi sang phòng 204"
    )
    created.refresh_from_db()
    assert created.status == "returned"
    assert created.events.last().reason == "Đổi sang phòng 204"
    created.title = "Toán 7 – phụ đạo (phòng 204)"
    services.tutoring_class_save(
        actor=world.staff, tutoring_class=created, slots=slots(), teachers=[teacher]
    )
    services.tutoring_class_submit(actor=world.staff, tutoring_class=created)


def test_an_approved_class_cannot_be_edited(world, created, teacher):
    services.tutoring_class_submit(actor=world.staff, tutoring_class=created)
    with pytest.raises(PermissionDenied):
        services.tutoring_class_save(
            actor=world.staff, tutoring_class=created, slots=slots(), teachers=[teacher]
        )


def test_a_transition_from_the_wrong_status_is_refused(world, created):
    with pytest.raises(ValidationError):
        services.tutoring_class_approve(actor=world.principal, tutoring_class=created)


def test_the_committee_of_the_area_suspends_and_resumes(world):
    tc = world.class_a  # open
    with pytest.raises(ValidationError):
        services.tutoring_class_suspend(actor=world.committee, tutoring_class=tc, reason="")
    services.tutoring_class_suspend(
        actor=world.committee,
        tutoring_class=tc,
        reason="Phụ huynh phản ánh",
        reference="45/UBND",
    )
    tc.refresh_from_db()
    assert tc.status == "suspended"
    event = tc.events.last()
    assert (event.actor, event.reason, event.reference) == (
        world.committee,
        "Phụ huynh phản ánh",
        "45/UBND",
    )
    services.tutoring_class_resume(actor=world.committee, tutoring_class=tc)
    tc.refresh_from_db()
    assert tc.status == "open"


def test_a_committee_of_another_area_and_the_head_cannot_suspend(world):
    other_committee = UserFactory()
    role_grant(actor=None, user=other_committee, role=Role.COMMITTEE, unit=world.area_b)
    for actor in (other_committee, world.principal, world.inspector):
        with pytest.raises(PermissionDenied):
            services.tutoring_class_suspend(actor=actor, tutoring_class=world.class_a, reason="x")


def test_only_the_department_suspends_in_a_school_it_manages(world, teacher):
    upper_class = TutoringClass.objects.create(
        school=world.upper_a,
        school_year=world.year,
        title="Toán 12 – ôn thi",
        subject=Subject.objects.get(code="toan"),
        grade=12,
        category="exam_review",
        capacity=40,
        start_date=world.year.start,
        end_date=world.year.end,
        status="open",
    )
    with pytest.raises(PermissionDenied):
        services.tutoring_class_suspend(
            actor=world.committee, tutoring_class=upper_class, reason="x"
        )
    services.tutoring_class_suspend(
        actor=world.department, tutoring_class=upper_class, reason="Thanh tra"
    )
    services.tutoring_class_close(
        actor=world.department, tutoring_class=upper_class, reason="Kết luận thanh tra"
    )
    upper_class.refresh_from_db()
    assert upper_class.status == "closed"


def test_a_department_exception_lifts_the_cap_for_one_class(world, created, teacher):
    three = slots(periods=2) + [ActivitySlot(weekday=4, start=T(17), end=T(17, 45), periods=1)]
    with pytest.raises(services.RuleViolations):
        services.tutoring_class_save(
            actor=world.staff, tutoring_class=created, slots=three, teachers=[teacher]
        )
    CapException.objects.create(
        tutoring_class=created,
        decision_number="88/QĐ-SGDĐT",
        decided_on=datetime.date(2026, 9, 1),
        periods_allowed=3,
        recorded_by=world.department,
    )
    created.refresh_from_db()
    services.tutoring_class_save(
        actor=world.staff, tutoring_class=created, slots=three, teachers=[teacher]
    )
    assert sum(s.periods for s in created.slots.all()) == 3


def test_a_student_joins_the_roster_only_with_a_recorded_paper_consent(world, created):
    world.class_a.status = "closed"  # the student's other maths class has ended
    world.class_a.save()
    student = world.student_a
    term = world.year.terms.first()
    SubjectResult.objects.filter(student=student).delete()
    SubjectResult.objects.create(
        student=student, term=term, subject=created.subject, achieved=False
    )
    # The class starts after the term in the world, so that term is the "last term".
    term.end = datetime.date(2026, 9, 10)
    term.save()
    enrollment = services.enrollment_propose(
        actor=world.staff, tutoring_class=created, student=student, basis="not_achieved"
    )
    assert enrollment.status == Enrollment.Status.PROPOSED
    # Nothing is offered to families before the head approves the class.
    with pytest.raises(ValidationError):
        consent_record_paper(
            actor=world.staff,
            enrollment=enrollment,
            guardian=world.guardian_a,
            kind="given",
            scan=SimpleUploadedFile("phieu.pdf", b"%PDF-1.4 signed"),
        )
    TutoringClass.objects.filter(pk=created.pk).update(status="open")
    with pytest.raises(ValidationError):
        consent_record_paper(
            actor=world.staff,
            enrollment=enrollment,
            guardian=world.guardian_a,
            kind="given",
            scan=None,
        )
    scan = SimpleUploadedFile("phieu.pdf", b"%PDF-1.4 signed")
    event = consent_record_paper(
        actor=world.staff,
        enrollment=enrollment,
        guardian=world.guardian_a,
        kind="given",
        scan=scan,
    )
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ENROLLED
    assert event.channel == "paper" and event.terms_hash == created.terms_hash


def test_a_stranger_cannot_be_recorded_as_the_guardian(world, created):
    enrollment = Enrollment.objects.create(
        activity=created, student=world.student_a, basis="not_achieved"
    )
    from tests.factories import GuardianFactory

    with pytest.raises(ValidationError):
        consent_record_paper(
            actor=world.staff,
            enrollment=enrollment,
            guardian=GuardianFactory(),
            kind="given",
            scan=SimpleUploadedFile("a.pdf", b"%PDF"),
        )


def test_staff_cannot_propose_a_student_of_another_school(world, created):
    with pytest.raises(PermissionDenied):
        services.enrollment_propose(
            actor=world.staff,
            tutoring_class=created,
            student=world.student_b,
            basis="not_achieved",
        )

"""Linked-programme and partner-registry actions: who may take each, what each records, and
that nothing is saved when a rule, a permission or a document says no."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent
from partnerships import services
from partnerships.models import (
    Licence,
    Partner,
    PartnerDocument,
    PartnerEvent,
    Programme,
    ProgrammeDocument,
    ProgrammeTeacher,
)
from partnerships.selectors import far_above_median, fee_distribution
from public import cache as public_cache
from schools import policy
from schools.models import (
    ActivityEvent,
    ActivitySlot,
    ConsentEvent,
    Enrollment,
    Guardian,
    School,
)
from schools.services import consent_record_paper
from schools.uploads import MAX_DOCUMENT_BYTES
from tests.factories import (
    GuardianFactory,
    GuardianshipFactory,
    SchoolFactory,
    SchoolYearFactory,
    StudentFactory,
)

D = datetime.date
T = datetime.time


def pdf(name="tai-lieu.pdf", content=b"%PDF-1.7 signed"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def proposal(world, **fields):
    values = {
        "school": world.school_a,
        "school_year": world.year,
        "title": "Robot và lập trình",
        "partner": world.partner,
        "programme_kind": "stem",
        "content_summary": "Lắp ráp và lập trình robot",
        "grade_min": 6,
        "grade_max": 9,
        "capacity": 30,
        "monthly_fee": 250_000,
        "start_date": D(2026, 9, 15),
        "end_date": D(2027, 5, 15),
    }
    values.update(fields)
    return Programme(**values)


def slots():
    return [
        ActivitySlot(weekday=2, start=T(16, 45), end=T(18, 15), periods=2),
        ActivitySlot(weekday=4, start=T(16, 45), end=T(17, 30), periods=1, room="P.301"),
    ]


def teachers():
    return [
        ProgrammeTeacher(full_name="Đỗ Minh Khoa", qualification="Thạc sĩ Giáo dục STEM"),
        ProgrammeTeacher(
            full_name="John Smith",
            nationality="Anh",
            is_foreign=True,
            qualification="BSc Robotics",
            work_permit_number="GP-LĐ 7788/2026",
            work_permit_expiry=D(2027, 12, 31),
        ),
    ]


def documents():
    return [
        ("contract", "Hợp đồng liên kết", pdf("hop-dong.pdf")),
        ("materials", "Kế hoạch và học liệu", pdf("hoc-lieu.pdf")),
    ]


def save(world, actor=None, programme=None, **kwargs):
    return services.programme_save(
        actor=actor or world.principal,
        programme=programme or proposal(world),
        slots=kwargs.get("slots", slots()),
        teachers=kwargs.get("teachers", teachers()),
        documents=kwargs.get("documents", documents()),
    )


def counts():
    return (
        Programme.objects.count(),
        ActivitySlot.objects.count(),
        ProgrammeTeacher.objects.count(),
        ProgrammeDocument.objects.count(),
        ActivityEvent.objects.count(),
        AuditEvent.objects.count(),
    )


# --- The head's proposal --------------------------------------------------------------


def test_the_head_proposes_a_programme_as_a_draft_with_its_schedule_teachers_and_documents(
    world,
):
    p = save(world)
    p.refresh_from_db()
    assert (p.status, p.kind, p.created_by) == ("draft", "programme", world.principal)
    assert [(s.weekday, s.periods, s.room) for s in p.slots.all()] == [
        (2, 2, ""),
        (4, 1, "P.301"),
    ]
    assert p.weekly_periods == 3
    assert sorted(t.full_name for t in p.teachers.all()) == ["John Smith", "Đỗ Minh Khoa"]
    assert p.teachers.get(is_foreign=True).work_permit_expiry == D(2027, 12, 31)
    assert sorted(d.kind for d in p.documents.all()) == ["contract", "materials"]
    assert p.documents.get(kind="contract").file.read().startswith(b"%PDF-")
    assert len(p.terms_hash) == 64 and p.terms_hash == p.compute_terms_hash()
    assert p.rule_breaches == [] and p.checked_at is not None
    event = p.events.get()
    assert (event.actor, event.from_status, event.to_status) == (world.principal, "", "draft")
    audit = AuditEvent.objects.get(action="programme_draft", object_id=str(p.pk))
    assert audit.actor == world.principal


@pytest.mark.parametrize(
    "bad",
    [
        "expired_licence",
        "barred_partner",
        "main_session",
        "negative_fee",
        "expired_permit",
        "no_permit",
        "overlapping_slots",
    ],
)
def test_a_programme_breaking_a_rule_is_not_saved_at_all(world, bad):
    programme, slot_list, teacher_list = proposal(world), slots(), teachers()
    expected = {
        "expired_licence": "P2",
        "barred_partner": "P2",
        "main_session": "P3",
        "negative_fee": "P1",
        "expired_permit": "P4",
        "no_permit": "P4",
        "overlapping_slots": "SCHEDULE",
    }[bad]
    if bad == "expired_licence":
        Licence.objects.filter(partner=world.partner).update(valid_to=D(2026, 12, 31))
    elif bad == "barred_partner":
        Partner.objects.filter(pk=world.partner.pk).update(status="barred")
        programme.partner.refresh_from_db()
    elif bad == "main_session":
        slot_list[0] = ActivitySlot(weekday=0, start=T(9), end=T(10), periods=1)
    elif bad == "negative_fee":
        programme.monthly_fee = -100_000
    elif bad == "expired_permit":
        teacher_list[1].work_permit_expiry = D(2026, 12, 31)
    elif bad == "no_permit":
        teacher_list[1].work_permit_number = ""
    elif bad == "overlapping_slots":
        slot_list[1] = ActivitySlot(weekday=2, start=T(17), end=T(18), periods=1)
    before = counts()
    with pytest.raises(services.RuleViolations) as caught:
        save(world, programme=programme, slots=slot_list, teachers=teacher_list)
    assert [v.rule for v in caught.value.violations] == [expected]
    assert counts() == before


def test_several_broken_rules_are_refused_together(world):
    programme = proposal(world, monthly_fee=-1, programme_kind="it")
    before = counts()
    with pytest.raises(services.RuleViolations) as caught:
        save(world, programme=programme, slots=[])
    assert {v.rule for v in caught.value.violations} == {"P1", "P2"}
    assert {v.field for v in caught.value.violations} == {"monthly_fee", "partner", "slots"}
    assert counts() == before


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("hop-dong.pdf", b"MZ\x90\x00 a program, not a contract"),
        SimpleUploadedFile("hop-dong.pdf", b"<html><script>alert(1)</script>"),
        SimpleUploadedFile("hop-dong.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES),
    ],
    ids=["executable", "html", "over-10-MB"],
)
def test_a_document_that_is_not_a_pdf_or_image_or_too_large_saves_nothing(world, upload):
    before = counts()
    with pytest.raises(ValidationError):
        save(world, documents=[("contract", "Hợp đồng", upload)])
    assert counts() == before


def test_images_are_accepted_as_documents(world):
    p = save(
        world,
        documents=[
            ("contract", "Hợp đồng (ảnh)", SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0 jpeg")),
            ("materials", "Học liệu", SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n png")),
        ],
    )
    assert p.documents.count() == 2


@pytest.mark.parametrize(
    "who", ["staff", "far_principal", "committee", "department", "inspector", "parent"]
)
def test_only_the_head_of_the_school_proposes_a_programme(world, who):
    before = counts()
    with pytest.raises(PermissionDenied):
        save(world, actor=getattr(world, who))
    assert counts() == before


def test_the_head_edits_a_draft_and_its_schedule_and_terms_change(world):
    p = save(world)
    old_hash = p.terms_hash
    changed = proposal(world, monthly_fee=280_000, title="Robot nâng cao")
    changed.pk = p.pk
    services.programme_save(
        actor=world.principal,
        programme=changed,
        slots=[ActivitySlot(weekday=5, start=T(8), end=T(9, 30), periods=2)],
        teachers=teachers()[:1],
        documents=[],
    )
    p.refresh_from_db()
    assert (p.title, p.monthly_fee, p.status) == ("Robot nâng cao", 280_000, "draft")
    assert [(s.weekday, s.start) for s in p.slots.all()] == [(5, T(8))]
    assert p.weekly_periods == 2
    assert p.teachers.count() == 1
    assert p.documents.count() == 2  # documents already attached are kept
    assert p.terms_hash != old_hash
    assert AuditEvent.objects.filter(action="programme_edit", object_id=str(p.pk)).exists()
    # Editing a draft is not a change of status.
    assert p.events.count() == 1


def test_a_broken_rule_on_an_edit_leaves_the_draft_as_it_was(world):
    p = save(world)
    changed = proposal(world, monthly_fee=280_000)
    changed.pk = p.pk
    with pytest.raises(services.RuleViolations):
        services.programme_save(
            actor=world.principal,
            programme=changed,
            slots=[ActivitySlot(weekday=0, start=T(8), end=T(9), periods=1)],
            teachers=teachers(),
        )
    p.refresh_from_db()
    assert p.monthly_fee == 250_000
    assert p.slots.count() == 2


@pytest.mark.parametrize("status", ["submitted", "approved", "suspended", "refused", "closed"])
def test_a_programme_is_edited_only_while_a_draft_or_returned(world, status):
    p = save(world)
    Programme.objects.filter(pk=p.pk).update(status=status)
    with pytest.raises(PermissionDenied):
        save(world, programme=Programme.objects.get(pk=p.pk), documents=[])
    Programme.objects.filter(pk=p.pk).update(status="returned")
    save(world, programme=Programme.objects.get(pk=p.pk), documents=[])


def test_the_head_of_another_school_cannot_edit_a_draft(world):
    with pytest.raises(PermissionDenied):
        save(world, actor=world.far_principal, programme=world.programme_draft_a, documents=[])


# --- Submitting ------------------------------------------------------------------------


def transition(world, programme, name, actor=None, reason="", reference=""):
    return services.programme_transition(
        actor=actor or world.principal,
        programme=programme,
        name=name,
        reason=reason,
        reference=reference,
    )


def test_submitting_needs_the_contract_and_the_materials(world):
    p = world.programme_draft_a  # has a contract, no materials
    with pytest.raises(ValidationError):
        transition(world, p, "submit")
    p.refresh_from_db()
    assert p.status == "draft"
    assert p.events.count() == 1
    services.programme_document_add(
        actor=world.principal, programme=p, kind="materials", title="Học liệu", file=pdf()
    )
    transition(world, p, "submit")
    p.refresh_from_db()
    assert p.status == "submitted"


def test_a_programme_breaking_a_rule_cannot_be_submitted(world):
    p = world.programme_draft_a
    services.programme_document_add(
        actor=world.principal, programme=p, kind="materials", title="Học liệu", file=pdf()
    )
    Licence.objects.filter(partner=world.partner).update(valid_to=D(2027, 1, 31))
    with pytest.raises(services.RuleViolations) as caught:
        transition(world, p, "submit")
    assert [v.rule for v in caught.value.violations] == ["P2"]
    p.refresh_from_db()
    assert p.status == "draft"


def test_a_document_that_is_not_a_pdf_is_not_added_to_a_programme(world):
    p = world.programme_draft_a
    with pytest.raises(ValidationError):
        services.programme_document_add(
            actor=world.principal,
            programme=p,
            kind="materials",
            title="Học liệu",
            file=SimpleUploadedFile("hoc-lieu.pdf", b"MZ\x90\x00"),
        )
    with pytest.raises(PermissionDenied):
        services.programme_document_add(
            actor=world.staff, programme=p, kind="materials", title="Học liệu", file=pdf()
        )
    assert list(p.documents.values_list("kind", flat=True)) == ["contract"]


# --- Every transition, by every role ---------------------------------------------------


def programme_in(world, status, school="school_a"):
    """A programme of ``school`` in ``status``, with every document and no broken rule."""
    if school == "school_a":
        p = world.programme_draft_a
    else:
        upper = world.upper_a
        p = Programme.objects.create(
            school=upper,
            school_year=world.year,
            title="Tiếng Anh học thuật",
            partner=world.partner,
            programme_kind="language",
            content_summary="IELTS",
            grade_min=10,
            grade_max=12,
            capacity=30,
            monthly_fee=400_000,
            start_date=world.year.start,
            end_date=world.year.end,
            created_by=world.principal,
        )
        ActivitySlot.objects.create(activity=p, weekday=1, start=T(17), end=T(18), periods=1)
        ProgrammeTeacher.objects.create(
            programme=p, full_name="Lê Thu Hằng", qualification="Thạc sĩ Ngôn ngữ Anh"
        )
        ProgrammeDocument.objects.create(
            programme=p, kind="contract", title="Hợp đồng", file=pdf("hd.pdf")
        )
        p.terms_hash = p.compute_terms_hash()
    ProgrammeDocument.objects.create(
        programme=p, kind="materials", title="Học liệu", file=pdf("hl.pdf")
    )
    p.status = status
    p.save()
    return Programme.objects.get(pk=p.pk)


EVERYONE = [
    "principal",
    "staff",
    "committee",
    "department",
    "inspector",
    "parent",
    "far_principal",
    "far_committee",
]
DECISION_ARGS = {"reason": "Lý do cụ thể", "reference": "45/QĐ-UBND"}

# (transition, status it leaves from, status it reaches, who may take it in school_a): the
# committee decides for the lower-secondary school it manages; the Department may suspend
# any school's programme but approves only those of the schools it manages.
MATRIX = [
    ("submit", "draft", "submitted", {"principal"}),
    ("submit", "returned", "submitted", {"principal"}),
    ("approve", "submitted", "approved", {"committee"}),
    ("return", "submitted", "returned", {"committee"}),
    ("refuse", "submitted", "refused", {"committee"}),
    ("suspend", "approved", "suspended", {"committee", "department"}),
    ("resume", "suspended", "approved", {"committee", "department"}),
    ("terminate", "approved", "closed", {"committee", "department"}),
    ("terminate", "suspended", "closed", {"committee", "department"}),
]


@pytest.mark.parametrize("name, source, target, allowed", MATRIX)
def test_each_transition_is_refused_to_everyone_but_the_right_people(
    world, name, source, target, allowed
):
    p = programme_in(world, source)
    for who in sorted(set(EVERYONE) - allowed):
        with pytest.raises(PermissionDenied):
            transition(world, p, name, actor=getattr(world, who), **DECISION_ARGS)
        p.refresh_from_db()
        assert p.status == source, who
    assert p.events.count() == 1


@pytest.mark.parametrize(
    "name, source, target, who",
    [(n, s, t, who) for n, s, t, allowed in MATRIX for who in sorted(allowed)],
)
def test_each_transition_is_taken_by_the_right_people_and_recorded(
    world, name, source, target, who
):
    p = programme_in(world, source)
    actor = getattr(world, who)
    transition(world, p, name, actor=actor, **DECISION_ARGS)
    p.refresh_from_db()
    assert p.status == target
    event = p.events.last()
    assert (event.actor, event.from_status, event.to_status) == (actor, source, target)
    if name != "submit":
        assert event.reason == "Lý do cụ thể"
    assert event.reference == "45/QĐ-UBND"
    audit = AuditEvent.objects.filter(action=f"programme_{target}", object_id=str(p.pk)).last()
    assert audit.actor == actor


@pytest.mark.parametrize(
    "name, source",
    [
        ("approve", "submitted"),
        ("return", "submitted"),
        ("refuse", "submitted"),
        ("suspend", "approved"),
        ("resume", "suspended"),
        ("terminate", "approved"),
    ],
)
def test_the_committee_does_not_decide_for_an_upper_secondary_school_but_the_department_does(
    world, name, source
):
    p = programme_in(world, source, school="upper_a")
    with pytest.raises(PermissionDenied):
        transition(world, p, name, actor=world.committee, **DECISION_ARGS)
    p.refresh_from_db()
    assert p.status == source
    transition(world, p, name, actor=world.department, **DECISION_ARGS)
    p.refresh_from_db()
    assert p.status != source


@pytest.mark.parametrize(
    "name, source", [("return", "submitted"), ("refuse", "submitted"), ("suspend", "approved")]
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_returning_refusing_and_suspending_need_a_reason(world, name, source, reason):
    p = programme_in(world, source)
    with pytest.raises(ValidationError) as caught:
        transition(world, p, name, actor=world.committee, reason=reason)
    assert "reason" in caught.value.message_dict
    p.refresh_from_db()
    assert p.status == source
    assert p.events.count() == 1


@pytest.mark.parametrize("name, source", [("resume", "suspended"), ("terminate", "approved")])
def test_resuming_and_terminating_need_a_reason(world, name, source):
    p = programme_in(world, source)
    with pytest.raises(ValidationError) as caught:
        transition(world, p, name, actor=world.department, reference="12/QĐ-SGDĐT")
    assert "reason" in caught.value.message_dict
    p.refresh_from_db()
    assert p.status == source


def test_approving_needs_the_decision_number_and_keeps_it(world):
    p = programme_in(world, "submitted")
    with pytest.raises(ValidationError) as caught:
        transition(world, p, "approve", actor=world.committee, reference="  ")
    assert "reference" in caught.value.message_dict
    p.refresh_from_db()
    assert (p.status, p.approval_reference) == ("submitted", "")
    transition(world, p, "approve", actor=world.committee, reference=" 88/QĐ-UBND ")
    p.refresh_from_db()
    assert (p.status, p.approval_reference) == ("approved", "88/QĐ-UBND")
    assert p.events.last().reference == "88/QĐ-UBND"


@pytest.mark.parametrize(
    "name, status",
    [
        ("approve", "draft"),
        ("approve", "approved"),
        ("return", "approved"),
        ("refuse", "returned"),
        ("suspend", "submitted"),
        ("suspend", "suspended"),
        ("resume", "approved"),
        ("terminate", "submitted"),
        ("terminate", "closed"),
    ],
)
def test_a_transition_from_the_wrong_status_is_refused(world, name, status):
    p = programme_in(world, status)
    with pytest.raises(ValidationError):
        transition(world, p, name, actor=world.committee, **DECISION_ARGS)
    p.refresh_from_db()
    assert p.status == status
    assert p.events.count() == 1


def test_an_unknown_transition_is_refused(world):
    with pytest.raises(ValidationError):
        transition(world, world.programme_a, "demolish", actor=world.department)


def test_an_approval_is_refused_while_a_rule_is_broken(world):
    p = programme_in(world, "submitted")
    Partner.objects.filter(pk=world.partner.pk).update(status="suspended")
    with pytest.raises(services.RuleViolations) as caught:
        transition(world, p, "approve", actor=world.committee, reference="88/QĐ-UBND")
    assert [v.rule for v in caught.value.violations] == ["P2"]
    p.refresh_from_db()
    assert (p.status, p.approval_reference) == ("submitted", "")


def test_the_whole_life_of_a_programme_is_recorded(world):
    p = programme_in(world, "draft")
    committee, department = world.committee, world.department
    transition(world, p, "submit")
    transition(world, p, "return", actor=committee, reason="Bổ sung CV giáo viên")
    transition(world, p, "submit")
    transition(world, p, "approve", actor=committee, reference="45/QĐ-UBND")
    transition(
        world,
        p,
        "suspend",
        actor=department,
        reason="Thu phí ngoài hợp đồng",
        reference="Kết luận thanh tra 12/KL-TTr",
    )
    # The Department's suspension is lifted by the Department, not by the committee.
    with pytest.raises(PermissionDenied):
        transition(world, p, "resume", actor=committee, reason="Đã khắc phục")
    transition(world, p, "resume", actor=department, reason="Đã khắc phục")
    transition(world, p, "terminate", actor=committee, reason="Hết nhu cầu")
    history = [(e.actor, e.from_status, e.to_status, e.reason, e.reference) for e in p.events.all()]
    assert history[1:] == [
        (world.principal, "draft", "submitted", "", ""),
        (committee, "submitted", "returned", "Bổ sung CV giáo viên", ""),
        (world.principal, "returned", "submitted", "", ""),
        (committee, "submitted", "approved", "", "45/QĐ-UBND"),
        (
            department,
            "approved",
            "suspended",
            "Thu phí ngoài hợp đồng",
            "Kết luận thanh tra 12/KL-TTr",
        ),
        (department, "suspended", "approved", "Đã khắc phục", ""),
        (committee, "approved", "closed", "Hết nhu cầu", ""),
    ]


# --- Suspension: families told, new consents stop ----------------------------------------


@pytest.fixture
def families(world):
    """programme_a's roster: student_a (on it, guardian with e-mail); a student proposed,
    one who withdrew, one whose guardian has no e-mail (all of school_a); and a student on
    another programme."""
    Guardian.objects.filter(pk=world.guardian_a.pk).update(email="bo.anh@example.vn")

    def student(status, email):
        s = StudentFactory(school=world.school_a, grade=8)
        GuardianshipFactory(student=s, guardian=GuardianFactory(email=email))
        if status:
            enrollment = Enrollment.objects.create(
                activity=world.programme_a, student=s, basis="voluntary", status=status
            )
            if status == "enrolled":
                # On the roster only with a consent to the current terms.
                ConsentEvent.objects.create(
                    enrollment=enrollment,
                    kind="given",
                    guardian=s.guardians.get(),
                    channel="paper",
                    terms_hash=world.programme_a.terms_hash,
                    scan="consent/x.pdf",
                )
        return s

    student("proposed", "de-nghi@example.vn")
    student("withdrawn", "da-rut@example.vn")
    student("enrolled", "")
    other = student(None, "lop-khac@example.vn")
    Enrollment.objects.create(
        activity=world.programme_far, student=other, basis="voluntary", status="enrolled"
    )


@pytest.mark.parametrize("name", ["suspend", "terminate"])
def test_suspending_or_ending_a_programme_emails_the_parents_of_children_on_the_roster_only(
    world, families, mailoutbox, django_capture_on_commit_callbacks, name
):
    with django_capture_on_commit_callbacks(execute=True):
        transition(world, world.programme_a, name, actor=world.committee, reason="Phản ánh")
    assert [m.to for m in mailoutbox] == [["bo.anh@example.vn"]]
    assert world.programme_a.title in mailoutbox[0].subject
    assert "Phản ánh" in mailoutbox[0].body
    assert world.school_a.name in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="programme_families_notified").exists()


def test_no_email_leaves_before_the_suspension_is_committed(
    world, families, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transition(world, world.programme_a, "suspend", actor=world.committee, reason="Phản ánh")
    assert mailoutbox == []
    # The e-mail waits for the commit (beside the public pages' cache, cleared then too).
    assert len([c for c in callbacks if c is not public_cache.bump]) == 1


def test_resuming_emails_nobody(world, families, mailoutbox, django_capture_on_commit_callbacks):
    Programme.objects.filter(pk=world.programme_a.pk).update(status="suspended")
    with django_capture_on_commit_callbacks(execute=True):
        transition(world, world.programme_a, "resume", actor=world.committee, reason="Đã xong")
    assert mailoutbox == []


def test_a_suspended_programme_takes_no_new_consent_but_withdrawals_still_work(world, families):
    transition(world, world.programme_a, "suspend", actor=world.committee, reason="Phản ánh")
    proposed = world.programme_a.enrollments.get(status="proposed")
    guardian = proposed.student.guardianships.get().guardian
    with pytest.raises(ValidationError):
        consent_record_paper(
            actor=world.staff, enrollment=proposed, guardian=guardian, kind="given", scan=pdf()
        )
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
    assert not ConsentEvent.objects.filter(enrollment=proposed).exists()

    on_roster = world.programme_a.enrollments.get(student=world.student_a)
    consent_record_paper(
        actor=world.staff,
        enrollment=on_roster,
        guardian=world.guardian_a,
        kind="withdrawn",
        scan=pdf(),
    )
    on_roster.refresh_from_db()
    assert on_roster.status == "withdrawn"

    # Once resumed, families may agree again.
    transition(world, world.programme_a, "resume", actor=world.committee, reason="Đã khắc phục")
    consent_record_paper(
        actor=world.staff, enrollment=proposed, guardian=guardian, kind="given", scan=pdf()
    )
    proposed.refresh_from_db()
    assert proposed.status == "enrolled"


# --- The roster -------------------------------------------------------------------------


def test_a_student_is_proposed_for_an_approved_programme_of_their_school_once(world):
    student = StudentFactory(school=world.school_a, grade=8)
    enrollment = services.programme_enrollment_propose(
        actor=world.staff, programme=world.programme_a, student=student
    )
    assert (enrollment.status, enrollment.basis, enrollment.proposed_by) == (
        "proposed",
        "voluntary",
        world.staff,
    )
    assert AuditEvent.objects.filter(action="enrollment_propose").exists()
    with pytest.raises(ValidationError) as caught:
        services.programme_enrollment_propose(
            actor=world.principal, programme=world.programme_a, student=student
        )
    assert "student" in caught.value.message_dict
    assert world.programme_a.enrollments.filter(student=student).count() == 1


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "suspended", "closed"])
def test_no_student_is_proposed_for_a_programme_that_is_not_approved(world, status):
    Programme.objects.filter(pk=world.programme_a.pk).update(status=status)
    student = StudentFactory(school=world.school_a, grade=8)
    with pytest.raises(ValidationError):
        services.programme_enrollment_propose(
            actor=world.staff, programme=world.programme_a, student=student
        )
    assert not Enrollment.objects.filter(student=student).exists()


def test_a_student_outside_the_programmes_grades_is_refused(world):
    Programme.objects.filter(pk=world.programme_a.pk).update(grade_min=8)
    student = StudentFactory(school=world.school_a, grade=7)
    with pytest.raises(ValidationError) as caught:
        services.programme_enrollment_propose(
            actor=world.staff, programme=world.programme_a, student=student
        )
    assert "student" in caught.value.message_dict
    assert not Enrollment.objects.filter(student=student).exists()


def test_a_student_of_another_school_is_refused(world):
    with pytest.raises(PermissionDenied):
        services.programme_enrollment_propose(
            actor=world.staff, programme=world.programme_a, student=world.student_b
        )
    assert not Enrollment.objects.filter(student=world.student_b).exists()


@pytest.mark.parametrize("who", ["committee", "department", "inspector", "parent", "far_principal"])
def test_only_the_schools_people_propose_students(world, who):
    student = StudentFactory(school=world.school_a, grade=8)
    with pytest.raises(PermissionDenied):
        services.programme_enrollment_propose(
            actor=getattr(world, who), programme=world.programme_a, student=student
        )


# --- The partner registry --------------------------------------------------------------


def new_partner(**fields):
    values = {
        "legal_name": "Công ty TNHH Khoa học Trẻ",
        "tax_code": "0203334445",
        "business_registration": "0203334445",
        "address": "8 Điện Biên Phủ, Hải Phòng",
        "is_foreign": True,
    }
    values.update(fields)
    return Partner(**values)


def test_the_department_registers_a_partner_as_active_with_its_history(world):
    partner = services.partner_save(actor=world.department, partner=new_partner(status="barred"))
    partner.refresh_from_db()
    assert (partner.status, partner.created_by, partner.is_foreign) == (
        "active",
        world.department,
        True,
    )
    event = partner.events.get()
    assert (event.actor, event.from_status, event.to_status) == (world.department, "", "active")
    assert AuditEvent.objects.filter(action="partner_register", object_id=str(partner.pk)).exists()


def test_editing_a_partner_does_not_change_its_status(world):
    partner = world.partner
    partner.legal_name = "Công ty TNHH Anh ngữ Sao Việt Hải Phòng"
    partner.status = "barred"
    services.partner_save(actor=world.department, partner=partner)
    partner.refresh_from_db()
    assert (partner.legal_name, partner.status) == (
        "Công ty TNHH Anh ngữ Sao Việt Hải Phòng",
        "active",
    )
    assert partner.events.count() == 1


def test_a_partner_with_a_malformed_or_duplicate_tax_code_is_not_registered(world):
    before = Partner.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.partner_save(actor=world.department, partner=new_partner(tax_code="12345"))
    assert "tax_code" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.partner_save(
            actor=world.department, partner=new_partner(tax_code=world.partner.tax_code)
        )
    assert Partner.objects.count() == before


@pytest.mark.parametrize(
    "who", ["committee", "inspector", "principal", "staff", "parent", "far_committee"]
)
def test_only_the_department_keeps_the_registry(world, who):
    actor = getattr(world, who)
    before = (
        Partner.objects.count(),
        PartnerEvent.objects.count(),
        Licence.objects.count(),
        PartnerDocument.objects.count(),
    )
    with pytest.raises(PermissionDenied):
        services.partner_save(actor=actor, partner=new_partner())
    with pytest.raises(PermissionDenied):
        services.partner_set_status(
            actor=actor, partner=world.partner, status="suspended", reason="Vi phạm"
        )
    with pytest.raises(PermissionDenied):
        services.licence_add(
            actor=actor,
            licence=Licence(
                partner=world.partner,
                issuer="Sở GD&ĐT",
                number="GP-2",
                kinds=["it"],
                valid_from=D(2025, 1, 1),
            ),
        )
    with pytest.raises(PermissionDenied):
        services.partner_document_add(
            actor=actor, partner=world.partner, kind="other", title="Tài liệu", file=pdf()
        )
    after = (
        Partner.objects.count(),
        PartnerEvent.objects.count(),
        Licence.objects.count(),
        PartnerDocument.objects.count(),
    )
    assert after == before
    world.partner.refresh_from_db()
    assert world.partner.status == "active"


def test_suspending_a_partner_is_recorded_and_its_live_programmes_are_checked_again(world):
    services.partner_set_status(
        actor=world.department,
        partner=world.partner,
        status="suspended",
        reason=" Giấy phép bị thu hồi ",
        reference="Kết luận 7/KL-TTr",
    )
    world.partner.refresh_from_db()
    assert world.partner.status == "suspended"
    event = world.partner.events.last()
    assert (event.actor, event.from_status, event.to_status, event.reason, event.reference) == (
        world.department,
        "active",
        "suspended",
        "Giấy phép bị thu hồi",
        "Kết luận 7/KL-TTr",
    )
    assert AuditEvent.objects.filter(action="partner_suspended").exists()
    for programme in (world.programme_a, world.programme_far):
        programme.refresh_from_db()
        assert [b["rule"] for b in programme.rule_breaches] == ["P2"]
        assert world.partner.legal_name in programme.rule_breaches[0]["message"]
    # Reinstated, its programmes keep the rules again.
    services.partner_set_status(
        actor=world.department, partner=world.partner, status="active", reason="Đã khắc phục"
    )
    world.programme_a.refresh_from_db()
    assert world.programme_a.rule_breaches == []
    assert [e.to_status for e in world.partner.events.all()] == ["active", "suspended", "active"]


def test_changing_a_partners_status_needs_a_reason_and_a_new_status(world):
    with pytest.raises(ValidationError) as caught:
        services.partner_set_status(
            actor=world.department, partner=world.partner, status="barred", reason="  "
        )
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.partner_set_status(
            actor=world.department, partner=world.partner, status="active", reason="Lý do"
        )
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.partner_set_status(
            actor=world.department, partner=world.partner, status="closed", reason="Lý do"
        )
    world.partner.refresh_from_db()
    assert world.partner.status == "active"
    assert world.partner.events.count() == 1


def licence(world, **fields):
    values = {
        "partner": world.partner,
        "issuer": "Sở Giáo dục và Đào tạo Hải Phòng",
        "number": "GP-IT-01",
        "kinds": ["it", "not-a-kind"],
        "valid_from": D(2026, 1, 1),
        "valid_to": D(2028, 12, 31),
    }
    values.update(fields)
    return Licence(**values)


def test_a_new_licence_lets_the_partner_run_a_new_kind(world):
    from partnerships import rules

    programme = proposal(world, programme_kind="it")
    assert [v.rule for v in rules.check_programme(programme, slots(), teachers())] == ["P2"]
    recorded = services.licence_add(
        actor=world.department, licence=licence(world), document=pdf("giay-phep.pdf")
    )
    recorded.refresh_from_db()
    assert recorded.kinds == ["it"]  # unknown kinds are dropped
    assert recorded.recorded_by == world.department
    assert world.partner.documents.filter(kind="licence").count() == 1
    assert rules.check_programme(programme, slots(), teachers()) == []


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kinds": ["not-a-kind"]}, "kinds"),
        ({"valid_to": D(2025, 12, 31)}, "valid_to"),
    ],
)
def test_a_licence_without_kinds_or_ending_before_it_starts_is_not_recorded(world, fields, field):
    before = Licence.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.licence_add(actor=world.department, licence=licence(world, **fields))
    assert field in caught.value.message_dict
    assert Licence.objects.count() == before


def test_a_licence_with_a_scan_that_is_not_a_pdf_is_not_recorded(world):
    before = (Licence.objects.count(), PartnerDocument.objects.count())
    with pytest.raises(ValidationError):
        services.licence_add(
            actor=world.department,
            licence=licence(world),
            document=SimpleUploadedFile("giay-phep.pdf", b"MZ\x90\x00"),
        )
    assert (Licence.objects.count(), PartnerDocument.objects.count()) == before


def test_the_department_adds_a_partner_document_checked_by_content(world):
    document = services.partner_document_add(
        actor=world.department,
        partner=world.partner,
        kind="staff",
        title=" CV giáo viên ",
        file=pdf("cv.pdf"),
    )
    assert (document.title, document.uploaded_by) == ("CV giáo viên", world.department)
    before = PartnerDocument.objects.count()
    for upload in (
        SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf"),
        SimpleUploadedFile("cv.png", b"GIF89a a gif is not accepted"),
        SimpleUploadedFile("cv.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES),
    ):
        with pytest.raises(ValidationError):
            services.partner_document_add(
                actor=world.department,
                partner=world.partner,
                kind="staff",
                title="CV",
                file=upload,
            )
    assert PartnerDocument.objects.count() == before


# --- The fee comparison, computed in the database ------------------------------------------


def paid_programme(world, school, fee, periods, status="approved", kind="language", year=None):
    return Programme.objects.create(
        school=school,
        school_year=year or world.year,
        title=f"{kind} {fee:,}",
        partner=world.partner,
        programme_kind=kind,
        content_summary="…",
        grade_min=school.grade_min,
        grade_max=school.grade_max,
        capacity=30,
        monthly_fee=fee,
        weekly_periods=periods,
        start_date=world.year.start,
        end_date=world.year.end,
        status=status,
    )


@pytest.fixture
def fees(world):
    """English programmes families pay for in the province (areas A and B): 100.000,
    200.000, 300.000 (programme_a), 400.000 (suspended) and 2.000.000 ₫ in four schools; a
    STEM one; and programmes that must be ignored: drafts, submitted, refused, closed, and
    one in another province (programme_far)."""
    school_a2 = SchoolFactory(unit=world.area_a, name="Trường THCS Hạ Lý")
    school_b2 = SchoolFactory(unit=world.area_b, name="Trường THCS Dư Hàng")
    made = {
        "a2_100": paid_programme(world, school_a2, 100_000, 1),
        "b_200": paid_programme(world, world.school_b, 200_000, 2),
        "b_400": paid_programme(world, world.school_b, 400_000, 1, status="suspended"),
        "b2_2000": paid_programme(world, school_b2, 2_000_000, 2),
        "stem": paid_programme(world, world.school_a, 500_000, 2, kind="stem"),
    }
    for status in ("draft", "submitted", "returned", "refused", "closed"):
        paid_programme(world, world.school_b, 5_000_000, 1, status=status)
    return made


def province(world):
    return policy.visible(world.department, School)


def by_kind(rows):
    return {row.kind: row for row in rows}


def test_the_fee_distribution_of_each_kind_across_a_scope(world, fees):
    rows = fee_distribution(province(world), school_year=world.year)
    assert [row.kind for row in rows] == ["language", "stem"]
    language = by_kind(rows)["language"]
    assert (language.count, language.schools) == (5, 4)
    assert (language.fee_min, language.fee_median, language.fee_max) == (
        100_000,
        300_000,
        2_000_000,
    )
    assert language.spread == 20.0
    stem = by_kind(rows)["stem"]
    assert (stem.count, stem.fee_min, stem.fee_median, stem.fee_max) == (
        1,
        500_000,
        500_000,
        500_000,
    )


def test_the_fee_per_period_is_the_monthly_fee_over_four_weeks_of_periods(world, fees):
    # 300.000/(4×2), 100.000/(4×1), 200.000/(4×2), 400.000/(4×1), 2.000.000/(4×2)
    language = by_kind(fee_distribution(province(world), school_year=world.year))["language"]
    assert (language.period_min, language.period_median, language.period_max) == (
        25_000,
        37_500,
        250_000,
    )
    assert world.programme_a.fee_per_period == 37_500
    assert fees["b_400"].fee_per_period == 100_000


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two(world, fees):
    # A committee's scope: area A only, with 300.000 ₫ (2 periods) and 100.000 ₫ (1).
    rows = fee_distribution(policy.visible(world.committee, School), school_year=world.year)
    language = by_kind(rows)["language"]
    assert (language.count, language.schools) == (2, 2)
    assert (language.fee_min, language.fee_median, language.fee_max) == (
        100_000,
        200_000,
        300_000,
    )
    assert language.period_median == 31_250
    paid_programme(world, world.upper_a, 350_000, 1)  # area A too
    language = by_kind(
        fee_distribution(policy.visible(world.committee, School), school_year=world.year)
    )["language"]
    assert (language.count, language.fee_median) == (3, 300_000)


def test_the_place_of_a_schools_programmes_among_the_others(world, fees):
    rows = by_kind(fee_distribution(province(world), school_year=world.year, school=world.school_a))
    assert rows["language"].own == [
        {
            "pk": world.programme_a.pk,
            "title": world.programme_a.title,
            "fee": 300_000,
            "cheaper": 2,
            "count": 5,
            "share_cheaper": 40,
        }
    ]
    assert [(o["pk"], o["cheaper"]) for o in rows["stem"].own] == [(fees["stem"].pk, 0)]
    school_b = by_kind(
        fee_distribution(province(world), school_year=world.year, school=world.school_b)
    )
    # Its two programmes, cheapest first; its drafts and refused ones are not there.
    assert [(o["pk"], o["cheaper"]) for o in school_b["language"].own] == [
        (fees["b_200"].pk, 1),
        (fees["b_400"].pk, 3),
    ]
    assert school_b.get("stem") is None or school_b["stem"].own == []


def test_a_school_outside_the_scope_has_no_place(world, fees):
    rows = fee_distribution(province(world), school_year=world.year, school=world.school_far)
    assert all(row.own == [] for row in rows)


def test_the_school_year_filter_keeps_other_years_out(world, fees):
    last_year = SchoolYearFactory(name="2025-2026", start=D(2025, 9, 5), end=D(2026, 5, 31))
    paid_programme(world, world.school_b, 9_000_000, 1, year=last_year)
    language = by_kind(fee_distribution(province(world), school_year=world.year))["language"]
    assert (language.count, language.fee_max) == (5, 2_000_000)
    language = by_kind(fee_distribution(province(world)))["language"]
    assert (language.count, language.fee_max, language.fee_median) == (6, 9_000_000, 350_000)
    language = by_kind(fee_distribution(province(world), school_year=last_year))["language"]
    assert (language.count, language.fee_median) == (1, 9_000_000)


def test_an_empty_scope_has_no_distribution(world, fees):
    assert fee_distribution(School.objects.none()) == []
    assert far_above_median(School.objects.none(), 2) == []


def test_programmes_far_above_the_median_are_flagged_with_how_many_times(world, fees):
    far = far_above_median(province(world), Decimal("2"), school_year=world.year)
    assert [(f["programme"].pk, f["fee"], f["median"]) for f in far] == [
        (fees["b2_2000"].pk, 2_000_000, 300_000)
    ]
    assert float(far[0]["times"]) == pytest.approx(6.7)
    assert far[0]["programme"].school.name == "Trường THCS Dư Hàng"
    assert far_above_median(province(world), 7, school_year=world.year) == []
    # In the committee's area the median is 200.000 ₫: 300.000 ₫ is 1.5 times it.
    far = far_above_median(policy.visible(world.committee, School), 1.4, school_year=world.year)
    assert [(f["programme"].pk, float(f["times"])) for f in far] == [(world.programme_a.pk, 1.5)]


def test_a_student_who_left_the_school_cannot_be_proposed(world):
    left = StudentFactory(school=world.school_a, grade=8, status="transferred")
    with pytest.raises(ValidationError) as error:
        services.programme_enrollment_propose(
            actor=world.staff, programme=world.programme_a, student=left
        )
    assert "student" in error.value.message_dict
    assert not world.programme_a.enrollments.filter(student=left).exists()


def test_suspending_a_partner_suspends_its_approved_programmes_in_scope_and_stops_consents(
    world,
):
    services.partner_set_status(
        actor=world.department,
        partner=world.partner,
        status="barred",
        reason="Giả mạo giấy phép",
        reference="QĐ 9/QĐ-SGDĐT",
    )
    programme = Programme.objects.get(pk=world.programme_a.pk)
    assert programme.status == "suspended"
    event = programme.events.last()
    assert (event.actor, event.to_status, event.reference) == (
        world.department,
        "suspended",
        "QĐ 9/QĐ-SGDĐT",
    )
    assert world.partner.legal_name in event.reason and "Giả mạo giấy phép" in event.reason
    assert not programme.accepts_consent()
    # Another city's programme of the same partner is not this Department's to suspend.
    assert Programme.objects.get(pk=world.programme_far.pk).status == "approved"
    # Reinstating the partner resumes nothing by itself.
    services.partner_set_status(
        actor=world.department, partner=world.partner, status="active", reason="Đã xác minh"
    )
    assert Programme.objects.get(pk=world.programme_a.pk).status == "suspended"


def test_submitting_lists_the_missing_documents_with_the_broken_rules(world):
    p = world.programme_draft_a
    p.documents.all().delete()
    first = ActivitySlot.objects.filter(activity=p).order_by("id").first()
    ActivitySlot.objects.filter(pk=first.pk).update(start="08:00", end="09:00", weekday=0)
    with pytest.raises(services.RuleViolations) as error:
        transition(world, p, "submit")
    rules_broken = sorted((v.rule, v.field) for v in error.value.violations)
    assert rules_broken == [("P2", "documents"), ("P2", "documents"), ("P3", "slots")]
    p.refresh_from_db()
    assert p.status == "draft"


def test_families_without_an_address_are_counted_for_the_school(world):
    transition(world, world.programme_a, "suspend", actor=world.committee, reason="Kiểm tra")
    audit = AuditEvent.objects.get(action="programme_families_notified")
    # guardian_a has no e-mail on record, but the parent's account has one: it is used.
    assert (audit.data["reached"], audit.data["unreached"]) == (1, 0)


def test_renaming_a_partner_asks_the_families_of_its_programmes_again(world):
    partner = Partner.objects.get(pk=world.partner.pk)
    partner.legal_name = "Công ty TNHH Giáo dục Sao Việt Mới"
    services.partner_save(actor=world.department, partner=partner)
    on_roster = Enrollment.objects.get(activity=world.programme_a, student=world.student_a)
    assert on_roster.status == "needs_renewal"
    programme = Programme.objects.get(pk=world.programme_a.pk)
    assert programme.terms_hash == programme.compute_terms_hash()
    # Only programme_a had families on its roster; saving again without a change asks nobody.
    assert AuditEvent.objects.filter(action="consent_renewal_asked").count() == 1
    services.partner_save(actor=world.department, partner=partner)
    assert AuditEvent.objects.filter(action="consent_renewal_asked").count() == 1

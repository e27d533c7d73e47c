"""Many users acting on the same record at the same moment, on PostgreSQL (issue 9, item 4):
the last places of a tutoring class, a place freed while others answer, the same decision
sent twice at once, and an approval racing a suspension. Each case ends in a state a single
user acting alone could have produced: no place given twice, one history row per change of
status, and nothing but a clean refusal (a validation or permission error) for the loser.

tests/test_consent_ledger.py covers 200 parents for the 10 places of a linked programme and
one consent form sent ten times. SQLite serialises every writer, so none of this can race
there: the tests are skipped on it, and CI runs them on PostgreSQL."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from accounts.models import AuditEvent
from partnerships import rules as programme_rules
from partnerships import services as programmes
from partnerships.models import Partner, Programme, ProgrammeDocument
from schools import consent
from schools.models import (
    Activity,
    ActivitySlot,
    ConsentEvent,
    Enrollment,
    StaffMember,
    Subject,
    SubjectResult,
)
from tutoring import services as tutoring
from tutoring.models import TutoringClass

from .factories import GuardianFactory, GuardianshipFactory, StudentFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every writer, so it cannot show a race; CI runs these on "
        "PostgreSQL (DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]

CLEAN_REFUSALS = (ValidationError, PermissionDenied)


def at_once(*calls):
    """Run each call on a thread and a database connection of its own, all released by one
    barrier; the result of each, or the exception it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return call()
        except Exception as error:  # returned for the test to judge
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, call) for call in calls]]


def winners_and_losers(outcomes):
    losers = [o for o in outcomes if isinstance(o, Exception)]
    unexpected = [o for o in losers if not isinstance(o, CLEAN_REFUSALS)]
    assert not unexpected, unexpected
    return [o for o in outcomes if not isinstance(o, Exception)], losers


def history(activity):
    """The activity's status history, checked to be one unbroken chain that ends in its
    status now: every change recorded once, none missing."""
    events = list(activity.events.order_by("id").values_list("from_status", "to_status"))
    for (_before, reached), (left, _after) in zip(events, events[1:], strict=False):
        assert left == reached, events
    activity.refresh_from_db()
    assert events[-1][1] == activity.status, events
    return [to for _from, to in events]


def family(school, n, grade):
    student = StudentFactory(school=school, grade=grade, full_name=f"Trần Gia Huy {n}")
    guardian = GuardianFactory(full_name=f"Trần Văn Cha {n}", email=f"tran.{n}@example.vn")
    GuardianshipFactory(student=student, guardian=guardian)
    return student, guardian


# --- Last places --------------------------------------------------------------------------


def open_class(world, capacity):
    """An open remedial maths class of school_a for grade 7, approved by the head."""
    tc = TutoringClass.objects.create(
        school=world.school_a,
        school_year=world.year,
        title="Toán 7 – phụ đạo nhóm 2",
        subject=Subject.objects.get(code="toan"),
        grade=7,
        category="remedial",
        capacity=capacity,
        start_date=world.year.start,
        end_date=world.year.end,
        status="open",
        created_by=world.staff,
    )
    tc.teachers.set([StaffMember.objects.get(user=world.staff)])
    ActivitySlot.objects.create(
        activity=tc, weekday=2, start=datetime.time(17), end=datetime.time(18, 30), periods=2
    )
    tc.terms_hash = tc.compute_terms_hash()
    tc.save()
    return tc


def test_forty_families_answering_at_once_for_the_last_five_places_of_a_class_fill_five(world):
    places, families = 5, 40
    tc = open_class(world, places)
    # Tutoring is offered by proposal: staff proposed each student, with their result.
    proposed = []
    for n in range(families):
        student, guardian = family(world.school_a, n, grade=7)
        enrollment = Enrollment.objects.create(
            activity=tc, student=student, basis="not_achieved", status="proposed"
        )
        proposed.append((enrollment, guardian))

    outcomes = at_once(
        *[
            lambda e=enrollment, g=guardian: consent.record(
                enrollment=e, guardian=g, kind="given", channel="online", expected_last=0
            )
            for enrollment, guardian in proposed
        ]
    )

    decisions, refused = winners_and_losers(outcomes)
    assert refused == []
    statuses = dict(tc.enrollments.values_list("pk", "status"))
    assert list(statuses.values()).count("enrolled") == places
    assert list(statuses.values()).count("waiting") == families - places
    assert ConsentEvent.objects.filter(enrollment__activity=tc).count() == families
    # The five first consents hold the places; the others were told their turn, in order.
    by_event = sorted(decisions, key=lambda d: d.event.pk)
    assert [d.status for d in by_event] == ["enrolled"] * places + ["waiting"] * (families - places)
    assert [d.waiting_position for d in by_event[places:]] == list(range(1, families - places + 1))


def test_a_place_freed_while_others_answer_goes_to_one_family_only(world):
    """The programme is full (student_a holds its one place) with a waiting list: student_a
    withdraws while ten more families agree. One child ends on the roster: the first of the
    waiting list, never two, never one of the latecomers ahead of it."""
    programme = world.programme_a
    Activity.objects.filter(pk=programme.pk).update(capacity=1)
    waiting = []
    for n in range(3):
        student, guardian = family(world.school_a, n, grade=7)
        enrollment = consent.offer_enrollment(activity=programme, student=student)
        consent.record(enrollment=enrollment, guardian=guardian, kind="given", channel="online")
        waiting.append(student.pk)
    late = []
    for n in range(3, 13):
        student, guardian = family(world.school_a, n, grade=7)
        late.append((consent.offer_enrollment(activity=programme, student=student), guardian))
    holder = programme.enrollments.get(student=world.student_a)
    last = consent.latest_event(holder).pk

    outcomes = at_once(
        lambda: consent.record(
            enrollment=holder,
            guardian=world.guardian_a,
            kind="withdrawn",
            channel="online",
            expected_last=last,
        ),
        *[
            lambda e=enrollment, g=guardian: consent.record(
                enrollment=e, guardian=g, kind="given", channel="online", expected_last=0
            )
            for enrollment, guardian in late
        ],
    )

    _decisions, refused = winners_and_losers(outcomes)
    assert refused == []
    roster = list(programme.enrollments.filter(status="enrolled").values_list("student_id"))
    assert roster == [(waiting[0],)]
    assert programme.enrollments.filter(status="waiting").count() == 2 + len(late)
    promoted = AuditEvent.objects.filter(action="consent_waiting_promoted")
    assert promoted.count() == 1


# --- The same decision sent twice ---------------------------------------------------------


def submitted_class(world):
    tc = tutoring.tutoring_class_save(
        actor=world.staff,
        tutoring_class=TutoringClass(
            school=world.school_a,
            school_year=world.year,
            title="Toán 7 – phụ đạo B",
            subject=Subject.objects.get(code="toan"),
            grade=7,
            category="remedial",
            capacity=30,
            monthly_fee=0,
            start_date=datetime.date(2026, 9, 15),
            end_date=datetime.date(2027, 1, 10),
        ),
        slots=[
            ActivitySlot(weekday=2, start=datetime.time(17), end=datetime.time(18, 30), periods=2)
        ],
        teachers=[StaffMember.objects.get(user=world.staff)],
    )
    return tutoring.tutoring_class_submit(actor=world.staff, tutoring_class=tc)


def test_a_head_approving_the_same_class_twice_at_once_records_one_approval(world):
    tc = submitted_class(world)

    outcomes = at_once(
        *[lambda: tutoring.tutoring_class_approve(actor=world.principal, tutoring_class=tc)] * 6
    )

    approved, refused = winners_and_losers(outcomes)
    assert len(approved) == 1 and len(refused) == 5
    assert all(isinstance(error, ValidationError) for error in refused)
    assert history(tc) == ["draft", "submitted", "approved"]
    assert (
        AuditEvent.objects.filter(action="tutoring_class_approved", object_id=str(tc.pk)).count()
        == 1
    )


def test_a_student_proposed_twice_at_once_is_proposed_once(world):
    tc = submitted_class(world)
    tutoring.tutoring_class_approve(actor=world.principal, tutoring_class=tc)
    student, _guardian = family(world.school_a, 1, grade=7)
    # Not achieved in maths in the term that ended before the class starts.
    term = world.year.terms.first()
    term.end = datetime.date(2026, 9, 10)
    term.save()
    SubjectResult.objects.create(student=student, term=term, subject=tc.subject, achieved=False)

    outcomes = at_once(
        *[
            lambda: tutoring.enrollment_propose(
                actor=world.staff, tutoring_class=tc, student=student, basis="not_achieved"
            )
        ]
        * 5
    )

    proposed, refused = winners_and_losers(outcomes)
    assert len(proposed) == 1 and len(refused) == 4
    assert tc.enrollments.filter(student=student).count() == 1


def submitted_programme(world):
    """The head's draft programme of school_a, with every document, submitted."""
    programme = world.programme_draft_a
    ProgrammeDocument.objects.create(
        programme=programme, kind="materials", title="Học liệu", file="programme/hl.pdf"
    )
    return programmes.programme_transition(
        actor=world.principal, programme=programme, name="submit"
    )


def test_a_proposal_submitted_twice_at_once_is_submitted_once(world):
    programme = world.programme_draft_a
    ProgrammeDocument.objects.create(
        programme=programme, kind="materials", title="Học liệu", file="programme/hl.pdf"
    )

    outcomes = at_once(
        *[
            lambda: programmes.programme_transition(
                actor=world.principal, programme=programme, name="submit"
            )
        ]
        * 5
    )

    submitted, refused = winners_and_losers(outcomes)
    assert len(submitted) == 1 and len(refused) == 4
    assert history(programme) == ["draft", "submitted"]


def test_an_authority_approving_the_same_programme_twice_at_once_approves_it_once(world):
    programme = submitted_programme(world)

    outcomes = at_once(
        *[
            lambda: programmes.programme_transition(
                actor=world.committee, programme=programme, name="approve", reference="45/QĐ"
            )
        ]
        * 5
    )

    approved, refused = winners_and_losers(outcomes)
    assert len(approved) == 1 and len(refused) == 4
    assert history(programme) == ["draft", "submitted", "approved"]
    assert (
        AuditEvent.objects.filter(action="programme_approved", object_id=str(programme.pk)).count()
        == 1
    )


# --- An approval racing a suspension ------------------------------------------------------


@pytest.mark.parametrize("round_", range(3))
def test_a_programme_approved_and_suspended_at_once_ends_in_a_state_one_order_gives(world, round_):
    """Either the approval came first and the suspension followed it, or the suspension
    found nothing approved to suspend and was refused."""
    programme = submitted_programme(world)

    approve, suspend = at_once(
        lambda: programmes.programme_transition(
            actor=world.committee, programme=programme, name="approve", reference="45/QĐ"
        ),
        lambda: programmes.programme_transition(
            actor=world.department, programme=programme, name="suspend", reason="Thanh tra"
        ),
    )

    winners_and_losers([approve, suspend])
    assert not isinstance(approve, Exception)
    if isinstance(suspend, Exception):
        assert isinstance(suspend, ValidationError)
        assert history(programme) == ["draft", "submitted", "approved"]
    else:
        assert history(programme) == ["draft", "submitted", "approved", "suspended"]


def test_a_class_opened_and_suspended_at_once_ends_suspended(world):
    tc = submitted_class(world)
    tutoring.tutoring_class_approve(actor=world.principal, tutoring_class=tc)

    opened, suspended = at_once(
        lambda: tutoring.tutoring_class_open(actor=world.principal, tutoring_class=tc),
        lambda: tutoring.tutoring_class_suspend(
            actor=world.committee, tutoring_class=tc, reason="Thanh tra"
        ),
    )

    winners_and_losers([opened, suspended])
    assert not isinstance(suspended, Exception)
    steps = history(tc)
    assert steps[-1] == "suspended"
    assert steps in (
        ["draft", "submitted", "approved", "open", "suspended"],
        ["draft", "submitted", "approved", "suspended"],
    )
    assert isinstance(opened, ValidationError) == (steps[-2] == "approved")


def partner_history(partner):
    return list(partner.events.order_by("id").values_list("to_status", flat=True))


def assert_never_approved_with_a_suspended_partner(programme, partner):
    programme.refresh_from_db()
    partner.refresh_from_db()
    assert partner.status == "suspended"
    assert programme.status != "approved", history(programme)
    assert partner_history(partner) == ["active", "suspended"]


def test_a_partner_suspended_while_its_programme_is_being_approved_leaves_it_not_approved(
    world, monkeypatch
):
    """The worst interleaving, made certain: the authority's approval has checked the rules
    (the partner was active then) and has not committed yet when the Department suspends the
    partner. The programme must not end approved with a suspended partner: the approval
    holds the partner until it commits, and the partner's suspension then suspends the
    programme it approved."""
    programme = submitted_programme(world)
    checked, partner_done = threading.Event(), threading.Event()
    approving = threading.local()
    real_check = programme_rules.check_programme

    def check_then_wait(p, *args, **kwargs):
        found = real_check(p, *args, **kwargs)
        if getattr(approving, "pause", False):
            approving.pause = False
            checked.set()
            # Without the lock the partner's suspension commits meanwhile.
            partner_done.wait(timeout=2)
        return found

    monkeypatch.setattr(programme_rules, "check_programme", check_then_wait)

    def approve():
        approving.pause = True
        return programmes.programme_transition(
            actor=world.committee, programme=programme, name="approve", reference="45/QĐ"
        )

    def suspend_partner():
        checked.wait(timeout=10)
        try:
            return programmes.partner_set_status(
                actor=world.department, partner=world.partner, status="suspended", reason="Vi phạm"
            )
        finally:
            partner_done.set()

    approved, suspended = at_once(approve, suspend_partner)

    winners_and_losers([approved, suspended])
    assert not isinstance(approved, Exception) and not isinstance(suspended, Exception)
    assert_never_approved_with_a_suspended_partner(programme, world.partner)
    assert history(programme) == ["draft", "submitted", "approved", "suspended"]


@pytest.mark.parametrize("round_", range(3))
def test_a_partner_suspended_at_the_moment_its_programme_is_approved_leaves_it_not_approved(
    world, round_
):
    """The same race left to the scheduler: either the approval is refused (the partner is
    already suspended: rule P2) or the approved programme is suspended with its partner."""
    programme = submitted_programme(world)

    approved, suspended = at_once(
        lambda: programmes.programme_transition(
            actor=world.committee, programme=programme, name="approve", reference="45/QĐ"
        ),
        lambda: programmes.partner_set_status(
            actor=world.department, partner=world.partner, status="suspended", reason="Vi phạm"
        ),
    )

    winners_and_losers([approved, suspended])
    assert not isinstance(suspended, Exception)
    assert_never_approved_with_a_suspended_partner(programme, world.partner)
    if isinstance(approved, Exception):
        assert "P2" in [v.rule for v in approved.violations]
        assert history(programme) == ["draft", "submitted"]
    else:
        assert history(programme) == ["draft", "submitted", "approved", "suspended"]
    assert Partner.objects.get(pk=world.partner.pk).status == "suspended"
    assert Programme.objects.get(pk=world.programme_a.pk).status == "suspended"

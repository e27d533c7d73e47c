"""The consent ledger (issue 5, items 3-4): append-only in the database itself; one write
path that keeps the roster, the waiting list and the families' receipts in line with it;
and, on PostgreSQL, exactly the capacity accepted when many parents answer at once."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import ProtectedError

from accounts.models import Role
from schools import consent
from schools.models import Activity, ConsentEvent, Enrollment, Guardian, Student

from .conftest import _partner, _programme
from .factories import (
    GuardianFactory,
    GuardianshipFactory,
    SchoolFactory,
    SchoolYearFactory,
    StudentFactory,
    UserFactory,
)

LEDGER = "schools_consentevent"
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every writer, so it cannot show a race; the issue asks for "
    "this on PostgreSQL, which CI runs (DATABASE_URL=postgres://...)",
)


def _family(school, n, grade=7, user=False):
    """A child of the school and a parent reachable by e-mail."""
    student = StudentFactory(school=school, grade=grade, full_name=f"Đỗ Gia Bảo {n}")
    guardian = GuardianFactory(
        full_name=f"Đỗ Văn Cha {n}",
        email=f"cha.{n}@example.vn",
        user=UserFactory(username=f"cha_{n}", role=Role.PARENT) if user else None,
    )
    GuardianshipFactory(student=student, guardian=guardian)
    return student, guardian


def _answer(activity, student, guardian, kind="given", channel="online", **extra):
    """What the parent's page sends: the decision and the latest event it showed."""
    enrollment = consent.offer_enrollment(activity=activity, student=student)
    latest = consent.latest_event(enrollment)
    return consent.record(
        enrollment=enrollment,
        guardian=guardian,
        kind=kind,
        channel=channel,
        actor=guardian.user,
        expected_last=latest.pk if latest else 0,
        **extra,
    )


def _set_capacity(activity, capacity):
    Activity.objects.filter(pk=activity.pk).update(capacity=capacity)
    activity.refresh_from_db()


def _roster(activity):
    return set(
        activity.enrollments.filter(status=Enrollment.Status.ENROLLED).values_list(
            "student_id", flat=True
        )
    )


@pytest.fixture
def event_a(world):
    """student_a's paper consent to programme_a, recorded by the head."""
    return ConsentEvent.objects.get(enrollment__activity=world.programme_a)


def _snapshot(event):
    return list(ConsentEvent.objects.filter(pk=event.pk).values())


# --- The database refuses to change or remove an event ------------------------------------


def _refused(sql, params=()):
    """Send raw SQL in a savepoint, so that the test's transaction survives the refusal."""
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_the_database_refuses_to_change_a_consent_event_even_by_raw_sql(event_a):
    before = _snapshot(event_a)
    _refused(
        f"UPDATE {LEDGER} SET kind = %s, terms_hash = %s WHERE id = %s",
        ["withdrawn", "0" * 64, event_a.pk],
    )
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ConsentEvent.objects.filter(pk=event_a.pk).update(note="sửa lại")
    assert _snapshot(event_a) == before


def test_the_database_refuses_to_delete_a_consent_event_even_by_raw_sql(event_a):
    before = _snapshot(event_a)
    _refused(f"DELETE FROM {LEDGER} WHERE id = %s", [event_a.pk])
    _refused(f"DELETE FROM {LEDGER}")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        event_a.delete()
    assert _snapshot(event_a) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_the_database_refuses_to_truncate_the_ledger_directly_or_by_cascade(event_a):
    before = _snapshot(event_a)
    # Fire the checks of the foreign keys this test's transaction deferred: PostgreSQL
    # truncates no table with trigger events pending.
    connection.check_constraints()
    _refused(f"TRUNCATE {LEDGER}")
    _refused("TRUNCATE schools_enrollment CASCADE")
    assert _snapshot(event_a) == before


def test_removing_a_student_an_enrolment_or_an_activity_with_consents_on_record_is_refused(
    world, event_a
):
    enrollment = event_a.enrollment
    for obj in (enrollment, world.student_a, enrollment.activity):
        with pytest.raises(ProtectedError), transaction.atomic():
            obj.delete()
    assert _snapshot(event_a) and Enrollment.objects.filter(pk=enrollment.pk).exists()


def _small_programme(capacity):
    """An approved programme in a school of its own, without the `world` fixture (whose
    subjects a flush removes)."""
    year = SchoolYearFactory()
    programme = _programme(
        SchoolFactory(email="truong@example.vn"),
        year,
        _partner("Công ty TNHH Sao Mai", "0209999999"),
        None,
        None,
        None,
    )
    _set_capacity(programme, capacity)
    return programme


@pytest.mark.django_db(transaction=True)
def test_emptying_the_database_empties_the_ledger_and_leaves_it_guarded():
    """`manage.py flush`, also what the test runner does after each transactional test."""
    programme = _small_programme(5)
    _answer(programme, *_family(programme.school, 1))
    assert ConsentEvent.objects.count() == 1

    call_command("flush", interactive=False, verbosity=0)

    assert not ConsentEvent.objects.exists() and not Enrollment.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM schools_ledger_maintenance")
        assert cursor.fetchone() == (0,)
    programme = _small_programme(5)
    event = _answer(programme, *_family(programme.school, 2)).event
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        event.delete()
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


# --- consent.record: the roster, the waiting list, replays and refusals -------------------


def test_an_online_consent_puts_the_child_on_the_roster_and_records_who_when_how_and_what(
    world,
):
    student, guardian = _family(world.school_a, 1, user=True)
    decision = _answer(world.programme_a, student, guardian)
    assert decision.status == Enrollment.Status.ENROLLED and not decision.repeated
    assert decision.waiting_position is None
    assert student.pk in _roster(world.programme_a)
    event = ConsentEvent.objects.get(enrollment__student=student)
    assert (event.kind, event.channel, event.guardian, event.actor) == (
        "given",
        "online",
        guardian,
        guardian.user,
    )
    assert event.terms_hash == world.programme_a.terms_hash and event.at is not None


def test_when_the_places_are_taken_the_next_consents_go_to_the_waiting_list_in_order(world):
    _set_capacity(world.programme_a, 1)  # student_a holds the one place
    (second, g2), (third, g3) = _family(world.school_a, 2), _family(world.school_a, 3)
    first_waiting = _answer(world.programme_a, second, g2)
    second_waiting = _answer(world.programme_a, third, g3)
    assert (first_waiting.status, first_waiting.waiting_position) == ("waiting", 1)
    assert (second_waiting.status, second_waiting.waiting_position) == ("waiting", 2)
    assert _roster(world.programme_a) == {world.student_a.pk}


def test_a_withdrawal_takes_the_child_off_the_roster_and_gives_the_place_to_the_first_waiting(
    world,
):
    _set_capacity(world.programme_a, 1)
    (early, g_early), (late, g_late) = _family(world.school_a, 2), _family(world.school_a, 3)
    # The later family's enrolment is older (made first): the order is that of consent.
    consent.offer_enrollment(activity=world.programme_a, student=late)
    _answer(world.programme_a, early, g_early)
    _answer(world.programme_a, late, g_late)

    decision = _answer(world.programme_a, world.student_a, world.guardian_a, kind="withdrawn")

    assert decision.status == Enrollment.Status.WITHDRAWN
    assert _roster(world.programme_a) == {early.pk}
    still_waiting = world.programme_a.enrollments.get(student=late)
    assert consent.waiting_position(still_waiting) == 1
    assert ConsentEvent.objects.filter(enrollment__activity=world.programme_a).count() == 4


def test_families_who_joined_the_waiting_list_in_the_same_instant_are_told_distinct_places(
    world,
):
    _set_capacity(world.programme_a, 1)
    one, two = [_answer(world.programme_a, *_family(world.school_a, n)) for n in (2, 3)]
    tie = one.enrollment.waiting_since
    Enrollment.objects.filter(pk=two.enrollment.pk).update(waiting_since=tie)
    waiting = world.programme_a.enrollments.filter(status="waiting").order_by("pk")
    assert [consent.waiting_position(e) for e in waiting] == [1, 2]

    # The one told "1" is the one who gets the place that frees.
    _answer(world.programme_a, world.student_a, world.guardian_a, kind="withdrawn")
    assert _roster(world.programme_a) == {waiting[0].student_id}


def test_a_double_click_or_a_resent_form_records_one_event(world):
    student, guardian = _family(world.school_a, 1)
    enrollment = consent.offer_enrollment(activity=world.programme_a, student=student)
    form = {"enrollment": enrollment, "guardian": guardian, "channel": "online"}
    first = consent.record(**form, kind="given", expected_last=0)
    again = consent.record(**form, kind="given", expected_last=0)
    assert not first.repeated and again.repeated
    assert again.event == first.event and again.status == Enrollment.Status.ENROLLED
    assert enrollment.consent_events.count() == 1


def test_a_stale_form_whose_answer_has_since_changed_records_nothing(world):
    student, guardian = _family(world.school_a, 1)
    enrollment = consent.offer_enrollment(activity=world.programme_a, student=student)
    consent.record(
        enrollment=enrollment, guardian=guardian, kind="given", channel="online", expected_last=0
    )
    with pytest.raises(consent.LedgerMoved):
        consent.record(
            enrollment=enrollment,
            guardian=guardian,
            kind="declined",
            channel="online",
            expected_last=0,
        )
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ENROLLED
    assert list(enrollment.consent_events.values_list("kind", flat=True)) == ["given"]


def test_someone_who_is_not_the_childs_guardian_is_refused_and_nothing_is_recorded(world):
    student, _guardian = _family(world.school_a, 1)
    stranger = world.student_b.guardians.get()
    enrollment = consent.offer_enrollment(activity=world.programme_a, student=student)
    with pytest.raises(PermissionDenied):
        consent.record(
            enrollment=enrollment,
            guardian=stranger,
            kind="given",
            channel="online",
            expected_last=0,
        )
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.PROPOSED
    assert not enrollment.consent_events.exists()


@pytest.mark.parametrize("status", ["suspended", "submitted"])
def test_no_consent_is_taken_for_a_suspended_or_unapproved_programme_but_withdrawal_works(
    world, status
):
    Activity.objects.filter(pk=world.programme_a.pk).update(status=status)
    student, guardian = _family(world.school_a, 1)
    with pytest.raises(ValidationError):
        _answer(world.programme_a, student, guardian)
    assert not ConsentEvent.objects.filter(enrollment__student=student).exists()

    decision = _answer(world.programme_a, world.student_a, world.guardian_a, kind="withdrawn")
    assert decision.status == Enrollment.Status.WITHDRAWN
    assert _roster(world.programme_a) == set()


def test_withdrawing_with_no_consent_in_force_is_refused(world):
    student, guardian = _family(world.school_a, 1)
    with pytest.raises(ValidationError):
        _answer(world.programme_a, student, guardian, kind="withdrawn")
    _answer(world.programme_a, student, guardian, kind="declined")
    with pytest.raises(ValidationError):
        _answer(world.programme_a, student, guardian, kind="withdrawn")
    assert list(
        ConsentEvent.objects.filter(enrollment__student=student).values_list("kind", flat=True)
    ) == ["declined"]


def test_a_change_of_terms_asks_the_families_again_and_emails_them_after_commit(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    _set_capacity(world.programme_a, 1)
    waiting, g_waiting = _family(world.school_a, 2)
    _answer(world.programme_a, waiting, g_waiting)
    mailoutbox.clear()
    programme = world.programme_a
    previous = programme.terms_hash
    programme.monthly_fee = 450_000
    programme.terms_hash = programme.compute_terms_hash()
    programme.save()

    with django_capture_on_commit_callbacks(execute=True):
        asked = consent.terms_changed(activity=programme, previous_hash=previous)
        assert mailoutbox == []  # nothing leaves before the change is committed

    assert asked == 2
    assert set(programme.enrollments.values_list("status", flat=True)) == {"needs_renewal"}
    assert not programme.enrollments.filter(waiting_since__isnull=False).exists()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([world.parent.email, g_waiting.email])
    assert all(programme.title in m.subject for m in mailoutbox)
    assert consent.terms_changed(activity=programme, previous_hash=programme.terms_hash) == 0

    # Agreeing to the new terms puts the child back, first come first served.
    renewed = _answer(programme, waiting, g_waiting)
    assert renewed.status == Enrollment.Status.ENROLLED and not renewed.repeated
    assert renewed.event.terms_hash == programme.terms_hash != previous


def test_parents_get_a_receipt_and_the_school_hears_of_a_withdrawal(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    world.school_a.email = "thcs.hongbang@example.vn"
    world.school_a.save()
    student, guardian = _family(world.school_a, 1)
    with django_capture_on_commit_callbacks(execute=True):
        _answer(world.programme_a, student, guardian)
    (receipt,) = mailoutbox
    assert receipt.to == [guardian.email]
    assert world.programme_a.title in receipt.subject and student.full_name in receipt.body

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _answer(world.programme_a, world.student_a, world.guardian_a, kind="withdrawn")
    assert sorted(m.to[0] for m in mailoutbox) == [world.parent.email, world.school_a.email]
    notice = next(m for m in mailoutbox if m.to == [world.school_a.email])
    assert world.student_a.full_name in notice.subject + notice.body


def test_a_paper_consent_recorded_by_staff_sends_no_online_receipt(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    student, guardian = _family(world.school_a, 1)
    enrollment = consent.offer_enrollment(activity=world.programme_a, student=student)
    with django_capture_on_commit_callbacks(execute=True):
        decision = consent.record(
            enrollment=enrollment,
            guardian=guardian,
            kind="given",
            channel="paper",
            actor=world.staff,
            scan="consent/form.pdf",
        )
    assert decision.event.actor == world.staff and decision.event.channel == "paper"
    assert mailoutbox == []


def test_offers_are_made_only_for_linked_programmes_to_students_of_the_school_and_grades(world):
    with pytest.raises(PermissionDenied):
        consent.offer_enrollment(activity=world.class_a, student=world.student_a)
    with pytest.raises(PermissionDenied):
        consent.offer_enrollment(activity=world.programme_a, student=world.student_b)
    Activity.objects.filter(pk=world.programme_a.pk).update(grade_min=8, grade_max=9)
    world.programme_a.refresh_from_db()
    student, _guardian = _family(world.school_a, 1, grade=7)
    with pytest.raises(PermissionDenied):
        consent.offer_enrollment(activity=world.programme_a, student=student)
    assert not Enrollment.objects.filter(student__in=[world.student_b, student]).exists()


# --- Many parents at once (PostgreSQL) -----------------------------------------------------


def _in_own_connection(work):
    """Run `work` as a request would: on this thread's own connection, closed at the end."""

    def run(*args):
        try:
            return work(*args)
        finally:
            connections.close_all()

    return run


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_hundred_parents_answering_at_once_for_ten_places_fill_exactly_ten(mailoutbox):
    places, families, workers = 10, 200, 32
    programme = _small_programme(places)
    school = programme.school
    pairs = [_family(school, n) for n in range(families)]
    ids = [(student.pk, guardian.pk) for student, guardian in pairs]
    go = threading.Event()

    @_in_own_connection
    def parent(student_id, guardian_id):
        go.wait()
        student = Student.objects.get(pk=student_id)
        guardian = Guardian.objects.get(pk=guardian_id)
        decision = _answer(programme, student, guardian)
        return decision.event.pk, decision.status, decision.waiting_position

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(parent, *pair) for pair in ids]
        go.set()
        answers = [f.result() for f in futures]  # re-raises any thread's exception
    seconds = time.monotonic() - started

    enrollments = programme.enrollments.all()
    assert enrollments.filter(status=Enrollment.Status.ENROLLED).count() == places
    assert enrollments.filter(status=Enrollment.Status.WAITING).count() == families - places
    assert ConsentEvent.objects.filter(enrollment__activity=programme).count() == families
    assert ConsentEvent.objects.count() == families  # no lost, no extra event
    assert sorted(e for e, _s, _p in answers) == sorted(
        ConsentEvent.objects.values_list("pk", flat=True)
    )
    # First come, first served: the ten first events hold the places; each later one was
    # told its place in the queue, 1 to 190 in the order of the events.
    by_event = sorted(answers)
    assert [s for _e, s, _p in by_event] == ["enrolled"] * places + ["waiting"] * (
        families - places
    )
    assert [p for _e, _s, p in by_event[places:]] == list(range(1, families - places + 1))
    waiting = sorted(
        enrollments.filter(status=Enrollment.Status.WAITING),
        key=lambda e: consent.latest_event(e).pk,
    )
    assert [consent.waiting_position(e) for e in waiting] == list(range(1, families - places + 1))
    assert len(mailoutbox) == families  # a receipt to each family, sent after commit
    print(f"\n{families} parents, {places} places, {workers} threads: {seconds:.2f} s")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_ten_times_at_once_records_one_event():
    programme = _small_programme(5)
    student, guardian = _family(programme.school, 1)
    enrollment = consent.offer_enrollment(activity=programme, student=student)
    go = threading.Event()

    @_in_own_connection
    def click(_n):
        go.wait()
        return consent.record(
            enrollment=enrollment,
            guardian=guardian,
            kind="given",
            channel="online",
            expected_last=0,
        ).repeated

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(click, n) for n in range(10)]
        go.set()
        repeated = [f.result() for f in futures]
    assert sorted(repeated) == [False] + [True] * 9
    assert enrollment.consent_events.count() == 1
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ENROLLED

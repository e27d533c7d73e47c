"""Coercion-risk signals (issue 5, item 6): each signal flags what it should and only that,
the list is sorted by risk, scoped to the user, computed in a constant number of queries,
and shown to heads, People's Committees and the Department only."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from schools import risk
from schools.models import Activity, ActivityEvent, ConsentEvent, Enrollment
from schools.services import role_grant

from .conftest import _programme, client_for
from .factories import GuardianFactory, GuardianshipFactory, StudentFactory, UserFactory

STAFF_CHANNELS = {"paper", "phone"}


def _flags(user) -> dict:
    """The flagged activities ``user`` sees, by title, with their messages in English."""
    with translation.override("en"):
        return {f.activity.title: f for f in risk.flagged_activities(user)}


def _codes(user, activity) -> list[str]:
    flagged = _flags(user).get(activity.title)
    return flagged.codes if flagged else []


def _new_programme(world, title, school=None, actor=None):
    """A programme for grades 6-9 approved a month ago, with nobody on its roster yet."""
    school = school or world.school_a
    programme = _programme(school, world.year, world.partner, actor or world.principal, None, None)
    Activity.objects.filter(pk=programme.pk).update(title=title, capacity=500)
    ActivityEvent.objects.filter(activity=programme).update(
        at=timezone.now() - datetime.timedelta(days=30)
    )
    programme.refresh_from_db()
    return programme


def _families(school, n, homeroom=None, grade=7):
    """``n`` students, each with a guardian; each in a class of their own unless
    ``homeroom`` is given (classes under ten students never flag a share)."""
    families = []
    for i in range(n):
        student = StudentFactory(school=school, grade=grade, homeroom=homeroom or f"7X{i}")
        guardian = GuardianFactory()
        GuardianshipFactory(student=student, guardian=guardian)
        families.append((student, guardian))
    return families


def _answer(activity, student, guardian, kind="given", channel="online", terms=None):
    """A consent event as the ledger records it, with the enrolment's status in line."""
    enrollment, _ = Enrollment.objects.get_or_create(
        activity=activity, student=student, defaults={"basis": "voluntary"}
    )
    ConsentEvent.objects.create(
        enrollment=enrollment,
        kind=kind,
        guardian=guardian,
        channel=channel,
        terms_hash=activity.terms_hash if terms is None else terms,
        scan="consent/demo.pdf" if channel == "paper" else "",
    )
    status = {"given": "enrolled", "declined": "declined", "withdrawn": "withdrawn"}[kind]
    Enrollment.objects.filter(pk=enrollment.pk).update(status=status)
    return enrollment


def _agree(activity, families, channel="online"):
    for student, guardian in families:
        _answer(activity, student, guardian, channel=channel)


# --- The world as the fixture makes it ---------------------------------------------------


def test_the_lawful_world_shows_no_sign(world):
    for user in (world.department, world.committee, world.principal):
        assert _flags(user) == {}


# --- (1) Share of a homeroom class on the roster -----------------------------------------


def test_nine_of_ten_students_of_a_class_on_the_roster_is_flagged(world):
    programme = _new_programme(world, "Tiếng Anh 7A2")
    families = _families(world.school_a, 10, homeroom="7A2")
    _agree(programme, families[:9])
    flagged = _flags(world.principal)["Tiếng Anh 7A2"]
    assert flagged.codes == ["homeroom_share"]
    assert "7A2: 9 of 10 students (90%)" in flagged.reasons[0].message


def test_eight_of_ten_students_of_a_class_is_not_flagged(world):
    programme = _new_programme(world, "Tiếng Anh 7A2")
    _agree(programme, _families(world.school_a, 10, homeroom="7A2")[:8])
    assert _codes(world.principal, programme) == []


def test_a_class_under_ten_students_is_left_out(world):
    programme = _new_programme(world, "Tiếng Anh 7A3")
    _agree(programme, _families(world.school_a, 9, homeroom="7A3"))
    assert _codes(world.principal, programme) == []


def test_the_share_threshold_is_a_setting(world, settings):
    programme = _new_programme(world, "Tiếng Anh 7A2")
    _agree(programme, _families(world.school_a, 10, homeroom="7A2")[:9])
    settings.COERCION_SHARE_THRESHOLD = 0.95
    assert _codes(world.principal, programme) == []
    settings.COERCION_SHARE_THRESHOLD = 0.8
    assert _codes(world.principal, programme) == ["homeroom_share"]


def test_exactly_the_threshold_is_flagged_without_rounding_errors(world, settings):
    # 63 of 70 is exactly 90%, but 70 * 0.9 is 63.00000000000001 in floating point.
    programme = _new_programme(world, "Tiếng Anh 7A4")
    _agree(programme, _families(world.school_a, 70, homeroom="7A4")[:63])
    assert "homeroom_share" in _codes(world.principal, programme)  # (and a burst)


def test_students_of_other_grades_and_those_who_left_do_not_count(world):
    programme = _new_programme(world, "Tiếng Anh 7A2")
    Activity.objects.filter(pk=programme.pk).update(grade_min=7, grade_max=7)
    _agree(programme, _families(world.school_a, 9, homeroom="7A2"))
    # A grade-8 student repeating in the class, and one who transferred: neither is one of
    # the class's students of grade 7, so 9 of 9 is under ten and not a share.
    _families(world.school_a, 1, homeroom="7A2", grade=8)
    ((gone, _guardian),) = _families(world.school_a, 1, homeroom="7A2")
    gone.status = "transferred"
    gone.save()
    assert _codes(world.principal, programme) == []


def test_every_flagged_class_is_named_but_counted_once_in_the_score(world):
    programme = _new_programme(world, "Tiếng Anh khối 7")
    # Half on paper, half online: neither mostly recorded by staff nor a burst.
    _agree(programme, _families(world.school_a, 10, homeroom="7A2"), channel="paper")
    _agree(programme, _families(world.school_a, 10, homeroom="7A3"))
    flagged = _flags(world.principal)["Tiếng Anh khối 7"]
    assert [r.code for r in flagged.reasons] == ["homeroom_share", "homeroom_share"]
    assert "7A2" in flagged.reasons[0].message and "7A3" in flagged.reasons[1].message
    assert flagged.score == risk.WEIGHTS["homeroom_share"]


# --- (2) Consents recorded by staff rather than parents ----------------------------------


def test_most_consents_recorded_by_staff_is_flagged(world):
    programme = _new_programme(world, "STEM")
    families = _families(world.school_a, 12)
    _agree(programme, families[:7], channel="paper")
    _agree(programme, families[7:10], channel="phone")
    _agree(programme, families[10:], channel="online")
    flagged = _flags(world.principal)["STEM"]
    assert flagged.codes == ["staff_recorded"]
    assert "10 of 12" in flagged.reasons[0].message


def test_half_recorded_by_staff_or_too_few_is_not_flagged(world):
    half = _new_programme(world, "STEM nửa")
    families = _families(world.school_a, 10)
    _agree(half, families[:5], channel="paper")
    _agree(half, families[5:], channel="link")
    few = _new_programme(world, "STEM ít")
    _agree(few, _families(world.school_a, 9), channel="paper")
    assert _codes(world.principal, half) == []
    assert _codes(world.principal, few) == []


def test_only_consents_in_force_count_as_recorded_by_staff(world):
    programme = _new_programme(world, "STEM")
    families = _families(world.school_a, 10)
    _agree(programme, families, channel="paper")
    for student, guardian in families[:3]:
        _answer(programme, student, guardian, kind="withdrawn")
    # 7 paper consents in force: under the minimum of 10.
    assert _codes(world.principal, programme) == []


# --- (3) Consents before approval --------------------------------------------------------


def test_a_consent_before_the_approval_is_flagged(world):
    programme = _new_programme(world, "Kỹ năng sống")
    ((student, guardian),) = _families(world.school_a, 1)
    _answer(programme, student, guardian)
    approved = timezone.now() + datetime.timedelta(hours=1)
    ActivityEvent.objects.filter(activity=programme).update(at=approved)
    flagged = _flags(world.principal)["Kỹ năng sống"]
    assert flagged.codes == ["before_approval"]
    assert timezone.localtime(approved).strftime("%d/%m/%Y") in flagged.reasons[0].message


def test_a_consent_after_the_approval_is_not_flagged(world):
    programme = _new_programme(world, "Kỹ năng sống")
    ((student, guardian),) = _families(world.school_a, 1)
    _answer(programme, student, guardian)
    ActivityEvent.objects.filter(activity=programme).update(
        at=timezone.now() - datetime.timedelta(days=1)
    )
    assert _codes(world.principal, programme) == []


def test_opening_a_tutoring_class_is_its_approval(world):
    tc = world.class_a
    ActivityEvent.objects.filter(activity=tc).update(at=timezone.now() + datetime.timedelta(days=1))
    assert _codes(world.principal, tc) == ["before_approval"]


# --- (4) Bursts --------------------------------------------------------------------------


def _agree_at(programme, families, start, step, channel="online"):
    for i, (student, guardian) in enumerate(families):
        with mock.patch("django.utils.timezone.now", return_value=start + i * step):
            _answer(programme, student, guardian, channel=channel)


def test_twenty_online_consents_within_ten_minutes_is_a_burst(world):
    programme = _new_programme(world, "Toán tư duy")
    start = timezone.now() - datetime.timedelta(days=2)
    # 25 parents, one every 29 seconds: twenty of them within 9 min 11 s.
    _agree_at(programme, _families(world.school_a, 25), start, datetime.timedelta(seconds=29))
    flagged = _flags(world.principal)["Toán tư duy"]
    assert flagged.codes == ["burst"]
    assert "20 or more consents given online within 10 minutes" in flagged.reasons[0].message


def test_consents_spread_over_time_are_not_a_burst(world):
    programme = _new_programme(world, "Toán tư duy")
    start = timezone.now() - datetime.timedelta(days=2)
    # One every 32 seconds: twenty span 10 min 8 s.
    _agree_at(programme, _families(world.school_a, 25), start, datetime.timedelta(seconds=32))
    assert _codes(world.principal, programme) == []


def test_nineteen_at_once_is_not_a_burst(world):
    programme = _new_programme(world, "Toán tư duy")
    _agree(programme, _families(world.school_a, 19))
    assert _codes(world.principal, programme) == []


def test_paper_forms_typed_in_at_once_are_not_a_burst(world):
    programme = _new_programme(world, "Toán tư duy")
    _agree(programme, _families(world.school_a, 25), channel="paper")
    assert _codes(world.principal, programme) == ["staff_recorded"]


def test_bursts_of_two_activities_are_told_apart(world):
    first = _new_programme(world, "Toán tư duy")
    second = _new_programme(world, "Tiếng Anh")
    start = timezone.now() - datetime.timedelta(days=2)
    families = _families(world.school_a, 20)
    step = datetime.timedelta(seconds=10)
    # Interleaved: 20 answers within 7 minutes, but only 10 for each activity.
    for i, (student, guardian) in enumerate(families):
        with mock.patch("django.utils.timezone.now", return_value=start + i * step):
            _answer(first if i % 2 else second, student, guardian)
    assert _codes(world.principal, first) == []
    assert _codes(world.principal, second) == []


# --- (5) Withdrawals soon after the start ------------------------------------------------


def _start(activity, days_ago):
    start = timezone.localdate() - datetime.timedelta(days=days_ago)
    Activity.objects.filter(pk=activity.pk).update(start_date=start)


def _withdraw(activity, families):
    for student, guardian in families:
        _answer(activity, student, guardian)
        _answer(activity, student, guardian, kind="withdrawn")


def test_three_withdrawals_in_the_first_two_weeks_are_flagged(world):
    programme = _new_programme(world, "Tin học")
    _start(programme, 13)
    _withdraw(programme, _families(world.school_a, 3))
    flagged = _flags(world.principal)["Tin học"]
    assert flagged.codes == ["early_withdrawals"]
    assert "3 withdrawals within 14 days" in flagged.reasons[0].message


def test_two_withdrawals_or_later_ones_are_not_flagged(world):
    two = _new_programme(world, "Tin học hai")
    _start(two, 2)
    _withdraw(two, _families(world.school_a, 2))
    later = _new_programme(world, "Tin học muộn")
    _start(later, 14)
    _withdraw(later, _families(world.school_a, 3))
    before = _new_programme(world, "Tin học trước")
    _start(before, -3)  # starts in three days: families changing their minds before it
    _withdraw(before, _families(world.school_a, 3))
    for programme in (two, later, before):
        assert _codes(world.principal, programme) == [], programme.title


# --- (6) On the roster without a consent in force ----------------------------------------


def test_students_on_the_roster_without_a_consent_in_force_are_flagged(world):
    programme = _new_programme(world, "Bóng rổ")
    (no_event, _g1), (old_terms, g2), (withdrew, g3), (fine, g4) = _families(world.school_a, 4)
    Enrollment.objects.create(
        activity=programme, student=no_event, basis="voluntary", status="enrolled"
    )
    _answer(programme, old_terms, g2, terms="0" * 64)
    _answer(programme, withdrew, g3)
    _answer(programme, withdrew, g3, kind="withdrawn")
    Enrollment.objects.filter(student=withdrew).update(status="enrolled")  # behind the ledger
    _answer(programme, fine, g4)
    flagged = _flags(world.principal)["Bóng rổ"]
    assert flagged.codes == ["without_consent"]
    assert flagged.reasons[0].message.startswith("3 students on the roster")


def test_a_consent_given_again_for_the_new_terms_is_in_force(world):
    programme = _new_programme(world, "Bóng rổ")
    ((student, guardian),) = _families(world.school_a, 1)
    _answer(programme, student, guardian, terms="0" * 64)
    _answer(programme, student, guardian)
    assert _codes(world.principal, programme) == []


def test_students_waiting_or_asked_to_renew_are_not_on_the_roster(world):
    programme = _new_programme(world, "Bóng rổ")
    (waiting, g1), (renewal, g2) = _families(world.school_a, 2)
    _answer(programme, waiting, g1, terms="0" * 64)
    _answer(programme, renewal, g2, terms="0" * 64)
    Enrollment.objects.filter(student=waiting).update(status="waiting")
    Enrollment.objects.filter(student=renewal).update(status="needs_renewal")
    assert _codes(world.principal, programme) == []


# --- (7) Signals from other apps (complaints, issue 6) -----------------------------------


def test_other_apps_add_their_reasons_through_the_providers(world, monkeypatch):
    def complaints(live, user):
        assert user == world.principal
        return [
            (a.pk, risk.Reason("complaints", "2 complaints", 4))
            for a in live.filter(pk=world.programme_a.pk)
        ]

    monkeypatch.setattr(risk, "REASON_PROVIDERS", [complaints])
    flagged = _flags(world.principal)[world.programme_a.title]
    assert flagged.codes == ["complaints"] and flagged.score == 4
    # A provider is handed only the user's own live activities.
    monkeypatch.setattr(
        risk, "REASON_PROVIDERS", [lambda live, user: complaints(live, world.principal)]
    )
    assert world.programme_a.title not in _flags(world.far_committee)


# --- The list ----------------------------------------------------------------------------


def test_the_list_is_sorted_by_score_then_title(world):
    # Score 5 (students without consent), titled to come last alphabetically.
    roster = _new_programme(world, "Vẽ")
    ((student, _g),) = _families(world.school_a, 1)
    Enrollment.objects.create(
        activity=roster, student=student, basis="voluntary", status="enrolled"
    )
    # Score 5 as well (share 3 + staff 2), titled to come first.
    both = _new_programme(world, "Âm nhạc")
    _agree(both, _families(world.school_a, 10, homeroom="7A2"), channel="paper")
    # Score 4 (a consent before the approval).
    early = _new_programme(world, "Cờ vua")
    ((student, guardian),) = _families(world.school_a, 1)
    _answer(early, student, guardian)
    ActivityEvent.objects.filter(activity=early).update(
        at=timezone.now() + datetime.timedelta(hours=1)
    )
    # Outside the live ones: a draft with a student on its roster without consent.
    draft = world.programme_draft_a
    Enrollment.objects.create(
        activity=draft, student=world.student_a, basis="voluntary", status="enrolled"
    )
    flagged = risk.flagged_activities(world.principal)
    assert [(f.activity.title, f.score) for f in flagged] == [
        ("Âm nhạc", 5),
        ("Vẽ", 5),
        ("Cờ vua", 4),
    ]


def test_another_area_and_another_school_do_not_see_the_activity(world):
    programme = _new_programme(world, "Bóng rổ")
    Enrollment.objects.create(
        activity=programme, student=world.student_a, basis="voluntary", status="enrolled"
    )
    committee_b = UserFactory()
    role_grant(actor=None, user=committee_b, role=Role.COMMITTEE, unit=world.area_b)
    principal_b = UserFactory()
    role_grant(actor=None, user=principal_b, role=Role.PRINCIPAL, school=world.school_b)
    for user in (world.department, world.committee, world.principal):
        assert "Bóng rổ" in _flags(user), user.role
    for user in (committee_b, principal_b, world.far_committee, world.far_principal):
        assert "Bóng rổ" not in _flags(user), user


def _flag_everything(world, title, school):
    """An activity showing every signal but the burst: students without consent, consents
    before the approval, a full class, most recorded on paper, early withdrawals."""
    programme = _new_programme(world, title, school=school)
    _agree(programme, _families(school, 10, homeroom=f"H-{title}"), channel="paper")
    Enrollment.objects.create(
        activity=programme,
        student=StudentFactory(school=school),
        basis="voluntary",
        status="enrolled",
    )
    _start(programme, 1)
    _withdraw(programme, _families(school, 3))
    ActivityEvent.objects.filter(activity=programme).update(
        at=timezone.now() + datetime.timedelta(hours=1)
    )
    return programme


def test_the_number_of_queries_does_not_grow_with_the_activities(world):
    def department():
        return type(world.department).objects.get(pk=world.department.pk)  # as a request

    _flag_everything(world, "Đầu tiên", world.school_a)
    with CaptureQueriesContext(connection) as few:
        assert len(risk.flagged_activities(department())) == 1
    for n in range(6):
        _flag_everything(world, f"Thêm {n}", world.school_b if n % 2 else world.upper_a)
    with CaptureQueriesContext(connection) as many:
        flagged = risk.flagged_activities(department())
    assert len(flagged) == 7
    assert {"without_consent", "before_approval", "homeroom_share", "staff_recorded"} <= set(
        flagged[0].codes
    )
    assert len(many) == len(few)


# --- The page ----------------------------------------------------------------------------


@pytest.fixture
def risky(world):
    """programme_a with a student of school A on its roster without consent."""
    ((student, _g),) = _families(world.school_a, 1)
    Enrollment.objects.create(
        activity=world.programme_a, student=student, basis="voluntary", status="enrolled"
    )
    return world.programme_a


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.COMMITTEE, Role.DEPARTMENT])
def test_the_page_lists_the_flagged_activity_for_heads_and_authorities(world, risky, role):
    response = client_for(world.users[role]).get(reverse("schools:risk"))
    assert response.status_code == 200
    page = response.content.decode()
    assert risky.get_absolute_url() in page
    assert world.school_a.name in page
    assert "without_consent" not in page  # the reason's words, not its code
    assert page.count("<li>") >= 1


@pytest.mark.parametrize("role", [Role.STAFF, Role.INSPECTOR, Role.PARENT])
def test_staff_inspectors_and_parents_have_no_risk_page(world, risky, role):
    assert client_for(world.users[role]).get(reverse("schools:risk")).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(world):
    response = Client().get(reverse("schools:risk"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_page_says_when_nothing_shows_a_sign(world):
    page = client_for(world.committee).get(reverse("schools:risk")).content.decode()
    assert world.programme_a.get_absolute_url() not in page
    assert 'class="empty"' in page


def test_the_page_filters_by_school(world, risky):
    upper = _new_programme(world, "Tiếng Anh THPT", school=world.upper_a)
    Enrollment.objects.create(
        activity=upper, student=world.student_upper_a, basis="voluntary", status="enrolled"
    )
    client = client_for(world.department)
    page = client.get(reverse("schools:risk")).content.decode()
    assert risky.get_absolute_url() in page and upper.get_absolute_url() in page
    page = client.get(reverse("schools:risk"), {"school": world.upper_a.pk}).content.decode()
    assert risky.get_absolute_url() not in page and upper.get_absolute_url() in page
    # An id beyond any row is ignored, never a server error.
    assert client.get(reverse("schools:risk"), {"school": "9" * 30}).status_code == 200


def test_the_page_is_paginated(world):
    for n in range(risk_views_page_size() + 1):
        programme = _new_programme(world, f"Lớp {n:02d}")
        Enrollment.objects.create(
            activity=programme,
            student=StudentFactory(school=world.school_a),
            basis="voluntary",
            status="enrolled",
        )
    client = client_for(world.principal)
    first = client.get(reverse("schools:risk")).content.decode()
    second = client.get(reverse("schools:risk"), {"page": 2}).content.decode()
    assert "Lớp 00" in first and "Lớp 25" not in first
    assert "Lớp 25" in second


def risk_views_page_size():
    from schools.risk_views import PAGE_SIZE

    return PAGE_SIZE


def test_the_page_runs_a_constant_number_of_queries(world):
    client = client_for(world.department)
    url = reverse("schools:risk")
    _flag_everything(world, "Đầu tiên", world.school_a)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    for n in range(5):
        _flag_everything(world, f"Thêm {n}", world.school_b)
    assert count() == few


def test_menu_and_home_task_for_those_who_may_see_it(world, risky):
    url = reverse("schools:risk")
    for role in (Role.PRINCIPAL, Role.COMMITTEE, Role.DEPARTMENT):
        page = client_for(world.users[role]).get(reverse("schools:home")).content.decode()
        # Once in the menu, once as a task.
        assert page.count(f'href="{url}"') == 2, role
    for role in (Role.STAFF, Role.INSPECTOR, Role.PARENT):
        page = client_for(world.users[role]).get(reverse("schools:home")).content.decode()
        assert f'href="{url}"' not in page, role


def test_no_home_task_when_nothing_shows_a_sign(world):
    page = client_for(world.principal).get(reverse("schools:home")).content.decode()
    assert page.count(f'href="{reverse("schools:risk")}"') == 1  # the menu only


# --- Kept between requests --------------------------------------------------------------


def test_the_page_and_the_home_task_use_the_kept_signals_with_their_time(world, risky, settings):
    settings.FIGURES_CACHE_SECONDS = 300
    client = client_for(world.department)
    first = client.get(reverse("schools:risk"))
    assert first.context["computed_at"] is not None
    assert "data-computed-at" in first.content.decode()
    with mock.patch.object(risk, "flagged_among", side_effect=AssertionError("counted again")):
        again = client.get(reverse("schools:risk"))
        home = client.get(reverse("schools:home")).content.decode()
        # Each user's own: the committee's are counted for the committee.
        with pytest.raises(AssertionError, match="counted again"):
            client_for(world.committee).get(reverse("schools:risk"))
    assert risky.get_absolute_url() in again.content.decode()
    assert again.context["computed_at"] == first.context["computed_at"]
    assert home.count(f'href="{reverse("schools:risk")}"') == 2  # the menu and the task


def test_consents_before_approval_are_found_whatever_the_slice_of_ids(world, monkeypatch):
    programmes = [_new_programme(world, f"Sớm {n}") for n in range(3)]
    for programme in programmes:
        ((student, guardian),) = _families(world.school_a, 1)
        _answer(programme, student, guardian)
        ActivityEvent.objects.filter(activity=programme).update(
            at=timezone.now() + datetime.timedelta(hours=1)
        )
    monkeypatch.setattr(risk, "ID_SLICE", 1)
    flags = _flags(world.principal)
    assert all(flags[p.title].codes == ["before_approval"] for p in programmes)


def test_stale_signals_are_shown_at_once_and_looked_for_again_by_a_worker(world, settings):
    from django_tasks import default_task_backend

    from schools.tasks import recount

    settings.FIGURES_CACHE_SECONDS = 300
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = client_for(world.department)
    assert client.get(reverse("schools:risk")).context["page"].object_list == []
    ((student, _g),) = _families(world.school_a, 1)
    Enrollment.objects.create(
        activity=world.programme_a, student=student, basis="voluntary", status="enrolled"
    )
    later = timezone.now() + datetime.timedelta(seconds=301)
    with mock.patch("schools.kept.timezone.now", return_value=later):
        stale = client.get(reverse("schools:risk"))
    assert list(stale.context["page"].object_list) == []
    [queued] = default_task_backend.results
    assert queued.args[0] == "schools.risk.flagged_activities"
    recount.call(*queued.args)
    [flagged] = client.get(reverse("schools:risk")).context["page"].object_list
    assert flagged.activity.pk == world.programme_a.pk

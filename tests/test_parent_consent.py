"""A family decides online, signed in or through a personal link: what they see, what is
recorded, what the school then sees; and every way of acting for another family refused."""

import time
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from partnerships.models import Programme
from schools.models import ConsentEvent, Enrollment
from schools.parent_views import LINK_SALT, link_for
from tests.conftest import client_for
from tests.factories import GuardianFactory, GuardianshipFactory, StudentFactory


def child_url(student):
    return reverse("schools:child", args=[student.pk])


def decide_url(student, activity):
    return reverse("schools:consent_decide", args=[student.pk, activity.pk])


def latest_id(activity, student):
    enrollment = Enrollment.objects.get(activity=activity, student=student)
    return enrollment.consent_events.order_by("-id").first().pk


def test_a_parent_sees_what_is_offered_to_their_child(world):
    page = client_for(world.parent).get(child_url(world.student_a))
    assert page.status_code == 200
    offered = {o.activity.pk for o in page.context["offers"]}
    # The class the child was proposed for, the programme they joined; not a draft.
    assert {world.class_a.pk, world.programme_a.pk} <= offered
    assert world.programme_draft_a.pk not in offered
    html = page.content.decode()
    assert world.partner.legal_name in html and "45/QĐ-UBND" in html


def test_a_parent_cannot_open_or_act_for_another_familys_child(world):
    client = client_for(world.parent)
    assert client.get(child_url(world.student_b)).status_code == 404
    response = client.post(
        decide_url(world.student_b, world.programme_a), {"kind": "given", "expected_last": "0"}
    )
    assert response.status_code == 404
    assert not ConsentEvent.objects.filter(enrollment__student=world.student_b).exists()


def test_staff_who_see_the_child_still_cannot_decide_for_the_family(world):
    response = client_for(world.staff).post(
        decide_url(world.student_a, world.programme_a), {"kind": "withdrawn", "expected_last": "0"}
    )
    assert response.status_code == 403


def test_withdrawing_online_takes_the_child_off_the_roster_and_the_school_sees_it(world):
    client = client_for(world.parent)
    response = client.post(
        decide_url(world.student_a, world.programme_a),
        {"kind": "withdrawn", "expected_last": latest_id(world.programme_a, world.student_a)},
    )
    done_url = reverse("schools:consent_done", args=[world.student_a.pk])
    assert response.url.startswith(f"{done_url}?receipt=")
    enrollment = Enrollment.objects.get(activity=world.programme_a, student=world.student_a)
    assert enrollment.status == "withdrawn"
    event = enrollment.consent_events.order_by("-id").first()
    assert (event.kind, event.channel, event.actor, event.guardian) == (
        "withdrawn",
        "online",
        world.parent,
        world.guardian_a,
    )
    done = client.get(response.url)
    assert done.context["enrollment"].status == "withdrawn"
    # The head's roster shows it.
    roster = client_for(world.principal).get(
        reverse("partnerships:programme_detail", args=[world.programme_a.pk])
    )
    row = next(e for e in roster.context["enrollments"] if e.student_id == world.student_a.pk)
    assert row.status == "withdrawn"


def test_withdrawing_takes_no_more_steps_than_agreeing(world):
    """One button on the child's page, one post, for either decision."""
    page = client_for(world.parent).get(child_url(world.student_a)).content.decode()
    withdraw = decide_url(world.student_a, world.programme_a)
    assert page.count(f'action="{withdraw}"') == 1
    assert 'value="withdrawn"' in page


def test_a_double_click_records_one_event(world):
    client = client_for(world.parent)
    form = {"kind": "withdrawn", "expected_last": latest_id(world.programme_a, world.student_a)}
    before = ConsentEvent.objects.count()
    client.post(decide_url(world.student_a, world.programme_a), form)
    second = client.post(decide_url(world.student_a, world.programme_a), form)
    assert ConsentEvent.objects.count() == before + 1
    assert client.get(second.url).context["repeated"] is True


def test_a_stale_form_records_nothing_and_says_why(world):
    client = client_for(world.parent)
    stale = {"kind": "withdrawn", "expected_last": latest_id(world.programme_a, world.student_a)}
    client.post(decide_url(world.student_a, world.programme_a), stale)
    before = ConsentEvent.objects.count()
    # An older page, drawn before the withdrawal, tries to agree again.
    response = client.post(
        decide_url(world.student_a, world.programme_a), {**stale, "kind": "given"}
    )
    assert response.url == child_url(world.student_a)
    assert ConsentEvent.objects.count() == before


def test_an_activity_not_offered_to_the_child_cannot_be_answered(world):
    response = client_for(world.parent).post(
        decide_url(world.student_a, world.programme_draft_a),
        {"kind": "given", "expected_last": "0", "terms": world.programme_draft_a.terms_hash},
    )
    assert response.status_code == 404
    assert not Enrollment.objects.filter(activity=world.programme_draft_a).exists()


def test_a_parent_agrees_to_an_approved_programme_of_the_childs_grade(world):
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(status="approved")
    client = client_for(world.parent)
    # Agreeing without the terms the page showed is refused: never agree to unseen terms.
    refused = client.post(
        decide_url(world.student_a, world.programme_draft_a),
        {"kind": "given", "expected_last": "0"},
    )
    assert refused.url == child_url(world.student_a)
    response = client.post(
        decide_url(world.student_a, world.programme_draft_a),
        {"kind": "given", "expected_last": "0", "terms": world.programme_draft_a.terms_hash},
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(activity=world.programme_draft_a, student=world.student_a)
    assert (enrollment.status, enrollment.basis) == ("enrolled", "voluntary")


def test_an_answer_reads_only_the_programme_answered_whatever_else_is_offered(world):
    """A first answer, then the same to a programme offered beside thirty others: the same
    queries, and each recorded."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import _programme

    client = client_for(world.parent)

    def answer(programme):
        data = {"kind": "given", "expected_last": "0", "terms": programme.terms_hash}
        with CaptureQueriesContext(connection) as captured:
            assert client.post(decide_url(world.student_a, programme), data).status_code == 302
        assert Enrollment.objects.get(activity=programme, student=world.student_a).status == (
            "enrolled"
        )
        return len(captured)

    args = (world.school_a, world.year, world.partner, world.principal, None, None)
    alone = answer(_programme(*args))
    for _ in range(30):
        _programme(*args)
    assert answer(_programme(*args)) == alone
    # Nor what only the child's page shows (schedule, partner): the offer, its enrolment
    # made at once, the locks, the ledger, the roster, the audit and the session.
    assert alone <= 26


def test_a_suspended_programme_takes_no_consent_but_can_be_left(world):
    Programme.objects.filter(pk=world.programme_a.pk).update(status="suspended")
    client = client_for(world.parent)
    offer = next(
        o
        for o in client.get(child_url(world.student_a)).context["offers"]
        if o.activity.pk == world.programme_a.pk
    )
    assert (offer.may_give, offer.may_withdraw) == (False, True)
    client.post(
        decide_url(world.student_a, world.programme_a),
        {"kind": "withdrawn", "expected_last": offer.expected_last},
    )
    assert (
        Enrollment.objects.get(activity=world.programme_a, student=world.student_a).status
        == "withdrawn"
    )


def test_the_home_page_counts_what_waits_for_an_answer(world):
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(status="approved")
    tasks = client_for(world.parent).get(reverse("schools:home")).context["tasks"]
    assert [t["count"] for t in tasks if t["url"] == child_url(world.student_a)] == [1]


# --- The personal link ------------------------------------------------------------------


@pytest.fixture
def linked_family(world):
    """A family without an account: student_b's guardian, with an approved programme."""
    student = StudentFactory(school=world.school_a, grade=8)
    guardian = GuardianFactory(full_name="Lê Thị Mẹ")
    GuardianshipFactory(student=student, guardian=guardian)
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(status="approved")
    return student, guardian, link_for(guardian, student)


def test_a_personal_link_opens_the_childs_page_and_records_the_decision_as_by_link(
    world, linked_family
):
    student, guardian, url = linked_family
    client = Client()
    page = client.get(url)
    assert page.status_code == 200 and student.full_name in page.content.decode()
    token = url.rstrip("/").rsplit("/", 1)[-1]
    response = client.post(
        reverse("schools:link_decide", args=[token, world.programme_draft_a.pk]),
        {"kind": "given", "expected_last": "0", "terms": world.programme_draft_a.terms_hash},
    )
    assert response.url.startswith(reverse("schools:link_done", args=[token]) + "?receipt=")
    # Staff signed in on the same browser cannot act through the family's link.
    staff = client_for(world.staff)
    refused = staff.post(
        reverse("schools:link_decide", args=[token, world.programme_draft_a.pk]),
        {"kind": "withdrawn", "expected_last": "0"},
    )
    assert refused.status_code == 403
    event = ConsentEvent.objects.get(enrollment__student=student)
    assert (event.channel, event.actor, event.guardian) == ("link", None, guardian)
    assert client.get(response.url).status_code == 200


def test_the_confirmation_shows_only_its_own_fresh_untampered_receipt(world, linked_family):
    from django.contrib.sessions.models import Session

    student, _guardian, url = linked_family
    token = url.rstrip("/").rsplit("/", 1)[-1]
    client = Client()
    sessions = Session.objects.count()
    response = client.post(
        reverse("schools:link_decide", args=[token, world.programme_draft_a.pk]),
        {"kind": "given", "expected_last": "0", "terms": world.programme_draft_a.terms_hash},
    )
    # A family answering by link leaves no session behind.
    assert Session.objects.count() == sessions
    done = client.get(response.url)
    assert done.status_code == 200 and world.programme_draft_a.title in done.content.decode()
    child_page = reverse("schools:link_child", args=[token])
    given = parse_qs(urlsplit(response.url).query)["receipt"][0]
    for receipt in ("", given[:-2] + ("yy" if given.endswith("xx") else "xx")):
        refused = client.get(reverse("schools:link_done", args=[token]), {"receipt": receipt})
        assert refused.status_code == 302 and refused.url == child_page
    # Another child's confirmation address does not show this child's answer.
    other = client_for(world.parent).get(
        reverse("schools:consent_done", args=[world.student_a.pk])
        + "?"
        + response.url.split("?")[1]
    )
    assert other.status_code == 302
    # Ten minutes on, the page shows the child's activities as they are instead.
    later = time.time() + 11 * 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.get(response.url).url == child_page


def test_a_tampered_or_expired_link_is_refused_and_records_nothing(world, linked_family, settings):
    student, guardian, url = linked_family
    token = url.rstrip("/").rsplit("/", 1)[-1]
    other = StudentFactory(school=world.school_a, grade=8)
    # Another child's payload under this link's signature.
    payload = signing.TimestampSigner(salt=LINK_SALT).sign_object({"g": guardian.pk, "s": other.pk})
    forged = payload.split(":")[0] + token[token.index(":") :]
    assert Client().get(reverse("schools:link_child", args=[forged])).status_code == 403
    unsigned = signing.dumps({"g": guardian.pk, "s": other.pk}, salt=LINK_SALT)
    response = Client().post(
        reverse("schools:link_decide", args=[unsigned, world.programme_draft_a.pk]),
        {"kind": "given", "expected_last": "0"},
    )
    assert response.status_code == 403
    settings.CONSENT_LINK_MAX_AGE = -1
    expired = Client().get(url)
    assert expired.status_code == 403
    assert "hết hạn" in expired.content.decode()
    assert not ConsentEvent.objects.filter(enrollment__student__in=[student, other]).exists()


def test_families_are_told_when_a_programme_is_offered_to_their_childs_grade(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from partnerships import services as programme_services

    Programme.objects.filter(pk=world.programme_draft_a.pk).update(status="submitted")
    family = GuardianFactory(email="gia-dinh@example.vn")
    GuardianshipFactory(student=StudentFactory(school=world.school_a, grade=8), guardian=family)
    elsewhere = GuardianFactory(email="truong-khac@example.vn")
    GuardianshipFactory(student=StudentFactory(school=world.school_b, grade=8), guardian=elsewhere)
    with django_capture_on_commit_callbacks(execute=True):
        programme_services.programme_transition(
            actor=world.committee,
            programme=world.programme_draft_a,
            name="approve",
            reference="46/QĐ-UBND",
        )
    addresses = {m.to[0] for m in mailoutbox}
    assert "gia-dinh@example.vn" in addresses and "truong-khac@example.vn" not in addresses
    mail = next(m for m in mailoutbox if m.to == ["gia-dinh@example.vn"])
    assert "/c/" in mail.body and world.programme_draft_a.title in mail.subject


def test_a_page_showing_old_terms_cannot_agree_to_the_new_ones(world):
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(status="approved")
    client = client_for(world.parent)
    offer = next(
        o
        for o in client.get(child_url(world.student_a)).context["offers"]
        if o.activity.pk == world.programme_draft_a.pk
    )
    shown = offer.activity.terms_hash
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(terms_hash="new-terms")
    response = client.post(
        decide_url(world.student_a, world.programme_draft_a),
        {"kind": "given", "expected_last": "0", "terms": shown},
    )
    assert response.url == child_url(world.student_a)
    assert not Enrollment.objects.filter(
        activity=world.programme_draft_a, student=world.student_a
    ).exists()


def test_a_child_on_the_roster_leaves_by_withdrawal_not_by_a_decline(world):
    client = client_for(world.parent)
    response = client.post(
        decide_url(world.student_a, world.programme_a),
        {"kind": "declined", "expected_last": latest_id(world.programme_a, world.student_a)},
    )
    assert response.url == child_url(world.student_a)
    enrollment = Enrollment.objects.get(activity=world.programme_a, student=world.student_a)
    assert enrollment.status == "enrolled"


def test_nobody_joins_a_suspended_programme_from_the_waiting_list_until_it_resumes(world):
    from partnerships import services as programme_services
    from schools import consent

    Programme.objects.filter(pk=world.programme_a.pk).update(capacity=1)
    waiting_student = StudentFactory(school=world.school_a, grade=8)
    guardian = GuardianFactory()
    GuardianshipFactory(student=waiting_student, guardian=guardian)
    enrollment = consent.offer_enrollment(activity=world.programme_a, student=waiting_student)
    consent.record(enrollment=enrollment, guardian=guardian, kind="given", channel="link")
    enrollment.refresh_from_db()
    assert enrollment.status == "waiting"
    programme_services.programme_transition(
        actor=world.committee, programme=world.programme_a, name="suspend", reason="Kiểm tra"
    )
    on_roster = Enrollment.objects.get(activity=world.programme_a, student=world.student_a)
    consent.record(
        enrollment=on_roster, guardian=world.guardian_a, kind="withdrawn", channel="online"
    )
    enrollment.refresh_from_db()
    assert enrollment.status == "waiting"
    programme_services.programme_transition(
        actor=world.committee, programme=world.programme_a, name="resume", reason="Đã xong"
    )
    enrollment.refresh_from_db()
    assert enrollment.status == "enrolled"


def test_the_home_page_counts_agree_with_the_childs_page_in_every_state(world):
    """``offer_counts`` (two queries, for the home page) says what ``offers_for`` lists."""
    from schools.models import Activity
    from schools.selectors import offer_counts, offers_for

    student = world.student_a

    def check():
        offers = offers_for(student)
        expected = (len(offers), sum(o.awaits_answer for o in offers))
        assert offer_counts(student) == expected
        return expected

    check()
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(status="approved")
    assert check()[1] >= 1
    for status in ("submitted", "suspended", "approved"):
        Activity.objects.filter(pk=world.programme_a.pk).update(status=status)
        check()
    for status in ("proposed", "needs_renewal", "enrolled", "waiting", "declined", "withdrawn"):
        Enrollment.objects.filter(student=student).update(status=status)
        check()
    # An activity no longer taking answers stays listed while it has events.
    Activity.objects.filter(pk=world.programme_a.pk).update(status="closed")
    has_events = ConsentEvent.objects.filter(enrollment__student=student).exists()
    offered, _awaiting = check()
    assert offered >= int(has_events)

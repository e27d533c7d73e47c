"""Security events in the audit log: sign-ins, failed sign-ins, sign-outs and lockouts with
the client's real address; a signed-in user's refused requests; every view of a student's
record; and never a secret in any of them."""

import datetime
import json

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts import security
from accounts.models import AuditEvent, Role
from schools.models import Enrollment
from schools.parent_views import link_for
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

LOGIN = reverse("login")
MIDDLEWARE = "accounts.security.AccessDeniedMiddleware"


@pytest.fixture
def teacher(db):
    return UserFactory(
        username="gv.lan", email="lan.nguyen@example.vn", phone="0912345678", role=Role.STAFF
    )


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def dump(event) -> str:
    return event.summary + json.dumps(event.data, ensure_ascii=False)


# --- Sign-in events -----------------------------------------------------------------------


def test_signing_in_is_recorded_once_with_the_address_and_a_short_browser_name(teacher):
    agent = "Mozilla/5.0 (Linux; Android 14) " + "x" * 300
    response = Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=agent).post(
        LOGIN, {"username": "gv.lan", "password": PASSWORD}
    )
    assert response.status_code == 302
    [event] = events("login")
    assert event.actor == teacher
    assert (event.object_type, event.object_id) == ("accounts.user", str(teacher.pk))
    assert event.data["ip"] == "203.0.113.7"
    assert event.data["user_agent"] == agent[: security.USER_AGENT_MAX]
    assert not events("login_failed")


def test_a_failed_sign_in_names_the_account_tried_and_never_the_password(teacher):
    response = Client(REMOTE_ADDR="203.0.113.8").post(
        LOGIN, {"username": "lan.nguyen@example.vn", "password": "Sai-mat-khau-99"}
    )
    assert response.status_code == 200
    [event] = events("login_failed")
    assert event.actor is None
    assert (event.object_type, event.object_id) == ("accounts.user", str(teacher.pk))
    assert event.data["identifier"] == "lan.nguyen@example.vn"
    assert event.data["known_account"] is True
    assert event.data["ip"] == "203.0.113.8"
    assert "Sai-mat-khau-99" not in dump(event)
    assert not events("login")


def test_an_identifier_that_names_no_account_keeps_only_its_first_characters(teacher):
    # A password typed into the identifier field must not land in the log.
    typed = "Mat-khau-bi-mat-2025"
    Client().post(LOGIN, {"username": typed, "password": "anything"})
    [event] = events("login_failed")
    assert event.data["identifier"] == "Ma…"
    assert event.data["known_account"] is False
    assert event.object_id == ""
    assert typed not in dump(event)


def test_a_very_long_identifier_is_cut(teacher):
    Client().post(LOGIN, {"username": "gv.lan" + "x" * 140, "password": "no"})
    [event] = events("login_failed")
    assert len(event.data["identifier"]) <= security.IDENTIFIER_MAX
    assert len(event.summary) <= 300


def test_signing_out_is_recorded_and_a_sign_out_without_a_session_is_not(teacher):
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.post(LOGIN, {"username": "gv.lan", "password": PASSWORD})
    assert client.post(reverse("logout")).status_code == 302
    [event] = events("logout")
    assert event.actor == teacher
    assert event.data["ip"] == "203.0.113.9"
    client.post(reverse("logout"))  # no longer signed in
    assert len(events("logout")) == 1


def test_a_lockout_is_recorded_once_and_each_refused_attempt_as_a_failure(teacher, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(3):
        client.post(LOGIN, {"username": "gv.lan", "password": "wrong"})
    [lockout] = events("lockout")
    assert lockout.actor is None
    assert (lockout.object_type, lockout.object_id) == ("accounts.user", str(teacher.pk))
    assert lockout.data["ip"] == "198.51.100.20"
    assert lockout.data["failures"] == 3
    # The right password while the lock holds: refused, one more failure, no second lockout.
    response = client.post(LOGIN, {"username": "gv.lan", "password": PASSWORD})
    assert response.status_code == 429
    failures = events("login_failed")
    assert len(failures) == 4
    assert failures[-1].data["locked_out"] is True
    assert len(events("lockout")) == 1
    assert not events("login")
    assert PASSWORD not in "".join(dump(e) for e in AuditEvent.objects.all())


def test_a_forged_forwarded_for_does_not_change_the_recorded_address(teacher, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="198.51.100.66")
    client.post(LOGIN, {"username": "gv.lan", "password": "wrong"})
    client.post(LOGIN, {"username": "gv.lan", "password": PASSWORD})
    assert [e.data["ip"] for e in AuditEvent.objects.order_by("id")] == [
        "192.0.2.10",
        "192.0.2.10",
    ]


def test_behind_one_proxy_the_address_it_saw_is_recorded_not_what_the_client_wrote(
    teacher, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    client.post(LOGIN, {"username": "gv.lan", "password": PASSWORD})
    [event] = events("login")
    assert event.data["ip"] == "198.51.100.7"


# --- Refused access -----------------------------------------------------------------------


def test_another_schools_student_is_a_404_recorded_once_without_the_query_string(world):
    client = client_for(world.principal)
    url = reverse("schools:student_detail", args=[world.student_b.pk])
    response = client.get(url, {"token": "bi-mat-trong-query"})
    assert response.status_code == 404
    [event] = events("access_denied")
    assert event.actor == world.principal
    assert event.data["status"] == 404
    assert event.data["method"] == "GET"
    assert event.data["path"] == url
    assert event.data["view"] == "schools:student_detail"
    assert "bi-mat-trong-query" not in dump(event)
    assert not events("student_view")


def test_a_page_of_another_role_is_a_403_recorded_once(world):
    response = client_for(world.principal).get(reverse("schools:audit_list"))
    assert response.status_code == 403
    [event] = events("access_denied")
    assert event.actor == world.principal
    assert event.data["status"] == 403
    assert event.data["path"] == reverse("schools:audit_list")


def test_a_parent_asking_for_another_child_is_recorded(world):
    response = client_for(world.parent).get(reverse("schools:child", args=[world.student_b.pk]))
    assert response.status_code == 404
    [event] = events("access_denied")
    assert event.actor == world.parent


def test_an_unknown_address_is_not_a_refusal(world):
    assert Client().get("/khong-co-trang-nay/").status_code == 404
    assert client_for(world.staff).get("/students/abc/").status_code == 404
    assert not events("access_denied")


def test_an_anonymous_visitor_sent_to_sign_in_is_not_recorded(world):
    before = AuditEvent.objects.count()
    url = reverse("schools:student_detail", args=[world.student_a.pk])
    assert Client().get(url).status_code == 302
    assert AuditEvent.objects.count() == before


def test_an_allowed_list_page_records_nothing_and_costs_no_query_more(world, settings):
    url = reverse("schools:student_list", args=[world.school_a.pk])

    def queries_for_page():
        client = client_for(world.principal)
        client.get(url)  # the session and the user, once
        before = AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert AuditEvent.objects.count() == before
        return len(queries)

    with_log = queries_for_page()
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    assert queries_for_page() == with_log


# --- Students' records --------------------------------------------------------------------


def test_a_student_record_viewed_by_staff_is_recorded_once(world):
    client = client_for(world.principal)
    response = client.get(reverse("schools:student_detail", args=[world.student_a.pk]))
    assert response.status_code == 200
    [event] = events("student_view")
    assert event.actor == world.principal
    assert (event.object_type, event.object_id) == ("schools.student", str(world.student_a.pk))
    assert event.summary == "schools:student_detail"


def test_a_parent_viewing_their_own_child_is_recorded(world):
    response = client_for(world.parent).get(reverse("schools:child", args=[world.student_a.pk]))
    assert response.status_code == 200
    [event] = events("student_view")
    assert event.actor == world.parent
    assert event.object_id == str(world.student_a.pk)


def test_a_family_opening_its_personal_link_is_recorded_without_the_token(world):
    url = link_for(world.guardian_a, world.student_a)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert Client().get(url).status_code == 200
    [event] = events("student_view")
    assert event.actor is None
    assert event.object_id == str(world.student_a.pk)
    assert event.data["guardian"] == world.guardian_a.pk
    assert event.data["via"] == "link"
    assert token not in dump(event)


def test_the_paper_consent_form_of_one_student_is_recorded(world):
    enrollment = Enrollment.objects.filter(student=world.student_a, activity=world.class_a).first()
    url = reverse("schools:consent_paper", args=[enrollment.pk])
    assert client_for(world.staff).get(url).status_code == 200
    [event] = events("student_view")
    assert event.actor == world.staff
    assert event.object_id == str(world.student_a.pk)
    assert event.data["enrollment"] == enrollment.pk


def test_a_list_of_students_is_not_a_student_record(world):
    url = reverse("schools:student_list", args=[world.school_a.pk])
    assert client_for(world.principal).get(url).status_code == 200
    assert not events("student_view")


def test_an_export_of_students_is_recorded_once_with_the_count_and_the_filter(world):
    url = reverse("schools:student_list", args=[world.school_a.pk])
    response = client_for(world.principal).get(url, {"export": "csv", "grade": "7"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    [event] = events("students_export")
    assert event.actor == world.principal
    assert event.data["rows"] == len(lines) - 1
    assert event.data["filters"] == "grade=7"
    assert world.student_a.full_name not in dump(event)
    assert not events("student_view")


# --- No secrets ---------------------------------------------------------------------------


def test_no_event_holds_a_password_a_token_or_a_session_key(world, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    wrong = "Mat-khau-sai-123456"
    world.staff.set_password(PASSWORD)
    world.staff.save()
    client = Client(REMOTE_ADDR="198.51.100.30")
    client.post(LOGIN, {"username": world.staff.username, "password": wrong})
    client.post(LOGIN, {"username": wrong, "password": PASSWORD})  # password in the wrong field
    client.post(LOGIN, {"username": world.staff.username, "password": wrong})  # locked out
    AccessAttempt.objects.all().delete()  # the lock is lifted (by the Department, or in time)
    staff = Client(REMOTE_ADDR="198.51.100.31")
    staff.post(LOGIN, {"username": world.staff.username, "password": PASSWORD})
    session_key = staff.session.session_key
    # A family's link, opened by the family and then refused to staff signed in on it.
    url = link_for(world.guardian_a, world.student_a)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert Client().get(url, {"next": token}).status_code == 200
    decide = reverse("schools:link_decide", args=[token, world.class_a.pk])
    assert staff.post(decide, {"kind": "given"}).status_code == 403
    staff.get(reverse("schools:student_detail", args=[world.student_b.pk]), {"t": token})
    staff.post(reverse("logout"))

    recorded = list(AuditEvent.objects.all())
    assert {"login_failed", "lockout", "login", "student_view", "access_denied", "logout"} <= {
        e.action for e in recorded
    }
    [refused_link] = [e for e in recorded if e.data.get("status") == 403]
    assert refused_link.data["path"] == f"/c/<token>/decide/{world.class_a.pk}/"
    for event in recorded:
        text = dump(event)
        for secret in (wrong, PASSWORD, token, session_key):
            assert secret not in text, (event.action, text)
        assert "?" not in text, (event.action, text)


def test_a_path_without_a_resolved_url_loses_its_token_like_parts(rf):
    request = rf.get("/c/eyJnIjoxLCJzIjoyfQ:1uAbCd:Zm9vYmFyYmF6cXV4/?x=1")
    assert security.safe_path(request) == "/c/<redacted>/"


# --- The audit log --------------------------------------------------------------------------


def test_the_audit_log_offers_the_security_events_by_name(world):
    with translation.override("en"):
        response = client_for(world.department).get(reverse("schools:audit_list"))
        choices = {
            value: str(label) for value, label in response.context["form"].fields["action"].choices
        }
        for action in ("login", "login_failed", "logout", "lockout", "access_denied"):
            assert choices[action] == f"{security.LABELS[action]} ({action})"
        assert choices["students_export"].startswith(str(security.LABELS["students_export"]))


def test_the_audit_log_filters_refusals_and_by_dates(world):
    client_for(world.principal).get(reverse("schools:audit_list"))  # refused: one event
    client = client_for(world.department)
    today = timezone.localdate()
    url = reverse("schools:audit_list")
    found = client.get(url, {"action": "access_denied", "date_to": today.isoformat()})
    assert [e.actor for e in found.context["page"].object_list] == [world.principal]
    yesterday = today - datetime.timedelta(days=1)
    before = client.get(url, {"action": "access_denied", "date_to": yesterday.isoformat()})
    assert list(before.context["page"].object_list) == []
    far = client.get(url, {"date_from": "0001-01-01", "date_to": "9999-12-31"})
    assert far.status_code == 200
    assert len(far.context["page"].object_list) == AuditEvent.objects.count()

"""Re-authentication: exporting students' data and granting roles ask for the password (and
the code, with two-step verification on) when it was last typed more than REAUTH_MINUTES
ago; the user comes back to where they were, a form's POST is never replayed, and the
page never sends them to another site."""

import time

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_static.models import StaticToken

from accounts import reauth
from accounts.models import AuditEvent, Role
from schools.models import SchoolUserObjectPermission
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory
from tests.test_two_factor import code_for, enrol, wrong_code

CONFIRM = reverse("reauth")


def stale(client, settings) -> Client:
    """The password was last typed just over REAUTH_MINUTES ago."""
    session = client.session
    session[reauth.AT] = int(time.time()) - settings.REAUTH_MINUTES * 60 - 5
    session.save()
    return client


def sent_to_confirm(response, back: str) -> bool:
    return response.status_code == 302 and response.url == f"{CONFIRM}?{urlencode({'next': back})}"


def exports(w):
    return [
        reverse("schools:student_list", args=[w.school_a.pk]) + "?export=csv",
        reverse("schools:student_list", args=[w.school_a.pk]) + "?export=xlsx&grade=7",
        reverse("schools:activity_export", args=[w.class_a.pk, "csv"]),
        reverse("schools:parent_accounts", args=[w.school_a.pk]) + "?export=csv",
    ]


def test_exports_of_students_ask_to_confirm_after_a_while_and_come_back(world, settings):
    client = stale(client_for(world.principal), settings)
    for url in exports(world):
        assert sent_to_confirm(client.get(url), url), url
    assert not AuditEvent.objects.filter(action="students_export").exists()
    # The pages themselves are not exports: they open as usual.
    for name in ["schools:student_list", "schools:parent_accounts"]:
        assert client.get(reverse(name, args=[world.school_a.pk])).status_code == 200, name

    url = exports(world)[0]
    assert client.get(f"{CONFIRM}?{urlencode({'next': url})}").status_code == 200
    response = client.post(CONFIRM, {"password": PASSWORD, "next": url})
    assert response.status_code == 302 and response.url == url
    for url in exports(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment")
    event = AuditEvent.objects.get(action="reauthentication")
    assert event.actor == world.principal
    assert PASSWORD not in str(event.data) + event.summary


def test_a_fresh_sign_in_counts_as_recent(world):
    client = Client()
    client.post(reverse("login"), {"username": world.principal.username, "password": PASSWORD})
    response = client.get(exports(world)[0])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_a_wrong_password_is_refused_and_the_export_stays_closed(world, settings):
    client = stale(client_for(world.principal), settings)
    url = exports(world)[0]
    response = client.post(CONFIRM, {"password": "wrong", "next": url})
    assert response.status_code == 200
    assert response.context["form"].has_error("password")
    assert sent_to_confirm(client.get(url), url)
    assert not AuditEvent.objects.filter(action="reauthentication").exists()


def test_with_two_step_verification_the_code_is_asked_too(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device, _codes = enrol(world.principal)
    client = stale(client_for(world.principal), settings)
    url = exports(world)[0]
    assert "code" in client.get(CONFIRM).context["form"].fields
    response = client.post(CONFIRM, {"password": PASSWORD, "next": url})
    assert response.context["form"].has_error("code")
    response = client.post(CONFIRM, {"password": PASSWORD, "code": wrong_code(device)})
    assert response.context["form"].has_error("code")
    assert AuditEvent.objects.filter(action="two_factor_failure", summary="reauth").exists()
    assert sent_to_confirm(client.get(url), url)

    response = client.post(CONFIRM, {"password": PASSWORD, "code": code_for(device), "next": url})
    assert response.url == url
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.get(action="reauthentication").data == {"with_code": True}


def test_a_wrong_password_uses_up_no_code(world, settings):
    device, codes = enrol(world.principal)
    client = stale(client_for(world.principal), settings)
    client.post(CONFIRM, {"password": "wrong", "code": codes[0]})
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert StaticToken.objects.filter(token=codes[0]).exists()


@pytest.mark.parametrize(
    "outside", ["https://evil.example/", "//evil.example/x", "http://testserver.evil.example/"]
)
def test_a_next_address_on_another_site_is_ignored(world, settings, outside):
    client = stale(client_for(world.principal), settings)
    response = client.post(CONFIRM, {"password": PASSWORD, "next": outside})
    assert response.status_code == 302
    assert response.url == reverse("schools:home")


def test_anonymous_users_are_sent_to_sign_in_not_to_confirm(world):
    response = Client().get(exports(world)[0])
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_partial_update_goes_to_the_confirm_page_as_a_whole_page(world, settings):
    client = stale(client_for(world.principal), settings)
    url = exports(world)[0]
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{CONFIRM}?{urlencode({'next': url})}"


# --- Granting roles (in the admin) ----------------------------------------------------


def test_granting_a_school_scope_asks_to_confirm_and_never_replays_the_form(world, settings):
    client = stale(client_for(world.department), settings)
    add = reverse("admin:schools_schooluserobjectpermission_add")
    teacher = UserFactory(role=Role.STAFF)
    permission = Permission.objects.get(codename="work_in_school")
    data = {"user": teacher.pk, "permission": permission.pk, "content_object": world.school_a.pk}
    before = SchoolUserObjectPermission.objects.count()

    assert sent_to_confirm(client.get(add), add)
    response = client.post(add, data)
    assert sent_to_confirm(response, add)
    assert SchoolUserObjectPermission.objects.count() == before

    response = client.post(CONFIRM, {"password": PASSWORD, "next": add})
    assert response.url == add
    # Back to the form, empty: nothing was granted until it is sent again.
    assert client.get(add).status_code == 200
    assert SchoolUserObjectPermission.objects.count() == before
    response = client.post(add, data)
    assert response.status_code == 302
    assert SchoolUserObjectPermission.objects.filter(user=teacher, content_object=world.school_a)


def test_changing_a_user_s_role_asks_to_confirm(world, settings):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = stale(client_for(superuser), settings)
    change = reverse("admin:accounts_user_change", args=[world.staff.pk])
    response = client.post(change, {"username": world.staff.username, "role": Role.DEPARTMENT})
    assert sent_to_confirm(response, change)
    world.staff.refresh_from_db()
    assert world.staff.role == Role.STAFF
    password = reverse("admin:auth_user_password_change", args=[world.staff.pk])
    assert sent_to_confirm(client.get(password), password)
    # A recent confirmation opens them.
    client.post(CONFIRM, {"password": PASSWORD})
    assert client.get(change).status_code == 200
    assert client.get(password).status_code == 200


def test_new_backup_codes_ask_to_confirm_and_come_back_to_the_page(world, settings):
    _device, codes = enrol(world.principal)
    client = stale(client_for(world.principal), settings)
    url = reverse("two_factor_backup_codes_new")
    response = client.post(url)
    # Back to the page with the button, not to an address that only takes a POST.
    assert sent_to_confirm(response, reverse("two_factor"))
    assert StaticToken.objects.filter(device__user=world.principal).count() == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)


def test_wrong_passwords_on_the_confirm_page_count_toward_the_lockout(world, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client = stale(client_for(world.principal), settings)
    for _ in range(3):
        client.post(CONFIRM, {"password": "wrong"})
    response = client.post(CONFIRM, {"password": PASSWORD, "next": exports(world)[0]})
    assert response.status_code == 429
    assert not AuditEvent.objects.filter(action="reauthentication").exists()

"""Two-step verification: set-up with a QR code and a first code, signing in in two steps,
backup codes, throttled wrong codes, the requirement for the Department, committee and
inspector accounts, and the admin, which cannot be signed into with the password alone."""

import json
import re
import time
from base64 import b32encode

import pytest
from django.contrib.auth.signals import user_logged_in
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor
from accounts.models import AuditEvent, Role
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

HOME = reverse("schools:home")
LOGIN = reverse("login")
CODE = reverse("login_code")


def code_for(device, drift=0) -> str:
    """What the user's app shows now (``drift`` steps of 30 seconds later)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


def wrong_code(device) -> str:
    """A six-digit code no step the device accepts now would show."""
    accepted = {code_for(device, d) for d in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(1000, 2000)) if c not in accepted)


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [f"bk{n}x{n}yz{n}"[:8] for n in range(10)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    return device, codes


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def password_step(user, **extra) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD, **extra})
    assert response.status_code == 302
    assert response.url == CODE
    return client


@pytest.fixture
def teacher(db):
    return UserFactory(username="gv.lan", role=Role.STAFF)


@pytest.fixture
def official(db):
    return UserFactory(username="cv.so", role=Role.DEPARTMENT, is_staff=True)


@pytest.fixture
def no_wait(settings):
    """Wrong codes without django-otp's growing wait, to try several in a row."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


# --- Set-up ----------------------------------------------------------------------------


def test_setting_up_shows_a_qr_code_and_the_key_then_confirms_with_a_code(teacher):
    client = client_for(teacher)
    response = client.get(reverse("two_factor_setup"))
    assert response.status_code == 200
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=teacher)
    assert not device.confirmed
    # The QR code is drawn into the page: no script, no outside service, no style attribute.
    assert re.search(r'<svg[^>]*class="qr-code"', page)
    assert "<script>" not in page and "style=" not in page
    assert 'src="http' not in page
    shown = re.search(r'id="totp-secret">([^<]+)<', page).group(1)
    assert shown.replace(" ", "") == b32encode(device.bin_key).decode().rstrip("=")

    response = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert response.status_code == 302
    assert response.url == reverse("two_factor_backup_codes")
    device.refresh_from_db()
    assert device.confirmed
    # The session that set it up counts as verified.
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id

    # Ten backup codes, shown once.
    page = client.get(reverse("two_factor_backup_codes")).content.decode()
    tokens = list(StaticToken.objects.filter(device__user=teacher).values_list("token", flat=True))
    assert len(tokens) == twofactor.BACKUP_CODE_COUNT
    assert all(f"<code>{t}</code>" in page for t in tokens)
    again = client.get(reverse("two_factor_backup_codes"))
    assert again.status_code == 302
    assert not any(t in client.get(again.url).content.decode() for t in tokens)

    assert AuditEvent.objects.filter(action="two_factor_enrol", actor=teacher).count() == 1
    assert client.get(reverse("two_factor")).context["device"] == device


def test_a_wrong_code_at_set_up_is_refused_on_the_field_and_turns_nothing_on(teacher):
    client = client_for(teacher)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=teacher)
    response = client.post(reverse("two_factor_setup"), {"code": wrong_code(device)})
    assert response.status_code == 200
    assert response.context["form"].has_error("code")
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=teacher).exists()
    assert not twofactor.has_device(teacher)
    assert not AuditEvent.objects.filter(action="two_factor_enrol").exists()
    assert AuditEvent.objects.filter(action="two_factor_failure", actor=teacher).exists()
    # Signing in still needs the password alone.
    client = Client()
    client.post(LOGIN, {"username": teacher.username, "password": PASSWORD})
    assert signed_in(client)


def test_reloading_the_set_up_page_keeps_the_same_key(teacher):
    client = client_for(teacher)
    first = client.get(reverse("two_factor_setup")).context["secret"]
    assert client.get(reverse("two_factor_setup")).context["secret"] == first
    assert TOTPDevice.objects.filter(user=teacher).count() == 1


def test_the_account_link_leads_to_two_step_verification(teacher):
    page = client_for(teacher).get(HOME).content.decode()
    assert f'href="{reverse("two_factor")}"' in page


# --- Signing in in two steps -----------------------------------------------------------


def test_with_a_device_the_password_alone_does_not_sign_in(teacher, no_wait):
    device, _codes = enrol(teacher)
    client = password_step(teacher)
    assert not signed_in(client)
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)

    # A wrong code keeps the session out.
    response = client.post(CODE, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert response.context["form"].has_error("code")
    assert not signed_in(client)

    response = client.post(CODE, {"code": code_for(device)})
    assert response.status_code == 302
    assert response.url == HOME
    assert signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(HOME).status_code == 200
    assert twofactor.PENDING not in client.session


def test_user_logged_in_fires_once_when_the_code_is_right(teacher):
    device, _codes = enrol(teacher)
    fired = []

    def count(sender, user, **kwargs):
        fired.append(user.pk)

    user_logged_in.connect(count)
    try:
        client = password_step(teacher)
        assert fired == []
        client.post(CODE, {"code": code_for(device)})
        assert fired == [teacher.pk]
    finally:
        user_logged_in.disconnect(count)


def test_where_the_user_was_going_is_kept_through_both_steps(teacher):
    device, _codes = enrol(teacher)
    target = reverse("schools:school_list")
    client = Client()
    client.post(f"{LOGIN}?next={target}", {"username": "gv.lan", "password": PASSWORD})
    response = client.post(CODE, {"code": code_for(device)})
    assert response.url == target


def test_the_sign_in_by_e_mail_or_phone_leads_to_the_code_too(db):
    user = UserFactory(username="hp", email="hp@example.vn", phone="0912345678")
    device, _codes = enrol(user)
    for identifier in ["hp@example.vn", "+84 912 345 678"]:
        client = Client()
        response = client.post(LOGIN, {"username": identifier, "password": PASSWORD})
        assert response.url == CODE
        assert not signed_in(client)


def test_a_half_finished_sign_in_expires(teacher):
    device, _codes = enrol(teacher)
    client = password_step(teacher)
    session = client.session
    session[twofactor.PENDING]["at"] = int(time.time()) - twofactor.PENDING_SECONDS - 5
    session.save()
    response = client.post(CODE, {"code": code_for(device)})
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    assert not signed_in(client)
    assert twofactor.PENDING not in client.session
    # Without a pending sign-in, the code page sends to the password.
    assert client.get(CODE).url == LOGIN


def test_too_many_wrong_codes_end_the_half_finished_sign_in(teacher, no_wait):
    device, _codes = enrol(teacher)
    client = password_step(teacher)
    for _ in range(twofactor.PENDING_MAX_FAILURES - 1):
        assert client.post(CODE, {"code": wrong_code(device)}).status_code == 200
    response = client.post(CODE, {"code": wrong_code(device)})
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert client.post(CODE, {"code": code_for(device)}).url == LOGIN
    assert not signed_in(client)
    failures = AuditEvent.objects.filter(action="two_factor_failure", actor=teacher)
    assert failures.count() == twofactor.PENDING_MAX_FAILURES
    assert failures.first().data["failures"] == twofactor.PENDING_MAX_FAILURES


def test_wrong_codes_are_throttled_even_before_the_right_one(teacher):
    device, _codes = enrol(teacher)
    client = password_step(teacher)
    client.post(CODE, {"code": wrong_code(device)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Straight after a wrong code, even the right one waits.
    response = client.post(CODE, {"code": code_for(device)})
    assert response.status_code == 200
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action="two_factor_failure").first().data["throttled"]
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timezone.timedelta(minutes=1)
    )
    response = client.post(CODE, {"code": code_for(device)})
    assert response.status_code == 302
    assert signed_in(client)


def test_a_backup_code_signs_in_once(teacher):
    _device, codes = enrol(teacher)
    client = password_step(teacher)
    response = client.post(CODE, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert signed_in(client)
    assert StaticToken.objects.filter(device__user=teacher).count() == 9

    client = password_step(teacher)
    response = client.post(CODE, {"code": codes[0]})
    assert response.status_code == 200
    assert not signed_in(client)


def test_the_lockout_still_counts_wrong_passwords_of_an_account_with_a_device(teacher, settings):
    enrol(teacher)
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        client.post(LOGIN, {"username": "gv.lan", "password": "wrong"})
    response = client.post(LOGIN, {"username": "gv.lan", "password": PASSWORD})
    assert response.status_code == 429
    assert twofactor.PENDING not in client.session


# --- Turning it off, new backup codes --------------------------------------------------


def _fully_signed_in(user, device) -> Client:
    client = password_step(user)
    client.post(CODE, {"code": code_for(device)})
    assert signed_in(client)
    return client


def test_turning_it_off_needs_a_code_or_the_password(teacher, no_wait):
    device, _codes = enrol(teacher)
    client = _fully_signed_in(teacher, device)
    url = reverse("two_factor_remove")
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": wrong_code(device), "password": ""})
    assert response.context["form"].has_error("code")
    response = client.post(url, {"code": "", "password": "wrong"})
    assert response.context["form"].has_error("password")
    assert twofactor.has_device(teacher)

    response = client.post(url, {"code": "", "password": PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    assert not StaticDevice.objects.filter(user=teacher).exists()
    assert AuditEvent.objects.filter(action="two_factor_remove", actor=teacher).count() == 1
    # Signing in is one step again.
    client = Client()
    client.post(LOGIN, {"username": "gv.lan", "password": PASSWORD})
    assert signed_in(client)


def test_a_session_not_confirmed_with_a_code_cannot_turn_it_off_with_the_password(teacher):
    device, _codes = enrol(teacher)
    client = client_for(teacher)  # signed in some other way: not verified
    url = reverse("two_factor_remove")
    assert "password" not in client.get(url).context["form"].fields
    client.post(url, {"password": PASSWORD})
    assert twofactor.has_device(teacher)
    response = client.post(url, {"code": code_for(device)})
    assert response.status_code == 302
    assert not twofactor.has_device(teacher)


def test_new_backup_codes_replace_the_old(teacher):
    device, old = enrol(teacher)
    client = _fully_signed_in(teacher, device)
    response = client.post(reverse("two_factor_backup_codes_new"))
    assert response.url == reverse("two_factor_backup_codes")
    new = set(StaticToken.objects.filter(device__user=teacher).values_list("token", flat=True))
    assert len(new) == 10 and not new & set(old)
    page = client.get(response.url).content.decode()
    assert all(code in page for code in new)


# --- Required for the Department, committees and inspectors ----------------------------


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.COMMITTEE, Role.INSPECTOR])
def test_a_required_account_without_a_device_can_only_set_it_up(db, settings, role):
    settings.TWO_FACTOR_REQUIRED = True
    user = UserFactory(role=role)
    client = client_for(user)
    for url in [HOME, reverse("schools:school_list"), reverse("password_change"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("two_factor_setup"), url
    assert client.get(reverse("two_factor_setup")).status_code == 200
    assert client.get(reverse("two_factor")).status_code == 200
    assert client.get(reverse("healthz")).status_code in (200, 503)
    response = client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert response.url == HOME
    # A partial update sends the whole page there.
    response = client.get(HOME, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("two_factor_setup")

    # Once set up, the portal opens.
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert client.get(HOME).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.STAFF, Role.PARENT])
def test_school_staff_and_parents_are_not_required_to(db, settings, role):
    settings.TWO_FACTOR_REQUIRED = True
    client = client_for(UserFactory(role=role))
    assert client.get(HOME).status_code == 200


def test_nothing_is_required_while_the_setting_is_off(official, settings):
    settings.TWO_FACTOR_REQUIRED = False
    assert client_for(official).get(HOME).status_code == 200


def test_a_required_account_with_a_device_but_no_code_in_the_session_signs_in_again(
    official, settings
):
    settings.TWO_FACTOR_REQUIRED = True
    enrol(official)
    client = client_for(official)  # a session from before, without the code
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert not signed_in(client)


# --- The admin ------------------------------------------------------------------------

ADMIN = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")


def test_the_admin_sign_in_is_the_portal_s_and_asks_for_the_code(db):
    admin_user = UserFactory(username="quantri", is_staff=True, is_superuser=True)
    device, _codes = enrol(admin_user)
    client = Client()
    page = client.get(ADMIN_LOGIN)
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    response = client.post(
        f"{ADMIN_LOGIN}?next={ADMIN}",
        {"username": "quantri", "password": PASSWORD, "next": ADMIN},
    )
    assert response.status_code == 302 and response.url == CODE
    assert not signed_in(client)
    assert client.get(ADMIN).url.startswith(ADMIN_LOGIN)

    response = client.post(CODE, {"code": code_for(device)})
    assert response.url == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_the_admin_wants_a_verified_session_from_staff_of_any_role(db, settings):
    settings.TWO_FACTOR_REQUIRED = True
    principal = UserFactory(role=Role.PRINCIPAL, is_staff=True, is_superuser=True)
    client = client_for(principal)
    response = client.get(ADMIN)
    assert response.url.startswith(ADMIN_LOGIN)
    response = client.get(response.url)
    assert response.status_code == 302
    assert response.url == reverse("two_factor_setup")
    # The portal itself stays open to a principal.
    assert client.get(HOME).status_code == 200

    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=principal)
    client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert client.get(ADMIN).status_code == 200


def test_a_staff_session_without_the_code_is_signed_out_at_the_admin_sign_in(db, settings):
    settings.TWO_FACTOR_REQUIRED = True
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    enrol(admin_user)
    client = client_for(admin_user)
    response = client.get(ADMIN_LOGIN)
    assert response.status_code == 200  # the sign-in form, after signing the session out
    assert not signed_in(client)


def test_an_administrator_turns_it_off_for_someone_without_seeing_the_secret(teacher):
    device, codes = enrol(teacher)
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client = client_for(admin_user)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert device.key not in text and b32encode(device.bin_key).decode()[:16] not in text
    assert "qrcode" not in text
    assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 200
    response = client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not twofactor.has_device(teacher)
    assert not StaticToken.objects.filter(token__in=codes).exists()
    event = AuditEvent.objects.get(action="two_factor_remove")
    assert event.actor == admin_user and event.object_id == str(teacher.pk)


def test_a_signed_in_user_without_the_admin_is_refused_its_sign_in_page(teacher):
    assert client_for(teacher).get(ADMIN_LOGIN).status_code == 403


# --- No secret in the audit log -------------------------------------------------------


def test_the_audit_log_holds_no_secret_and_no_code(teacher, no_wait):
    client = client_for(teacher)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=teacher)
    typed_wrong = wrong_code(device)
    client.post(reverse("two_factor_setup"), {"code": typed_wrong})
    typed_right = code_for(device)
    client.post(reverse("two_factor_setup"), {"code": typed_right})
    codes = list(StaticToken.objects.filter(device__user=teacher).values_list("token", flat=True))
    client = password_step(teacher)
    client.post(CODE, {"code": "zzzzzzzz"})
    client.post(CODE, {"code": codes[0]})
    client.post(reverse("two_factor_remove"), {"password": PASSWORD})

    events = AuditEvent.objects.filter(actor=teacher)
    actions = set(events.values_list("action", flat=True))
    assert {"two_factor_enrol", "two_factor_failure", "two_factor_remove"} <= actions
    secrets = [device.key, b32encode(device.bin_key).decode().rstrip("="), PASSWORD]
    secrets += [typed_wrong, typed_right, "zzzzzzzz", *codes]
    for event in events:
        text = json.dumps([event.summary, event.data])
        assert not [s for s in secrets if s.lower() in text.lower()], event.action

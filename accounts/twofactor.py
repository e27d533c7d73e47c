"""Two-step verification: a code from an authenticator app (TOTP) after the password, with
ten one-time backup codes for a lost phone; django-otp keeps the devices and throttles
wrong codes (each failure doubles the wait before the next try).

Anyone may turn it on from their account. With ``TWO_FACTOR_REQUIRED`` the accounts that
see a whole area's data (Department, People's Committee, inspectors) can reach nothing but
the set-up page until they have done so, and the admin wants a verified session from
every staff account (accounts/admin_site.py).

Signing in with a device is two requests: the password (``accounts.views.LoginView``) puts
a *pending* sign-in in the session, and only the right code on the next page calls
Django's ``login()``, so ``user_logged_in`` fires once, when both steps are done. A
pending sign-in lasts ``PENDING_SECONDS`` and ``PENDING_MAX_FAILURES`` wrong codes.
"""

import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import Role

REQUIRED_ROLES = frozenset({Role.DEPARTMENT, Role.COMMITTEE, Role.INSPECTOR})
BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"

PENDING = "_two_factor_pending"
PENDING_SECONDS = 5 * 60
PENDING_MAX_FAILURES = 5
# Backup codes made at set-up, kept in the session until the page that shows them once.
NEW_BACKUP_CODES = "_two_factor_new_backup_codes"


# --- Reading -------------------------------------------------------------------------


def confirmed_device(user) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user) -> bool:
    return user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_verified(user) -> bool:
    """Whether this session's sign-in was confirmed with a code (django-otp's middleware
    answers; a request that did not pass through it is not verified)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def is_required(user) -> bool:
    return settings.TWO_FACTOR_REQUIRED and user.is_authenticated and user.role in REQUIRED_ROLES


def is_pending(user) -> bool:
    """An account that must confirm its sign-in with a code and has not: it may open
    nothing but two-step verification's own pages (``TwoFactorRequiredMiddleware``)."""
    return is_required(user) and not is_verified(user)


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, drawn here: the secret never leaves
    the portal, and the page needs no script or style attribute."""
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(
        scale=5,
        border=4,
        light="#fff",
        svgclass="qr-code",
        title=_("QR code to scan"),
        omitsize=True,  # a viewBox: the page's CSS scales the whole code, never crops it
    )
    return mark_safe(svg)  # segno's own markup; the title is escaped by segno


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# --- Enrolment -----------------------------------------------------------------------


def setup_device(user) -> TOTPDevice:
    """The device being set up: the same one (and QR code) until it is confirmed, so that
    reloading the page does not invalidate what the app has already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_backup_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        # A code of digits alone would be read as an app's code (see _verify).
        if not code.isdigit() and code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def two_factor_enrol(*, user, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the device being set up with a code it shows; returns the backup codes, to
    be shown once. A wrong code raises ValidationError and turns nothing on."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError({"code": _("This set-up has already been finished.")})
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _details = locked.verify_is_allowed()
        verified = allowed and locked.verify_token(_clean(code))
        if verified:
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _new_backup_codes(user)
            audit_record(
                actor=user,
                action="two_factor_enrol",
                obj=user,
                summary="TOTP",
                backup_codes=len(codes),
            )
    if not verified:
        _record_failure(
            user, "setup", failures=locked.throttling_failure_count, throttled=not allowed
        )
        raise ValidationError({"code": _throttled_message() if not allowed else _wrong_message()})
    return codes


@transaction.atomic
def two_factor_remove(*, actor, user) -> None:
    """Turn two-step verification off: the user themselves, or an administrator for
    someone who lost their phone and their backup codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action="two_factor_remove", obj=user, summary="TOTP")


@transaction.atomic
def backup_codes_replace(*, user) -> list[str]:
    if not has_device(user):
        raise ValidationError(_("Two-step verification is not turned on."))
    codes = _new_backup_codes(user)
    audit_record(actor=user, action="two_factor_backup_codes", obj=user, backup_codes=len(codes))
    return codes


# --- Checking a code -----------------------------------------------------------------


def _clean(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _wrong_message() -> str:
    return _("This code is not right. Check the time on your phone and try the newest code.")


def _throttled_message() -> str:
    return _("Too many wrong codes. Wait a minute, then try again.")


def _verify(user, token: str):
    """(device, throttled, failures): the device that accepts ``token``, if any; else
    whether the wait after earlier wrong codes refused it, and how many wrong codes in a
    row it has seen. Six digits are an app's code; anything else a backup code, used up by
    this check."""
    throttled, failures = False, 0
    model = TOTPDevice if token.isdigit() else StaticDevice
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                throttled = True
            elif device.verify_token(token):
                return device, False, 0
            failures = max(failures, device.throttling_failure_count)
    return None, throttled, failures


def code_check(*, user, code: str, purpose: str):
    """The device that accepts ``code``; otherwise the failure is recorded (a wrong code
    also makes django-otp wait longer before the next) and ValidationError raised."""
    token = _clean(code)
    device, throttled, failures = _verify(user, token) if token else (None, False, 0)
    if device is None:
        _record_failure(user, purpose, failures=failures, throttled=throttled)
        raise ValidationError(_throttled_message() if throttled else _wrong_message())
    return device


def _record_failure(user, purpose: str, *, failures: int, throttled: bool) -> None:
    """No code in the record: what was typed may be one digit away from the right one."""
    audit_record(
        actor=user,
        action="two_factor_failure",
        obj=user,
        summary=purpose,
        purpose=purpose,
        throttled=throttled,
        failures=failures,
    )


# --- The pending sign-in -------------------------------------------------------------


def pending_start(request, user, next_url: str) -> None:
    """The password was right: remember whose sign-in waits for a code, in a fresh
    session key (the session is not signed in yet)."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "at": int(time.time()),
        "next": next_url,
        "failures": 0,
    }


def pending(request) -> dict | None:
    return request.session.get(PENDING)


def pending_expired(data: dict) -> bool:
    return int(time.time()) - data.get("at", 0) > PENDING_SECONDS


def pending_failed(request) -> bool:
    """Count a wrong code; True when the pending sign-in is used up (and dropped)."""
    data = request.session[PENDING]
    data["failures"] = data.get("failures", 0) + 1
    if data["failures"] >= PENDING_MAX_FAILURES:
        pending_clear(request)
        return True
    request.session[PENDING] = data
    return False


def pending_clear(request) -> None:
    request.session.pop(PENDING, None)


def backup_codes_keep(request, codes: list[str]) -> None:
    request.session[NEW_BACKUP_CODES] = codes


def backup_codes_take(request) -> list[str]:
    return request.session.pop(NEW_BACKUP_CODES, None) or []


# --- Required for some roles ---------------------------------------------------------

# What an account that must set up two-step verification may still open.
OPEN_URL_NAMES = ("two_factor", "two_factor_setup", "two_factor_backup_codes", "logout")
OPEN_PATHS = ("i18n/setlang/", "healthz")


class TwoFactorRequiredMiddleware:
    """With ``TWO_FACTOR_REQUIRED``, a Department, committee or inspector account whose
    session was not confirmed with a code is sent to set it up (or, when it has a device,
    to sign in again with it) from every page but sign-out, the language switch and the
    static and health addresses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if is_pending(user) and not self._open(request):
            if has_device(user):
                logout(request)
                messages.info(request, _("Sign in again with the code from your app."))
                target = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
            else:
                target = reverse("two_factor_setup")  # which says why
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _open(request) -> bool:
        path = request.path
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        if any(path == "/" + p for p in OPEN_PATHS):
            return True
        return path in {reverse(name) for name in OPEN_URL_NAMES}

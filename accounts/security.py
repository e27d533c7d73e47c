"""Security events in the audit log (``AuditEvent``), next to the changes of state:

* sign-ins, failed sign-ins, sign-outs and django-axes lockouts (from the signals);
* failed authorizations: a signed-in user refused a page (403) or an object outside their
  scope (the policy's 404, ``OutOfScope``), by ``AccessDeniedMiddleware``;
* views of one student's record, by the views themselves (``record_student_view``).

None of them holds a secret: no password, token, session key or code, and no query string
(a link may carry a token there). Paths are recorded with the URL's token-like parts
replaced by their name (``/c/<token>/``). An identifier typed at the sign-in that names no
account is cut to its first characters: people type their password into the wrong field.

Each event is one INSERT, and nothing is read on a request that is allowed.
"""

import re

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .network import client_ip

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
LOCKOUT = "lockout"
ACCESS_DENIED = "access_denied"
STUDENT_VIEW = "student_view"

# What the audit log's filter shows for these actions (and for the older logging of who
# reads students' data); other actions show their code.
LABELS = {
    LOGIN: _("Signed in"),
    LOGIN_FAILED: _("Failed sign-in"),
    LOGOUT: _("Signed out"),
    LOCKOUT: _("Locked out after failed sign-ins"),
    ACCESS_DENIED: _("Access refused"),
    STUDENT_VIEW: _("Student record viewed"),
    "students_export": _("Students' data exported"),
    "roster_view": _("Roster viewed"),
}

USER_AGENT_MAX = 120
IDENTIFIER_MAX = 64
# An identifier that names no account keeps only this many characters.
UNKNOWN_IDENTIFIER_KEEP = 2
# URL parts kept as they are in a recorded path; any other text part becomes "<name>".
PLAIN_URL_PARTS = {"fmt", "action", "name", "dataset", "app_label", "model_name"}
# Without a resolved URL: a long run of letters, digits and signing separators.
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_:.\-]{20,}")
OUT_OF_SCOPE_MARK = "_security_out_of_scope"
USER_LABEL = "accounts.user"


class OutOfScope(Http404):
    """An object the user may not see, answered as if it did not exist (404) and recorded
    as a refused access. Raised by the authorization policy (``schools.policy``)."""


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def _user_agent(request) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]


def _record(*, actor, action, summary="", object_type="", object_id="", **data) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        data=data,
    )


def safe_path(request) -> str:
    """The request's path without its query string, with every text part of the URL that
    is not a plain word (a token, a uidb64, a verification code) replaced by its name."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        return TOKEN_LIKE.sub("<redacted>", path)
    for name, value in match.kwargs.items():
        text = str(value)
        if name in PLAIN_URL_PARTS or text.isdigit() or not text:
            continue
        path = path.replace(text, f"<{name}>")
    return path


# --- Sign-in events -----------------------------------------------------------------------


def _record_session(action: str, request, user) -> None:
    ip = _ip(request)
    _record(
        actor=user,
        action=action,
        object_type=USER_LABEL,
        object_id=user.pk,
        summary=f"{user.get_username()} · {ip or '-'}",
        ip=ip,
        user_agent=_user_agent(request),
    )


@receiver(user_logged_in, dispatch_uid="accounts.security.logged_in")
def _logged_in(sender, request, user, **kwargs):
    _record_session(LOGIN, request, user)


@receiver(user_logged_out, dispatch_uid="accounts.security.logged_out")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:  # not when signing out without being signed in
        _record_session(LOGOUT, request, user)


def shown_identifier(typed: str, account) -> str:
    """What the log keeps of an identifier typed at the sign-in: an account's own username,
    e-mail or phone in full (cut to a bounded length); anything else only by its first
    characters, since it may be a password typed into the wrong field."""
    typed = (typed or "").strip()
    if account is not None:
        return typed[:IDENTIFIER_MAX]
    if not typed:
        return ""
    return typed[:UNKNOWN_IDENTIFIER_KEEP] + "…"


@receiver(user_login_failed, dispatch_uid="accounts.security.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    from .backends import find_user

    # Django has already masked the credentials' secrets; only the identifier is read.
    typed = str((credentials or {}).get("username") or "")
    account = find_user(typed[:254]) if typed else None
    shown = shown_identifier(typed, account)
    ip = _ip(request)
    _record(
        actor=None,
        action=LOGIN_FAILED,
        object_type=USER_LABEL if account else "",
        object_id=account.pk if account else "",
        summary=f"{shown or '-'} · {ip or '-'}",
        identifier=shown,
        known_account=account is not None,
        locked_out=bool(getattr(request, "axes_locked_out", False)),
        ip=ip,
        user_agent=_user_agent(request),
    )


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes locked an account (and address) out. Axes signals again at every attempt
    while the lock holds; those are already recorded as failed sign-ins, so only the
    attempt that reached the limit is recorded here."""
    from axes.helpers import get_failure_limit

    failures = getattr(request, "axes_failures_since_start", None)
    credentials = getattr(request, "axes_credentials", None)
    if failures is None or failures > get_failure_limit(request, credentials):
        return
    key = str(username or "")
    # ``accounts.backends.lockout_key``: "user:<pk>" for an account, else what was typed.
    account_id = key.removeprefix("user:") if key.startswith("user:") else ""
    shown = key if account_id else shown_identifier(key, None)
    ip = _ip(request) or ip_address
    _record(
        actor=None,
        action=LOCKOUT,
        object_type=USER_LABEL if account_id else "",
        object_id=account_id,
        summary=f"{shown or '-'} · {ip or '-'}",
        identifier=shown,
        failures=failures,
        ip=ip,
        user_agent=_user_agent(request),
    )


def connect_axes() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="accounts.security.locked_out")


# --- Refused access -----------------------------------------------------------------------


def record_access_denied(request, status: int) -> AuditEvent:
    match = getattr(request, "resolver_match", None)
    path = safe_path(request)
    return _record(
        actor=request.user,
        action=ACCESS_DENIED,
        summary=f"{status} {request.method} {path}",
        path=path,
        method=request.method,
        status=status,
        view=match.view_name if match else "",
        ip=client_ip(request),
    )


class AccessDeniedMiddleware:
    """Records a signed-in user's refused request: every 403, and the 404s of the policy
    (``OutOfScope``), not those of an unknown address. Reads nothing otherwise: the user
    is looked at only for a refused request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if status == 403 or (status == 404 and getattr(request, OUT_OF_SCOPE_MARK, False)):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                record_access_denied(request, status)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, OutOfScope):
            setattr(request, OUT_OF_SCOPE_MARK, True)
        return None  # Django answers it as usual


# --- Students' records ---------------------------------------------------------------------


def record_student_view(request, student, **details) -> AuditEvent:
    """A page showing one student's record was shown (to staff, an official, a parent, or a
    family through its personal link). One INSERT; the page names the view."""
    match = getattr(request, "resolver_match", None)
    page = match.view_name if match else ""
    return _record(
        actor=request.user,
        action=STUDENT_VIEW,
        object_type=student._meta.label_lower,
        object_id=student.pk,
        summary=page,
        ip=client_ip(request),
        **details,
    )

"""Re-authentication before the actions that hurt most in the wrong hands: taking students'
data out of the portal and granting roles. The user must have typed their password (and
their code, with two-step verification on) within ``REAUTH_MINUTES``; otherwise they are
sent to confirm it (``accounts.views.reauthenticate``) and back. A form's POST is never
replayed: they come back to the form and send it again.

The time lives in the session; signing in sets it too, so a fresh sign-in counts.
"""

import time
from functools import wraps

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .audit import audit_record

AT = "_reauthenticated_at"


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[AT] = int(time.time())


def is_recent(request) -> bool:
    at = request.session.get(AT)
    return at is not None and int(time.time()) - at <= settings.REAUTH_MINUTES * 60


def reauthentication_record(request, *, with_code: bool) -> None:
    request.session[AT] = int(time.time())
    audit_record(
        actor=request.user,
        action="reauthentication",
        obj=request.user,
        summary="password + code" if with_code else "password",
        with_code=with_code,
    )


def confirm_redirect(request, back: str | None = None) -> HttpResponse:
    """To the confirmation page, and from there back to ``back``, by default this address:
    for a GET the page or file asked for, for a POST the form it came from (its address
    shows it again)."""
    back = back or request.get_full_path()
    target = f"{reverse('reauth')}?{urlencode({'next': back})}"
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def recent_authentication_required(view_func=None, *, when=None, back=None):
    """Decorate a view (below ``login_required``); ``when(request)`` limits the check to
    some requests of it, such as a list's ``?export=`` (``schools.exports.export_format``);
    ``back`` names the page to return to when the view's own address has no form to show
    (a view that only takes a POST)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if (
                request.user.is_authenticated
                and (when is None or when(request))
                and not is_recent(request)
            ):
                return confirm_redirect(request, reverse(back) if back else None)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator(view_func) if view_func is not None else decorator


class RecentAuthenticationAdminMixin:
    """For the admin pages that grant roles and scopes: the add, change and delete views
    ask for a recent authentication, on opening the form and on sending it."""

    def changeform_view(self, request, *args, **kwargs):
        if not is_recent(request):
            return confirm_redirect(request)
        return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        if not is_recent(request):
            return confirm_redirect(request)
        return super().delete_view(request, *args, **kwargs)

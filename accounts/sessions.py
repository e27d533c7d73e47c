"""Sessions end after a time without activity and, whatever the activity, after a fixed
time since signing in: a phone left unlocked in a staff room, or a session cookie copied,
stops working on its own.

Django already gives a new session key at sign-in (``login`` cycles it) and refuses a
disabled account on its next request (``ModelBackend.get_user``); this adds the two
time-outs.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

STARTED = "_signed_in_at"
SEEN = "_seen_at"
# The last-seen time is written at most this often, not on every request.
SEEN_RESOLUTION = 60


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    now = int(time.time())
    request.session[STARTED] = now
    request.session[SEEN] = now


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = self._ended(request)
            if ended:
                logout(request)
                messages.info(request, ended)
                query = urlencode({"next": request.get_full_path()})
                login_url = f"{reverse('login')}?{query}"
                if request.headers.get("HX-Request") == "true":
                    # A partial update would put the sign-in page inside the page: htmx
                    # goes to it instead.
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = login_url
                    return response
                return redirect(login_url)
        return self.get_response(request)

    @staticmethod
    def _ended(request) -> str | None:
        now = int(time.time())
        session = request.session
        started = session.get(STARTED, now)
        seen = session.get(SEEN, now)
        idle = settings.SESSION_IDLE_MINUTES * 60
        if now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
            return _("You were signed out %(hours)s hours after signing in. Sign in again.") % {
                "hours": settings.SESSION_ABSOLUTE_HOURS
            }
        if now - seen > idle:
            return _(
                "You were signed out after %(minutes)s minutes without activity. Sign in again."
            ) % {"minutes": settings.SESSION_IDLE_MINUTES}
        if STARTED not in session:
            session[STARTED] = now  # a session from before the time-outs: counted from now
        if now - seen >= SEEN_RESOLUTION or SEEN not in session:
            session[SEEN] = now
        return None

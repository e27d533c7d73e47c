"""Login throttling, per account and per address (django-axes' ``AXES_HANDLER``).

django-axes counts an account's failures from every address (``AXES_LOCKOUT_PARAMETERS =
["username"]``, the account being ``accounts.backends.lockout_key``): trying from other
addresses, or writing other ones into X-Forwarded-For, earns no fresh attempts. This
handler adds a limit per address over every account tried from it
(``LOGIN_IP_FAILURE_LIMIT``), higher than the account's because a school's network or a
mobile operator puts many honest users behind one address. The address is
``accounts.network.client_ip``: behind ``TRUSTED_PROXY_COUNT`` proxies, the one the
outermost proxy saw.

A successful sign-in forgives the account's own failures (``AXES_RESET_ON_SUCCESS``), never
the address's: signing in to an account of one's own does not wipe a spray's count.
"""

from axes.attempts import get_cool_off_threshold
from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.db.models import Sum


class AccountAndAddressHandler(AxesDatabaseHandler):
    def address_failures(self, request) -> int:
        """Failed sign-ins from the request's address within the cool-off, any account."""
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return 0
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def address_locked(self, request) -> bool:
        return (
            settings.AXES_LOCK_OUT_AT_FAILURE
            and self.address_failures(request) >= settings.LOGIN_IP_FAILURE_LIMIT
        )

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.address_locked(request):
            # The address reached its limit with this failure: refused at once, like an
            # account reaching its own. No account is named: the address is locked.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=None, ip_address=request.axes_ip_address
            )

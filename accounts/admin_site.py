"""The admin site, signed into only through the portal's own two-step sign-in.

Django's admin has a login page of its own that calls ``login()`` after the password alone;
here that address serves the portal's sign-in (password, then the code), and with
``TWO_FACTOR_REQUIRED`` the admin opens only to a session confirmed with a code, for staff
accounts of every role. Installed as the default site by ``PortalAdminConfig`` (in
INSTALLED_APPS in place of ``django.contrib.admin``).
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


class PortalAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.PortalAdminSite"


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request):
        from . import twofactor

        if not super().has_permission(request):
            return False
        return not settings.TWO_FACTOR_REQUIRED or twofactor.is_verified(request.user)

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        from . import twofactor
        from .views import LoginView

        index = reverse("admin:index", current_app=self.name)
        user = request.user
        if user.is_authenticated:
            if self.has_permission(request):
                next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
                safe = url_has_allowed_host_and_scheme(
                    next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
                )
                return redirect(next_url if next_url and safe else index)
            if not (user.is_active and user.is_staff):
                raise PermissionDenied
            if twofactor.has_device(user):
                # Signed in without the code (before it was required): sign in again.
                logout(request)
                messages.info(request, _("Sign in again with the code from your app."))
            else:
                messages.info(
                    request,
                    _("The administration needs two-step verification. Set it up to continue."),
                )
                return redirect("two_factor_setup")
        return LoginView.as_view(next_page=index)(request)

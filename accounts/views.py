"""Signing in (password, then the code when two-step verification is on), turning two-step
verification on and off, and confirming one's identity again before a sensitive action."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from . import reauth, twofactor
from .forms import CodeForm, LoginForm, ReauthForm, RemoveForm, SetupForm


class LoginView(auth_views.LoginView):
    """The password step. With a confirmed device the session is not signed in yet: it
    waits for the code on the next page."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.has_device(user):
            twofactor.pending_start(self.request, user, self.get_success_url())
            return redirect("login_code")
        return super().form_valid(form)


def _restart(request, next_url: str | None):
    url = reverse("login")
    return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    """The second step: the right code signs the session in."""
    data = twofactor.pending(request)
    if data is None:
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return redirect("login")
    if twofactor.pending_expired(data):
        twofactor.pending_clear(request)
        messages.info(request, _("Signing in took too long. Enter your password again."))
        return _restart(request, data.get("next"))
    user = get_user_model().objects.filter(pk=data["user"], is_active=True).first()
    if user is None:
        twofactor.pending_clear(request)
        return _restart(request, data.get("next"))

    form = CodeForm(request.POST or None, user=user, purpose="login")
    if request.method == "POST":
        if form.is_valid():
            twofactor.pending_clear(request)
            user.otp_device = form.device  # django-otp marks the session verified at login
            auth_login(request, user, backend=data["backend"])
            return redirect(data["next"])
        if twofactor.pending_failed(request):
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return _restart(request, data.get("next"))
    return render(request, "registration/login_code.html", {"form": form})


# --- Two-step verification on the user's account -------------------------------------


@login_required
@never_cache
def two_factor(request):
    user = request.user
    device = twofactor.confirmed_device(user)
    context = {
        "device": device,
        "backup_codes_left": twofactor.backup_codes_left(user) if device else 0,
        "required": twofactor.is_required(user),
    }
    return render(request, "accounts/two_factor.html", context)


@login_required
@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    if twofactor.has_device(user):
        return redirect("two_factor")
    device = twofactor.setup_device(user)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.two_factor_enrol(
                user=user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            device.refresh_from_db()
            otp_login(request, device)  # the session has just shown a code: verified
            twofactor.backup_codes_keep(request, codes)
            messages.success(request, _("Two-step verification is on."))
            return redirect("two_factor_backup_codes")
    context = {
        "form": form,
        "qr_svg": twofactor.qr_svg(device),
        "secret": twofactor.secret_text(device),
        "required": twofactor.is_required(user),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
@never_cache
def two_factor_backup_codes(request):
    """The backup codes just made, shown this once."""
    codes = twofactor.backup_codes_take(request)
    if not codes:
        return redirect("two_factor")
    return render(request, "accounts/two_factor_backup_codes.html", {"codes": codes})


@login_required
@require_POST
@reauth.recent_authentication_required(back="two_factor")
def two_factor_backup_codes_new(request):
    try:
        codes = twofactor.backup_codes_replace(user=request.user)
    except ValidationError:
        return redirect("two_factor")
    twofactor.backup_codes_keep(request, codes)
    return redirect("two_factor_backup_codes")


@login_required
@never_cache
@sensitive_post_parameters("code", "password")
@require_http_methods(["GET", "POST"])
def two_factor_remove(request):
    user = request.user
    if not twofactor.has_device(user):
        return redirect("two_factor")
    form = RemoveForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        twofactor.two_factor_remove(actor=user, user=user)
        messages.success(request, _("Two-step verification is off."))
        return redirect("two_factor")
    context = {"form": form, "required": twofactor.is_required(user)}
    return render(request, "accounts/two_factor_remove.html", context)


# --- Confirming one's identity again -------------------------------------------------


def _safe_next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@never_cache
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def reauthenticate(request):
    needs_code = twofactor.has_device(request.user)
    next_url = _safe_next(request)
    form = ReauthForm(request.POST or None, request=request, needs_code=needs_code)
    if request.method == "POST" and form.is_valid():
        reauth.reauthentication_record(request, with_code=needs_code)
        return redirect(next_url)
    context = {"form": form, "next": next_url, "minutes": settings.REAUTH_MINUTES}
    return render(request, "accounts/reauth.html", context)

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import twofactor


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username, e-mail or phone number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


def _code_field(*, required=True, autofocus=False):
    attrs = {
        "autocomplete": "one-time-code",
        "inputmode": "text",
        "autocapitalize": "off",
        "spellcheck": "false",
        "size": 12,
    }
    if autofocus:
        attrs["autofocus"] = True
    return forms.CharField(
        label=_("Code"),
        max_length=20,
        required=required,
        widget=forms.TextInput(attrs=attrs),
    )


class SetupForm(forms.Form):
    """The first code the app shows, which proves it holds the secret."""

    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


class CodeForm(forms.Form):
    """The second step of signing in: a code from the app, or a backup code."""

    code = _code_field(autofocus=True)

    def __init__(self, *args, user, purpose="login", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("Six digits from your app, or one of your backup codes.")
        self.user, self.purpose = user, purpose
        self.device = None

    def clean_code(self):
        self.device = twofactor.code_check(
            user=self.user, code=self.cleaned_data["code"], purpose=self.purpose
        )
        return self.cleaned_data["code"]


def _password_check(request, password) -> bool:
    """The signed-in user's password, checked through ``authenticate`` so that the login
    lockout counts wrong ones here as well."""
    user = request.user
    found = authenticate(request, username=user.get_username(), password=password)
    return found is not None and found.pk == user.pk


class ReauthForm(forms.Form):
    """Confirm who you are: the password, and the code when two-step verification is on."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args, request, needs_code, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.needs_code = needs_code
        if needs_code:
            self.fields["code"] = _code_field()
            self.fields["code"].help_text = _(
                "Six digits from your app, or one of your backup codes."
            )

    def clean(self):
        cleaned = super().clean()
        if "password" not in cleaned:
            return cleaned
        if not _password_check(self.request, cleaned["password"]):
            self.add_error("password", _("This password is not right."))
            return cleaned  # no code is checked (or used up) after a wrong password
        if self.needs_code and cleaned.get("code"):
            try:
                twofactor.code_check(user=self.request.user, code=cleaned["code"], purpose="reauth")
            except ValidationError as error:
                self.add_error("code", error)
        return cleaned


class RemoveForm(forms.Form):
    """Turning two-step verification off: a current code, or the password when this
    session was already confirmed with a code."""

    code = _code_field(required=False, autofocus=True)
    password = forms.CharField(
        label=_("Or your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["code"].help_text = _("Six digits from your app, or one of your backup codes.")
        if not twofactor.is_verified(request.user):
            # Without a code in this session, the password alone cannot take the code away.
            del self.fields["password"]

    def clean(self):
        cleaned = super().clean()
        code, password = cleaned.get("code"), cleaned.get("password")
        if code:
            try:
                twofactor.code_check(user=self.request.user, code=code, purpose="remove")
            except ValidationError as error:
                self.add_error("code", error)
        elif password:
            if not _password_check(self.request, password):
                self.add_error("password", _("This password is not right."))
        elif "password" in self.fields:
            raise ValidationError(_("Enter a code from your app or your password."))
        else:
            self.add_error("code", _("Enter a code from your app."))
        return cleaned

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{9,20}$")


def normalize_phone(value: str) -> str:
    """Digits only, with the country prefix 84 turned into the leading 0 used at home."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits


def find_user(identifier: str):
    """The one account a username, e-mail address or phone number names, or None."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    lookup = Q(username=identifier) | Q(email__iexact=identifier)
    if PHONE_LIKE.match(identifier):
        lookup |= Q(phone=normalize_phone(identifier))
    candidates = list(get_user_model().objects.filter(lookup)[:2])
    return candidates[0] if len(candidates) == 1 else None


def lockout_key(request, credentials=None) -> str:
    """What django-axes counts failures against: the account the identifier names, so that
    writing the same phone number or e-mail another way does not earn fresh attempts."""
    data = credentials or getattr(request, "POST", {}) or {}
    identifier = (data.get("username") or "").strip()
    user = find_user(identifier)
    if user is not None:
        return f"user:{user.pk}"
    if PHONE_LIKE.match(identifier):
        return f"phone:{normalize_phone(identifier)}"
    return identifier.casefold()


class UsernameEmailPhoneBackend(ModelBackend):
    """Sign in with a username, an e-mail address or a phone number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user(username)
        if user is None:
            # Unknown or ambiguous: run the hasher anyway so that timing does not tell.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

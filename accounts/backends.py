from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


def normalize_phone(value: str) -> str:
    """Digits only, with the country prefix 84 turned into the leading 0 used at home."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits


class UsernameEmailPhoneBackend(ModelBackend):
    """Sign in with a username, an e-mail address or a phone number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        lookup = Q(username=username) | Q(email__iexact=username)
        phone = normalize_phone(username)
        if len(phone) >= 9:
            lookup |= Q(phone=phone)
        candidates = list(User.objects.filter(lookup)[:2])
        if len(candidates) != 1:
            # Unknown, or ambiguous: run the hasher anyway so timing does not tell.
            User().set_password(password)
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

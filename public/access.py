"""Who may change what the public reads: a rule of the one policy."""

from accounts.models import Role
from schools import policy


def _department(user, obj=None) -> bool:
    return user.is_superuser or user.role == Role.DEPARTMENT


RULES = {
    # The rights page speaks for the city's education authority.
    "rights.edit": _department,
}


def register() -> None:
    policy.RULES.update(RULES)

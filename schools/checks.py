"""What the rule checks of every kind of activity share: the violation they report, and
the rule that extra activities stay outside the school's main timetable."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import MainSession


@dataclass(frozen=True)
class Violation:
    rule: str  # the rule's code in REGULATIONS.md, such as "T6" or "P3"
    field: str | None  # the form field it belongs to, if any
    message: str
    reference: str  # the legal text and article, shown to the user

    def __str__(self):
        return f"{self.message} ({self.reference})"


class RuleViolations(ValidationError):
    """An action would break the rules; ``violations`` lists every one."""

    def __init__(self, violations):
        self.violations = violations
        super().__init__([str(v) for v in violations])


def main_timetable_clashes(school, slots) -> list[str]:
    """A message for each weekly slot that falls within one of the school's main
    sessions (each school's session times are data, kept by its head)."""
    sessions = list(MainSession.objects.filter(school=school))
    return [
        _(
            "%(day)s %(start)s–%(end)s falls within the main timetable "
            "(%(session_start)s–%(session_end)s)."
        )
        % {
            "day": slot.get_weekday_display(),
            "start": f"{slot.start:%H:%M}",
            "end": f"{slot.end:%H:%M}",
            "session_start": f"{session.start:%H:%M}",
            "session_end": f"{session.end:%H:%M}",
        }
        for slot in slots
        for session in sessions
        if slot.overlaps(session)
    ]

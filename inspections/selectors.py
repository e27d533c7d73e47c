"""Read-only questions about inspections, for the views."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from schools import risk
from schools.models import Activity

from .models import Complaint, CorrectiveAction, Inspection


@dataclass
class Known:
    """What the portal already knows about a school when an inspection opens."""

    breaches: list[Activity] = field(default_factory=list)
    flagged: list[risk.FlaggedActivity] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    overdue: list[CorrectiveAction] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.breaches or self.flagged or self.complaints or self.overdue)


def known_about(inspection: Inspection) -> Known:
    """Rule breaches of the school's activities, coercion-risk signals, open complaints and
    corrective actions of earlier inspections past their deadline: a constant number of
    queries."""
    school = inspection.school
    activities = Activity.objects.filter(school=school)
    return Known(
        breaches=list(
            activities.exclude(rule_breaches=[])
            .exclude(status__in=[Activity.Status.CLOSED, Activity.Status.REFUSED])
            .order_by("title")
        ),
        flagged=risk.flagged_among(activities.filter(status__in=risk.LIVE)),
        complaints=list(
            Complaint.objects.filter(school=school)
            .exclude(status=Complaint.Status.CLOSED)
            .select_related("activity")
            .order_by("-submitted_at")[:50]
        ),
        overdue=list(
            CorrectiveAction.objects.filter(
                finding__inspection__school=school,
                status=CorrectiveAction.Status.OPEN,
                due_date__lt=timezone.localdate(),
            )
            .exclude(finding__inspection=inspection)
            .select_related("finding__inspection")
        ),
    )


def action_counts(inspections) -> dict[int, dict]:
    """Per inspection: its findings, its actions, those still open and those overdue."""
    today = timezone.localdate()
    rows = (
        CorrectiveAction.objects.filter(finding__inspection__in=inspections)
        .values("finding__inspection")
        .annotate(
            total=Count("id"),
            waiting=Count("id", filter=~Q(status=CorrectiveAction.Status.ACCEPTED)),
            overdue=Count("id", filter=Q(status=CorrectiveAction.Status.OPEN, due_date__lt=today)),
        )
        .order_by()
    )
    return {row["finding__inspection"]: row for row in rows}

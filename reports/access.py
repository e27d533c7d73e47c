"""Who sees dashboards, requests reports and reads them: rules of the one policy."""

from django.db.models import QuerySet

from accounts.models import Role
from schools import policy

from .models import ReportJob

# The authorities and the schools' heads see the figures of their scope and report on it.
REPORT_ROLES = {Role.DEPARTMENT, Role.COMMITTEE, Role.PRINCIPAL}


def _reporter(user, obj=None) -> bool:
    return user.is_superuser or user.role in REPORT_ROLES


def jobs(user) -> QuerySet[ReportJob]:
    """A user's own report requests (the superuser's: all of them)."""
    if user.is_superuser:
        return ReportJob.objects.all()
    return ReportJob.objects.filter(requested_by=user)


RULES = {
    "report.dashboard": _reporter,
    "report.request": _reporter,
}


def register() -> None:
    # Documents are reached through their jobs (the requester's), or publicly by their
    # verification code, which shows what was issued but never the file.
    policy.SCOPES.update({ReportJob: jobs})
    policy.RULES.update(RULES)

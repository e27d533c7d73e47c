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


def _may_issue_conclusion(user, inspection) -> bool:
    from .services import may_issue_conclusion  # services import the tasks, loaded later

    return inspection is not None and may_issue_conclusion(user, inspection)


RULES = {
    "report.dashboard": _reporter,
    "report.request": _reporter,
    # The official PDF of a concluded inspection (issued by its team's head or authority,
    # then the same document for whoever sees the inspection).
    "inspection.official_pdf": _may_issue_conclusion,
}


def register() -> None:
    # Documents are reached through their jobs (the requester's), or publicly by their
    # verification code, which shows what was issued but never the file.
    policy.SCOPES.update({ReportJob: jobs})
    policy.RULES.update(RULES)

"""What inspections and complaints add to pages of the apps above: the home page's tasks
and a coercion-risk signal (``schools.risk``), both through hooks those apps offer."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role
from schools import policy, risk, selectors

from .models import Complaint, CorrectiveAction, Inspection

# Open complaints about an activity: coercion and fees weigh as much as the strongest signal.
COMPLAINT_WEIGHTS = {
    Complaint.Category.COERCION: 3,
    Complaint.Category.FEES: 2,
    Complaint.Category.QUALITY: 1,
    Complaint.Category.OTHER: 1,
}


def complaint_reasons(live, user=None):
    """One reason per activity of ``live`` with open complaints that ``user`` may see (the
    managing authority; never the school, which must not learn of a complaint about its
    classes), in one query. ``user`` None: the inspection team, about the school it
    inspects."""
    complaints = Complaint.objects.all() if user is None else policy.visible(user, Complaint)
    rows = (
        complaints.filter(activity__in=live)
        .exclude(status=Complaint.Status.CLOSED)
        .values("activity_id", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_activity: dict[int, dict[str, int]] = {}
    for row in rows:
        by_activity.setdefault(row["activity_id"], {})[row["category"]] = row["n"]
    for activity_id, categories in by_activity.items():
        total = sum(categories.values())
        labels = ", ".join(
            str(Complaint.Category(code).label).lower() for code in sorted(categories)
        )
        message = ngettext(
            "%(count)d open complaint (%(categories)s)",
            "%(count)d open complaints (%(categories)s)",
            total,
        ) % {"count": total, "categories": labels}
        weight = max(COMPLAINT_WEIGHTS[code] for code in categories)
        yield activity_id, risk.Reason("complaints", message, weight)


def _task(text, url=None, count=None):
    return {"text": text, "url": url, "count": count}


def home_tasks(user) -> list[dict]:
    tasks = []
    today = timezone.localdate()
    if user.role in policy.UNIT_ROLES:
        mine = Inspection.objects.filter(team__user=user)
        counts = mine.aggregate(
            to_start=Count("id", filter=Q(status=Inspection.Status.PLANNED)),
            running=Count(
                "id",
                filter=Q(
                    status__in=[
                        Inspection.Status.IN_PROGRESS,
                        Inspection.Status.FINDINGS_RECORDED,
                    ]
                ),
            ),
        )
        url = reverse("inspections:inspection_list")
        if counts["to_start"]:
            tasks.append(_task(_("Inspections of your team to start"), url, counts["to_start"]))
        if counts["running"]:
            tasks.append(_task(_("Inspections in progress"), url, counts["running"]))
        to_review = CorrectiveAction.objects.filter(
            finding__inspection__in=mine, status=CorrectiveAction.Status.ANSWERED
        ).count()
        if to_review:
            tasks.append(
                _task(
                    _("Answers of schools to corrective actions, to review"),
                    reverse("inspections:action_list") + "?status=answered",
                    to_review,
                )
            )
        if user.role in (Role.DEPARTMENT, Role.COMMITTEE):
            overdue = policy.visible(user, CorrectiveAction).filter(
                status=CorrectiveAction.Status.OPEN, due_date__lt=today
            )
            n_overdue = overdue.count()
            if n_overdue:
                tasks.append(
                    _task(
                        _("Corrective actions past their deadline"),
                        reverse("inspections:action_list") + "?overdue=1",
                        n_overdue,
                    )
                )
            waiting = policy.visible(user, Complaint).exclude(status=Complaint.Status.CLOSED)
            n_waiting = waiting.count()
            if n_waiting:
                tasks.append(
                    _task(
                        _("Complaints to handle"), reverse("inspections:complaint_list"), n_waiting
                    )
                )
        elif not mine.exists():
            tasks.append(_task(_("No inspection is assigned to you.")))
    elif user.role == Role.PRINCIPAL:
        to_answer = policy.visible(user, CorrectiveAction).filter(
            status=CorrectiveAction.Status.OPEN
        )
        n_to_answer = to_answer.count()
        if n_to_answer:
            tasks.append(
                _task(
                    _("Corrective actions your school must answer"),
                    reverse("inspections:action_list") + "?status=open",
                    n_to_answer,
                )
            )
    return tasks


def register() -> None:
    if complaint_reasons not in risk.REASON_PROVIDERS:
        risk.REASON_PROVIDERS.append(complaint_reasons)
    if home_tasks not in selectors.TASK_PROVIDERS:
        selectors.TASK_PROVIDERS.append(home_tasks)

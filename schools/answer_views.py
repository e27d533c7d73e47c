"""The school's view of the families' answers for one activity: who agreed, declined,
withdrew, waits or has not answered; reminders to those who have not; the list as a
spreadsheet."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.audit import audit_record
from accounts.reauth import recent_authentication_required

from . import exports, mail, policy
from .exports import Column
from .models import Activity, ConsentEvent, Enrollment, Guardian, Student
from .parent_views import link_for

Status = Enrollment.Status
NOT_ANSWERED = [Status.PROPOSED, Status.NEEDS_RENEWAL]


def _activity_or_404(user, pk):
    activity = policy.get_object_or_404(user, Activity, pk=pk)
    if not policy.can(user, "school.view_students", activity.school):
        raise PermissionDenied
    return activity


def _answers(activity):
    """The enrolments with the latest event of each, in one query."""
    latest = ConsentEvent.objects.filter(enrollment=OuterRef("pk")).order_by("-id")
    return (
        activity.enrollments.select_related("student")
        .annotate(
            last_kind=Subquery(latest.values("kind")[:1]),
            last_at=Subquery(latest.values("at")[:1]),
            last_channel=Subquery(latest.values("channel")[:1]),
        )
        .order_by("student__homeroom", "student__full_name", "id")
    )


@login_required
def answers(request, pk):
    activity = _activity_or_404(request.user, pk)
    audit_record(actor=request.user, action="roster_view", obj=activity, summary=activity.title)
    counts = dict(activity.enrollments.values_list("status").annotate(n=Count("id")).order_by())
    rows = _answers(activity)
    status = request.GET.get("status", "")
    if status in Status.values:
        rows = rows.filter(status=status)
    eligible = None
    if activity.kind == Activity.Kind.PROGRAMME:
        # A programme is offered to every student of its grades: those without any answer.
        eligible = (
            Student.objects.filter(
                school=activity.school_id,
                status=Student.Status.STUDYING,
                grade__gte=activity.grade_min,
                grade__lte=activity.grade_max,
            )
            .exclude(enrollments__activity=activity)
            .count()
        )
    return render(
        request,
        "schools/activity_answers.html",
        {
            "activity": activity,
            "page": Paginator(rows, 100).get_page(request.GET.get("page")),
            "status": status,
            "summary": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "silent": eligible,
            "channels": dict(ConsentEvent.Channel.choices),
            "kinds": dict(ConsentEvent.Kind.choices),
            "may_remind": policy.can(request.user, "activity.manage_roster", activity),
        },
    )


@login_required
@require_POST
def remind(request, pk):
    """E-mail the families who have not answered, each with their personal link."""
    activity = _activity_or_404(request.user, pk)
    if not policy.can(request.user, "activity.manage_roster", activity):
        raise PermissionDenied
    if not activity.accepts_consent():
        messages.error(
            request,
            _("'%(title)s' takes no consent now: nobody is reminded.") % {"title": activity.title},
        )
        return redirect("schools:activity_answers", pk=activity.pk)
    # Students still at the school only: nobody who left is written to.
    waiting = activity.enrollments.filter(
        status__in=NOT_ANSWERED,
        student__school=activity.school_id,
        student__status=Student.Status.STUDYING,
    ).prefetch_related(
        Prefetch("student__guardians", queryset=Guardian.objects.select_related("user"))
    )
    mails, unreachable = [], 0
    with translation.override(settings.LANGUAGE_CODE):
        for enrollment in waiting:
            student = enrollment.student
            reached = False
            for guardian in student.guardians.all():
                address = guardian.contact_email
                if not address:
                    continue
                reached = True
                url = request.build_absolute_uri(link_for(guardian, student))
                mails.append(
                    (
                        _("Your answer is awaited: '%(title)s'") % {"title": activity.title},
                        _(
                            "%(school)s offers '%(title)s' to %(name)s. Taking part is "
                            "voluntary: agree or decline, at this personal link (valid for "
                            "%(days)s days): %(url)s"
                        )
                        % {
                            "school": activity.school.name,
                            "title": activity.title,
                            "name": student.full_name,
                            "days": settings.CONSENT_LINK_MAX_AGE // 86400,
                            "url": url,
                        },
                        address,
                    )
                )
            unreachable += not reached
    audit_record(
        actor=request.user,
        action="consent_reminders_sent",
        obj=activity,
        summary=f"{activity.title}: {len(mails)} e-mails, {unreachable} without address",
        sent=len(mails),
        unreachable=unreachable,
    )
    mail.send_after_commit(mails)
    messages.success(
        request,
        _("%(sent)s reminders sent. %(unreachable)s families have no e-mail address: call them.")
        % {"sent": len(mails), "unreachable": unreachable},
    )
    return redirect("schools:activity_answers", pk=activity.pk)


def _answer_columns():
    kinds, channels = dict(ConsentEvent.Kind.choices), dict(ConsentEvent.Channel.choices)
    return [
        Column(gettext_lazy("Student"), "student.full_name"),
        Column(gettext_lazy("Student code"), "student.national_id"),
        Column(gettext_lazy("Class"), "student.homeroom"),
        Column(gettext_lazy("Status"), "get_status_display"),
        Column(gettext_lazy("Latest answer"), lambda e: kinds.get(e.last_kind, "")),
        Column(gettext_lazy("Time"), "last_at"),
        Column(gettext_lazy("Channel"), lambda e: channels.get(e.last_channel, "")),
    ]


@login_required
@recent_authentication_required
def export(request, pk, fmt):
    """The answers as .csv or .xlsx (all of them, or those of the status the page shows);
    an export of students' data is logged."""
    if fmt not in exports.FORMATS:
        raise Http404
    activity = _activity_or_404(request.user, pk)
    rows = _answers(activity)
    status = request.GET.get("status", "")
    if status in Status.values:
        rows = rows.filter(status=status)
    return exports.export_response(
        request,
        rows,
        _answer_columns(),
        filename=f"tra-loi-{activity.pk}",
        title=_("Families' answers"),
        students=True,
        obj=activity,
        fmt=fmt,
    )

"""Asking for a report and retrying one: one function per user action, atomic and checked.

The task is queued once the request is committed; with the default in-process backend it
runs then, in the same process; with the database backend a worker picks it up."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Role
from inspections.models import Inspection
from schools import policy
from schools.models import AdministrativeUnit, School

from .models import DocumentKind, IssuedDocument, ReportJob
from .tasks import generate_report

logger = logging.getLogger(__name__)

Status = ReportJob.Status


def _enqueue(job: ReportJob) -> None:
    """Queue the job's task once the request is committed. If the queue cannot take it, the
    job is failed at once with a message, so that it can be retried, rather than waiting
    for a task that will never come."""

    def enqueue():
        try:
            generate_report.enqueue(job.pk)
        except Exception:
            logger.exception("Could not queue report job %s", job.pk)
            ReportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
                status=Status.FAILED,
                error=_("The report could not be queued. Try again."),
                finished_at=timezone.now(),
            )

    transaction.on_commit(enqueue)


def may_issue_conclusion(user, inspection: Inspection) -> bool:
    """The inspection's authority or its team's head issue the conclusion; once issued,
    whoever sees the inspection may have the same document."""
    if inspection.concluded_at is None or not policy.can(user, "inspection.view", inspection):
        return False
    return (
        IssuedDocument.objects.filter(inspection=inspection).exists()
        or policy.can(user, "inspection.sign", inspection)
        or policy.can(user, "inspection.manage", inspection)
    )


def _check_scope(user, job: ReportJob) -> None:
    kind = job.kind
    if kind == DocumentKind.CONCLUSION:
        if not may_issue_conclusion(user, job.inspection):
            raise PermissionDenied("report.request")
        return
    if not policy.can(user, "report.request"):
        raise PermissionDenied("report.request")
    if kind == DocumentKind.CITY and not (user.is_superuser or user.role == Role.DEPARTMENT):
        raise PermissionDenied("report.request")
    if kind == DocumentKind.AREA and (
        user.role == Role.PRINCIPAL
        or not policy.visible(user, AdministrativeUnit).filter(pk=job.unit_id).exists()
    ):
        raise ValidationError({"unit": _("Choose an area within your scope.")})
    if kind == DocumentKind.SCHOOL and not (
        policy.visible(user, School).filter(pk=job.school_id).exists()
    ):
        raise ValidationError({"school": _("Choose a school within your scope.")})


@transaction.atomic
def report_request(*, actor, job: ReportJob) -> ReportJob:
    """Ask for a report; the same request still waiting or being made is returned instead
    of a second one (a double click makes one report)."""
    job.requested_by = actor
    if job.kind != DocumentKind.CONCLUSION:
        if job.school_year_id and job.date_from is None:
            job.date_from = job.school_year.start
        if job.school_year_id and job.date_to is None:
            job.date_to = job.school_year.end
    _check_scope(actor, job)
    job.full_clean(exclude=["requested_by", "document"])
    if job.kind != DocumentKind.CONCLUSION and not (
        job.school_year.start <= job.date_from <= job.date_to <= job.school_year.end
    ):
        raise ValidationError({"date_to": _("The dates must lie within the school year.")})
    # One user's requests one at a time, so that two clicks at once cannot both miss the
    # waiting request below.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    same = ReportJob.objects.filter(
        requested_by=actor,
        kind=job.kind,
        unit=job.unit_id,
        school=job.school_id,
        inspection=job.inspection_id,
        school_year=job.school_year_id,
        date_from=job.date_from,
        date_to=job.date_to,
        status__in=[Status.QUEUED, Status.RUNNING],
    ).first()
    if same is not None:
        return same
    job.status = Status.QUEUED
    job.save()
    audit_record(actor=actor, action="report_request", obj=job, summary=str(job))
    _enqueue(job)
    return job


def fail_stale(jobs) -> int:
    """Mark as failed the jobs among `jobs` that will not finish: running for longer than
    any report can take (their worker stopped without recording an outcome), or waiting
    for a day (no worker takes them). The user then sees the failure and may try again,
    rather than a report "being made" for ever."""
    now = timezone.now()
    stopped = jobs.filter(
        status=Status.RUNNING,
        started_at__lt=now - timedelta(seconds=3 * settings.REPORT_PDF_MAX_SECONDS),
    ).update(
        status=Status.FAILED,
        error=_("The report stopped before it was finished. Try again."),
        finished_at=now,
    )
    waited = jobs.filter(status=Status.QUEUED, requested_at__lt=now - timedelta(days=1)).update(
        status=Status.FAILED,
        error=_(
            "The report waited a day without being made. Try again; if it waits again, "
            "tell the portal's administrators."
        ),
        finished_at=now,
    )
    return stopped + waited


@transaction.atomic
def report_retry(*, actor, job: ReportJob) -> ReportJob:
    """Queue a failed report again."""
    job = ReportJob.objects.select_for_update().get(pk=job.pk)
    if job.requested_by_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied("report.retry")
    if job.status != Status.FAILED:
        raise ValidationError(_("Only a report that failed can be tried again."))
    # The requester may have left the scope since: checked again, as for a new request.
    _check_scope(actor, job)
    job.status = Status.QUEUED
    job.progress = 0
    job.step = ""
    job.error = ""
    job.finished_at = None
    job.save(update_fields=["status", "progress", "step", "error", "finished_at"])
    audit_record(actor=actor, action="report_retry", obj=job, summary=str(job))
    _enqueue(job)
    return job

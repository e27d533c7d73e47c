"""Reports are made by a background task (django-tasks), which records its progress and
its outcome on the `ReportJob`: a failure is kept with a message the user sees, logged with
its traceback, and raised again so that the task framework records it too.

A failure that may pass by itself (the disk, the network, the database connection) is tried
again, up to `MAX_ATTEMPTS` in all, on the outbox's schedule (`schools.tasks.RETRY_DELAYS`)
where the task backend can run a task later, and at once where it cannot (in-process). A
report over a cap, or a fault in its making, fails at once: trying again would not help."""

import logging

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.audit import audit_record
from schools.tasks import enqueue_at, retry_delay

from . import builders
from .models import ReportJob
from .pdf import PdfTooLarge

logger = logging.getLogger(__name__)
Status = ReportJob.Status

MAX_ATTEMPTS = 3
TRANSIENT = (OSError, OperationalError, InterfaceError)


def _claim(job_id: int) -> ReportJob | None:
    """Mark a waiting job as running; None if it is not waiting (already taken or done)."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != Status.QUEUED:
            return None
        job.status = Status.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.progress = 5
        job.step = ""
        job.error = ""
        job.save(update_fields=["status", "attempts", "started_at", "progress", "step", "error"])
        return job


def _retry(job: ReportJob, error: Exception) -> bool:
    """Queue the job again after a transient failure, if it has attempts left; False if it
    is to fail now."""
    if not isinstance(error, TRANSIENT) or job.attempts >= MAX_ATTEMPTS:
        return False
    note = _(
        "Attempt %(attempt)s failed (%(error)s); the report is tried again by itself in a "
        "few minutes."
    ) % {"attempt": job.attempts, "error": type(error).__name__}
    if not ReportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        status=Status.QUEUED, progress=0, step="", error=note
    ):
        return False
    if generate_report.get_backend().supports_defer:
        queued = enqueue_at(generate_report, job.pk, at=timezone.now() + retry_delay(job.attempts))
    else:
        try:
            generate_report.enqueue(job.pk)  # in-process: the next attempt runs now
            queued = True
        except Exception:
            logger.exception("Could not queue report job %s again", job.pk)
            queued = False
    return queued


def run(job_id: int) -> None:
    job = _claim(job_id)
    if job is None:
        return

    def progress(percent: int, step: str) -> None:
        ReportJob.objects.filter(pk=job.pk).update(progress=percent, step=step[:200])

    try:
        document = builders.build(job, progress)
        # A conclusion asked for again is the same document: delivered, not issued anew.
        issued_now = not document.jobs.exists()
    except Exception as error:
        logger.exception("Report job %s failed (attempt %s)", job.pk, job.attempts)
        if _retry(job, error):
            raise
        if isinstance(error, PdfTooLarge):
            message = str(error)
        else:
            message = _(
                "The report could not be made (%(error)s). Try again; if it fails again, "
                "tell the portal's administrators."
            ) % {"error": type(error).__name__}
        ReportJob.objects.filter(pk=job.pk).update(
            status=Status.FAILED, error=message, finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        ReportJob.objects.filter(pk=job.pk).update(
            status=Status.DONE,
            progress=100,
            step="",
            document=document,
            finished_at=timezone.now(),
        )
        audit_record(
            actor=job.requested_by,
            action="document_issue" if issued_now else "document_deliver",
            obj=document,
            summary=f"{document.reference} {document.title}"[:200],
        )


@task()
def generate_report(job_id: int) -> None:
    run(job_id)

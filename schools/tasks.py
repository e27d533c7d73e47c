"""Background work of the schools app, and the retry schedule other apps' tasks share.

An e-mail of the outbox is sent by ``send_emails``; a failed attempt is recorded on its row
and tried again later, after ``RETRY_DELAYS``, until ``EMAIL_MAX_ATTEMPTS``. Where the task
backend can run a task later (the database backend's workers), the retry is queued with
``run_after``; where it cannot (the in-process backend of a laptop), the row waits, due at
``next_attempt_at``, for ``manage.py send_queued_email``."""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import OutgoingEmail

logger = logging.getLogger(__name__)
Status = OutgoingEmail.Status

# After the first failed attempt, then the second…; the last is repeated if more are allowed.
RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def enqueue_at(task_, *args, at: datetime) -> bool:
    """Queue ``task_`` to run at ``at`` if its backend can defer a task; False (nothing
    queued) if it cannot, or if the queue refuses it: the caller then relies on another
    way to run it again."""
    if not task_.get_backend().supports_defer:
        return False
    try:
        task_.using(run_after=at).enqueue(*args)
    except Exception:
        logger.exception("Could not queue %s%r for %s", task_.name, args, at)
        return False
    return True


def error_text(error: BaseException) -> str:
    """What is kept of a failure: its kind and the server's answer, shortened."""
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return " ".join(text.split())[:300]


def deliver(email_id: int, *, attempts: int | None = None) -> str | None:
    """One attempt at sending the queued e-mail ``email_id``. With ``attempts``, only if it
    has been tried that many times: a task superseded by a later schedule (or already run
    by ``send_queued_email``) then does nothing. Returns the e-mail's new status, or None
    if there was nothing to do."""
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=Status.QUEUED)
            .first()
        )
        if email is None or (attempts is not None and email.attempts != attempts):
            return None
        email.attempts += 1
        now = timezone.now()
        try:
            send_mail(email.subject, email.body, None, [email.recipient])
        except Exception as error:
            logger.exception("E-mail %s failed (attempt %s)", email.pk, email.attempts)
            email.last_error = error_text(error)
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                email.status = Status.FAILED
                email.next_attempt_at = None
            else:
                email.next_attempt_at = now + retry_delay(email.attempts)
                retry = partial(send_emails_later, email.pk, email.attempts, email.next_attempt_at)
                transaction.on_commit(retry)
        else:
            email.status = Status.SENT
            email.sent_at = now
            email.next_attempt_at = None
            # Personal links and activation codes are not kept once delivered.
            email.body = ""
        email.save(
            update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at", "body"]
        )
        return email.status


def send_emails_later(email_id: int, attempts: int, at: datetime) -> None:
    # Without a backend that defers, the e-mail waits for ``send_queued_email``.
    enqueue_at(send_emails, [email_id], attempts, at=at)


@task()
def send_emails(email_ids: list[int], attempts: int = 0) -> None:
    """Send each of the outbox's e-mails ``email_ids`` that has been tried ``attempts``
    times; each failure is recorded on its row, and the others still go."""
    for email_id in email_ids:
        deliver(email_id, attempts=attempts)


@task()
def recount(path: str, key: str, user_id: int, params: dict, language: str) -> None:
    """Count a kept result again once stale (``schools.kept.for_user``)."""
    from .kept import recount as recount_now

    recount_now(path, key, user_id, params, language)

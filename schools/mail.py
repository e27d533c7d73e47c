"""E-mail to families and schools, through an outbox: each message is written in the
transaction of the action that causes it, so that nothing is announced that did not happen
and nothing that happened goes unannounced, and sent by a background task once that
transaction commits. A failure never fails the action: it is recorded on the message, which
is tried again later (``schools.tasks``) and shown to the Department in its outbox."""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record

from . import policy
from .models import OutgoingEmail
from .tasks import deliver, send_emails

logger = logging.getLogger(__name__)
Status = OutgoingEmail.Status

# A new message is due for ``send_queued_email`` only this long after its action: until
# then it is the task queued on commit that sends it.
FIRST_ATTEMPT_GRACE = timedelta(minutes=1)


def _enqueue_on_commit(email_ids: list[int], attempts: int = 0) -> None:
    def enqueue():
        try:
            send_emails.enqueue(email_ids, attempts)
        except Exception:
            # The messages stay queued and due: ``send_queued_email`` sends them.
            logger.exception("Could not queue the sending of e-mails %s", email_ids)

    transaction.on_commit(enqueue)


def send_after_commit(messages, *, about=None) -> int:
    """Queue each (subject, body, address) in the outbox, to be sent once the current
    transaction commits; messages without an address are skipped. ``about`` is the record
    the messages concern, if any. Returns how many are queued."""
    now = timezone.now()
    emails = [
        OutgoingEmail(
            recipient=address,
            subject=subject[:500],
            body=body,
            created_at=now,
            next_attempt_at=now + FIRST_ATTEMPT_GRACE,
            object_type=about._meta.label_lower if about is not None else "",
            object_id=str(about.pk) if about is not None else "",
        )
        for subject, body, address in messages
        if address
    ]
    if emails:
        emails = OutgoingEmail.objects.bulk_create(emails)
        _enqueue_on_commit([email.pk for email in emails])
    return len(emails)


@transaction.atomic
def outgoing_email_retry(*, actor, email: OutgoingEmail) -> OutgoingEmail:
    """The Department sends again an e-mail that was given up on: one more attempt, at once
    (after the commit)."""
    if not policy.can(actor, "outbox.retry"):
        raise PermissionDenied("outbox.retry")
    email = OutgoingEmail.objects.select_for_update().get(pk=email.pk)
    if email.status != Status.FAILED:
        raise ValidationError(_("Only an e-mail that was not sent can be sent again."))
    email.status = Status.QUEUED
    email.next_attempt_at = timezone.now() + FIRST_ATTEMPT_GRACE
    email.save(update_fields=["status", "next_attempt_at"])
    audit_record(
        actor=actor,
        action="outgoing_email_retry",
        obj=email,
        summary=f"{email.recipient}: {email.subject}",
        attempts=email.attempts,
    )
    _enqueue_on_commit([email.pk], email.attempts)
    return email


def send_due(*, limit: int = 500) -> dict[str, int]:
    """Try once each queued e-mail that is due (its task did not run, or a retry the task
    backend could not defer), oldest first. Returns the count of each outcome."""
    due = (
        OutgoingEmail.objects.filter(status=Status.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    outcomes = dict.fromkeys(Status.values, 0)
    for email_id in list(due):
        status = deliver(email_id)
        if status is not None:
            outcomes[status] += 1
    return outcomes

"""E-mail to families and schools: queued once the transaction commits, so that nothing is
announced that did not happen, and sent by a background task (django-tasks), so that a slow
or failing mail server never holds up or fails the action that caused it."""

import logging

from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_mails(messages: list[list[str]]) -> int:
    """Send each [subject, body, address]. A failure is logged for the administrators and
    the others still go. Returns how many were sent."""
    sent = 0
    for subject, body, address in messages:
        try:
            send_mail(subject, body, None, [address])
        except Exception:
            logger.exception("Could not send an e-mail to %s", address)
        else:
            sent += 1
    return sent


def send_after_commit(messages) -> int:
    """Queue each (subject, body, address) for sending after the commit; messages without an
    address are skipped. Returns how many are queued."""
    messages = [
        [str(subject), str(body), address] for subject, body, address in messages if address
    ]

    def enqueue():
        try:
            send_mails.enqueue(messages)
        except Exception:
            logger.exception("Could not queue %s e-mails", len(messages))

    if messages:
        transaction.on_commit(enqueue)
    return len(messages)

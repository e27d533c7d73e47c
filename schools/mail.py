"""E-mail to families and schools: sent once the transaction commits, so that nothing is
announced that did not happen, and never failing the action that caused it."""

import logging

from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger(__name__)


def send_after_commit(messages) -> int:
    """Send each (subject, body, address) after the commit; messages without an address are
    skipped. A failure is logged for the administrators and the others still go. Returns
    how many will be sent."""
    messages = [(subject, body, address) for subject, body, address in messages if address]

    def send():
        for subject, body, address in messages:
            try:
                send_mail(subject, body, None, [address])
            except Exception:
                logger.exception("Could not send an e-mail to %s", address)

    if messages:
        transaction.on_commit(send)
    return len(messages)

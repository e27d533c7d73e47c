from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutgoingEmail(models.Model):
    """An e-mail the portal owes someone: written in the transaction of the action that
    causes it (so it exists exactly when the action committed) and sent by a background
    task afterwards, tried again after a failure until ``EMAIL_MAX_ATTEMPTS``.

    Its body (which may hold a personal link or an activation code) is kept only until it
    is sent; the subject, the address and the outcome stay, for the Department's outbox.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", pgettext_lazy("e-mail", "Sent")
        FAILED = "failed", _("Not sent")

    recipient = models.EmailField(_("recipient"), max_length=254)
    subject = models.CharField(pgettext_lazy("e-mail", "subject"), max_length=500)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(pgettext_lazy("e-mail", "attempts"), default=0)
    # The mail server's answer to the last attempt (no secret: an SMTP reply at most).
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    # When a waiting e-mail is due, for ``send_queued_email`` where no worker runs.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # What the e-mail is about, as in the audit log: "schools.guardian" and its id.
    object_type = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.CharField(_("record id"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "failed"]),
                name="schools_outgoing_email_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="schools_outgoing_email_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.recipient}: {self.subject}"

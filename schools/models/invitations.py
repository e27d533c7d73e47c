from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registry import Guardian


class ParentInvitation(models.Model):
    """A one-time code with which a guardian from the school's import opens their account,
    handed out on paper or e-mailed with a signed link. Only a keyed hash of the code is
    kept; the plain code exists once, on the sheet the school prints (or in the e-mail).

    A guardian has at most one open invitation: issuing a new one voids the previous.
    """

    class Channel(models.TextChoices):
        PRINTED = "printed", _("Code printed by the school")
        EMAIL = "email", _("Link sent by e-mail")

    guardian = models.ForeignKey(
        Guardian,
        verbose_name=_("guardian"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    code_hash = models.CharField(_("code hash"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        verbose_name = _("parent invitation")
        verbose_name_plural = _("parent invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["guardian"],
                condition=Q(used_at__isnull=True, voided_at__isnull=True),
                name="schools_invitation_one_open_per_guardian",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="schools_invitation_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(voided_at__isnull=True),
                name="schools_invitation_used_or_voided",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["printed", "email"]),
                name="schools_invitation_channel_valid",
            ),
        ]

    def __str__(self):
        return f"{self.guardian} ({self.created_at:%d/%m/%Y})"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.voided_at is None and self.expires_at > timezone.now()

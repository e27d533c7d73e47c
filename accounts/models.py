from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DEPARTMENT = "department", _("Department of Education and Training")
    INSPECTOR = "inspector", _("Inspector")
    COMMITTEE = "committee", _("People's Committee")
    PRINCIPAL = "principal", _("Principal")
    STAFF = "staff", _("School staff")
    PARENT = "parent", _("Parent or guardian")


class User(AbstractUser):
    """A person who signs in. The role says what they do; the scope (which unit, which
    school, which children) is kept by ``schools`` as object permissions."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    # What official documents print above the name in the signature block.
    position = models.CharField(
        _("position"),
        max_length=100,
        blank=True,
        help_text=_("As signed on official documents: Giám đốc, Phó Giám đốc, Chủ tịch…"),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=~models.Q(phone=""),
                name="accounts_user_phone_unique",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[""] + Role.values),
                name="accounts_user_role_valid",
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or super().get_full_name() or self.username


class AuditEvent(models.Model):
    """Who did what to which object, and when. Written by service functions; never edited."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The Department's audit log filters by action (and lists its choices).
            models.Index(fields=["action", "-at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RightsPage(models.Model):
    """One version of the page on families' rights, in one language; the newest is shown.
    Versions are never edited: the page's history is who wrote what, and when."""

    MAX_LENGTH = 20_000

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    body = models.TextField(_("text"), max_length=MAX_LENGTH)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        verbose_name = _("rights page version")
        verbose_name_plural = _("rights page versions")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["language", "-changed_at", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(body=""), name="public_rightspage_body_not_empty"
            ),
        ]

    def __str__(self):
        return f"{self.get_language_display()} · {self.changed_at:%d/%m/%Y %H:%M}"

    @classmethod
    def current(cls, language: str) -> "RightsPage | None":
        return cls.objects.filter(language=language).select_related("changed_by").first()


class OpenDataRelease(models.Model):
    """One month's open data file, made at the month's first download and then served as
    it is all month: anyone comparing two downloads sees a month's change at most, never
    one family's answer of the day."""

    month = models.DateField(_("month"))  # its first day
    dataset = models.CharField(_("dataset"), max_length=20)
    fmt = models.CharField(_("format"), max_length=8)
    min_group = models.PositiveSmallIntegerField(_("smallest group published"))
    content = models.TextField(_("content"))
    generated_at = models.DateTimeField(_("generated"), auto_now_add=True)

    class Meta:
        verbose_name = _("open data release")
        verbose_name_plural = _("open data releases")
        ordering = ["-month", "dataset", "fmt"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "dataset", "fmt", "min_group"],
                name="public_opendatarelease_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="public_opendatarelease_first_day"
            ),
        ]

    def __str__(self):
        return f"{self.dataset}.{self.fmt} {self.month:%m/%Y}"

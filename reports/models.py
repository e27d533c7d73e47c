"""Reports made in the background, and the official documents the portal has issued.

A `ReportJob` is one request for a report: what, over which scope and period, by whom, and
how far its generation has gone. An `IssuedDocument` is a PDF the portal issued, with the
verification code printed on it and the checksum of its bytes, which anyone can check on the
public verification page.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    CITY = "city", _("Periodic report of the city")
    AREA = "area", _("Periodic report of an area")
    SCHOOL = "school", _("Report of a school")
    CONCLUSION = "conclusion", _("Inspection conclusion")


class IssuedDocument(models.Model):
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    # "Số: 12/BC-SGDĐT": the number within the issuer's documents of the year, and the symbol.
    number = models.PositiveIntegerField(_("number"))
    symbol = models.CharField(_("symbol"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    issuer = models.CharField(_("issuing agency"), max_length=200)
    # What the number counts within: the Department, a unit or a school (e.g. "unit:12").
    issuer_key = models.CharField(max_length=40)
    title = models.CharField(_("title"), max_length=300)
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The inspection a conclusion concludes: one conclusion per inspection.
    inspection = models.ForeignKey(
        "inspections.Inspection",
        verbose_name=_("inspection"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    file = models.FileField(_("file"), upload_to="documents/%Y/", max_length=200)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_key", "year", "symbol", "number"], name="document_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(checksum__regex=r"^[0-9a-f]{64}$"), name="document_checksum_hex"
            ),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=Q(kind=DocumentKind.CONCLUSION),
                name="document_one_conclusion_per_inspection",
            ),
            models.CheckConstraint(
                condition=Q(kind=DocumentKind.CONCLUSION, inspection__isnull=False)
                | (~Q(kind=DocumentKind.CONCLUSION) & Q(inspection=None)),
                name="document_conclusion_names_inspection",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        """ "05/BC-SGDĐT": numbers below 10 with a leading zero (Decree 30)."""
        return f"{self.number:02d}/{self.symbol}"


class ReportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("report"), max_length=12, choices=DocumentKind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="report_jobs",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    # The scope: the whole city, an administrative unit, a school or an inspection.
    unit = models.ForeignKey(
        "schools.AdministrativeUnit",
        verbose_name=_("area"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    school = models.ForeignKey(
        "schools.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    inspection = models.ForeignKey(
        "inspections.Inspection",
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The period (not for an inspection conclusion).
    school_year = models.ForeignKey(
        "schools.SchoolYear",
        verbose_name=_("school year"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # A conclusion is issued once: every later request for it names the same document.
    document = models.ForeignKey(
        IssuedDocument,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
    )

    owner_field = "requested_by"

    class Meta:
        verbose_name = _("report request")
        verbose_name_plural = _("report requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-requested_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_percent"),
            # Each kind of report names its own scope, and only that.
            models.CheckConstraint(
                condition=(
                    Q(kind=DocumentKind.CITY, unit=None, school=None, inspection=None)
                    | Q(kind=DocumentKind.AREA, unit__isnull=False, school=None, inspection=None)
                    | Q(kind=DocumentKind.SCHOOL, unit=None, school__isnull=False, inspection=None)
                    | Q(
                        kind=DocumentKind.CONCLUSION,
                        unit=None,
                        school=None,
                        inspection__isnull=False,
                    )
                ),
                name="job_scope_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind=DocumentKind.CONCLUSION)
                | Q(school_year__isnull=False, date_from__isnull=False, date_to__isnull=False),
                name="job_report_has_period",
            ),
            models.CheckConstraint(
                condition=Q(date_from=None) | Q(date_to=None) | Q(date_from__lte=F("date_to")),
                name="job_period_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(document__isnull=False),
                name="job_done_has_document",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

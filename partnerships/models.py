from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Activity


class ProgrammeKind(models.TextChoices):
    """The kinds of linked programme the city's directives name, and "other"."""

    FOREIGN_LANGUAGE = "language", _("Foreign language")
    FOREIGN_TEACHERS = "language_foreign", _("Foreign language with foreign teachers")
    IT = "it", _("Information technology")
    LIFE_SKILLS = "life_skills", _("Life skills")
    STEM = "stem", _("STEM education")
    THINKING_MATHS = "thinking_maths", _("Thinking maths")
    EXPERIENTIAL = "experiential", _("Experiential learning")
    CAREER = "career", _("Career guidance")
    OTHER = "other", _("Other")


# The roles that may read the partner registry (schools.policy reads this).
REGISTRY_ROLES = frozenset({"department", "committee", "inspector", "principal"})

tax_code_validator = RegexValidator(
    r"^\d{10}(-\d{3})?$",
    _("A tax code has 10 digits, or 10 digits, a hyphen and 3 digits for a branch."),
)


class Partner(models.Model):
    """An organisation that runs linked programmes in schools, in the Department's
    registry. Only an active partner with a licence covering a programme may run it."""

    registry_roles = REGISTRY_ROLES

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        BARRED = "barred", _("Barred")

    legal_name = models.CharField(_("legal name"), max_length=255)
    tax_code = models.CharField(
        _("tax code"), max_length=14, unique=True, validators=[tax_code_validator]
    )
    business_registration = models.CharField(_("business registration number"), max_length=50)
    registration_issuer = models.CharField(_("registered by"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255)
    representative = models.CharField(_("legal representative"), max_length=150, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    is_foreign = models.BooleanField(_("foreign organisation or foreign-invested"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["legal_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "barred"]),
                name="partnerships_partner_status_valid",
            ),
        ]

    def __str__(self):
        return self.legal_name


class PartnerEvent(models.Model):
    """A change of a partner's status: who, when, from what to what, and why."""

    registry_roles = REGISTRY_ROLES

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=Partner.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=Partner.Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    reference = models.CharField(_("decision or reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("partner status change")
        verbose_name_plural = _("partner status changes")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.partner}: {self.from_status or '-'} → {self.to_status}"


class Licence(models.Model):
    """A partner's licence for education activities: who issued it, for which kinds of
    programme, from when until when (no end date: valid until revoked)."""

    registry_roles = REGISTRY_ROLES

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="licences")
    issuer = models.CharField(_("issued by"), max_length=200)
    number = models.CharField(_("licence number"), max_length=50)
    kinds = models.JSONField(_("kinds of programme covered"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="partnerships_licence_dates",
            ),
            models.UniqueConstraint(
                fields=["partner", "issuer", "number"], name="partnerships_licence_unique"
            ),
        ]

    def __str__(self):
        return f"{self.number} ({self.issuer})"

    def kind_labels(self):
        return [ProgrammeKind(k).label for k in self.kinds if k in ProgrammeKind.values]

    def covers(self, kind, start, end) -> bool:
        return (
            kind in self.kinds
            and self.valid_from <= start
            and (self.valid_to is None or self.valid_to >= end)
        )

    @property
    def is_current(self):
        today = timezone.localdate()
        return self.valid_from <= today and (self.valid_to is None or self.valid_to >= today)


class Document(models.Model):
    """An uploaded document: PDF or image, checked by content (schools.uploads), served only
    through a view that asks the policy first."""

    title = models.CharField(_("title"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["kind", "-uploaded_at", "id"]

    def __str__(self):
        return self.title


class PartnerDocument(Document):
    """A document of the registry: business registration, licence, teachers' CVs..."""

    registry_roles = REGISTRY_ROLES

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("Business registration certificate")
        LICENCE = "licence", _("Licence")
        STAFF = "staff", _("Managers' and teachers' CVs and qualifications")
        OTHER = "other", _("Other")

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="partners/%Y/")

    class Meta(Document.Meta):
        verbose_name = _("partner document")
        verbose_name_plural = _("partner documents")


class Programme(Activity):
    """A linked programme run in a school by a partner: proposed by the head, approved by
    the school's managing authority, offered to families only once approved."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="programmes"
    )
    programme_kind = models.CharField(
        _("kind of programme"), max_length=20, choices=ProgrammeKind.choices, db_index=True
    )
    content_summary = models.TextField(_("content summary"))
    # The periods of the weekly schedule, kept with the programme so that the fee per
    # period is one column away when fees are compared across a whole city.
    weekly_periods = models.PositiveSmallIntegerField(_("periods per week"), default=1)
    approval_reference = models.CharField(_("approval decision"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("linked programme")
        verbose_name_plural = _("linked programmes")
        ordering = ["programme_kind", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_periods__gte=1), name="partnerships_programme_periods"
            ),
            models.CheckConstraint(
                condition=Q(programme_kind__in=ProgrammeKind.values),
                name="partnerships_programme_kind_valid",
            ),
        ]

    def save(self, *args, **kwargs):
        self.kind = Activity.Kind.PROGRAMME
        super().save(*args, **kwargs)

    @property
    def fee_per_period(self) -> int:
        """The monthly fee over the periods of a month, counted as four weeks."""
        return round(self.monthly_fee / (4 * self.weekly_periods))

    def terms(self) -> dict:
        teachers = sorted(
            [t.full_name, t.nationality, t.qualification] for t in self.teachers.all()
        )
        return {
            **super().terms(),
            "provider": [self.partner_id, self.partner.legal_name],
            "content": [self.programme_kind, self.title, self.content_summary],
            "teachers": teachers,
        }


class ProgrammeTeacher(models.Model):
    """A teacher the partner puts in front of the students. Foreign teachers need a work
    permit valid for the programme's dates (Decree 152/2020)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="teachers")
    full_name = models.CharField(_("full name"), max_length=150)
    nationality = models.CharField(_("nationality"), max_length=100, default="Việt Nam")
    is_foreign = models.BooleanField(_("foreign teacher"), default=False)
    qualification = models.CharField(_("qualification"), max_length=255)
    work_permit_number = models.CharField(_("work permit number"), max_length=50, blank=True)
    work_permit_expiry = models.DateField(_("work permit valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("programme teacher")
        verbose_name_plural = _("programme teachers")
        ordering = ["full_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_foreign=False)
                | (~Q(work_permit_number="") & Q(work_permit_expiry__isnull=False)),
                name="partnerships_foreign_teacher_permit",
            ),
        ]

    def __str__(self):
        return self.full_name


class ProgrammeDocument(Document):
    """The contract with the partner, the plan and materials: what the authority reads
    before approving."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Contract with the partner")
        MATERIALS = "materials", _("Plan and materials")
        OTHER = "other", _("Other")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="programmes/%Y/")

    class Meta(Document.Meta):
        verbose_name = _("programme document")
        verbose_name_plural = _("programme documents")


class FeePolicy(models.Model):
    """The Department's parameters for fees, in force from a date until the next version:
    when a student's total of monthly fees is flagged, and how far above the median of its
    kind a programme's fee is flagged."""

    in_force_from = models.DateField(_("in force from"), unique=True)
    student_monthly_total = models.PositiveIntegerField(
        _("flag a student's monthly fees above (VND)"), default=1_500_000
    )
    far_above_median = models.DecimalField(
        _("flag a fee above this multiple of the median"),
        max_digits=4,
        decimal_places=2,
        default=2,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("fee parameters")
        verbose_name_plural = _("fee parameters")
        ordering = ["-in_force_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(far_above_median__gt=1), name="partnerships_fee_ratio_above_one"
            ),
        ]

    def __str__(self):
        return f"{self.in_force_from:%d/%m/%Y}"

    @classmethod
    def in_force(cls, on=None):
        """The version in force on ``on`` (today by default), or the defaults."""
        on = on or timezone.localdate()
        return cls.objects.filter(in_force_from__lte=on).order_by("-in_force_from").first() or cls(
            in_force_from=on
        )

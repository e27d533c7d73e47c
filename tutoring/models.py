from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Activity, SchoolYear, StaffMember, Student, Subject


class Category(models.TextChoices):
    """Who a tutoring class is for (Circular 29/2024, Art. 4(1) and 5(2))."""

    REMEDIAL = "remedial", _("Remedial: result 'not achieved' last term")
    GIFTED = "gifted", _("Gifted-student training")
    EXAM_REVIEW = "exam_review", _("Final-grade exam review")
    ARTS = "arts", _("Arts (primary)")
    SPORT = "sport", _("Physical education and sport (primary)")
    LIFE_SKILLS = "life_skills", _("Life skills (primary)")


class RulePolicy(models.Model):
    """A version of the tutoring rules, in force from a date until the next version. The
    checks read the version in force on a class's start date, never constants."""

    name = models.CharField(_("name"), max_length=150)
    legal_reference = models.CharField(_("legal reference"), max_length=150)
    in_force_from = models.DateField(_("in force from"), unique=True)
    weekly_period_cap = models.PositiveSmallIntegerField(
        _("periods per week per subject, at most"), default=2
    )
    class_size_limit = models.PositiveSmallIntegerField(
        _("students per class, at most"), default=45
    )
    final_grades = models.JSONField(_("final grades (exam review)"), default=list)
    primary_categories = models.JSONField(_("categories allowed in primary"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("tutoring rule version")
        verbose_name_plural = _("tutoring rule versions")
        ordering = ["-in_force_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_period_cap__gte=1), name="tutoring_policy_cap_positive"
            ),
            models.CheckConstraint(
                condition=Q(class_size_limit__gte=1), name="tutoring_policy_size_positive"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.in_force_from:%d/%m/%Y})"

    @classmethod
    def in_force(cls, on=None):
        """The version in force on ``on`` (today by default), or None before the first."""
        on = on or timezone.localdate()
        return cls.objects.filter(in_force_from__lte=on).order_by("-in_force_from").first()


class TutoringClass(Activity):
    """An extra tutoring class organised in school: per subject and grade, free of charge."""

    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT)
    grade = models.PositiveSmallIntegerField(_("grade"))
    category = models.CharField(_("category"), max_length=15, choices=Category.choices)
    teachers = models.ManyToManyField(
        StaffMember, verbose_name=_("teachers"), related_name="tutoring_classes"
    )

    class Meta:
        verbose_name = _("tutoring class")
        verbose_name_plural = _("tutoring classes")
        ordering = ["grade", "subject__name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(grade__lte=12), name="tutoring_class_grade"),
        ]

    def save(self, *args, **kwargs):
        self.kind = Activity.Kind.TUTORING
        self.grade_min = self.grade_max = self.grade
        super().save(*args, **kwargs)


class CapException(models.Model):
    """A Department decision that lets one class exceed the weekly period cap."""

    tutoring_class = models.OneToOneField(
        TutoringClass, on_delete=models.CASCADE, related_name="cap_exception"
    )
    decision_number = models.CharField(_("decision number"), max_length=50)
    decided_on = models.DateField(_("decided on"))
    periods_allowed = models.PositiveSmallIntegerField(_("periods per week allowed"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("exception to the weekly cap")
        verbose_name_plural = _("exceptions to the weekly cap")

    def __str__(self):
        return f"{self.decision_number}: {self.periods_allowed}"


class OutsideTutoringDeclaration(models.Model):
    """A teacher's report to the head of their school on tutoring they do outside it
    (Circular 29/2024, form 03). A change is a new declaration that supersedes the one it
    replaces, so the head's record keeps every version."""

    # Read by the policy (schools.policy.visible), which cannot import this app: the
    # school a declaration belongs to, and the account that owns it.
    school_scope_field = "teacher__school"
    owner_field = "teacher__user"

    class Form(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Sent to the head")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by the head")
        SUPERSEDED = "superseded", _("Superseded by a newer version")

    teacher = models.ForeignKey(
        StaffMember,
        verbose_name=_("teacher"),
        on_delete=models.PROTECT,
        related_name="outside_declarations",
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.CharField(_("location (address)"), max_length=255)
    form = models.CharField(_("form"), max_length=10, choices=Form.choices)
    schedule = models.CharField(
        _("schedule"), max_length=200, help_text=_("For example: Tuesday, Thursday 18:00–19:30")
    )
    establishment_name = models.CharField(_("establishment"), max_length=200)
    establishment_registration = models.CharField(
        _("business registration number of the establishment"), max_length=50
    )
    manages_establishment = models.BooleanField(
        _("I manage or run this establishment"), default=False
    )
    relationship_to_holder = models.CharField(
        _("relationship to the holder of the establishment's registration"),
        max_length=200,
        blank=True,
    )
    students = models.ManyToManyField(
        Student,
        verbose_name=_("students of the school tutored for a fee"),
        blank=True,
        related_name="outside_declarations",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("outside-tutoring declaration")
        verbose_name_plural = _("outside-tutoring declarations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "acknowledged", "superseded"]),
                name="tutoring_declaration_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(form__in=["in_person", "online"]),
                name="tutoring_declaration_form_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged") | Q(acknowledged_at__isnull=False),
                name="tutoring_declaration_acknowledged_when",
            ),
            # One current declaration per teacher, year and establishment: a change
            # supersedes the previous version.
            models.UniqueConstraint(
                fields=["teacher", "school_year", "establishment_registration"],
                condition=~Q(status="superseded"),
                name="tutoring_declaration_current_unique",
            ),
        ]

    def __str__(self):
        return f"{self.establishment_name} – {self.subject} ({self.school_year})"

    @property
    def is_current(self):
        return self.status != self.Status.SUPERSEDED

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Activity, StaffMember, Subject


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

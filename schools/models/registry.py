import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase


class AdministrativeUnit(models.Model):
    """A province, district or commune, kept as data so that the same code serves the
    three-tier structure before 1 July 2025 and the two-tier one after it."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province or city")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune, ward or special zone")

    code = models.CharField(_("unit code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=150)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor after merger"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    # Materialised path of codes ("31/31001/"), so that "every unit under this one" is
    # one indexed prefix query. Kept by save().
    path = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["path"]
        permissions = [("oversee_unit", _("Oversees the schools of the unit"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="schools_unit_valid_dates",
            ),
            models.CheckConstraint(
                condition=Q(level="province") | Q(parent__isnull=False),
                name="schools_unit_parent_below_province",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + self.code + "/"
        super().save(*args, **kwargs)

    def is_current(self, on=None):
        on = on or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )

    def current_successor(self):
        """Follow successors after mergers to the unit in force today."""
        unit, seen = self, set()
        while unit.successor_id and unit.pk not in seen:
            seen.add(unit.pk)
            unit = unit.successor
        return unit


class UnitUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key table for permissions on units."""

    content_object = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("unit scope")
        verbose_name_plural = _("unit scopes")


class SchoolLevel(models.TextChoices):
    PRESCHOOL = "preschool", _("Preschool")
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
    CONTINUING = "continuing", _("Continuing education")
    MULTI_LEVEL = "multi_level", _("Multi-level")


# The grades each level usually teaches (0 for preschool); a multi-level school states its own.
LEVEL_GRADES = {
    SchoolLevel.PRESCHOOL: (0, 0),
    SchoolLevel.PRIMARY: (1, 5),
    SchoolLevel.LOWER_SECONDARY: (6, 9),
    SchoolLevel.UPPER_SECONDARY: (10, 12),
    SchoolLevel.CONTINUING: (6, 12),
}


def fold(text: str) -> str:
    """Lower case without diacritics, so that "truong hong bang" finds "Trường Hồng Bàng"
    on every database (SQLite has no unaccent)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(bare.split())


class SchoolQuerySet(models.QuerySet):
    """Keeps ``search_name`` in step with ``name`` on the bulk paths (imports, seed_scale),
    which skip ``save()``."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for school in objs:
            school.search_name = fold(school.name)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if "name" in fields:
            for school in objs:
                school.search_name = fold(school.name)
            fields = [*fields, "search_name"]
        return super().bulk_update(objs, fields, *args, **kwargs)


class School(models.Model):
    class Ownership(models.TextChoices):
        PUBLIC = "public", _("Public")
        NON_PUBLIC = "non_public", _("Non-public")

    moet_code = models.CharField(_("school code (MOET)"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The name folded for searching (``fold``); set on every save.
    search_name = models.CharField(max_length=200, editable=False, default="", db_index=True)
    level = models.CharField(_("level"), max_length=20, choices=SchoolLevel.choices)
    ownership = models.CharField(
        _("ownership"), max_length=12, choices=Ownership.choices, default=Ownership.PUBLIC
    )
    # Grades taught: 0 for preschool, 1-12 for general education.
    grade_min = models.PositiveSmallIntegerField(_("lowest grade"))
    grade_max = models.PositiveSmallIntegerField(_("highest grade"))
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("administrative unit"),
        on_delete=models.PROTECT,
        related_name="schools",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head of school"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_schools",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name", "id"]
        permissions = [
            ("head_school", _("Heads the school")),
            ("work_in_school", _("Works in the school")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_min__lte=models.F("grade_max")) & Q(grade_max__lte=12),
                name="schools_school_grade_range",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(is_active=False),
                name="schools_school_merged_is_inactive",
            ),
            models.CheckConstraint(
                condition=Q(level__in=SchoolLevel.values), name="schools_school_level_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    @property
    def managed_by_department(self) -> bool:
        """Upper-secondary and continuing education (and any school teaching grades 10-12)
        answer to the Department; the rest to the People's Committee of their area."""
        return self.level in settings.DEPARTMENT_MANAGED_LEVELS or (
            self.level == SchoolLevel.MULTI_LEVEL and self.grade_max >= 10
        )

    @property
    def managing_authority_label(self):
        if self.managed_by_department:
            return _("Department of Education and Training")
        return _("People's Committee of %(unit)s") % {"unit": self.unit.name}


class SchoolUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key table for permissions on schools."""

    content_object = models.ForeignKey(School, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("school scope")
        verbose_name_plural = _("school scopes")


class SchoolYear(models.Model):
    name = models.CharField(_("name"), max_length=9, unique=True, help_text="2025-2026")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="schools_year_end_after_start"
            )
        ]

    def __str__(self):
        return self.name

    @classmethod
    def current(cls, on=None):
        on = on or timezone.localdate()
        return cls.objects.filter(start__lte=on, end__gte=on).first() or cls.objects.first()


class Term(models.Model):
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.CASCADE, related_name="terms"
    )
    number = models.PositiveSmallIntegerField(_("term"))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["school_year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "number"], name="schools_term_unique"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="schools_term_end_after_start"
            ),
        ]

    def __str__(self):
        return _("Term %(number)s, %(year)s") % {"number": self.number, "year": self.school_year}


class Subject(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Student(models.Model):
    class Status(models.TextChoices):
        STUDYING = "studying", _("Studying")
        TRANSFERRED = "transferred", _("Transferred")
        SUSPENDED = "suspended", _("Pausing studies")
        DROPPED = "dropped", _("Dropped out")
        GRADUATED = "graduated", _("Graduated")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="students"
    )
    national_id = models.CharField(_("student code"), max_length=20, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    grade = models.PositiveSmallIntegerField(_("grade"))
    homeroom = models.CharField(_("class"), max_length=20)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.STUDYING
    )
    status_date = models.DateField(_("status date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=50, blank=True)
    disability = models.CharField(_("disability"), max_length=100, blank=True)
    personal_id = models.CharField(_("personal ID number"), max_length=12, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["grade", "homeroom", "full_name", "id"]
        indexes = [models.Index(fields=["school", "grade", "homeroom"])]
        constraints = [
            models.CheckConstraint(condition=Q(grade__lte=12), name="schools_student_grade"),
            models.CheckConstraint(
                condition=Q(
                    status__in=["studying", "transferred", "suspended", "dropped", "graduated"]
                ),
                name="schools_student_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.homeroom})"


class Guardian(models.Model):
    """A parent or legal guardian. ``user`` is set once they activate an account."""

    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardian",
    )
    students = models.ManyToManyField(
        Student, through="Guardianship", related_name="guardians", verbose_name=_("children")
    )

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="schools_guardian_phone_unique"
            ),
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email=""), name="schools_guardian_has_contact"
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def contact_email(self) -> str:
        """Where to write: the address the school has, or the one of their account."""
        return self.email or (self.user.email if self.user_id else "")


class Guardianship(models.Model):
    class Relationship(models.TextChoices):
        FATHER = "father", _("Father")
        MOTHER = "mother", _("Mother")
        GUARDIAN = "guardian", _("Guardian")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardianships")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="guardianships")
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices)

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "guardian"], name="schools_guardianship_unique"
            )
        ]

    def __str__(self):
        return f"{self.guardian} – {self.student}"


class StaffMember(models.Model):
    """A teacher or employee of a school, with a sign-in account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="staff_positions",
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="staff"
    )
    staff_code = models.CharField(_("staff code"), max_length=20, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["school", "user__full_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="schools_staff_unique"),
            models.UniqueConstraint(
                fields=["staff_code"], condition=~Q(staff_code=""), name="schools_staff_code_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.school}"


class TeachingAssignment(models.Model):
    staff = models.ForeignKey(
        StaffMember,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("subject"), on_delete=models.PROTECT, related_name="+"
    )
    homeroom = models.CharField(_("class"), max_length=20)
    is_homeroom_teacher = models.BooleanField(_("homeroom teacher"), default=False)

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        ordering = ["school_year", "homeroom", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "school_year", "subject", "homeroom"],
                name="schools_assignment_unique",
            )
        ]

    def __str__(self):
        return f"{self.subject} {self.homeroom} ({self.school_year})"


class ImportBatch(models.Model):
    """One upload of students, schools or subject results, kept for the record whatever its
    outcome."""

    class Kind(models.TextChoices):
        STUDENTS = "students", _("Students and guardians")
        SCHOOLS = "schools", _("Schools")
        RESULTS = "results", _("Subject results")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Imported")
        REJECTED = "rejected", _("Rejected, nothing saved")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="imports",
    )
    term = models.ForeignKey(
        Term,
        verbose_name=_("term"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The term of the results, for an import of subject results."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=255)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name} ({self.at:%d/%m/%Y %H:%M})"

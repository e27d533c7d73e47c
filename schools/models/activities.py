import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .registry import Guardian, School, SchoolYear, Student, Subject, Term


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class MainSession(models.Model):
    """A session of the school's main timetable, such as Monday morning 07:00-11:15. Extra
    tutoring and linked programmes may not be scheduled inside one."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="main_sessions"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("main-timetable session")
        verbose_name_plural = _("main-timetable sessions")
        ordering = ["school", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="schools_session_end"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="schools_session_weekday"),
            models.UniqueConstraint(
                fields=["school", "weekday", "start"], name="schools_session_unique"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Activity(models.Model):
    """What a school offers outside the main curriculum: a tutoring class or a linked
    programme. ``tutoring.TutoringClass`` and ``partnerships.Programme`` extend it."""

    class Kind(models.TextChoices):
        TUTORING = "tutoring", _("Tutoring class")
        PROGRAMME = "programme", _("Linked programme")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")
        OPEN = "open", _("Open")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")
        REFUSED = "refused", _("Refused")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="activities"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    grade_min = models.PositiveSmallIntegerField(_("lowest grade"))
    grade_max = models.PositiveSmallIntegerField(_("highest grade"))
    monthly_fee = models.PositiveIntegerField(_("monthly fee (VND)"), default=0)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # SHA-256 of the terms a parent agrees to (fee, schedule, provider, content): a consent
    # is for these terms, and a material change asks the parents again.
    terms_hash = models.CharField(_("terms fingerprint"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The rules this activity broke when last checked (rule, message, reference), so that
    # "what breaks the rules now" is one indexed query; rechecked on every change and by
    # the nightly `tutoring_recheck`.
    rule_breaches = models.JSONField(_("rule breaches"), default=list, blank=True)
    checked_at = models.DateTimeField(_("rules checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-start_date", "title", "id"]
        indexes = [models.Index(fields=["school", "kind", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="schools_activity_dates"
            ),
            models.CheckConstraint(
                condition=Q(grade_min__lte=F("grade_max")) & Q(grade_max__lte=12),
                name="schools_activity_grades",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="schools_activity_capacity"),
            models.CheckConstraint(
                condition=Q(kind__in=["tutoring", "programme"]), name="schools_activity_kind"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.kind == self.Kind.PROGRAMME:
            return reverse("partnerships:programme_detail", args=[self.pk])
        return reverse("tutoring:class_detail", args=[self.pk])

    def accepts_consent(self) -> bool:
        """May a family agree to join now? Nothing is offered before the approval: a linked
        programme once the authority approved it, a tutoring class once the head did (and
        while open); neither while suspended."""
        if self.kind == self.Kind.PROGRAMME:
            return self.status == self.Status.APPROVED
        return self.status in (self.Status.APPROVED, self.Status.OPEN)

    def terms(self) -> dict:
        """What a parent agrees to; subclasses add their provider and content."""
        return {
            "fee": self.monthly_fee,
            "dates": [self.start_date.isoformat(), self.end_date.isoformat()],
            "slots": sorted(
                [s.weekday, s.start.isoformat(), s.end.isoformat(), s.room]
                for s in self.slots.all()
            ),
        }

    def compute_terms_hash(self) -> str:
        payload = json.dumps(self.terms(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


class ActivitySlot(models.Model):
    """One weekly meeting of an activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    periods = models.PositiveSmallIntegerField(_("periods"), default=1)
    room = models.CharField(_("room"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("weekly slot")
        verbose_name_plural = _("weekly slots")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="schools_slot_end"),
            models.CheckConstraint(condition=Q(periods__gte=1), name="schools_slot_periods"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="schools_slot_weekday"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def overlaps(self, other) -> bool:
        return self.weekday == other.weekday and self.start < other.end and other.start < self.end


class ActivityEvent(models.Model):
    """A change of an activity's status: who, when, from what to what, and why."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=Activity.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=Activity.Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    reference = models.CharField(_("decision or reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.activity}: {self.from_status} → {self.to_status}"


class SubjectResult(models.Model):
    """A student's end-of-term result in a subject, the basis for remedial tutoring."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="results")
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT)
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT)
    achieved = models.BooleanField(_("achieved"))

    class Meta:
        verbose_name = _("subject result")
        verbose_name_plural = _("subject results")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "term", "subject"], name="schools_result_unique"
            )
        ]

    def __str__(self):
        return f"{self.student} {self.subject} {self.term}: {self.achieved}"


class Enrollment(models.Model):
    """A student proposed for, or taking part in, an activity. The student is on the roster
    only while the latest consent event is "given" for the activity's current terms;
    ``status`` keeps that answer, written in the same transaction as each event."""

    class Basis(models.TextChoices):
        NOT_ACHIEVED = "not_achieved", _("Result 'not achieved' last term")
        GIFTED = "gifted", _("Selected for gifted-student training")
        EXAM_REVIEW = "exam_review", _("Final grade, volunteers for exam review")
        PRIMARY_SKILLS = "primary_skills", _("Arts, sport or life skills")
        VOLUNTARY = "voluntary", _("Voluntary (linked programme)")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, awaiting consent")
        ENROLLED = "enrolled", _("On the roster")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Consent withdrawn")
        NEEDS_RENEWAL = "needs_renewal", _("Terms changed, consent to renew")
        WAITING = "waiting", _("Consent given, on the waiting list")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="enrollments")
    student = models.ForeignKey(
        Student, verbose_name=_("student"), on_delete=models.PROTECT, related_name="enrollments"
    )
    basis = models.CharField(_("basis of eligibility"), max_length=20, choices=Basis.choices)
    basis_note = models.CharField(_("basis details"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    # When the consent that put the student on the waiting list was given: the order in
    # which places that free are filled.
    waiting_since = models.DateTimeField(_("on the waiting list since"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["student__full_name", "id"]
        indexes = [models.Index(fields=["activity", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "student"], name="schools_enrollment_unique"
            )
        ]

    def __str__(self):
        return f"{self.student} – {self.activity}"


class ConsentEvent(models.Model):
    """One event of the consent ledger. Events are only ever added."""

    class Kind(models.TextChoices):
        GIVEN = "given", _("Consent given")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Consent withdrawn")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        LINK = "link", _("Personal link")
        PAPER = "paper", _("Paper form recorded by staff")
        PHONE = "phone", _("Phone call recorded by staff")

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="consent_events"
    )
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    guardian = models.ForeignKey(
        Guardian, verbose_name=_("parent or guardian"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # PROTECT: an account that recorded consents is deactivated, never deleted; the ledger
    # refuses the update SET_NULL would make.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    terms_hash = models.CharField(_("terms fingerprint"), max_length=64)
    scan = models.FileField(_("scan of the signed form"), upload_to="consent/%Y/%m/", blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="paper") | ~Q(scan=""), name="schools_consent_paper_scan"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.enrollment}"

"""Inspections and complaints: plans, inspections with their team, checklists, findings with
evidence, corrective actions, the suspensions an inspection decided, and the complaints of
parents and the public.

Who sees and does what is the authorization policy's (``schools.policy``), which this app
extends with its own rules (``inspections.access``)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Activity, ActivityEvent, AdministrativeUnit, School, SchoolYear


class Scope(models.TextChoices):
    """What an inspection looks at; also the categories of a finding."""

    TUTORING = "tutoring", _("Extra tutoring")
    PROGRAMMES = "programmes", _("Linked programmes")
    FEES = "fees", _("Fees")
    CONSENT = "consent", _("Families' consent")
    STUDENTS = "students", _("Student management")


class Authority(models.TextChoices):
    """Who inspects: the Department (its inspectorate) or the People's Committee of the
    school's area."""

    DEPARTMENT = "department", _("Department of Education and Training")
    COMMITTEE = "committee", _("People's Committee")


class InspectionPlan(models.Model):
    """An authority's plan of inspections for a school year: which schools, when, what
    scope. Its inspections are the planned visits."""

    authority = models.CharField(_("authority"), max_length=12, choices=Authority.choices)
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("administrative unit"),
        on_delete=models.PROTECT,
        related_name="inspection_plans",
        help_text=_("The city for the Department, the commune or district for a committee."),
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("school year"), on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("decision number"), max_length=100, blank=True)
    scopes = models.JSONField(_("scope"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-school_year__name", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(authority__in=Authority.values), name="inspections_plan_authority"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("inspections:plan_detail", args=[self.pk])

    def get_scopes_display(self) -> list[str]:
        return [Scope(code).label for code in self.scopes if code in Scope.values]


class ChecklistTemplate(models.Model):
    """A set of questions an inspection answers, drawn from the rules; kept by the
    Department in the admin. A question in use is never deleted, only replaced by a new
    template."""

    title = models.CharField(_("title"), max_length=200)
    version = models.CharField(_("version"), max_length=30)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["-is_active", "title", "-id"]

    def __str__(self):
        return f"{self.title} ({self.version})"

    @classmethod
    def current(cls):
        return cls.objects.filter(is_active=True).order_by("-created_at", "-id").first()


class ChecklistQuestion(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="questions"
    )
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("question"), max_length=300)
    reference = models.CharField(_("legal basis"), max_length=200)

    class Meta:
        verbose_name = _("checklist question")
        verbose_name_plural = _("checklist questions")
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "order"], name="inspections_question_order_unique"
            ),
        ]

    def __str__(self):
        return self.text


class Inspection(models.Model):
    """One inspection of one school. An unannounced one is invisible to the school until
    it starts."""

    school_scope_field = "school"

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Periodic")
        UNANNOUNCED = "unannounced", _("Unannounced")

    class Trigger(models.TextChoices):
        PLAN = "plan", _("Inspection plan")
        COMPLAINT = "complaint", _("Complaint")
        PUBLIC_OPINION = "opinion", _("Public opinion")
        FOLLOW_UP = "follow_up", _("Follow-up of an earlier inspection")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        FINDINGS_RECORDED = "findings", _("Findings recorded")
        CONCLUDED = "concluded", _("Concluded")
        FOLLOW_UP = "follow_up", _("Follow-up")
        CLOSED = "closed", _("Closed")

    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    authority = models.CharField(_("authority"), max_length=12, choices=Authority.choices)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows up"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    scopes = models.JSONField(_("scope"), default=list)
    reference = models.CharField(_("decision number"), max_length=100, blank=True)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    checklist = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    sanctions = models.TextField(_("sanctions and measures"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-planned_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")),
                name="inspections_inspection_dates",
            ),
            models.CheckConstraint(
                condition=Q(authority__in=Authority.values),
                name="inspections_inspection_authority",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "planned",
                        "in_progress",
                        "findings",
                        "concluded",
                        "follow_up",
                        "closed",
                    ]
                ),
                name="inspections_inspection_status",
            ),
            # A concluded inspection is signed by the head of its team.
            models.CheckConstraint(
                condition=Q(concluded_at__isnull=True) | Q(signed_by__isnull=False),
                name="inspections_inspection_signed",
            ),
        ]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self):
        return f"{self.code} · {self.school}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("inspections:inspection_detail", args=[self.pk])

    @property
    def code(self) -> str:
        """The inspection's number as cited in suspensions and letters."""
        return f"TTKT-{self.pk:05d}"

    def get_scopes_display(self) -> list[str]:
        return [Scope(code).label for code in self.scopes if code in Scope.values]

    @property
    def is_open_for_work(self) -> bool:
        """The team answers the checklist and records findings and actions."""
        return self.status in (self.Status.IN_PROGRESS, self.Status.FINDINGS_RECORDED)


class TeamMember(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="inspection_memberships",
    )
    is_lead = models.BooleanField(_("head of the team"), default=False)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "user"], name="inspections_team_member_unique"
            ),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=Q(is_lead=True),
                name="inspections_team_one_lead",
            ),
        ]

    def __str__(self):
        return str(self.user)


class ChecklistAnswer(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_APPLICABLE = "na", _("Not applicable")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        ChecklistQuestion, on_delete=models.PROTECT, related_name="answers"
    )
    answer = models.CharField(_("answer"), max_length=3, choices=Answer.choices)
    note = models.TextField(_("note"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), auto_now=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "question"], name="inspections_answer_unique"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=["yes", "no", "na"]), name="inspections_answer_valid"
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.get_answer_display()}"


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")
    VERY_SERIOUS = "very_serious", _("Very serious")


class Finding(models.Model):
    """A violation or shortcoming the team found, with its legal basis and the person
    responsible."""

    class Category(models.TextChoices):
        TUTORING = Scope.TUTORING.value, Scope.TUTORING.label
        PROGRAMMES = Scope.PROGRAMMES.value, Scope.PROGRAMMES.label
        FEES = Scope.FEES.value, Scope.FEES.label
        CONSENT = Scope.CONSENT.value, Scope.CONSENT.label
        STUDENTS = Scope.STUDENTS.value, Scope.STUDENTS.label
        OTHER = "other", _("Other")

    school_scope_field = "inspection__school"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices)
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    answer = models.ForeignKey(
        ChecklistAnswer,
        verbose_name=_("checklist question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    title = models.CharField(_("finding"), max_length=200)
    description = models.TextField(_("description"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    responsible = models.CharField(
        _("person responsible"),
        max_length=200,
        help_text=_("Name and position, for example the head of the school."),
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account of the person responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="inspections_finding_severity"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("inspections:finding_detail", args=[self.pk])


class CorrectiveAction(models.Model):
    """What the school must do about a finding, by when, and who; the school answers with
    evidence and the team accepts the answer or reopens the action."""

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        ANSWERED = "answered", _("Answered, awaiting review")
        ACCEPTED = "accepted", _("Accepted")

    school_scope_field = "finding__inspection__school"

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField(_("what must be done"))
    due_date = models.DateField(_("deadline"))
    responsible = models.CharField(_("who"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    response = models.TextField(_("the school's answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    review_note = models.TextField(_("review"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminder"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("set"), auto_now_add=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "answered", "accepted"]),
                name="inspections_action_status",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(answered_at__isnull=False),
                name="inspections_action_answered",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return self.description[:80]

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("inspections:action_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()


class Evidence(models.Model):
    """A photo or document: of a checklist answer, of a finding (the team's), or of a
    corrective action (the school's answer). Checked by content (schools.uploads) and served
    only through a view that asks the policy."""

    school_scope_field = "inspection__school"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="evidence")
    answer = models.ForeignKey(
        ChecklistAnswer, null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    action = models.ForeignKey(
        CorrectiveAction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to="inspections/%Y/%m/")
    title = models.CharField(_("title"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]
        constraints = [
            # Exactly one of: a checklist answer, a finding, a corrective action.
            models.CheckConstraint(
                condition=(
                    Q(answer__isnull=False, finding__isnull=True, action__isnull=True)
                    | Q(answer__isnull=True, finding__isnull=False, action__isnull=True)
                    | Q(answer__isnull=True, finding__isnull=True, action__isnull=False)
                ),
                name="inspections_evidence_one_owner",
            ),
        ]

    def __str__(self):
        return self.title


class InspectionSuspension(models.Model):
    """A suspension of a linked programme or a tutoring class decided from an inspection:
    the activity's own suspension event (partnerships, tutoring), linked back here."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="suspensions")
    event = models.OneToOneField(
        ActivityEvent, on_delete=models.PROTECT, related_name="inspection_suspension"
    )

    class Meta:
        verbose_name = _("suspension from an inspection")
        verbose_name_plural = _("suspensions from inspections")
        ordering = ["id"]

    def __str__(self):
        return f"{self.inspection.code}: {self.event.activity}"


class InspectionEvent(models.Model):
    """The history of an inspection: every change of status, finding, action, answer."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=30)
    summary = models.CharField(_("what"), max_length=300)

    class Meta:
        verbose_name = _("inspection event")
        verbose_name_plural = _("inspection events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"


class Complaint(models.Model):
    """A complaint of a parent or a member of the public about a school (and maybe one of
    its activities), followed by its tracking code without an account. It is handled by the
    school's managing authority."""

    school_scope_field = "school"

    class Category(models.TextChoices):
        COERCION = "coercion", _("Coercion to join")
        FEES = "fees", _("Fees")
        QUALITY = "quality", _("Quality")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("Being handled")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("tracking code"), max_length=20, unique=True)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="complaints"
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    description = models.TextField(_("description"))
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    name = models.CharField(_("your name"), max_length=150, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=["coercion", "fees", "quality", "other"]),
                name="inspections_complaint_category",
            ),
            # A complaint is closed with an answer.
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(answer=""),
                name="inspections_complaint_closed_answered",
            ),
            # Who signs is known unless the complainant chose to stay anonymous.
            models.CheckConstraint(
                condition=Q(is_anonymous=True) | ~Q(name=""),
                name="inspections_complaint_named",
            ),
        ]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("inspections:complaint_detail", args=[self.pk])


class ComplaintAttachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="complaints/%Y/%m/")
    title = models.CharField(_("title"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint attachment")
        verbose_name_plural = _("complaint attachments")
        ordering = ["id"]

    def __str__(self):
        return self.title


class ComplaintEvent(models.Model):
    """The history of a complaint. The public events (received, being handled, answered,
    closed) are what its author sees with the tracking code; the others (assigned, linked to
    an inspection) are for the authority."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20)
    summary = models.CharField(_("what"), max_length=300)
    is_public = models.BooleanField(_("shown to the author"), default=False)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]

    def __str__(self):
        return self.summary

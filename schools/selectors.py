"""Reads that several views share."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role

from . import consent, policy, risk
from .models import (
    Activity,
    ActivitySlot,
    ConsentEvent,
    Enrollment,
    School,
    SchoolLevel,
    SchoolYear,
    Student,
    TeachingAssignment,
)

Status = Enrollment.Status


def on_roster() -> Coalesce:
    """An activity's students on its roster, for ``annotate`` on a list of activities: a
    count per row rather than a GROUP BY over the list's joins, which costs PostgreSQL's
    planner more than the counting."""
    enrolled = (
        Enrollment.objects.filter(activity=OuterRef("pk"), status=Status.ENROLLED)
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(enrolled, output_field=IntegerField()), 0)


def _task(text, url_name=None, *args, count=None):
    return {"text": text, "url": reverse(url_name, args=args) if url_name else None, "count": count}


# Tasks of apps below this one (inspections: inspections to run, corrective actions to
# answer or review, complaints to handle), which this module cannot import: each a callable
# ``user -> list of tasks`` (``{"text", "url", "count"}``), appended in the app's
# ``AppConfig.ready()``.
TASK_PROVIDERS: list[Callable[..., list[dict]]] = []


def home_summary(user) -> dict:
    """What the home page of ``user``'s role shows: figures for their scope and what they
    have to do next."""
    role = user.role
    context = {"role": role, "role_label": Role(role).label if role else "", "tasks": []}
    tasks = context["tasks"]
    year = SchoolYear.current()
    context["year"] = year

    if role == Role.PARENT:
        children = list(
            policy.visible(user, Student).select_related("school").order_by("full_name")
        )
        for child in children:
            child.offered, child.to_answer = offer_counts(child)
            if child.to_answer:
                tasks.append(
                    _task(
                        _("Activities waiting for your answer for %(name)s")
                        % {"name": child.full_name},
                        "schools:child",
                        child.pk,
                        count=child.to_answer,
                    )
                )
        context["children"] = children
        if not children:
            tasks.append(_task(_("No child is linked to your account yet: ask the school.")))
        return context

    schools = policy.visible(user, School)
    if policy.can(user, "activity.view_risk"):
        n_risky = len(risk.flagged_activities_kept(user)[0])
        if n_risky:
            text = _("Activities showing signs of coercion")
            tasks.append(_task(text, "schools:risk", count=n_risky))
    if role in policy.SCHOOL_ROLES:
        context["schools"] = list(schools.select_related("unit", "head"))
        for school in context["schools"]:
            students = school.students.filter(status=Student.Status.STUDYING)
            if role == Role.PRINCIPAL:
                if not students.exists():
                    tasks.append(
                        _task(
                            _("Import the list of students and guardians of %(school)s.")
                            % {"school": school},
                            "schools:student_import",
                            school.pk,
                        )
                    )
                missing = students.filter(guardians__isnull=True).count()
                if missing:
                    tasks.append(
                        _task(
                            _("Students without a guardian on record"),
                            "schools:student_list",
                            school.pk,
                            count=missing,
                        )
                    )
                returned = school.activities.filter(
                    kind=Activity.Kind.PROGRAMME, status=Activity.Status.RETURNED
                ).count()
                if returned:
                    task = _task(
                        _("Linked programmes returned to you for changes"),
                        "partnerships:programme_list",
                        school.pk,
                        count=returned,
                    )
                    task["url"] += "?status=returned"
                    tasks.append(task)
        if role == Role.STAFF:
            context["assignments"] = TeachingAssignment.objects.filter(
                staff__user=user, school_year=year
            ).select_related("subject", "staff__school")
            if not context["assignments"]:
                tasks.append(_task(_("No teaching assignment is recorded for you this year.")))
        for provider in TASK_PROVIDERS:
            tasks.extend(provider(user))
        return context

    # Department, inspector, committee: figures over the area they oversee.
    context["scope_units"] = list(policy.scope_units(user))
    figures = schools.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(is_active=True)),
        headless=Count("id", filter=Q(is_active=True, head__isnull=True)),
    )
    context["figures"] = figures
    counts = dict(
        schools.filter(is_active=True).values_list("level").annotate(n=Count("id")).order_by()
    )
    context["by_level"] = [
        {"level": level, "label": label, "n": counts[level]}
        for level, label in SchoolLevel.choices
        if level in counts
    ]
    if figures["headless"]:
        tasks.append(
            _task(
                _("Schools without a head on record"),
                "schools:school_list",
                count=figures["headless"],
            )
        )
    if role in (Role.DEPARTMENT, Role.COMMITTEE):
        empty = schools.filter(is_active=True).exclude(
            Exists(Student.objects.filter(school=OuterRef("pk")))
        )
        if role == Role.COMMITTEE:
            empty = empty.filter(policy.committee_managed())
        n_empty = empty.count()
        if n_empty:
            tasks.append(
                _task(
                    _("Schools that have not imported their students"),
                    "schools:school_list",
                    count=n_empty,
                )
            )
        # Linked programmes waiting for this authority's decision.
        n_waiting = Activity.objects.filter(
            kind=Activity.Kind.PROGRAMME,
            status=Activity.Status.SUBMITTED,
            school__in=policy.decidable_schools(user),
        ).count()
        if n_waiting:
            tasks.append(
                _task(
                    _("Linked programmes waiting for your decision"),
                    "partnerships:programme_area_list",
                    count=n_waiting,
                )
            )
    for provider in TASK_PROVIDERS:
        tasks.extend(provider(user))
    return context


@dataclass
class Offer:
    activity: Activity
    enrollment: Enrollment | None
    latest: ConsentEvent | None

    @property
    def expected_last(self) -> int:
        return self.latest.pk if self.latest else 0

    @property
    def status(self):
        return self.enrollment.status if self.enrollment else None

    @property
    def may_give(self):
        return self.activity.accepts_consent() and self.status not in (
            Status.ENROLLED,
            Status.WAITING,
        )

    @property
    def may_decline(self):
        return self.status in (None, Status.PROPOSED, Status.NEEDS_RENEWAL)

    @property
    def may_withdraw(self):
        return self.status in (Status.ENROLLED, Status.WAITING, Status.NEEDS_RENEWAL)

    @property
    def awaits_answer(self):
        return self.activity.accepts_consent() and self.status in (
            None,
            Status.PROPOSED,
            Status.NEEDS_RENEWAL,
        )

    @property
    def waiting_position(self):
        return consent.waiting_position(self.enrollment) if self.enrollment else None


def _accepts_consent(prefix: str = "") -> Q:
    """``Activity.accepts_consent`` as a condition on the activity at ``prefix``."""
    kind, status = f"{prefix}kind", f"{prefix}status"
    Kind, Status_ = Activity.Kind, Activity.Status
    return Q(**{kind: Kind.PROGRAMME, status: Status_.APPROVED}) | (
        ~Q(**{kind: Kind.PROGRAMME}) & Q(**{f"{status}__in": [Status_.APPROVED, Status_.OPEN]})
    )


def offer_counts(student: Student) -> tuple[int, int]:
    """How many activities ``offers_for(student)`` lists, and how many of them await the
    family's answer, counted in two queries rather than read whole (a parent's home page:
    a school may offer a grade some fifty programmes)."""
    has_events = Exists(ConsentEvent.objects.filter(enrollment=OuterRef("pk")))
    accepts = _accepts_consent("activity__")
    live = accepts | Q(status__in=[Status.ENROLLED, Status.WAITING, Status.NEEDS_RENEWAL])
    to_answer = accepts & Q(status__in=[Status.PROPOSED, Status.NEEDS_RENEWAL])
    enrolled = (
        Enrollment.objects.filter(student=student)
        .exclude(activity__status__in=[Activity.Status.DRAFT, Activity.Status.REFUSED])
        .alias(has_events=has_events)
        .aggregate(
            offered=Count("pk", filter=live | Q(has_events=True)),
            awaiting=Count("pk", filter=to_answer),
        )
    )
    open_programmes = (
        Activity.objects.filter(
            school_id=student.school_id,
            kind=Activity.Kind.PROGRAMME,
            status=Activity.Status.APPROVED,
            grade_min__lte=student.grade,
            grade_max__gte=student.grade,
        )
        .exclude(enrollments__student=student)
        .count()
    )
    return enrolled["offered"] + open_programmes, enrolled["awaiting"] + open_programmes


def offers_for(student: Student, *, activity_id: int | None = None) -> list[Offer]:
    """What the family decides on: the activities the child was proposed for, and the
    approved linked programmes of the school open to the child's grade; with what the
    ledger says of each (only of the activity ``activity_id``, when given: the one a family
    answers, and then without what only the page shows: the school, partner, subject and
    schedule). Tutoring classes and programmes show what only they have (subject, partner)
    through the activity's child row, read without importing their apps."""
    shown = activity_id is None
    related = ("school", "programme__partner", "tutoringclass__subject") if shown else ()
    by_weekday = ActivitySlot.objects.order_by("weekday")
    only = {} if shown else {"activity_id": activity_id}
    enrollments = {
        e.activity_id: e
        for e in Enrollment.objects.filter(student=student, **only)
        .exclude(activity__status__in=[Activity.Status.DRAFT, Activity.Status.REFUSED])
        .select_related("activity", *(f"activity__{r}" for r in related))
        .prefetch_related(
            *([Prefetch("activity__slots", queryset=by_weekday)] if shown else []),
            Prefetch("consent_events", queryset=ConsentEvent.objects.order_by("-id")),
        )
    }
    open_programmes = (
        Activity.objects.filter(
            **({} if shown else {"pk": activity_id}),
            school_id=student.school_id,
            kind=Activity.Kind.PROGRAMME,
            status=Activity.Status.APPROVED,
            grade_min__lte=student.grade,
            grade_max__gte=student.grade,
        )
        .exclude(pk__in=enrollments.keys())
        .select_related(*related)
        .prefetch_related(*([Prefetch("slots", queryset=by_weekday)] if shown else []))
    )
    if enrollments and not shown:
        open_programmes = []  # the one activity asked for is on the child's list
    offers = []
    for enrollment in enrollments.values():
        activity = enrollment.activity
        events = list(enrollment.consent_events.all())
        live = activity.accepts_consent() or enrollment.status in (
            Status.ENROLLED,
            Status.WAITING,
            Status.NEEDS_RENEWAL,
        )
        if live or events:
            offers.append(Offer(activity, enrollment, events[0] if events else None))
    offers += [Offer(activity, None, None) for activity in open_programmes]
    return sorted(offers, key=lambda o: (o.activity.kind, o.activity.title, o.activity.pk))

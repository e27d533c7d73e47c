"""The Circular 29/2024 checks on in-school tutoring.

Each check reads the rule version in force (``RulePolicy``) rather than constants, and every
check runs: the caller gets all violations at once, each naming the rule it breaks, so a form
can show them together and an inspector or a report can ask "what breaks the rules now".
"""

from datetime import date

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schools.checks import Violation, main_timetable_clashes
from schools.models import (
    Activity,
    ActivitySlot,
    Enrollment,
    School,
    Student,
    SubjectResult,
    Term,
)

from .models import Category, OutsideTutoringDeclaration, RulePolicy, TutoringClass

PRIMARY_GRADES = range(1, 6)
# Statuses in which a class holds its teachers, rooms and students' time.
LIVE_STATUSES = [
    Activity.Status.SUBMITTED,
    Activity.Status.APPROVED,
    Activity.Status.OPEN,
    Activity.Status.SUSPENDED,
]
# Enrolments that count towards a student's weekly load.
ACTIVE_ENROLMENTS = [Enrollment.Status.PROPOSED, Enrollment.Status.ENROLLED]

# The basis a student needs for each category of class (Art. 5(2)).
BASIS_FOR_CATEGORY = {
    Category.REMEDIAL: Enrollment.Basis.NOT_ACHIEVED,
    Category.GIFTED: Enrollment.Basis.GIFTED,
    Category.EXAM_REVIEW: Enrollment.Basis.EXAM_REVIEW,
    Category.ARTS: Enrollment.Basis.PRIMARY_SKILLS,
    Category.SPORT: Enrollment.Basis.PRIMARY_SKILLS,
    Category.LIFE_SKILLS: Enrollment.Basis.PRIMARY_SKILLS,
}


class NoRulePolicy(Exception):
    """No version of the rules is in force on the date asked about."""


def policy_for(on: date) -> RulePolicy:
    policy = RulePolicy.in_force(on)
    if policy is None:
        raise NoRulePolicy(on)
    return policy


def _violation(policy, rule, field, message, article):
    return Violation(rule, field, message, f"{policy.legal_reference}, {article}")


def check_class(
    tutoring_class: TutoringClass,
    slots: list[ActivitySlot],
    teachers: list,
    *,
    policy: RulePolicy | None = None,
) -> list[Violation]:
    """Every rule the class breaks, as it stands (saved or not). ``slots`` and ``teachers``
    are passed in because an unsaved class has none in the database yet."""
    tc = tutoring_class
    policy = policy or policy_for(tc.start_date)
    found = []

    def add(rule, field, message, article):
        found.append(_violation(policy, rule, field, message, article))

    # T4: free of charge in school.
    if tc.monthly_fee:
        add(
            "T4",
            "monthly_fee",
            _("Tutoring in school is free of charge: the fee must be 0."),
            _("Article 5(1)"),
        )

    # T1: no tutoring of primary pupils except arts, sport and life skills.
    is_primary = tc.grade in PRIMARY_GRADES
    if is_primary and tc.category not in policy.primary_categories:
        add(
            "T1",
            "category",
            _(
                "Primary pupils may be tutored only in arts, physical education and sport, and "
                "life skills; %(category)s is not allowed for grade %(grade)s."
            )
            % {"category": tc.get_category_display(), "grade": tc.grade},
            _("Article 4(1)"),
        )
    primary_only = {Category.ARTS, Category.SPORT, Category.LIFE_SKILLS}
    if not is_primary and tc.category in primary_only:
        add(
            "T5",
            "category",
            _(
                "In school, students of grade %(grade)s may be tutored only if they did not "
                "achieve the subject last term, are trained as gifted students or review for "
                "their final exams."
            )
            % {"grade": tc.grade},
            _("Article 5(2)"),
        )
    # T5(c): exam review only in the final grade of a level.
    if tc.category == Category.EXAM_REVIEW and tc.grade not in policy.final_grades:
        add(
            "T5",
            "category",
            _("Exam review is only for the final grades (%(grades)s), not grade %(grade)s.")
            % {"grades": ", ".join(map(str, policy.final_grades)), "grade": tc.grade},
            _("Article 5(2)(c)"),
        )

    # The grade must be one the school teaches.
    school = tc.school
    if not school.grade_min <= tc.grade <= school.grade_max:
        add(
            "T7",
            "grade",
            _("%(school)s teaches grades %(min)s to %(max)s, not grade %(grade)s.")
            % {
                "school": school.name,
                "min": school.grade_min,
                "max": school.grade_max,
                "grade": tc.grade,
            },
            _("Article 5(3)"),
        )

    # T7: class size.
    if tc.capacity and tc.capacity > policy.class_size_limit:
        add(
            "T7",
            "capacity",
            _("A class may have at most %(limit)s students; the capacity is %(capacity)s.")
            % {"limit": policy.class_size_limit, "capacity": tc.capacity},
            _("Article 5(3)"),
        )
    if tc.pk:
        enrolled = tc.enrollments.filter(status__in=ACTIVE_ENROLMENTS).count()
        if tc.capacity is not None and tc.capacity < enrolled:
            add(
                "T7",
                "capacity",
                _(
                    "The capacity (%(capacity)s) is below the %(enrolled)s students already on "
                    "the roster."
                )
                % {"capacity": tc.capacity, "enrolled": enrolled},
                _("Article 5(3)"),
            )

    # Dates.
    if tc.start_date and tc.end_date and tc.end_date < tc.start_date:
        add("DATES", "end_date", _("The end date is before the start date."), _("Article 5"))
    year = tc.school_year
    if (
        year
        and tc.start_date
        and tc.end_date
        and (tc.start_date < year.start or tc.end_date > year.end)
    ):
        add(
            "DATES",
            "start_date",
            _("The dates must lie within the school year %(year)s (%(start)s – %(end)s).")
            % {"year": year.name, "start": f"{year.start:%d/%m/%Y}", "end": f"{year.end:%d/%m/%Y}"},
            _("Article 5"),
        )

    found += _check_schedule(tc, slots, policy)
    found += _check_teachers(tc, slots, teachers, policy)
    return found


def _check_schedule(tc, slots, policy) -> list[Violation]:
    found = []

    def add(rule, message, article):
        found.append(_violation(policy, rule, "slots", message, article))

    if not slots:
        add(
            "T9",
            _("Give at least one weekly session (day, start and end time, periods)."),
            _("Article 5(5)"),
        )
        return found
    for slot in slots:
        if slot.end <= slot.start:
            add(
                "SCHEDULE",
                _("%(day)s: the session ends (%(end)s) before it starts (%(start)s).")
                % {
                    "day": slot.get_weekday_display(),
                    "start": f"{slot.start:%H:%M}",
                    "end": f"{slot.end:%H:%M}",
                },
                _("Article 5"),
            )
    for i, slot in enumerate(slots):
        for other in slots[i + 1 :]:
            if slot.overlaps(other):
                add(
                    "SCHEDULE",
                    _("Two sessions overlap on %(day)s.") % {"day": slot.get_weekday_display()},
                    _("Article 5"),
                )

    # T6: periods per week per subject.
    periods = sum(slot.periods for slot in slots)
    cap = policy.weekly_period_cap
    exception = getattr(tc, "cap_exception", None) if tc.pk else None
    allowed = max(cap, exception.periods_allowed) if exception else cap
    if periods > allowed:
        add(
            "T6",
            _("At most %(cap)s periods a week per subject; this schedule has %(periods)s.")
            % {"cap": allowed, "periods": periods},
            _("Article 5(4)"),
        )

    # T8: never between the lessons of the main timetable.
    for message in main_timetable_clashes(tc.school, slots):
        add("T8", message, _("Article 5(3)"))
    return found


def _check_teachers(tc, slots, teachers, policy) -> list[Violation]:
    found = []
    if not teachers:
        found.append(
            _violation(policy, "T9", "teachers", _("Name at least one teacher."), _("Article 5(5)"))
        )
        return found
    for teacher in teachers:
        if teacher.school_id != tc.school_id:
            found.append(
                _violation(
                    policy,
                    "T9",
                    "teachers",
                    _("%(teacher)s does not work at %(school)s.")
                    % {"teacher": teacher.user.get_full_name(), "school": tc.school.name},
                    _("Article 5(5)"),
                )
            )
    if not (tc.start_date and tc.end_date):
        return found
    others = (
        ActivitySlot.objects.filter(
            activity__tutoringclass__teachers__in=teachers,
            activity__status__in=LIVE_STATUSES,
        )
        .filter(activity__start_date__lte=tc.end_date, activity__end_date__gte=tc.start_date)
        .exclude(activity_id=tc.pk)
        .select_related("activity")
        .distinct()
    )
    for other in others:
        for slot in slots:
            if slot.overlaps(other):
                found.append(
                    _violation(
                        policy,
                        "CLASH",
                        "slots",
                        _("%(day)s %(start)s–%(end)s clashes with the teacher's class '%(other)s'.")
                        % {
                            "day": slot.get_weekday_display(),
                            "start": f"{slot.start:%H:%M}",
                            "end": f"{slot.end:%H:%M}",
                            "other": other.activity.title,
                        },
                        _("Article 5"),
                    )
                )
    return found


def recheck(tutoring_class: TutoringClass) -> list[Violation]:
    """Check a class as it stands in the database and keep the result on it. Messages are
    stored in the portal's default language, the language of official records."""
    tc = tutoring_class
    found = []
    if tc.status not in (Activity.Status.CLOSED, Activity.Status.REFUSED):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                found = check_class(tc, list(tc.slots.all()), list(tc.teachers.all()))
            except NoRulePolicy:
                found = []
    tc.rule_breaches = [
        {"rule": v.rule, "message": v.message, "reference": v.reference} for v in found
    ]
    tc.checked_at = timezone.now()
    Activity.objects.filter(pk=tc.pk).update(
        rule_breaches=tc.rule_breaches, checked_at=tc.checked_at
    )
    return found


def last_term(before: date) -> Term | None:
    """The term that ended last before ``before``: whose results make a student eligible
    for remedial tutoring."""
    return Term.objects.filter(end__lt=before).order_by("-end").first()


def check_enrollment(
    tutoring_class: TutoringClass,
    student: Student,
    basis: str,
    *,
    policy: RulePolicy | None = None,
) -> list[Violation]:
    """Every rule that putting ``student`` on the class's roster would break."""
    tc = tutoring_class
    policy = policy or policy_for(tc.start_date)
    found = []

    def add(rule, field, message, article):
        found.append(_violation(policy, rule, field, message, article))

    name = student.full_name
    if student.school_id != tc.school_id or student.grade != tc.grade:
        add(
            "T5",
            "student",
            _("%(name)s is not a grade-%(grade)s student of this school.")
            % {"name": name, "grade": tc.grade},
            _("Article 5(2)"),
        )
    needed = BASIS_FOR_CATEGORY[tc.category]
    if basis != needed:
        add(
            "T5",
            "basis",
            _("This class is for students with the basis '%(needed)s'.")
            % {"needed": Enrollment.Basis(needed).label},
            _("Article 5(2)"),
        )
    elif needed == Enrollment.Basis.NOT_ACHIEVED:
        term = last_term(tc.start_date)
        result = (
            SubjectResult.objects.filter(student=student, subject=tc.subject, term=term).first()
            if term
            else None
        )
        if result is None:
            add(
                "T5",
                "basis",
                _("No result of %(name)s in %(subject)s is recorded for the last term.")
                % {"name": name, "subject": tc.subject.name},
                _("Article 5(2)(a)"),
            )
        elif result.achieved:
            add(
                "T5",
                "basis",
                _(
                    "%(name)s achieved %(subject)s last term, so is not eligible for remedial "
                    "tutoring."
                )
                % {"name": name, "subject": tc.subject.name},
                _("Article 5(2)(a)"),
            )
    elif needed == Enrollment.Basis.EXAM_REVIEW and student.grade not in policy.final_grades:
        add(
            "T5",
            "basis",
            _("%(name)s is not in a final grade.") % {"name": name},
            _("Article 5(2)(c)"),
        )

    enrolled = tc.enrollments.filter(status__in=ACTIVE_ENROLMENTS).exclude(student=student)
    if enrolled.count() >= tc.capacity:
        add(
            "T7",
            "student",
            _("The class is full: %(capacity)s students.") % {"capacity": tc.capacity},
            _("Article 5(3)"),
        )

    # The student's other live classes over the same dates.
    theirs = Enrollment.objects.filter(
        student=student,
        status__in=ACTIVE_ENROLMENTS,
        activity__status__in=LIVE_STATUSES + [Activity.Status.DRAFT, Activity.Status.RETURNED],
        activity__start_date__lte=tc.end_date,
        activity__end_date__gte=tc.start_date,
    ).exclude(activity_id=tc.pk)
    same_subject = TutoringClass.objects.filter(
        pk__in=theirs.values("activity_id"), subject=tc.subject
    )
    other_periods = (
        ActivitySlot.objects.filter(activity__in=same_subject).aggregate(n=Sum("periods"))["n"] or 0
    )
    own_periods = sum(slot.periods for slot in tc.slots.all())
    if other_periods + own_periods > policy.weekly_period_cap:
        add(
            "T6",
            "student",
            _(
                "%(name)s would have %(periods)s periods a week of tutoring in %(subject)s; at "
                "most %(cap)s are allowed."
            )
            % {
                "name": name,
                "periods": other_periods + own_periods,
                "subject": tc.subject.name,
                "cap": policy.weekly_period_cap,
            },
            _("Article 5(4)"),
        )
    own_slots = list(tc.slots.all())
    for other in ActivitySlot.objects.filter(
        activity_id__in=theirs.values("activity_id")
    ).select_related("activity"):
        if any(slot.overlaps(other) for slot in own_slots):
            add(
                "CLASH",
                "student",
                _("%(name)s already has '%(other)s' on %(day)s at that time.")
                % {"name": name, "other": other.activity.title, "day": other.get_weekday_display()},
                _("Article 5"),
            )
    return found


def declaration_date(declaration: OutsideTutoringDeclaration) -> date:
    """The date whose rule version a declaration is checked against: the day it was
    submitted (today for one not yet saved)."""
    if declaration.created_at is None:
        return timezone.localdate()
    return timezone.localdate(declaration.created_at)


def check_declaration(
    declaration: OutsideTutoringDeclaration, *, policy: RulePolicy | None = None
) -> list[Violation]:
    """Every rule a saved declaration of outside tutoring shows broken. The flags do not
    stop a teacher from declaring: the point is that the head sees them.

    Reads ``declaration.students`` and ``declaration.teacher.assignments`` through
    ``.all()``, so that a list that prefetches them (with the assignments' subjects) checks
    each declaration without further queries; ``policy`` likewise spares the look-up."""
    policy = policy or policy_for(declaration_date(declaration))
    teacher = declaration.teacher
    found = []

    # T2: never for a fee the students the school has assigned the teacher to teach.
    subjects_by_homeroom = {}
    for assignment in teacher.assignments.all():
        if assignment.school_year_id == declaration.school_year_id:
            subjects_by_homeroom.setdefault(assignment.homeroom, []).append(assignment.subject.name)
    for student in sorted(declaration.students.all(), key=lambda s: (s.homeroom, s.full_name)):
        subjects = subjects_by_homeroom.get(student.homeroom)
        if student.school_id == teacher.school_id and subjects:
            found.append(
                _violation(
                    policy,
                    "T2",
                    "students",
                    _(
                        "%(name)s (class %(homeroom)s) is a student this teacher is assigned "
                        "to teach at school this year (%(subjects)s): a teacher may not tutor "
                        "their own students for a fee outside school."
                    )
                    % {
                        "name": student.full_name,
                        "homeroom": student.homeroom,
                        "subjects": ", ".join(sorted(set(subjects))),
                    },
                    _("Article 4(2)"),
                )
            )

    # T3: a teacher of a public school may teach at an establishment, never run one.
    if declaration.manages_establishment and teacher.school.ownership == School.Ownership.PUBLIC:
        found.append(
            _violation(
                policy,
                "T3",
                "manages_establishment",
                _(
                    "Teachers of public schools may teach at an outside tutoring establishment "
                    "but may not manage or run one (%(establishment)s)."
                )
                % {"establishment": declaration.establishment_name},
                _("Article 4(3)"),
            )
        )
    return found

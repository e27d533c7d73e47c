"""The checks on linked programmes (REGULATIONS.md, P1-P6).

``check_programme`` lists every rule a programme breaks, all at once with its reference:
while any is broken, nothing is saved, submitted or approved. ``programme_flags`` lists what
the authority should look at without it blocking anything: several programmes of the same
kind in one school, students whose fees add up above the Department's threshold.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.checks import Violation, main_timetable_clashes
from schools.models import Activity, ConsentEvent, Enrollment

from .models import FeePolicy, Partner, Programme, ProgrammeDocument, ProgrammeKind

# The sources each rule comes from (REGULATIONS.md).
CITY_DIRECTIVE = gettext_lazy("City directive on tutoring and linked programmes, 2024")
CIRCULAR_04 = gettext_lazy("Circular 04/2014/TT-BGDĐT")
DECREE_152 = gettext_lazy("Decree 152/2020/NĐ-CP")

# Programmes that are running or about to: they hold a school's kind and a student's fees.
LIVE_STATUSES = [Activity.Status.SUBMITTED, Activity.Status.APPROVED, Activity.Status.SUSPENDED]
# Programmes whose fees families pay now.
PAYING_STATUSES = [Activity.Status.APPROVED, Activity.Status.SUSPENDED]


def _violation(rule, field, message, reference):
    return Violation(rule, field, message, str(reference))


def check_programme(programme: Programme, slots: list, teachers: list) -> list[Violation]:
    """Every rule the programme breaks, as it stands (saved or not). ``slots`` and
    ``teachers`` are passed in because an unsaved programme has none in the database."""
    p = programme
    found = []

    def add(rule, field, message, reference):
        found.append(_violation(rule, field, message, reference))

    partner = p.partner if p.partner_id else None
    if partner is None:
        add("P2", "partner", _("Choose the partner organisation."), CIRCULAR_04)
    else:
        found += _check_partner(p, partner)

    if p.monthly_fee is not None and p.monthly_fee < 0:
        add("P1", "monthly_fee", _("The monthly fee cannot be negative."), CITY_DIRECTIVE)
    if p.start_date and p.end_date and p.end_date < p.start_date:
        add("DATES", "end_date", _("The end date is before the start date."), CITY_DIRECTIVE)
    year = p.school_year if p.school_year_id else None
    dated = p.start_date and p.end_date
    if year and dated and (p.start_date < year.start or p.end_date > year.end):
        add(
            "DATES",
            "start_date",
            _("The dates must lie within the school year %(year)s (%(start)s – %(end)s).")
            % {"year": year.name, "start": f"{year.start:%d/%m/%Y}", "end": f"{year.end:%d/%m/%Y}"},
            CITY_DIRECTIVE,
        )
    school = p.school
    if p.grade_min is not None and p.grade_max is not None:
        if p.grade_min > p.grade_max:
            add(
                "GRADES",
                "grade_max",
                _("The highest grade is below the lowest."),
                CITY_DIRECTIVE,
            )
        elif p.grade_min < school.grade_min or p.grade_max > school.grade_max:
            add(
                "GRADES",
                "grade_min",
                _("%(school)s teaches grades %(min)s to %(max)s.")
                % {"school": school.name, "min": school.grade_min, "max": school.grade_max},
                CITY_DIRECTIVE,
            )

    if p.capacity is not None and p.capacity < 1:
        add("CAPACITY", "capacity", _("The capacity must be at least 1 student."), CITY_DIRECTIVE)
    if p.pk and p.capacity:
        enrolled = p.enrollments.filter(status=Enrollment.Status.ENROLLED).count()
        if p.capacity < enrolled:
            add(
                "CAPACITY",
                "capacity",
                _("The capacity (%(capacity)s) is below the %(enrolled)s students on the roster.")
                % {"capacity": p.capacity, "enrolled": enrolled},
                CITY_DIRECTIVE,
            )

    # P1: the fee and the schedule are fixed before any family is asked.
    if not slots:
        add(
            "P1",
            "slots",
            _("Give the weekly schedule: parents agree to a fixed schedule and fee."),
            CITY_DIRECTIVE,
        )
    for i, slot in enumerate(slots):
        if not slot.periods or slot.periods < 1:
            add(
                "SCHEDULE",
                "slots",
                _("%(day)s: a session counts at least one period.")
                % {"day": slot.get_weekday_display()},
                CITY_DIRECTIVE,
            )
        if slot.end <= slot.start:
            add(
                "SCHEDULE",
                "slots",
                _("%(day)s: the session ends (%(end)s) before it starts (%(start)s).")
                % {
                    "day": slot.get_weekday_display(),
                    "start": f"{slot.start:%H:%M}",
                    "end": f"{slot.end:%H:%M}",
                },
                CITY_DIRECTIVE,
            )
        for other in slots[i + 1 :]:
            if slot.overlaps(other):
                add(
                    "SCHEDULE",
                    "slots",
                    _("Two sessions overlap on %(day)s.") % {"day": slot.get_weekday_display()},
                    CITY_DIRECTIVE,
                )
    # P3: outside the main timetable.
    for message in main_timetable_clashes(school, slots):
        add("P3", "slots", message, CITY_DIRECTIVE)

    found += _check_teachers(p, teachers)
    if p.pk:
        found += _check_consents(p)
    return found


def _check_partner(p, partner) -> list[Violation]:
    found = []
    if partner.status != Partner.Status.ACTIVE:
        found.append(
            _violation(
                "P2",
                "partner",
                _(
                    "%(partner)s is %(status)s in the Department's registry: it may not run "
                    "programmes."
                )
                % {"partner": partner.legal_name, "status": partner.get_status_display().lower()},
                CIRCULAR_04,
            )
        )
    if not (p.programme_kind and p.start_date and p.end_date):
        return found
    licences = list(partner.licences.all())
    if not any(lic.covers(p.programme_kind, p.start_date, p.end_date) for lic in licences):
        kind = ProgrammeKind(p.programme_kind).label
        for_kind = [lic for lic in licences if p.programme_kind in lic.kinds]
        if for_kind:
            latest = max(for_kind, key=lambda lic: lic.valid_to or p.end_date)
            message = _(
                "The licence of %(partner)s for %(kind)s (%(number)s) is valid from "
                "%(start)s to %(end)s, not over the whole programme (%(from)s – %(to)s)."
            ) % {
                "partner": partner.legal_name,
                "kind": kind,
                "number": latest.number,
                "start": f"{latest.valid_from:%d/%m/%Y}",
                "end": f"{latest.valid_to:%d/%m/%Y}" if latest.valid_to else "…",
                "from": f"{p.start_date:%d/%m/%Y}",
                "to": f"{p.end_date:%d/%m/%Y}",
            }
        else:
            message = _("%(partner)s holds no licence for %(kind)s.") % {
                "partner": partner.legal_name,
                "kind": kind,
            }
        found.append(_violation("P2", "partner", message, CIRCULAR_04))
    return found


VIETNAMESE = {"việt nam", "viet nam", "vietnam", "vn", "vietnamese"}


def is_vietnamese(nationality: str) -> bool:
    return (nationality or "").strip().casefold() in VIETNAMESE


def _check_teachers(p, teachers) -> list[Violation]:
    found = []
    if not teachers:
        found.append(
            _violation(
                "P2",
                "teachers",
                _("List the teachers, with their qualifications."),
                CIRCULAR_04,
            )
        )
    for teacher in teachers:
        if not teacher.is_foreign and not is_vietnamese(teacher.nationality):
            found.append(
                _violation(
                    "P4",
                    "teachers",
                    _(
                        "%(name)s is of %(nationality)s nationality: mark the teacher as "
                        "foreign and give the work permit."
                    )
                    % {"name": teacher.full_name, "nationality": teacher.nationality},
                    DECREE_152,
                )
            )
    foreign = [t for t in teachers if t.is_foreign]
    if p.programme_kind == ProgrammeKind.FOREIGN_TEACHERS and teachers and not foreign:
        found.append(
            _violation(
                "P4",
                "teachers",
                _("A programme with foreign teachers must list at least one foreign teacher."),
                DECREE_152,
            )
        )
    for teacher in foreign:
        if not teacher.work_permit_number or not teacher.work_permit_expiry:
            found.append(
                _violation(
                    "P4",
                    "teachers",
                    _("%(name)s is a foreign teacher: give the work permit number and expiry.")
                    % {"name": teacher.full_name},
                    DECREE_152,
                )
            )
        elif p.end_date and teacher.work_permit_expiry < p.end_date:
            found.append(
                _violation(
                    "P4",
                    "teachers",
                    _(
                        "The work permit of %(name)s (%(number)s) expires on %(expiry)s, before "
                        "the programme ends (%(end)s)."
                    )
                    % {
                        "name": teacher.full_name,
                        "number": teacher.work_permit_number,
                        "expiry": f"{teacher.work_permit_expiry:%d/%m/%Y}",
                        "end": f"{p.end_date:%d/%m/%Y}",
                    },
                    DECREE_152,
                )
            )
    return found


def _check_consents(p) -> list[Violation]:
    """P1: a student is on the roster only with a consent to the programme's current
    terms: those on it whose parents agreed to other terms must be asked again."""
    if not p.terms_hash:
        return []
    current = ConsentEvent.objects.filter(
        enrollment=OuterRef("pk"), kind=ConsentEvent.Kind.GIVEN, terms_hash=p.terms_hash
    )
    stale = p.enrollments.filter(status=Enrollment.Status.ENROLLED).exclude(Exists(current)).count()
    if stale:
        return [
            _violation(
                "P1",
                None,
                _(
                    "%(count)s consents were given for other terms than the programme's "
                    "current fee and schedule: the parents must be asked again."
                )
                % {"count": stale},
                CITY_DIRECTIVE,
            )
        ]
    return []


def check_documents(programme: Programme) -> list[Violation]:
    """P2: the authority reads the contract and the plan and materials before deciding."""
    present = set(programme.documents.values_list("kind", flat=True))
    return [
        _violation(
            "P2",
            "documents",
            _("Attach the document: %(document)s.") % {"document": kind.label},
            CIRCULAR_04,
        )
        for kind in (ProgrammeDocument.Kind.CONTRACT, ProgrammeDocument.Kind.MATERIALS)
        if kind not in present
    ]


def same_kind_elsewhere(programme: Programme):
    """The school's other live programmes of the same kind over overlapping dates."""
    return (
        Programme.objects.filter(
            school_id=programme.school_id,
            programme_kind=programme.programme_kind,
            status__in=LIVE_STATUSES,
            start_date__lte=programme.end_date,
            end_date__gte=programme.start_date,
        )
        .exclude(pk=programme.pk)
        .order_by("title")
    )


def student_fee_totals(student_ids, start=None, end=None) -> dict[int, int]:
    """Each student's total monthly fee across the programmes they are on the roster of
    (approved or suspended) that run at some time between ``start`` and ``end`` (today by
    default): for a programme's roster, those that overlap its own dates."""
    start = start or timezone.localdate()
    end = end or start
    rows = (
        Enrollment.objects.filter(
            student_id__in=student_ids,
            status=Enrollment.Status.ENROLLED,
            activity__kind=Activity.Kind.PROGRAMME,
            activity__status__in=PAYING_STATUSES,
            activity__start_date__lte=end,
            activity__end_date__gte=start,
        )
        .values("student_id")
        .annotate(total=Sum("activity__monthly_fee"))
    )
    return {row["student_id"]: row["total"] for row in rows}


def programme_flags(programme: Programme) -> list[Violation]:
    """What the authority should see, without it blocking anything."""
    found = []
    others = list(same_kind_elsewhere(programme).values_list("title", flat=True)[:5])
    if others:
        found.append(
            _violation(
                "P1",
                "programme_kind",
                _(
                    "The school already runs or proposes a programme of the same kind: "
                    "%(titles)s. Several programmes of one kind in a school deserve a look."
                )
                % {"titles": "; ".join(others)},
                CITY_DIRECTIVE,
            )
        )
    if programme.pk:
        threshold = FeePolicy.in_force().student_monthly_total
        students = programme.enrollments.filter(status=Enrollment.Status.ENROLLED).values_list(
            "student_id", flat=True
        )
        totals = student_fee_totals(list(students), programme.start_date, programme.end_date)
        over = [t for t in totals.values() if t > threshold]
        if over:
            found.append(
                _violation(
                    "P1",
                    None,
                    _(
                        "%(count)s students of this programme pay more than %(threshold)s ₫ "
                        "a month across all programmes."
                    )
                    % {"count": len(over), "threshold": f"{threshold:,}".replace(",", ".")},
                    CITY_DIRECTIVE,
                )
            )
    return found


def recheck(programme: Programme) -> list[Violation]:
    """Check a programme as it stands in the database and keep the result on it, in the
    portal's default language, the language of official records."""
    p = programme
    found = []
    if p.status not in (Activity.Status.CLOSED, Activity.Status.REFUSED):
        with translation.override(settings.LANGUAGE_CODE):
            found = check_programme(p, list(p.slots.all()), list(p.teachers.all()))
    p.rule_breaches = [
        {"rule": v.rule, "message": v.message, "reference": v.reference} for v in found
    ]
    p.checked_at = timezone.now()
    Activity.objects.filter(pk=p.pk).update(rule_breaches=p.rule_breaches, checked_at=p.checked_at)
    return found

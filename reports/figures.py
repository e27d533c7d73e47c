"""The figures of the dashboards and reports, for a set of schools and a period.

Every figure is computed here, in SQL aggregates whose number does not grow with the number
of schools; templates and PDFs only show them. The dashboards, the PDF reports and the
benchmark all call `compute`.

How: each source is read once, grouped by school (``values("school").annotate(Count...)``),
and the per-school counts are folded in Python, in one pass, into the rows of the areas,
the levels and the total. The queries, whatever the size of the scope:

* the schools, and the administrative units (to name the areas): 2;
* activities (classes, programmes, violations): 1; participants: 1; consent answers: 1;
* coercion-risk signals (``schools.risk.flagged_among``): one per signal, one per provider
  of a lower app (complaints), one to read the flagged activities: 8 today;
* complaints: 1; inspections with their findings and corrective actions: 1;
* programmes by kind (``partnerships.selectors.fee_distribution``) and their participants:
  2; fee bands: 1.

With ``user`` given, the scope queries of ``schools.policy`` (a few) come on top.

What each figure means is written beside it in `Row` and in the functions below.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db.models import Count, F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from inspections.models import Complaint, CorrectiveAction, Inspection
from partnerships.models import ProgrammeKind
from partnerships.selectors import fee_distribution
from schools import policy, risk
from schools.models import (
    Activity,
    AdministrativeUnit,
    ConsentEvent,
    Enrollment,
    School,
    SchoolLevel,
    SchoolYear,
)

Status = Activity.Status

# Tutoring classes counted: every class of the year but the drafts (including those the
# head returned for changes, drafts again) and the refused. A closed class ran this year.
CLASS_STATUSES = [Status.SUBMITTED, Status.APPROVED, Status.OPEN, Status.SUSPENDED, Status.CLOSED]
# Programmes counted: those the authority approved and that did not end (approved, or
# suspended after approval): the programmes families pay for (partnerships.rules).
PROGRAMME_STATUSES = [Status.APPROVED, Status.SUSPENDED]
# Rule breaches counted: of activities under way or before the authority. A draft is the
# school's work in progress; a closed or refused activity is no longer checked.
CHECKED_STATUSES = [Status.SUBMITTED, Status.APPROVED, Status.OPEN, Status.SUSPENDED]
# Activities whose roster is current: approved, open or suspended (schools.risk.LIVE).
ROSTER_STATUSES = list(risk.LIVE)

# Bands of monthly fee, in đồng: [low, high).
FEE_BANDS = [
    (0, 1),
    (1, 200_000),
    (200_000, 500_000),
    (500_000, 1_000_000),
    (1_000_000, 2_000_000),
    (2_000_000, None),
]


@dataclass(frozen=True)
class Period:
    """A school year, optionally narrowed to a date range within it.

    Activities (tutoring classes, programmes) are those of the school year; dated events
    (consent answers, complaints, inspections started, findings, corrective actions due) are
    those whose date falls in [date_from, date_to], both inclusive.
    """

    school_year: SchoolYear
    date_from: date
    date_to: date


@dataclass
class Row:
    """The same figures for the whole scope, an area, a school level or one school."""

    key: str | int  # unit id, level value, school id, or "" for the total
    label: str  # area name, level display, school name, or "" for the total
    schools: int = 0  # active schools (a closed or merged one: 0, its figures still count)
    # Tutoring classes of the school year, by what families can see of them.
    classes: int = 0  # all but draft, rejected and cancelled
    classes_open: int = 0
    # Linked programmes of the school year.
    programmes: int = 0  # approved or suspended (ever approved)
    programmes_suspended: int = 0
    programmes_pending: int = 0  # waiting for the authority's decision
    # Students on a roster: the latest consent event "given" for the current terms.
    participants: int = 0
    # Families' answers in the period (consent events by kind).
    consents_given: int = 0
    consents_declined: int = 0
    consents_withdrawn: int = 0
    # Rates, in percent with one decimal, None when nothing was answered (never 0/0).
    consent_rate: float | None = None  # given / (given + declined)
    decline_rate: float | None = None  # declined / (given + declined)
    withdrawal_rate: float | None = None  # withdrawn / given
    # What breaks the rules now, and the coercion-risk signals (activities flagged).
    violations: int = 0
    risk_signals: int = 0
    # Complaints filed in the period.
    complaints_open: int = 0
    complaints_closed: int = 0
    # Inspections started in the period, their findings and corrective actions.
    inspections: int = 0
    inspections_closed: int = 0
    findings: int = 0
    actions_open: int = 0  # not yet accepted
    actions_overdue: int = 0  # not accepted and past their deadline (as of today)
    # For a school row: its area's name and level display (empty otherwise).
    area: str = ""
    level: str = ""


@dataclass
class KindRow:
    """Programmes of one kind (Programme.kind): how many, participants, monthly fees."""

    kind: str
    label: str
    programmes: int
    participants: int
    fee_min: int | None
    fee_median: int | None
    fee_max: int | None


@dataclass
class Bucket:
    """A band of monthly fees and how many programmes (approved or suspended) fall in it."""

    label: str  # e.g. "200.000–500.000 ₫"
    low: int  # inclusive, VND
    high: int | None  # exclusive, VND; None for the last band
    programmes: int


@dataclass
class CategoryRow:
    """Complaints of one category filed in the period."""

    category: str
    label: str
    open: int
    closed: int


@dataclass
class Figures:
    period: Period
    total: Row
    by_area: list[Row] = field(default_factory=list)
    by_level: list[Row] = field(default_factory=list)
    by_school: list[Row] = field(default_factory=list)
    by_kind: list[KindRow] = field(default_factory=list)
    fee_bands: list[Bucket] = field(default_factory=list)
    complaints_by_category: list[CategoryRow] = field(default_factory=list)


# The counted fields of a Row, which add up from schools to areas, levels and the total.
COUNTS = [
    "classes",
    "classes_open",
    "programmes",
    "programmes_suspended",
    "programmes_pending",
    "participants",
    "consents_given",
    "consents_declined",
    "consents_withdrawn",
    "violations",
    "risk_signals",
    "complaints_open",
    "complaints_closed",
    "inspections",
    "inspections_closed",
    "findings",
    "actions_open",
    "actions_overdue",
]


def compute(
    schools, period: Period, *, per_school: bool = False, user=None, published: bool = False
) -> Figures:
    """The figures for `schools` (a queryset of School, already limited to the user's scope)
    in `period`. `per_school` also fills `by_school` (the report's annex).

    `user`, when given, also limits what the scope of schools does not, as the user's own
    pages do: complaints to those ``policy.visible(user, Complaint)`` answers (none for a
    school's head, who must not learn of complaints about the school; for the Department
    and a People's Committee, those of the schools whose programmes each decides on),
    inspections to those the user may know of (an unannounced one is hidden from the school
    until it starts), and the risk signals to what the user may know. Without it, everything
    about the schools counts (a city report, the benchmark).

    `published`: the figures go into a document read beyond the authority (schools,
    committees): an unannounced inspection that has not started is not counted, whoever
    asks, so that a report never announces it."""
    school_rows, levels, areas = _school_rows(schools)
    scope = _scope(schools, list(school_rows))
    complaints = _complaints(scope, period, user)
    counts = _per_school(scope, period, user, complaints, published)
    total = Row(key="", label="")
    by_area: dict[int, Row] = {}
    by_level: dict[str, Row] = {}
    for school_id, row in school_rows.items():
        for name, value in counts.get(school_id, {}).items():
            setattr(row, name, value)
        area, level = areas[school_id], levels[school_id]
        _add(total, row)
        _add(by_area.setdefault(area.pk, Row(key=area.pk, label=area.name)), row)
        _add(by_level.setdefault(level, Row(key=level, label=row.level)), row)
    for row in [total, *by_area.values(), *by_level.values(), *school_rows.values()]:
        _set_rates(row)

    level_order = {level: i for i, level in enumerate(SchoolLevel.values)}
    figures = Figures(
        period=period,
        total=total,
        by_area=sorted(by_area.values(), key=lambda r: risk.alphabetical(r.label)),
        by_level=sorted(by_level.values(), key=lambda r: level_order.get(r.key, 99)),
        by_kind=_by_kind(scope, period.school_year),
        fee_bands=_fee_bands(scope, period.school_year),
        complaints_by_category=_by_category(complaints),
    )
    if per_school:
        # A closed or merged school is listed only for what it still has in the period.
        figures.by_school = sorted(
            (r for r in school_rows.values() if r.schools or _has_figures(r)),
            key=lambda r: (risk.alphabetical(r.area), risk.alphabetical(r.label), r.key),
        )
    return figures


def _per_school(
    scope, period: Period, user, complaints, published: bool = False
) -> dict[int, dict[str, int]]:
    """Every count of a Row, by school id: one grouped query per source."""
    year = period.school_year
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(school_id, **values):
        for name, value in values.items():
            counts[school_id][name] += value or 0

    for row in _activity_counts(scope, year):
        add(row.pop("school_id"), **row)
    for school_id, n in _participants(scope, year):
        add(school_id, participants=n)
    for row in _consent_answers(scope, period):
        add(row.pop("school_id"), **row)
    for school_id, n in _risk_signals(scope, year, user).items():
        add(school_id, risk_signals=n)
    for row in complaints:
        add(row["school_id"], complaints_open=row["open"], complaints_closed=row["closed"])
    for row in _inspections(scope, period, user, published):
        add(row.pop("school_id"), **row)
    return counts


def _add(target: Row, school: Row) -> None:
    target.schools += school.schools
    for name in COUNTS:
        setattr(target, name, getattr(target, name) + getattr(school, name))


def area_paths(unit: AdministrativeUnit) -> set[str]:
    """The paths of ``unit`` and of every unit merged into it: a commune formed by a merger
    keeps the schools still recorded under its predecessors (as ``figures`` counts them in
    it). One query per generation of mergers, whatever the number of schools."""
    paths, frontier = {unit.path}, [unit.pk]
    while frontier:
        found = list(
            AdministrativeUnit.objects.filter(successor_id__in=frontier)
            .exclude(path__in=paths)
            .values_list("pk", "path")
        )
        paths |= {path for _pk, path in found}
        frontier = [pk for pk, _path in found]
    return paths


def in_area(schools, unit: AdministrativeUnit):
    """`schools` within `unit`, with those still recorded under units merged into it."""
    return schools.filter(
        reduce(or_, (Q(unit__path__startswith=path) for path in area_paths(unit)))
    )


def limited_to(user):
    """Whose knowledge limits the figures (`compute`'s `user`): nobody's for the Department,
    which reports on every complaint and inspection of the city in counts; the committee's
    or the head's own otherwise."""
    if user.is_superuser or user.role == Role.DEPARTMENT:
        return None
    return user


def default_period(today: date | None = None) -> Period:
    """The current school year (or the latest), from its start to its end. Raises
    SchoolYear.DoesNotExist when no school year is recorded."""
    year = SchoolYear.current(today)
    if year is None:
        raise SchoolYear.DoesNotExist("no school year is recorded")
    return Period(year, year.start, year.end)


def period_from(
    school_year: SchoolYear, date_from: date | None = None, date_to: date | None = None
) -> Period:
    """The period of `school_year` from `date_from` to `date_to` (its start and end when not
    given), both brought within the year. The form refuses a range outside the year or
    backwards; this only makes sure no figure ever reads outside it (a range given
    backwards is turned round)."""

    def within(day, default):
        if day is None:
            return default
        return min(max(day, school_year.start), school_year.end)

    start = within(date_from, school_year.start)
    end = within(date_to, school_year.end)
    if end < start:
        start, end = end, start
    return Period(school_year, start, end)


# --- Schools and areas ---------------------------------------------------------------------


# Up to this many schools, the queries name the schools' ids rather than repeat the scope's
# query (a django-guardian permission subquery for a head, a path prefix for an authority),
# which PostgreSQL cannot estimate and answers with a scan of every activity.
IDS_UP_TO = 2000


def _scope(schools, ids: list[int]):
    """What the other queries filter the schools by: their ids, already read, or for a
    larger scope (a whole country) the scope's own query."""
    if len(ids) <= IDS_UP_TO:
        return ids
    return schools.order_by().values("pk")


def _school_rows(schools):
    """A Row per school (label, area and level set; `schools` is 1 for an active school,
    0 for a closed or merged one, whose past figures still count), each school's level
    and each school's area, by school id. Two queries: the schools, and the units."""
    found = list(schools.order_by().values("pk", "name", "level", "is_active", "unit_id"))
    areas = areas_of({s["pk"]: s["unit_id"] for s in found})
    rows = {
        s["pk"]: Row(
            key=s["pk"],
            label=s["name"],
            schools=1 if s["is_active"] else 0,
            area=areas[s["pk"]].name,
            level=_level_label(s["level"]),
        )
        for s in found
    }
    return rows, {s["pk"]: s["level"] for s in found}, areas


def _level_label(level: str) -> str:
    try:
        return str(SchoolLevel(level).label)
    except ValueError:
        return level


def areas_of(unit_of: dict[int, int]) -> dict[int, AdministrativeUnit]:
    """The area of each school (school id -> unit): the unit one level below the deepest
    unit that holds every school of the scope. For the city, its communes (or districts,
    under three-tier government); for a committee whose area has sub-units, the sub-units;
    when all schools are in one unit, that unit. A school still recorded under a unit that
    was merged counts in the unit it was merged into (``AdministrativeUnit.successor``), as
    the policy's scopes do. One query: every unit (a city has a few hundred)."""
    if not unit_of:
        return {}
    # The code too: the open data names each area by it.
    fields = ("pk", "code", "path", "name", "successor")
    units = {u.pk: u for u in AdministrativeUnit.objects.only(*fields)}
    by_path = {u.path: u for u in units.values()}

    def current(unit):
        seen = set()
        while unit.successor_id and unit.successor_id in units and unit.pk not in seen:
            seen.add(unit.pk)
            unit = units[unit.successor_id]
        return unit

    current_unit = {school: current(units[unit]) for school, unit in unit_of.items()}
    parts = {school: unit.path.rstrip("/").split("/") for school, unit in current_unit.items()}
    root = _common_prefix(list(parts.values()))
    areas = {}
    for school, segments in parts.items():
        depth = min(len(root) + 1, len(segments))
        areas[school] = by_path.get("/".join(segments[:depth]) + "/", current_unit[school])
    return areas


def _common_prefix(paths: list[list[str]]) -> list[str]:
    prefix = paths[0]
    for path in paths[1:]:
        n = 0
        while n < min(len(prefix), len(path)) and prefix[n] == path[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


# --- Per-school counts ------------------------------------------------------------------


def _activity_counts(scope, year) -> list[dict]:
    """Classes, programmes and activities breaking a rule now, per school, in one query.
    "Breaking a rule now" is what the last check stored on the activity (on every change,
    and nightly by ``tutoring_recheck`` and ``partnerships_recheck``): the breaches page's
    source."""
    tutoring = Q(kind=Activity.Kind.TUTORING)
    programme = Q(kind=Activity.Kind.PROGRAMME)
    return list(
        Activity.objects.filter(school__in=scope, school_year=year)
        .values("school_id")
        .annotate(
            classes=Count("pk", filter=tutoring & Q(status__in=CLASS_STATUSES)),
            classes_open=Count("pk", filter=tutoring & Q(status=Status.OPEN)),
            programmes=Count("pk", filter=programme & Q(status__in=PROGRAMME_STATUSES)),
            programmes_suspended=Count("pk", filter=programme & Q(status=Status.SUSPENDED)),
            programmes_pending=Count("pk", filter=programme & Q(status=Status.SUBMITTED)),
            violations=Count("pk", filter=Q(status__in=CHECKED_STATUSES) & ~Q(rule_breaches=[])),
        )
        .order_by()
    )


def _on_roster(scope, year):
    return Enrollment.objects.filter(
        status=Enrollment.Status.ENROLLED,
        activity__school__in=scope,
        activity__school_year=year,
        activity__status__in=ROSTER_STATUSES,
    )


def _participants(scope, year):
    """Distinct students on the roster of at least one approved, open or suspended activity
    of the year, per school. ``Enrollment.status`` "enrolled" is the ledger's answer (the
    latest event is "given" for the current terms), written with each event. A student is a
    student of one school, so the schools' counts add up."""
    return (
        _on_roster(scope, year)
        .values_list("activity__school_id")
        .annotate(n=Count("student_id", distinct=True))
        .order_by()
    )


def _local_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start of date_from, start of the day after date_to) in the portal's time zone."""
    tz = timezone.get_default_timezone()
    return (
        datetime.combine(date_from, time.min, tzinfo=tz),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz),
    )


def _consent_answers(scope, period: Period) -> list[dict]:
    """Families' answers recorded in the period (consent events by kind), about the
    activities of the school year, per school."""
    start, end = _local_bounds(period.date_from, period.date_to)
    kind = ConsentEvent.Kind
    return list(
        ConsentEvent.objects.filter(
            enrollment__activity__school__in=scope,
            enrollment__activity__school_year=period.school_year,
            at__gte=start,
            at__lt=end,
        )
        .values(school_id=F("enrollment__activity__school_id"))
        .annotate(
            consents_given=Count("pk", filter=Q(kind=kind.GIVEN)),
            consents_declined=Count("pk", filter=Q(kind=kind.DECLINED)),
            consents_withdrawn=Count("pk", filter=Q(kind=kind.WITHDRAWN)),
        )
        .order_by()
    )


def _risk_signals(scope, year, user) -> dict[int, int]:
    """Approved, open or suspended activities of the year that show at least one
    coercion-risk signal (``schools.risk``), per school. ``flagged_among`` is set-based: one
    query per signal over the whole scope, and one for the flagged activities."""
    live = Activity.objects.filter(school__in=scope, school_year=year, status__in=risk.LIVE)
    flagged: dict[int, int] = defaultdict(int)
    for item in risk.flagged_among(live, user):
        flagged[item.activity.school_id] += 1
    return flagged


def _complaints(scope, period: Period, user) -> list[dict]:
    """Complaints filed in the period, per school and category: open (received or being
    handled) and closed."""
    start, end = _local_bounds(period.date_from, period.date_to)
    complaints = Complaint.objects.all() if user is None else policy.visible(user, Complaint)
    closed = Q(status=Complaint.Status.CLOSED)
    return list(
        complaints.filter(school__in=scope, submitted_at__gte=start, submitted_at__lt=end)
        .values("school_id", "category")
        .annotate(open=Count("pk", filter=~closed), closed=Count("pk", filter=closed))
        .order_by()
    )


def _inspections(scope, period: Period, user, published: bool = False) -> list[dict]:
    """Inspections started in the period (or, not started yet, planned to start in it), per
    school; the closed among them; their findings; their corrective actions not accepted
    yet, and those of them still to do past their deadline (as `CorrectiveAction.is_overdue`
    says: an action the school answered waits for the team, not for the school). One query:
    inspections, findings and actions are a tree, so each action is one row of the join."""
    start, end = _local_bounds(period.date_from, period.date_to)
    inspections = Inspection.objects.all() if user is None else policy.visible(user, Inspection)
    if published:
        inspections = inspections.exclude(
            kind=Inspection.Kind.UNANNOUNCED, status=Inspection.Status.PLANNED
        )
    in_period = Q(started_at__gte=start, started_at__lt=end) | Q(
        started_at__isnull=True,
        planned_start__gte=period.date_from,
        planned_start__lte=period.date_to,
    )
    action = CorrectiveAction.Status
    rows = (
        inspections.filter(in_period, school__in=scope)
        .values("school_id")
        .annotate(
            started=Count("pk", distinct=True),
            closed=Count("pk", distinct=True, filter=Q(status=Inspection.Status.CLOSED)),
            found=Count("findings", distinct=True),
            to_do=Count(
                "findings__actions",
                filter=Q(findings__actions__status__in=[action.OPEN, action.ANSWERED]),
            ),
            late=Count(
                "findings__actions",
                filter=Q(
                    findings__actions__status=action.OPEN,
                    findings__actions__due_date__lt=timezone.localdate(),
                ),
            ),
        )
        .order_by()
    )
    # (Annotations named after the Row's fields would shadow the relation "findings".)
    return [
        {
            "school_id": row["school_id"],
            "inspections": row["started"],
            "inspections_closed": row["closed"],
            "findings": row["found"],
            "actions_open": row["to_do"],
            "actions_overdue": row["late"],
        }
        for row in rows
    ]


# --- Rates -----------------------------------------------------------------------------


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent with one decimal, rounded half up; None when `whole`
    is 0 (nothing to divide: "no answer", never 0%)."""
    if not whole:
        return None
    value = Decimal(100 * part) / Decimal(whole)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _set_rates(row: Row) -> None:
    answered = row.consents_given + row.consents_declined
    row.consent_rate = percent(row.consents_given, answered)
    row.decline_rate = percent(row.consents_declined, answered)
    row.withdrawal_rate = percent(row.consents_withdrawn, row.consents_given)


def _has_figures(row: Row) -> bool:
    return any(getattr(row, name) for name in COUNTS)


# --- Programmes by kind, fee bands, complaints by category -------------------------------


def _by_kind(scope, year) -> list[KindRow]:
    """Every kind of programme, even without a programme: the programmes approved or
    suspended, the enrolments on their rosters, and their monthly fees (the median of an
    even count is the mean of the two middle fees), from the fee comparison's single
    query."""
    schools = School.objects.filter(pk__in=scope)
    fees = {row.kind: row for row in fee_distribution(schools, school_year=year)}
    participants = dict(
        _on_roster(scope, year)
        .filter(activity__kind=Activity.Kind.PROGRAMME, activity__status__in=PROGRAMME_STATUSES)
        .values_list("activity__programme__programme_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = []
    for kind, label in ProgrammeKind.choices:
        fee = fees.get(kind)
        rows.append(
            KindRow(
                kind=kind,
                label=str(label),
                programmes=fee.count if fee else 0,
                participants=participants.get(kind, 0),
                fee_min=fee.fee_min if fee else None,
                fee_median=fee.fee_median if fee else None,
                fee_max=fee.fee_max if fee else None,
            )
        )
    return rows


def money(amount: int) -> str:
    """An amount of đồng grouped as the active language writes it (1.500.000 in Vietnamese),
    as the templates' ``intcomma`` shows fees."""
    return formats.number_format(amount, force_grouping=True)


def _band_label(low: int, high: int | None) -> str:
    if high == 1:
        return _("Free")
    if high is None:
        return _("%(low)s ₫ or more") % {"low": money(low)}
    if low <= 1:
        return _("Under %(high)s ₫") % {"high": money(high)}
    return _("%(low)s–%(high)s ₫") % {"low": money(low), "high": money(high)}


def short_band_label(band: Bucket) -> str:
    """A fee band's label in thousands of đồng, the unit the chart's title names: six bands
    share a phone's width, and "1.000.000–2.000.000 ₫" would not fit under its bar."""

    def thousands(amount: int) -> str:
        return money(amount // 1000)

    if band.high == 1:
        return band.label  # free
    if band.high is None:
        return _("%(low)s or more") % {"low": thousands(band.low)}
    if band.low <= 1:
        return _("under %(high)s") % {"high": thousands(band.high)}
    return f"{thousands(band.low)}–{thousands(band.high)}"


def _fee_bands(scope, year) -> list[Bucket]:
    """How many programmes (approved or suspended) of the year fall in each band of monthly
    fee, in one query."""

    def band(low, high):
        condition = Q(monthly_fee__gte=low)
        if high is not None:
            condition &= Q(monthly_fee__lt=high)
        return Count("pk", filter=condition)

    # On the activity table alone: its (school, kind, status) index, no join.
    counts = Activity.objects.filter(
        school__in=scope,
        school_year=year,
        kind=Activity.Kind.PROGRAMME,
        status__in=PROGRAMME_STATUSES,
    ).aggregate(**{f"band{i}": band(low, high) for i, (low, high) in enumerate(FEE_BANDS)})
    return [
        Bucket(_band_label(low, high), low, high, counts[f"band{i}"])
        for i, (low, high) in enumerate(FEE_BANDS)
    ]


def _by_category(complaints: list[dict]) -> list[CategoryRow]:
    """Every category of complaint, even without a complaint, open and closed."""
    totals = {code: [0, 0] for code in Complaint.Category.values}
    for row in complaints:
        totals[row["category"]][0] += row["open"]
        totals[row["category"]][1] += row["closed"]
    return [
        CategoryRow(code, str(label), *totals[code]) for code, label in Complaint.Category.choices
    ]


__all__ = [
    "Bucket",
    "CategoryRow",
    "Figures",
    "KindRow",
    "Period",
    "Row",
    "School",
    "compute",
    "default_period",
    "money",
    "percent",
    "period_from",
]

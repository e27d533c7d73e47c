"""Coercion-risk signals (issue 5, item 6): the live activities of a user's scope that show
signs that families were pushed rather than asked, each with its reasons and a score.

A signal is not proof of coercion; it says where a head, a People's Committee or the
Department should look first. Every signal is computed by the database over the whole
scope at once, so the number of queries stays the same however many activities there are:
the user's scope (a few queries, as for every page), one query per signal, one for the
flagged activities.

Signals, by code:

``homeroom_share``
    In a homeroom class, the share of the studying students of the activity's grades who
    are on its roster is at or above ``settings.COERCION_SHARE_THRESHOLD`` (90% by
    default). Classes of fewer than ``HOMEROOM_MIN_STUDENTS`` are left out.
``staff_recorded``
    Most consents in force were recorded by staff (paper, phone) rather than given by the
    parents themselves (online, personal link).
``before_approval``
    A consent was given before the activity was approved (its first change of status to
    approved or open).
``burst``
    Many parents "agreed" online within a few minutes of each other.
``early_withdrawals``
    Several parents withdrew their consent in the first days after the start.
``without_consent``
    Students on the roster without a consent in force for the activity's current terms.

Apps below this one add their own signals through ``REASON_PROVIDERS``.
"""

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Lag, TruncDate
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import kept, policy
from .models import Activity, ActivityEvent, ConsentEvent, Enrollment, Student

LIVE = (Activity.Status.APPROVED, Activity.Status.OPEN, Activity.Status.SUSPENDED)
Kind = ConsentEvent.Kind
Channel = ConsentEvent.Channel
# The channels on which staff record a parent's answer; on the others the parent acts.
STAFF_CHANNELS = (Channel.PAPER, Channel.PHONE)
PARENT_CHANNELS = (Channel.ONLINE, Channel.LINK)

# In a small homeroom class a handful of students already makes 90%: below this size the
# share says nothing.
HOMEROOM_MIN_STUDENTS = 10
# Paper forms are lawful and common where parents have no smartphone; a few say nothing.
# Flag only when more than this share of at least this many consents in force were
# recorded by staff.
STAFF_RECORDED_SHARE = 0.5
STAFF_RECORDED_MIN = 10
# A burst: this many consents given online within this window. A class meeting where
# parents are told to "agree now" on their phones looks like this; parents deciding at
# home over days do not. Staff-recorded consents are left out: their time is when staff
# typed in a pile of forms, not when each parent signed.
BURST_COUNT = 20
BURST_WINDOW = timedelta(minutes=10)
# Withdrawals within this many days of the start (from the start date on), when there are
# at least this many: one family changing its mind is its right and says nothing.
EARLY_WITHDRAWAL_DAYS = 14
EARLY_WITHDRAWAL_MIN = 3

# Ids sent to the database in one query at most (each is a parameter).
ID_SLICE = 5000

# How much each signal adds to an activity's score, counted once per signal.
WEIGHTS = {
    "without_consent": 5,
    "before_approval": 4,
    "homeroom_share": 3,
    "burst": 3,
    "staff_recorded": 2,
    "early_withdrawals": 2,
}


@dataclass
class Reason:
    code: str
    message: str
    weight: int


@dataclass
class FlaggedActivity:
    activity: Activity
    reasons: list[Reason] = field(default_factory=list)

    @property
    def score(self) -> int:
        """The weight of each signal shown, once however many classes or events show it."""
        weights = {}
        for reason in self.reasons:
            weights[reason.code] = max(weights.get(reason.code, 0), reason.weight)
        return sum(weights.values())

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(r.code for r in self.reasons))


# Further signals from apps below ``schools``, which this module cannot import. Each is a
# callable that takes the queryset of the live activities in the user's scope and the user
# (None when an inspection team asks about a school) and returns ``(activity_id, Reason)``
# pairs, in a constant number of queries; what it counts must be what the user may know.
# Complaints linked to an activity (``inspections.Complaint``) come in here: the inspections
# app appends its provider in its ``AppConfig.ready()``.
REASON_PROVIDERS: list[Callable[..., Iterable[tuple[int, Reason]]]] = []


def live_activities(user) -> QuerySet[Activity]:
    return policy.visible(user, Activity).filter(status__in=LIVE)


def _thousandths(share: float) -> int:
    """A share as an integer of thousandths, so that the database compares integers: 63 of
    70 is exactly 90%, which ``63 >= 70 * 0.9`` (63.00000000000001) would miss."""
    return round(share * 1000)


def _in_force():
    """Consent events in force: a "given" event for the activity's current terms with no
    later event of the same enrolment (the ledger's current state is its latest event)."""
    later = ConsentEvent.objects.filter(
        enrollment_id=OuterRef("enrollment_id"), pk__gt=OuterRef("pk")
    )
    return ConsentEvent.objects.filter(
        kind=Kind.GIVEN, terms_hash=F("enrollment__activity__terms_hash")
    ).filter(~Exists(later))


def _percent(part: int, whole: int) -> str:
    return formats.number_format(round(100 * part / whole))


def _homeroom_share(live) -> Iterable[tuple[int, Reason]]:
    """Two queries, then arithmetic: the roster's students per activity and homeroom class
    (only the groups large enough to reach the threshold in a class of the minimum size),
    then the size of those classes, by grade, counted once. A size counted per group by
    a subquery made the city's dashboard wait a minute and a half."""
    threshold = _thousandths(settings.COERCION_SHARE_THRESHOLD)
    least = -(-HOMEROOM_MIN_STUDENTS * threshold // 1000)  # ceil: fewer never reach it
    groups = list(
        Enrollment.objects.filter(
            activity__in=live,
            status=Enrollment.Status.ENROLLED,
            student__status=Student.Status.STUDYING,
            student__grade__gte=F("activity__grade_min"),
            student__grade__lte=F("activity__grade_max"),
        )
        .values(
            "activity_id",
            "activity__school_id",
            "activity__grade_min",
            "activity__grade_max",
            "student__homeroom",
        )
        .annotate(enrolled=Count("pk"))
        .filter(enrolled__gte=least)
        .order_by("activity_id", "student__homeroom")
    )
    if not groups:
        return
    classes = {(g["activity__school_id"], g["student__homeroom"]) for g in groups}
    by_grade: dict[tuple[int, str], dict[int, int]] = {}
    sizes = (
        Student.objects.filter(
            status=Student.Status.STUDYING,
            school_id__in={school for school, _homeroom in classes},
            homeroom__in={homeroom for _school, homeroom in classes},
        )
        .values_list("school_id", "homeroom", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for school, homeroom, grade, n in sizes:
        if (school, homeroom) in classes:
            by_grade.setdefault((school, homeroom), {})[grade] = n
    rows = []
    for group in groups:
        grades = by_grade.get((group["activity__school_id"], group["student__homeroom"]), {})
        size = sum(
            n
            for grade, n in grades.items()
            if group["activity__grade_min"] <= grade <= group["activity__grade_max"]
        )
        if size >= HOMEROOM_MIN_STUDENTS and group["enrolled"] * 1000 >= size * threshold:
            rows.append({**group, "size": size})
    for row in rows:
        yield (
            row["activity_id"],
            Reason(
                "homeroom_share",
                _(
                    "Class %(homeroom)s: %(enrolled)s of %(size)s students (%(percent)s%%) on "
                    "the roster"
                )
                % {
                    "homeroom": row["student__homeroom"],
                    "enrolled": row["enrolled"],
                    "size": row["size"],
                    "percent": _percent(row["enrolled"], row["size"]),
                },
                WEIGHTS["homeroom_share"],
            ),
        )


def _staff_recorded(live) -> Iterable[tuple[int, Reason]]:
    share = _thousandths(STAFF_RECORDED_SHARE)
    rows = (
        _in_force()
        .filter(enrollment__activity__in=live)
        .values("enrollment__activity_id")
        .annotate(total=Count("pk"), staff=Count("pk", filter=Q(channel__in=STAFF_CHANNELS)))
        .annotate(margin=F("staff") * 1000 - F("total") * share)
        .filter(total__gte=STAFF_RECORDED_MIN, margin__gt=0)
        .order_by()
    )
    for row in rows:
        yield (
            row["enrollment__activity_id"],
            Reason(
                "staff_recorded",
                _(
                    "%(staff)s of %(total)s consents in force (%(percent)s%%) were recorded by "
                    "staff, not given by the parents themselves"
                )
                % {
                    "staff": row["staff"],
                    "total": row["total"],
                    "percent": _percent(row["staff"], row["total"]),
                },
                WEIGHTS["staff_recorded"],
            ),
        )


def _before_approval(live) -> Iterable[tuple[int, Reason]]:
    """First the activities whose first consent precedes their first approval (the first
    consent and the first approval of each activity, two grouped queries compared here),
    then their consents before it: looking the approval up for each of a city's millions
    of consents took half a minute."""
    given = ConsentEvent.objects.filter(enrollment__activity__in=live, kind=Kind.GIVEN)
    first_given = dict(
        given.values_list("enrollment__activity_id").annotate(first=Min("at")).order_by()
    )
    approvals = (
        ActivityEvent.objects.filter(
            activity__in=live, to_status__in=[Activity.Status.APPROVED, Activity.Status.OPEN]
        )
        .values_list("activity_id")
        .annotate(first=Min("at"))
        .order_by()
    )
    early = [pk for pk, approved in approvals if pk in first_given and first_given[pk] < approved]
    if not early:
        return
    approved_at = (
        ActivityEvent.objects.filter(
            activity_id=OuterRef("enrollment__activity_id"),
            to_status__in=[Activity.Status.APPROVED, Activity.Status.OPEN],
        )
        .order_by("at", "id")
        .values("at")[:1]
    )
    # In slices: a list of ids is sent as one parameter each.
    rows = chain.from_iterable(
        given.filter(enrollment__activity__in=early[i : i + ID_SLICE])
        .annotate(approved_at=Subquery(approved_at))
        .filter(at__lt=F("approved_at"))
        .values("enrollment__activity_id")
        .annotate(n=Count("pk"), approved=Min("approved_at"))
        .order_by()
        for i in range(0, len(early), ID_SLICE)
    )
    for row in rows:
        approved = timezone.localtime(row["approved"])
        yield (
            row["enrollment__activity_id"],
            Reason(
                "before_approval",
                ngettext(
                    "%(n)s consent was given before the approval on %(date)s",
                    "%(n)s consents were given before the approval on %(date)s",
                    row["n"],
                )
                % {"n": row["n"], "date": approved.strftime("%d/%m/%Y")},
                WEIGHTS["before_approval"],
            ),
        )


def _bursts(live) -> Iterable[tuple[int, Reason]]:
    # For each consent given online, the time of the one given BURST_COUNT - 1 before it
    # for the same activity: if that is within the window, BURST_COUNT fell inside it.
    ends = (
        ConsentEvent.objects.filter(
            enrollment__activity__in=live, kind=Kind.GIVEN, channel__in=PARENT_CHANNELS
        )
        .annotate(
            burst_start=Window(
                Lag("at", offset=BURST_COUNT - 1),
                partition_by=F("enrollment__activity_id"),
                order_by=[F("at").asc(), F("id").asc()],
            )
        )
        .filter(burst_start__gte=F("at") - BURST_WINDOW)
    )
    rows = (
        ConsentEvent.objects.filter(pk__in=ends.values("pk"))
        .values("enrollment__activity_id")
        .annotate(first_end=Min("at"))
        .order_by()
    )
    for row in rows:
        reached = timezone.localtime(row["first_end"])
        yield (
            row["enrollment__activity_id"],
            Reason(
                "burst",
                _("%(n)s or more consents given online within %(minutes)s minutes (by %(time)s)")
                % {
                    "n": BURST_COUNT,
                    "minutes": int(BURST_WINDOW.total_seconds() // 60),
                    "time": reached.strftime("%H:%M %d/%m/%Y"),
                },
                WEIGHTS["burst"],
            ),
        )


def _early_withdrawals(live) -> Iterable[tuple[int, Reason]]:
    since_start = ExpressionWrapper(
        TruncDate("at") - F("enrollment__activity__start_date"), output_field=DurationField()
    )
    rows = (
        ConsentEvent.objects.filter(enrollment__activity__in=live, kind=Kind.WITHDRAWN)
        .annotate(since_start=since_start)
        .filter(
            since_start__gte=timedelta(0),
            since_start__lt=timedelta(days=EARLY_WITHDRAWAL_DAYS),
        )
        .values("enrollment__activity_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=EARLY_WITHDRAWAL_MIN)
        .order_by()
    )
    for row in rows:
        yield (
            row["enrollment__activity_id"],
            Reason(
                "early_withdrawals",
                ngettext(
                    "%(n)s withdrawal within %(days)s days of the start",
                    "%(n)s withdrawals within %(days)s days of the start",
                    row["n"],
                )
                % {"n": row["n"], "days": EARLY_WITHDRAWAL_DAYS},
                WEIGHTS["early_withdrawals"],
            ),
        )


def _without_consent(live) -> Iterable[tuple[int, Reason]]:
    consent = _in_force().filter(enrollment_id=OuterRef("pk"))
    rows = (
        Enrollment.objects.filter(activity__in=live, status=Enrollment.Status.ENROLLED)
        .filter(~Exists(consent))
        .values("activity_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        yield (
            row["activity_id"],
            Reason(
                "without_consent",
                ngettext(
                    "%(n)s student on the roster without a consent in force for the current terms",
                    "%(n)s students on the roster without a consent in force for the current terms",
                    row["n"],
                )
                % {"n": row["n"]},
                WEIGHTS["without_consent"],
            ),
        )


SIGNALS = [
    _without_consent,
    _before_approval,
    _homeroom_share,
    _bursts,
    _staff_recorded,
    _early_withdrawals,
]


def alphabetical(text: str) -> tuple[str, str]:
    """A sort key that puts Vietnamese names in dictionary order near enough: by their
    letters without diacritics ("Âm nhạc" among the a's, not after "Vẽ"), then as written."""
    letters = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in letters if not unicodedata.combining(c)).casefold(), text


def flagged_activities(user) -> list[FlaggedActivity]:
    """The live activities in ``user``'s scope that show at least one signal, highest score
    first, then by title."""
    return flagged_among(live_activities(user), user)


def flagged_activities_kept(user) -> tuple[list[FlaggedActivity], datetime | None]:
    """``flagged_activities``, kept for a while (``schools.kept``): over a city the signals
    count millions of consent events. Also when they were counted (None: just now)."""
    return kept.for_user("schools.risk.flagged_activities", user)


def flagged_among(live: QuerySet[Activity], user=None) -> list[FlaggedActivity]:
    """Those of the activities ``live`` that show at least one signal, as ``user`` may know
    them (None: an inspection team asking about the school it inspects)."""
    reasons: dict[int, list[Reason]] = {}
    found = [signal(live) for signal in SIGNALS]
    found += [provider(live, user) for provider in REASON_PROVIDERS]
    for pairs in found:
        for activity_id, reason in pairs:
            reasons.setdefault(activity_id, []).append(reason)
    if not reasons:
        return []
    activities = live.filter(pk__in=reasons).select_related("school")
    flagged = [FlaggedActivity(a, reasons[a.pk]) for a in activities]
    flagged.sort(key=lambda f: (-f.score, alphabetical(f.activity.title), f.activity.pk))
    return flagged

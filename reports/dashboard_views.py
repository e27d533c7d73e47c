"""The dashboards: the figures of the user's scope for a school year and a date range.

The Department sees its city, a People's Committee its area, a head their school; an
official may narrow the page to one area (``?area=<unit id>``) and one school level
(``?level=<level>``) within their scope. The period is chosen with ``year``, ``date_from``
and ``date_to`` (``PeriodForm``). Every figure links to the list it counts, with the filters
that list understands (``figure_links``).
"""

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.models import Role
from schools import kept, policy
from schools.models import AdministrativeUnit, School, SchoolLevel, SchoolYear

from . import charts, figures
from .forms import PeriodForm


@dataclass
class Scope:
    """The schools a dashboard counts: the user's, narrowed to an area and a level; and,
    for a head, their one school, whose own lists the figures link to."""

    schools: QuerySet
    area: AdministrativeUnit | None = None
    level: str = ""
    school: School | None = None
    per_school: bool = False  # a head's page: the school's own lists, no breakdowns


@dataclass
class Card:
    """One headline figure and the list behind it, and the notes saying what it is made
    of: ``(text, url)``, where a note that is a figure of its own links to its own list."""

    key: str
    label: str
    value: str
    url: str | None = None
    notes: list[tuple[str, str | None]] = field(default_factory=list)
    alert: bool = False  # a figure that asks for action (violations, overdue actions...)


def _url(name: str, *args, **query) -> str:
    """A list's address with its filters; empty filters are left out."""
    address = reverse(name, args=args)
    query = {key: value for key, value in query.items() if value not in ("", None)}
    return f"{address}?{urlencode(query)}" if query else address


def dashboard_scope(request) -> Scope:
    """The schools of the user's scope, narrowed by ``?area=`` and ``?level=``. An area
    outside the scope (or not a unit id at all) is a 404, as everywhere in the portal."""
    return scope_of(request.user, request.GET.get("area", ""), request.GET.get("level", ""))


def scope_of(user, area: str, level: str) -> Scope:
    """``dashboard_scope`` of ``user`` for the parameters ``area`` and ``level``."""
    schools = policy.visible(user, School)
    scope = Scope(schools=schools)
    if user.role == Role.PRINCIPAL and not user.is_superuser:
        scope.per_school = True
        own = list(schools.select_related("unit")[:2])
        scope.school = own[0] if len(own) == 1 else None
        return scope
    if area:
        if not re.fullmatch(r"[0-9]{1,9}", area):
            raise Http404
        scope.area = policy.get_object_or_404(user, AdministrativeUnit, pk=int(area))
        scope.schools = figures.in_area(scope.schools, scope.area)
    if level in SchoolLevel.values:
        scope.level = level
        scope.schools = scope.schools.filter(level=level)
    return scope


def period_query(period: figures.Period) -> dict:
    """The period as the dashboard's GET parameters (dates only when narrower than the
    year), so that a link to a narrowed dashboard keeps it."""
    year = period.school_year
    return {
        "year": year.pk,
        "date_from": period.date_from.isoformat() if period.date_from != year.start else "",
        "date_to": period.date_to.isoformat() if period.date_to != year.end else "",
    }


def scope_label(user, scope: Scope) -> str:
    """What the page counts, in words: the school, the area chosen, or the user's units."""
    if scope.per_school:
        return scope.school.name if scope.school else ", ".join(s.name for s in scope.schools)
    if scope.area is not None:
        return scope.area.name
    if user.is_superuser:
        return _("Every school")
    return ", ".join(policy.scope_names(user))


def dashboard_url(period: figures.Period, *, area=None, level: str = "") -> str:
    """The dashboard narrowed to an area (a unit id) and a level, for the same period."""
    return _url("reports:dashboard", area=area, level=level, **period_query(period))


def _school_lists(scope: Scope) -> dict:
    """A head's links: their school's own lists (the area-wide ones are the authorities')."""
    school = scope.school
    if school is None:  # a head of several schools: the list of their schools
        schools = reverse("schools:school_list")
        keys = ["classes", "classes_open", "programmes", "programmes_suspended"]
        links = dict.fromkeys([*keys, "programmes_pending"], schools)
        return {**links, "kind": lambda kind: schools}
    programmes = reverse("partnerships:programme_list", args=[school.pk])
    return {
        "classes": reverse("tutoring:class_list", args=[school.pk]),
        "classes_open": _url("tutoring:class_list", school.pk, status="open"),
        "programmes": programmes,
        "programmes_suspended": _url("partnerships:programme_list", school.pk, status="suspended"),
        "programmes_pending": _url("partnerships:programme_list", school.pk, status="submitted"),
        "kind": lambda kind: _url("partnerships:programme_list", school.pk, kind=kind),
    }


def _area_lists(scope: Scope) -> dict:
    """An authority's links: the lists of its whole scope. Only the schools' list filters
    by area and level; no area-wide list of tutoring classes exists, so the classes link
    to the schools, each with its classes."""
    unit = scope.area
    if unit is not None and unit.level == AdministrativeUnit.Level.PROVINCE:
        unit = None  # the schools' list filters by communes and districts; a city is all
    schools = _url("schools:school_list", unit=unit.pk if unit else "", level=scope.level)
    return {
        "schools": schools,
        "classes": schools,
        "classes_open": schools,
        "programmes": reverse("partnerships:programme_area_list"),
        "programmes_suspended": _url("partnerships:programme_area_list", status="suspended"),
        "programmes_pending": _url("partnerships:programme_area_list", status="submitted"),
        "kind": lambda kind: _url("partnerships:programme_area_list", kind=kind),
    }


def figure_links(user, scope: Scope, period: figures.Period) -> dict:
    """The address of the list behind each figure, or None where the user has no list of
    it. Per-kind and per-category addresses are functions of the kind or category."""
    links = _school_lists(scope) if scope.per_school else _area_lists(scope)
    school_filter = {"school": scope.school.pk} if scope.school else {}
    # Activities are counted with their families' answers and rosters: the consent figures
    # lead to the programmes, each of which shows its answers.
    links["participants"] = links["programmes"]
    links["consents"] = links["programmes"]
    links["violations"] = _url("tutoring:breaches", **school_filter)
    links["risk_signals"] = (
        _url("schools:risk", **school_filter) if policy.can(user, "activity.view_risk") else None
    )
    links["fee_bands"] = (
        _url("partnerships:fee_comparison", year=period.school_year.pk)
        if policy.can(user, "programme.compare_fees")
        else None
    )
    queue = policy.can(user, "complaint.queue")
    links["complaints_open"] = _url("inspections:complaint_list", status="open") if queue else None
    links["complaints_closed"] = (
        _url("inspections:complaint_list", status="closed") if queue else None
    )
    links["category"] = (
        (lambda category: _url("inspections:complaint_list", category=category)) if queue else None
    )
    inspections = policy.can(user, "inspection.list")
    links["inspections"] = reverse("inspections:inspection_list") if inspections else None
    links["findings"] = links["inspections"]
    links["inspections_closed"] = (
        _url("inspections:inspection_list", status="closed") if inspections else None
    )
    # "Not yet accepted" is to do or answered: the list filters one status at a time.
    links["actions_open"] = reverse("inspections:action_list") if inspections else None
    links["actions_overdue"] = (
        _url("inspections:action_list", overdue="on") if inspections else None
    )
    return links


def _rate(value) -> str:
    return "—" if value is None else f"{charts.number(value, 1)}%"


def complaint_cards(total: figures.Row, links: dict) -> list[Card]:
    filed = [(_("filed in the period"), None)]
    return [
        Card(
            "complaints_open",
            _("Complaints not closed"),
            charts.number(total.complaints_open),
            links["complaints_open"],
            filed,
            alert=total.complaints_open > 0,
        ),
        Card(
            "complaints_closed",
            _("Complaints closed"),
            charts.number(total.complaints_closed),
            links["complaints_closed"],
            filed,
        ),
    ]


def headline_cards(total: figures.Row, links: dict, scope: Scope) -> list[Card]:
    """The headline figures, in the order an official reads them: what is offered, what
    families answer, what breaks the rules, what people complain of, what inspectors find."""
    n = charts.number
    answered = total.consents_given + total.consents_declined
    cards = []
    if not scope.per_school:
        cards.append(Card("schools", _("Schools"), n(total.schools), links["schools"]))
    cards += [
        Card(
            "classes",
            _("Tutoring classes"),
            n(total.classes),
            links["classes"],
            [
                (
                    _("%(open)s open to enrolment") % {"open": n(total.classes_open)},
                    links["classes_open"],
                )
            ],
        ),
        Card(
            "programmes",
            _("Linked programmes"),
            n(total.programmes),
            links["programmes"],
            [
                (
                    _("%(n)s suspended") % {"n": n(total.programmes_suspended)},
                    links["programmes_suspended"],
                ),
                (
                    _("%(n)s awaiting a decision") % {"n": n(total.programmes_pending)},
                    links["programmes_pending"],
                ),
            ],
        ),
        Card(
            "participants",
            _("Students taking part"),
            n(total.participants),
            links["participants"],
            [(_("on a roster with their family's consent"), None)],
        ),
        Card(
            "consent_rate",
            _("Consent rate"),
            _rate(total.consent_rate),
            links["consents"],
            [
                (
                    _("%(given)s of %(answered)s answers")
                    % {"given": n(total.consents_given), "answered": n(answered)},
                    None,
                )
            ],
        ),
        Card(
            "decline_rate",
            _("Decline rate"),
            _rate(total.decline_rate),
            links["consents"],
            [(_("%(n)s declined") % {"n": n(total.consents_declined)}, None)],
        ),
        Card(
            "withdrawal_rate",
            _("Withdrawal rate"),
            _rate(total.withdrawal_rate),
            links["consents"],
            [(_("%(n)s withdrawn") % {"n": n(total.consents_withdrawn)}, None)],
        ),
        Card(
            "violations",
            _("Rule violations"),
            n(total.violations),
            links["violations"],
            [(_("activities that break the rules now"), None)],
            alert=total.violations > 0,
        ),
        Card(
            "risk_signals",
            _("Coercion-risk signals"),
            n(total.risk_signals),
            links["risk_signals"],
            [(_("activities showing signs of pressure"), None)],
            alert=total.risk_signals > 0,
        ),
    ]
    if links["category"] is not None:  # a head is not told of the complaints about them
        cards += complaint_cards(total, links)
    cards += [
        Card(
            "inspections",
            _("Inspections"),
            n(total.inspections),
            links["inspections"],
            [
                (
                    _("%(n)s closed") % {"n": n(total.inspections_closed)},
                    links["inspections_closed"],
                )
            ],
        ),
        Card(
            "findings",
            _("Findings"),
            n(total.findings),
            links["findings"],
            [
                (
                    _("%(n)s corrective actions not yet accepted") % {"n": n(total.actions_open)},
                    links["actions_open"],
                )
            ],
        ),
        Card(
            "actions_overdue",
            _("Overdue corrective actions"),
            n(total.actions_overdue),
            links["actions_overdue"],
            [(_("past their deadline, not accepted"), None)],
            alert=total.actions_overdue > 0,
        ),
    ]
    for card in cards:  # a note leading where its card leads is no link of its own
        card.notes = [(text, None if url == card.url else url) for text, url in card.notes]
    return cards


def dashboard_charts(found: figures.Figures, links: dict) -> list[dict]:
    """The charts, each with the rows it draws for the table under it (the same figures as
    text and links, for screen readers and for those who want the exact numbers)."""
    kinds = found.by_kind
    categories = found.complaints_by_category
    svg = charts.for_figures(
        found,
        kind_links=[links["kind"](k.kind) for k in kinds],
        fee_links=[links["fee_bands"]] * len(found.fee_bands) if links["fee_bands"] else None,
        category_links=(
            [links["category"](c.category) for c in categories]
            if links["category"] is not None
            else None
        ),
    )
    drawn = [
        {"key": "kinds", "svg": svg["kinds"], "kinds": [(k, links["kind"](k.kind)) for k in kinds]},
        {
            "key": "fees",
            "svg": svg["fees"],
            "url": links["fee_bands"],
            "link_label": _("Compare the fees of each kind"),
        },
        {
            "key": "consents",
            "svg": svg["consents"],
            "url": links["consents"],
            "link_label": _("See the programmes and their families' answers"),
        },
    ]
    if links["category"] is not None:
        drawn.append(
            {
                "key": "complaints",
                "svg": svg["complaints"],
                "categories": [(c, links["category"](c.category)) for c in categories],
            }
        )
    return drawn


def _breakdown(rows: list[figures.Row], period, scope: Scope, by: str) -> list[tuple]:
    """Rows by area or by level, each with the dashboard narrowed to it."""
    linked = []
    for row in rows:
        if by == "area":
            url = dashboard_url(period, area=row.key, level=scope.level)
        else:
            url = dashboard_url(period, area=scope.area.pk if scope.area else None, level=row.key)
        linked.append((row, url))
    return linked


def dashboard_figures(user, scope: Scope, period: figures.Period):
    """The figures of the dashboard and when their counting began, kept per user (whose
    scope and knowledge they count), choice of area and level, and period; counted again
    by a task once stale (``schools.kept``)."""
    return kept.for_user(
        "reports.dashboard_views.count_figures",
        user,
        area=str(scope.area.pk) if scope.area else "",
        level=scope.level,
        year=period.school_year.pk,
        date_from=period.date_from.isoformat(),
        date_to=period.date_to.isoformat(),
    )


def count_figures(user, *, area, level, year, date_from, date_to) -> figures.Figures:
    """The figures of ``user``'s dashboard for these choices (plain values)."""
    period = figures.period_from(
        SchoolYear.objects.get(pk=year),
        datetime.date.fromisoformat(date_from),
        datetime.date.fromisoformat(date_to),
    )
    scope = scope_of(user, area, level)
    return figures.compute(scope.schools, period, user=figures.limited_to(user))


@login_required
@require_safe
def dashboard(request):
    user = request.user
    if not policy.can(user, "report.dashboard"):
        raise PermissionDenied
    scope = dashboard_scope(request)
    try:
        default = figures.default_period()
    except SchoolYear.DoesNotExist:  # a portal just installed: nothing to count yet
        return render(request, "reports/dashboard.html", {"no_year": True})
    form = PeriodForm(request.GET, default=default)
    period = form.period()
    found, computed_at = dashboard_figures(user, scope, period)
    # The cards, charts and tables are made only if the template renders them: with kept
    # figures, their HTML is kept too (the "figures" fragment), as long as the figures.
    links = SimpleLazyObject(lambda: figure_links(user, scope, period))
    context = {
        "form": form,
        "period": period,
        "scope": scope,
        "scope_label": scope_label(user, scope),
        "level_label": SchoolLevel(scope.level).label if scope.level else "",
        "figures": found,
        "computed_at": computed_at,
        "cache_minutes": settings.FIGURES_CACHE_SECONDS // 60,
        "fragment_seconds": settings.FIGURES_CACHE_SECONDS * kept.STALE_FACTOR,
        "fragment_key": ":".join(
            str(part)
            for part in (
                user.pk,
                scope.area.pk if scope.area else "",
                scope.level,
                period.date_from,
                period.date_to,
                computed_at.isoformat() if computed_at else "",
                translation.get_language(),
            )
        ),
        "cards": SimpleLazyObject(lambda: headline_cards(found.total, links, scope)),
        "charts": SimpleLazyObject(lambda: dashboard_charts(found, links)),
    }
    if not scope.per_school:
        # A breakdown of one row would only repeat the total.
        if len(found.by_area) > 1:
            context["by_area"] = SimpleLazyObject(
                lambda: _breakdown(found.by_area, period, scope, "area")
            )
        if len(found.by_level) > 1:
            context["by_level"] = SimpleLazyObject(
                lambda: _breakdown(found.by_level, period, scope, "level")
            )
        context["whole_scope"] = dashboard_url(period) if scope.area or scope.level else None
    return render(request, "reports/dashboard.html", context)

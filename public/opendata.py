"""Open data: the figures of the city's schools and areas, for anyone to reuse.

Three datasets, each as CSV and JSON at a stable address (``/public/open-data/v1/``):
``schools`` (one row per school), ``areas`` (one row per area) and ``fees`` (monthly fees
of linked programmes, per area and kind). The figures are those of the reports
(``reports.figures.compute``, as published: no unannounced inspection, no complaint, no
rule breach or risk signal, which are the authorities' working material).

No child can be singled out: a count of students or of families' answers between 1 and
``OPEN_DATA_MIN_GROUP`` - 1 is withheld (empty in CSV, null in JSON), and so is a rate whose
part or remainder is such a count (a 96 % consent rate among 25 answers would tell that
one family declined). An area withholds a figure too when, less the figures its schools
publish, it would give back a count they withheld; and the withdrawal rate is published
only with the consent rate, since it would tell the agreements.

The files are made once a month, at the month's first download, and kept
(``OpenDataRelease``): comparing two downloads shows a month's change at most.

The schema is versioned: a new field may be added within version 1; renaming, removing or
changing the meaning of a field makes version 2, at a new address, while version 1 stays.
"""

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from partnerships.models import Programme, ProgrammeKind
from partnerships.rules import PAYING_STATUSES
from reports import figures
from schools.models import School, SchoolLevel, SchoolYear

from . import cache as public_cache
from .models import OpenDataRelease

SCHEMA_VERSION = "1.0"
FORMATS = ("csv", "json")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # "string", "integer" or "number"
    description: Promise
    withheld: bool = False  # may be withheld for a small group


def _figure_fields() -> list[Field]:
    return [
        Field("tutoring_classes_open", "integer", _("Tutoring classes open in the school year.")),
        Field(
            "programmes",
            "integer",
            _(
                "Linked programmes of the school year approved by the managing authority "
                "(suspended ones included)."
            ),
        ),
        Field(
            "programmes_suspended",
            "integer",
            _("Of those, programmes the authority has suspended."),
        ),
        Field(
            "participants",
            "integer",
            _("Students on the roster of at least one tutoring class or linked programme."),
            withheld=True,
        ),
        Field(
            "consent_answers",
            "integer",
            _("Families' answers in the school year: agreements and refusals."),
            withheld=True,
        ),
        Field(
            "consent_rate",
            "number",
            _("Agreements among the answers, in percent."),
            withheld=True,
        ),
        Field(
            "decline_rate",
            "number",
            _("Refusals among the answers, in percent."),
            withheld=True,
        ),
        Field(
            "withdrawals",
            "integer",
            _("Agreements withdrawn in the school year."),
            withheld=True,
        ),
        Field(
            "withdrawal_rate",
            "number",
            _("Withdrawals per agreement given, in percent."),
            withheld=True,
        ),
    ]


def _area_fields() -> list[Field]:
    return [
        Field(
            "area_code",
            "string",
            _("Code of the commune, ward or district (Decision 19/2025/QĐ-TTg)."),
        ),
        Field("area_name", "string", _("Name of the area.")),
    ]


def schema() -> dict[str, list[Field]]:
    return {
        "schools": [
            Field(
                "school_code", "string", _("The school's code in the national education database.")
            ),
            Field("school_name", "string", _("Name of the school.")),
            Field(
                "level",
                "string",
                _("School level: %(levels)s.") % {"levels": ", ".join(SchoolLevel.values)},
            ),
            *_area_fields(),
            *_figure_fields(),
            Field(
                "programme_fee_min",
                "integer",
                _("Lowest monthly fee of its linked programmes, in đồng; empty when it runs none."),
            ),
            Field(
                "programme_fee_max",
                "integer",
                _(
                    "Highest monthly fee of its linked programmes, in đồng; empty when it "
                    "runs none."
                ),
            ),
        ],
        "areas": [
            *_area_fields(),
            Field("schools", "integer", _("Schools open in the area.")),
            *_figure_fields(),
        ],
        "fees": [
            *_area_fields(),
            Field(
                "programme_kind",
                "string",
                _("Kind of linked programme: %(kinds)s.")
                % {"kinds": ", ".join(ProgrammeKind.values)},
            ),
            Field("programmes", "integer", _("Linked programmes of this kind in the area.")),
            Field("schools", "integer", _("Schools running them.")),
            Field("fee_min", "integer", _("Lowest monthly fee, in đồng.")),
            Field("fee_median", "integer", _("Median monthly fee, in đồng.")),
            Field("fee_max", "integer", _("Highest monthly fee, in đồng.")),
        ],
    }


def min_group() -> int:
    return settings.OPEN_DATA_MIN_GROUP


def withheld_count(n: int) -> int | None:
    return None if 0 < n < min_group() else n


def withheld_rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent; None when nothing was counted, or when the part or
    the rest is a group too small to publish."""
    small = min_group()
    if whole <= 0 or 0 < part < small or 0 < whole - part < small:
        return None
    return figures.percent(part, whole)


# The counts behind the published figures: students on a roster, families' agreements,
# refusals and withdrawals.
COUNTS = ("participants", "given", "declined", "withdrawn")


def _counts(row: figures.Row) -> dict[str, int]:
    return {
        "participants": row.participants,
        "given": row.consents_given,
        "declined": row.consents_declined,
        "withdrawn": row.consents_withdrawn,
    }


def _figure_values(row: figures.Row, hide: frozenset[str] = frozenset()) -> dict:
    """The published figures of a row: each withheld for a small group, and those built on
    a count in ``hide`` withheld too."""
    counts = _counts(row)
    answers = counts["given"] + counts["declined"]
    consent_rate = withheld_rate(counts["given"], answers)
    decline_rate = withheld_rate(counts["declined"], answers)
    if hide & {"given", "declined", "answers"}:
        consent_rate = decline_rate = None
    withdrawals = None if "withdrawn" in hide else withheld_count(counts["withdrawn"])
    # Withdrawals per agreement would tell the agreements, and so the refusals, when the
    # consent rate is withheld.
    withdrawal_rate = (
        withheld_rate(counts["withdrawn"], counts["given"])
        if consent_rate is not None and withdrawals is not None
        else None
    )
    return {
        "tutoring_classes_open": row.classes_open,
        "programmes": row.programmes,
        "programmes_suspended": row.programmes_suspended,
        "participants": None if "participants" in hide else withheld_count(row.participants),
        "consent_answers": None if "answers" in hide else withheld_count(answers),
        "consent_rate": consent_rate,
        "decline_rate": decline_rate,
        "withdrawals": withdrawals,
        "withdrawal_rate": withdrawal_rate,
    }


def _told(values: dict, row: figures.Row) -> dict[str, int]:
    """The counts anyone can read off a row's published figures (0 when withheld)."""
    counts = _counts(row)
    told_consent = values["consent_rate"] is not None
    return {
        "participants": counts["participants"] if values["participants"] is not None else 0,
        "answers": (counts["given"] + counts["declined"])
        if values["consent_answers"] is not None
        else 0,
        "given": counts["given"] if told_consent else 0,
        "declined": counts["declined"] if told_consent else 0,
        "withdrawn": counts["withdrawn"] if values["withdrawals"] is not None else 0,
    }


def _area_hides(area: figures.Row, schools: list[dict[str, int]]) -> frozenset[str]:
    """What an area must withhold so that its figures, less those its schools publish, do
    not give back a small group the schools withheld."""
    counts = _counts(area)
    counts["answers"] = counts["given"] + counts["declined"]
    small = min_group()
    return frozenset(
        name
        for name, total in counts.items()
        if 0 < total - sum(told[name] for told in schools) < small
    )


@dataclass
class Dataset:
    name: str
    school_year: str | None
    rows: list[dict]


def counted() -> figures.Figures | None:
    """The figures the datasets publish: the current school year to date, every active
    school, as published (None before the first school year)."""
    try:
        period = figures.default_period()
    except SchoolYear.DoesNotExist:
        return None
    schools = School.objects.filter(is_active=True)
    return figures.compute(schools, period, per_school=True, published=True)


def build(name: str, found: figures.Figures | None = None) -> Dataset:
    """The rows of dataset ``name`` for the current school year (whole year to date), from
    ``found`` (``counted()``) when the caller has counted them already."""
    try:
        period = figures.default_period()
    except SchoolYear.DoesNotExist:
        return Dataset(name, None, [])
    schools = School.objects.filter(is_active=True)
    if name == "fees":
        return Dataset(name, period.school_year.name, _fee_rows(schools, period.school_year))
    found = found or counted()
    facts = {s["pk"]: s for s in schools.values("pk", "moet_code", "level", "unit_id")}
    areas = figures.areas_of({pk: s["unit_id"] for pk, s in facts.items()})
    published = {row.key: _figure_values(row) for row in found.by_school}
    if name == "areas":
        told = defaultdict(list)
        for row in found.by_school:
            told[areas[row.key].pk].append(_told(published[row.key], row))
        codes = {area.pk: area.code for area in areas.values()}
        rows = [
            {
                "area_code": codes[row.key],
                "area_name": row.label,
                "schools": row.schools,
                **_figure_values(row, _area_hides(row, told[row.key])),
            }
            for row in found.by_area
        ]
        return Dataset(name, period.school_year.name, rows)
    fees = _school_fees(schools, period.school_year)
    rows = []
    for row in found.by_school:
        fact, area = facts[row.key], areas[row.key]
        low, high = fees.get(row.key, (None, None))
        rows.append(
            {
                "school_code": fact["moet_code"],
                "school_name": row.label,
                "level": fact["level"],
                "area_code": area.code,
                "area_name": area.name,
                **published[row.key],
                "programme_fee_min": low,
                "programme_fee_max": high,
            }
        )
    return Dataset(name, period.school_year.name, rows)


def _paying(schools, year):
    """(school id, unit id, kind, fee) of every programme families pay for in the year."""
    return (
        Programme.objects.filter(school__in=schools, school_year=year, status__in=PAYING_STATUSES)
        .values_list("school_id", F("school__unit_id"), "programme_kind", "monthly_fee")
        .order_by()
    )


def _school_fees(schools, year) -> dict[int, tuple[int, int]]:
    fees: dict[int, list[int]] = defaultdict(list)
    for school_id, _unit, _kind, fee in _paying(schools, year):
        fees[school_id].append(fee)
    return {school: (min(found), max(found)) for school, found in fees.items()}


def _median(values: list[int]) -> int:
    values = sorted(values)
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return round((values[middle - 1] + values[middle]) / 2)


def _fee_rows(schools, year) -> list[dict]:
    paying = list(_paying(schools, year))
    # The areas of every school, as in the other files, not only of those with programmes
    # (which may all lie in one district and be split into its wards).
    areas = figures.areas_of(dict(schools.values_list("pk", "unit_id")))
    groups: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for school, _unit, kind, fee in paying:
        groups[(areas[school].pk, kind)].append((school, fee))
    by_pk = {area.pk: area for area in areas.values()}
    order = {kind: i for i, kind in enumerate(ProgrammeKind.values)}
    rows = []
    for (area_pk, kind), found in groups.items():
        fees = [fee for _school, fee in found]
        rows.append(
            {
                "area_code": by_pk[area_pk].code,
                "area_name": by_pk[area_pk].name,
                "programme_kind": kind,
                "programmes": len(found),
                "schools": len({school for school, _fee in found}),
                "fee_min": min(fees),
                "fee_median": _median(fees),
                "fee_max": max(fees),
            }
        )
    rows.sort(key=lambda r: (r["area_name"], r["area_code"], order.get(r["programme_kind"], 99)))
    return rows


def release_all(*, remake: bool = False) -> int:
    """This month's files of every dataset, the figures counted once for all of them
    (``manage.py opendata_release``, run on the first of the month, and the seeds); the
    number of files made. Without ``remake`` a file already made is kept."""
    to_make = [dataset for dataset in schema() if remake or not _released(dataset).exists()]
    found = counted() if to_make else None
    for dataset in to_make:
        release(dataset, "csv", remake=remake, found=found)
    return len(to_make) * len(FORMATS)


def _released(dataset: str):
    month = timezone.localdate().replace(day=1)
    return OpenDataRelease.objects.filter(month=month, dataset=dataset, min_group=min_group())


def release(
    dataset: str, fmt: str, *, remake: bool = False, found: figures.Figures | None = None
) -> str:
    """This month's file: made at the month's first download unless ``release_all`` made it
    already (both formats from one count, so that they agree) and kept; a second process
    asking at the same moment gets the first one's. ``remake`` makes it anew (after loading
    data in bulk)."""
    month = timezone.localdate().replace(day=1)
    mine = _released(dataset)
    if remake:
        mine.delete()
        public_cache.bump()  # the files kept with the pages go too
    content = mine.filter(fmt=fmt).values_list("content", flat=True).first()
    if content is not None:
        return content
    rows = build(dataset, found)
    contents = {
        "csv": as_csv(rows),
        "json": as_json(rows, settings.SITE_URL.rstrip("/") + reverse("public:open_data")),
    }
    try:
        with transaction.atomic():
            OpenDataRelease.objects.bulk_create(
                OpenDataRelease(
                    month=month, dataset=dataset, fmt=name, min_group=min_group(), content=text
                )
                for name, text in contents.items()
            )
    except IntegrityError:
        return mine.get(fmt=fmt).content
    return contents[fmt]


def as_csv(dataset: Dataset) -> str:
    names = [f.name for f in schema()[dataset.name]]
    out = io.StringIO()
    # A byte-order mark, so that spreadsheet programs read the Vietnamese names right.
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    for row in dataset.rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def as_json(dataset: Dataset, schema_url: str) -> str:
    return json.dumps(
        {
            "dataset": dataset.name,
            "schema_version": SCHEMA_VERSION,
            "schema": schema_url,
            "school_year": dataset.school_year,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "min_group_size": min_group(),
            "rows": dataset.rows,
        },
        ensure_ascii=False,
        indent=1,
    )

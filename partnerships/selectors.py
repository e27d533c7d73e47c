"""Reads over many programmes: the fee comparison, computed in the database.

The median is taken with window functions (``ROW_NUMBER`` and ``COUNT`` over each kind),
which PostgreSQL and SQLite both run, so the whole distribution of a city is one query
whatever the number of programmes.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from schools.models import Activity

from .models import Programme, ProgrammeKind
from .rules import PAYING_STATUSES


@dataclass
class FeeDistribution:
    kind: str
    count: int
    schools: int
    fee_min: int
    fee_median: int
    fee_max: int
    period_min: int
    period_median: int
    period_max: int
    # The programmes of the school being looked at, with their place among the others.
    own: list = field(default_factory=list)

    @property
    def label(self):
        return ProgrammeKind(self.kind).label

    @property
    def spread(self):
        """How many times the cheapest the dearest programme costs."""
        return round(self.fee_max / self.fee_min, 1) if self.fee_min else None


def _programmes_sql(schools: QuerySet, school_year=None) -> tuple[str | None, list]:
    """The fees of the programmes families pay for in ``schools``: one row each; no SQL
    (None) when ``schools`` cannot match any school."""
    try:
        scope_sql, scope_params = schools.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        # ``none()``, or a user with no unit or school in scope: Django refuses to write
        # SQL for a condition that matches nothing.
        return None, []
    activity = Activity._meta.db_table
    programme = Programme._meta.db_table
    statuses = ", ".join(["%s"] * len(PAYING_STATUSES))
    sql = f"""
        SELECT a.id AS id, a.school_id AS school_id, p.programme_kind AS kind,
               a.monthly_fee AS fee,
               CAST(a.monthly_fee AS DOUBLE PRECISION) / (4 * p.weekly_periods)
                   AS per_period
        FROM {programme} p JOIN {activity} a ON a.id = p.activity_ptr_id
        WHERE a.status IN ({statuses}) AND a.school_id IN ({scope_sql})
    """
    params = [str(s) for s in PAYING_STATUSES] + list(scope_params)
    if school_year is not None:
        sql += " AND a.school_year_id = %s"
        params.append(school_year.pk)
    return sql, params


RANKED = """
    ranked AS (
        SELECT id, school_id, kind, fee, per_period,
               ROW_NUMBER() OVER (PARTITION BY kind ORDER BY fee, id) AS fee_rank,
               RANK() OVER (PARTITION BY kind ORDER BY fee) - 1 AS cheaper,
               ROW_NUMBER() OVER (PARTITION BY kind ORDER BY per_period, id) AS period_rank,
               COUNT(*) OVER (PARTITION BY kind) AS n
        FROM fees
    ),
    medians AS (
        SELECT kind, MIN(n) AS n, COUNT(DISTINCT school_id) AS schools,
               MIN(fee) AS fee_min, MAX(fee) AS fee_max,
               AVG(CASE WHEN fee_rank IN ((n + 1) / 2, (n + 2) / 2) THEN fee END)
                   AS fee_median,
               MIN(per_period) AS period_min, MAX(per_period) AS period_max,
               AVG(CASE WHEN period_rank IN ((n + 1) / 2, (n + 2) / 2) THEN per_period END)
                   AS period_median
        FROM ranked GROUP BY kind
    )
"""


def _round(value) -> int:
    return int(Decimal(str(value or 0)).quantize(Decimal(1)))


def fee_distribution(schools: QuerySet, *, school_year=None, school=None):
    """For each kind of programme, the distribution of the monthly fee and of the fee per
    period across ``schools``; with ``school``, that school's programmes and their place
    (how many of the others cost less)."""
    sql, params = _programmes_sql(schools, school_year)
    if sql is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH fees AS ({sql}), {RANKED} "
            "SELECT kind, n, schools, fee_min, fee_median, fee_max, "
            "period_min, period_median, period_max FROM medians ORDER BY kind",
            params,
        )
        rows = {
            row[0]: FeeDistribution(
                kind=row[0],
                count=row[1],
                schools=row[2],
                fee_min=row[3],
                fee_median=_round(row[4]),
                fee_max=row[5],
                period_min=_round(row[6]),
                period_median=_round(row[7]),
                period_max=_round(row[8]),
            )
            for row in cursor.fetchall()
        }
        if school is not None:
            cursor.execute(
                f"WITH fees AS ({sql}), {RANKED} "
                "SELECT r.id, r.kind, r.fee, r.fee_rank, r.n, r.cheaper "
                "FROM ranked r WHERE r.school_id = %s ORDER BY r.kind, r.fee",
                [*params, school.pk],
            )
            own = cursor.fetchall()
            titles = dict(
                Programme.objects.filter(pk__in=[r[0] for r in own]).values_list("pk", "title")
            )
            for pk, kind, fee, _rank, n, cheaper in own:
                rows[kind].own.append(
                    {
                        "pk": pk,
                        "title": titles.get(pk, ""),
                        "fee": fee,
                        "cheaper": cheaper,
                        "count": n,
                        "share_cheaper": round(100 * cheaper / n) if n else 0,
                    }
                )
    order = {kind: i for i, kind in enumerate(ProgrammeKind.values)}
    return sorted(rows.values(), key=lambda row: order.get(row.kind, len(order)))


def far_above_median(schools: QuerySet, ratio, *, school_year=None, limit=50):
    """The programmes whose monthly fee is more than ``ratio`` times the median of their
    kind in ``schools``, dearest first: (programme id, kind, fee, median, times)."""
    sql, params = _programmes_sql(schools, school_year)
    if sql is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH fees AS ({sql}), {RANKED} "
            "SELECT f.id, f.kind, f.fee, m.fee_median, "
            "CAST(f.fee AS DOUBLE PRECISION) / m.fee_median AS times "
            "FROM fees f JOIN medians m ON m.kind = f.kind "
            "WHERE m.fee_median > 0 AND f.fee > %s * m.fee_median "
            "ORDER BY times DESC, f.id LIMIT %s",
            [*params, float(ratio), limit],
        )
        rows = cursor.fetchall()
    programmes = Programme.objects.select_related("school", "partner").in_bulk(
        [row[0] for row in rows]
    )
    return [
        {
            "programme": programmes[pk],
            "fee": fee,
            "median": _round(median),
            "times": round(float(times), 1),
        }
        for pk, _kind, fee, median, times in rows
        if pk in programmes
    ]

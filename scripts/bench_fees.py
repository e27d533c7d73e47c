"""Time the fee comparison of linked programmes on PostgreSQL, the production database: a
throw-away database filled by ``seed_scale`` with 100,000 programmes (1,000 schools × 100, a few
students each), analysed, then the city-wide distribution (the Department's scope), one area's
with a school's own programmes placed among them, the programmes far above the median, and the
fee comparison page itself for a Department official and for a head. Each is run several times
after a warm-up; the table gives the median time and the queries. The goal: under one second.

    make bench        (or: .venv/bin/python scripts/bench_fees.py [--schools 1000]
                       [--programmes-per-school 100] [--runs 5] [--explain] [--keep])

PostgreSQL at 127.0.0.1:5432 as user postgres (set BENCH_PG_URL to change); the database
bench_fees is created, and dropped at the end unless --keep. If PostgreSQL is down:

    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = "bench_fees"
GOAL = 1.0  # seconds
START_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--programmes-per-school", type=int, default=100)
    parser.add_argument("--students-per-school", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each case")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of each case's slowest query")
    parser.add_argument("--keep", action="store_true",
                        help=f"keep the database {DATABASE} (and reuse it if already seeded)")
    return parser.parse_args()


def maintenance(sql: str) -> None:
    """Run a statement on the server's ``postgres`` database, outside any transaction."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def exists() -> bool:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            [DATABASE]).fetchone() is not None


args = arguments()
try:
    reuse = args.keep and exists()
    if not reuse:
        maintenance(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        maintenance(f"CREATE DATABASE {DATABASE}")
except psycopg.OperationalError as error:
    sys.exit(f"PostgreSQL is not reachable at {SERVER} ({error}).\nStart it with:  {START_HINT}")

os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
os.environ["DEMO_SEEDING_ALLOWED"] = "true"  # a throw-away database
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Role  # noqa: E402
from partnerships.models import FeePolicy, Programme  # noqa: E402
from partnerships.rules import PAYING_STATUSES  # noqa: E402
from partnerships.selectors import far_above_median, fee_distribution  # noqa: E402
from public.management.commands.seed_demo import CURRENT_YEAR  # noqa: E402
from schools import policy  # noqa: E402
from schools.models import AdministrativeUnit, School, SchoolYear  # noqa: E402
from schools.services import role_grant  # noqa: E402

PREFIX = "S"  # seed_scale's default


def seed():
    call_command("migrate", verbosity=0)
    if reuse and Programme.objects.exists():
        print(f"Reusing {DATABASE}: {Programme.objects.count():,} programmes.\n")
        return
    started = time.perf_counter()
    call_command(
        "seed_scale", "--schools", str(args.schools),
        "--programmes-per-school", str(args.programmes_per_school),
        "--students-per-school", str(args.students_per_school), "--staff-per-school", "1",
        "--prefix", PREFIX, stdout=sys.stdout,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Seeded and analysed in {time.perf_counter() - started:.0f} s.\n")


def department_official():
    user = get_user_model().objects.filter(username="bench.so").first()
    if user is None:
        user = get_user_model().objects.create_user(username="bench.so", full_name="Sở GD&ĐT")
        province = AdministrativeUnit.objects.get(code=f"{PREFIX}31")
        role_grant(actor=None, user=user, role=Role.DEPARTMENT, unit=province)
    return user


def timed(call):
    """Warm up once, then ``args.runs`` runs: (result, times, queries of the last run)."""
    result = call()
    times = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - started)
    return result, times, queries.captured_queries


def explain(label, queries):
    slowest = max(queries, key=lambda q: float(q["time"]))
    print(f"\n--- {label}: EXPLAIN ANALYZE of the slowest query ({slowest['time']} s) ---")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest['sql']}")
        print("\n".join(row[0] for row in cursor.fetchall()))


def paying(schools, year) -> int:
    return Programme.objects.filter(school__in=schools, school_year=year,
                                    status__in=PAYING_STATUSES).count()


def page(user):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def get():
        response = client.get(reverse("partnerships:fee_comparison"))
        assert response.status_code == 200, response.status_code
        return response
    return get


def main():
    seed()
    year = SchoolYear.objects.get(name=CURRENT_YEAR)
    ratio = FeePolicy.in_force().far_above_median
    city = School.objects.all()
    official = department_official()
    visible = policy.visible(official, School)
    school = School.objects.get(moet_code=f"{PREFIX}0000000")
    area = School.objects.filter(unit=school.unit_id)
    head = school.head

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    total = Programme.objects.count()
    print(f"PostgreSQL {version} (work_mem {work_mem}), database {DATABASE}: "
          f"{School.objects.count():,} schools, {total:,} programmes, "
          f"{paying(city, year):,} approved or suspended in {year.name} (the ones compared).\n")

    cases = [
        ("fee_distribution, city (School.objects.all())", city,
         lambda: fee_distribution(city, school_year=year),
         lambda rows: f"{len(rows)} kinds"),
        ("fee_distribution, city (Department's visible)", visible,
         lambda: fee_distribution(visible, school_year=year),
         lambda rows: f"{len(rows)} kinds"),
        ("fee_distribution, one area, school=", area,
         lambda: fee_distribution(area, school_year=year, school=school),
         lambda rows: f"{len(rows)} kinds, {sum(len(r.own) for r in rows)} own"),
        # No page asks this yet (a head compares within the area), but the selector allows it.
        ("fee_distribution, city, school=", city,
         lambda: fee_distribution(city, school_year=year, school=school),
         lambda rows: f"{len(rows)} kinds, {sum(len(r.own) for r in rows)} own"),
        (f"far_above_median ×{ratio}, city", city,
         lambda: far_above_median(city, ratio, school_year=year),
         lambda rows: f"{len(rows)} programmes"),
        (f"far_above_median ×{ratio}, one area", area,
         lambda: far_above_median(area, ratio, school_year=year),
         lambda rows: f"{len(rows)} programmes"),
        ("fee comparison page, Department official", visible, page(official),
         lambda response: f"{len(response.content) // 1024} KB"),
        ("fee comparison page, head (area)", area, page(head),
         lambda response: f"{len(response.content) // 1024} KB"),
    ]
    lines, plans = [], []
    for label, schools, call, describe in cases:
        result, times, queries = timed(call)
        median = statistics.median(times)
        lines.append(
            f"| {label:<46} | {paying(schools, year):>10,} | {describe(result):<19} "
            f"| {len(queries):>7} | {median:>10.3f} | {min(times):>7.3f} | {max(times):>7.3f} "
            f"| {'yes' if median < GOAL else 'NO':>5} |"
        )
        plans.append((label, queries))
        print(f"  {label}: {median:.3f} s")
    if args.explain:
        for label, queries in plans:
            explain(label, queries)

    print(f"\nMedian of {args.runs} runs after a warm-up; 'queries' counted on the last run; "
          "'compared' = approved or suspended programmes of the year in the scope.\n")
    print(f"| {'case':<46} | {'compared':>10} | {'result':<19} | queries | median (s) "
          f"| min (s) | max (s) | < {GOAL:g} s |")
    print(f"|{'-' * 48}|{'-' * 11}:|{'-' * 21}|--------:|-----------:|--------:|--------:|"
          f"------:|")
    print("\n".join(lines))


if __name__ == "__main__":
    try:
        main()
    finally:
        connection.close()
        connection.close_pool()
        if not args.keep:
            maintenance(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

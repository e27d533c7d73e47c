"""Time the city's periodic report on PostgreSQL, the production database, at two sizes of
city: for each, a throw-away database filled by ``seed_scale --schools N`` (100, then 1,000
schools of 1,000 students), analysed; then the report a Department official asks for on
/reports/ (a ``ReportJob`` of the whole city over the school year, through
``reports.services.report_request``), made by ``reports.tasks.run`` as a worker makes it:
the figures (``reports.figures.compute``), the charts, the template, WeasyPrint's layout and
the PDF. The goal (issue 7): "A city report over seed_scale --schools 1000 data is produced in
under 30 seconds with a query count that does not grow with the number of schools".

    make bench        (or: .venv/bin/python scripts/bench_report.py [--sizes 100,1000]
                       [--students-per-school 1000] [--runs 3] [--keep])

PostgreSQL at 127.0.0.1:5432 as user postgres (set BENCH_PG_URL to change); each size runs in
its own process on the database bench_report_<N>, dropped at the end unless --keep. If
PostgreSQL is down:

    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
GOAL = 30.0  # seconds, for the largest city
START_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
PREFIX = "S"  # seed_scale's default


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="100,1000", help="numbers of schools, smallest first (default 100,1000)"
    )
    parser.add_argument("--students-per-school", type=int, default=1000)
    parser.add_argument(
        "--runs", type=int, default=3, help="timed runs of figures.compute alone, after a warm-up"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep each database (and reuse it if already seeded)"
    )
    # One size, in a process of its own (the parent runs these).
    parser.add_argument("--schools", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser.parse_args()


def maintenance(sql: str) -> None:
    """Run a statement on the server's ``postgres`` database, outside any transaction."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def exists(database: str) -> bool:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
            is not None
        )


# --- One size (child process) ---------------------------------------------------------


class Stopwatch:
    """Seconds spent in the functions wrapped by ``wrap``, by label, and what they returned
    last (the laid-out WeasyPrint document gives the page count)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.queries: dict[str, int] = {}
        self.last: dict[str, object] = {}

    def wrap(self, owner, name: str, label: str, count_queries=False):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        original = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            if count_queries:
                with CaptureQueriesContext(connection) as queries:
                    result = original(*args, **kwargs)
                self.queries[label] = self.queries.get(label, 0) + len(queries)
            else:
                result = original(*args, **kwargs)
            self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started
            self.last[label] = result
            return result

        setattr(owner, name, timed)


def one_size(args) -> dict:
    database = f"bench_report_{args.schools}"
    reuse = args.keep and exists(database)
    if not reuse:
        maintenance(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        maintenance(f"CREATE DATABASE {database}")
    media = tempfile.mkdtemp(prefix="bench_report_media_")
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ["DEMO_SEEDING_ALLOWED"] = "true"  # a throw-away database
    os.environ["MEDIA_ROOT"] = media  # the PDFs, removed at the end
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    try:
        return measure(args, database, reuse)
    finally:
        connection.close()
        connection.close_pool()
        shutil.rmtree(media, ignore_errors=True)
        if not args.keep:
            maintenance(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def seed(args, database: str, reuse: bool) -> float | None:
    from django.core.management import call_command
    from django.db import connection

    from schools.models import School

    call_command("migrate", verbosity=0)
    if reuse and School.objects.exists():
        print(f"Reusing {database}: {School.objects.count():,} schools.", flush=True)
        return None
    started = time.perf_counter()
    call_command(
        "seed_scale",
        "--schools",
        str(args.schools),
        "--students-per-school",
        str(args.students_per_school),
        "--prefix",
        PREFIX,
        stdout=sys.stdout,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def city_report(official, year):
    """The city's report through the real path: asked for as the page asks (queued for a
    worker, held here by a backend that runs nothing), then made by the worker's task. The
    job read again, the task's seconds and its queries."""
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from reports import services, tasks
    from reports.models import DocumentKind, ReportJob

    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        job = services.report_request(
            actor=official, job=ReportJob(kind=DocumentKind.CITY, school_year=year)
        )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        tasks.run(job.pk)
        seconds = time.perf_counter() - started
    job.refresh_from_db()
    return job, seconds, len(queries)


def measure(args, database: str, reuse: bool) -> dict:
    import weasyprint
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from weasyprint.document import Document

    from public.management.commands.seed_demo import CURRENT_YEAR
    from reports import charts, figures, pdf
    from schools import policy
    from schools.models import Activity, ConsentEvent, School, SchoolYear

    seeded = seed(args, database, reuse)
    year = SchoolYear.objects.get(name=CURRENT_YEAR)
    official = get_user_model().objects.get(username=f"{PREFIX.lower()}.so")
    schools = policy.visible(official, School).filter(is_active=True)
    period = figures.period_from(year)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]

    # figures.compute alone, as the city report calls it: a warm-up, then timed runs.
    def compute():
        return figures.compute(schools, period, per_school=True, user=None, published=True)

    compute()
    times = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            compute()
            times.append(time.perf_counter() - started)

    # The report through the real path: the request as the page makes it (queued for a worker,
    # held here by a backend that runs nothing), then the task, timed and counted whole, with
    # its parts timed inside it.
    watch = Stopwatch()
    watch.wrap(figures, "compute", "figures", count_queries=True)
    watch.wrap(charts, "for_figures", "charts")
    watch.wrap(pdf, "render_to_string", "template")
    watch.wrap(weasyprint.HTML, "render", "layout")
    watch.wrap(Document, "write_pdf", "write")
    job, job_seconds, job_queries = city_report(official, year)
    laid_out = watch.last.get("layout")
    parts = {label: round(seconds, 3) for label, seconds in watch.seconds.items()}
    parts["other"] = round(job_seconds - sum(watch.seconds.values()), 3)
    return {
        "schools": schools.count(),
        "students_per_school": args.students_per_school,
        "activities": Activity.objects.filter(school__in=schools, school_year=year).count(),
        "consent_events": ConsentEvent.objects.filter(
            enrollment__activity__school__in=schools,
            enrollment__activity__school_year=year,
        ).count(),
        "seed_seconds": seeded,
        "postgres": version,
        "compute_median": statistics.median(times),
        "compute_queries": len(queries),
        "job_status": job.status,
        "job_error": job.error,
        "job_seconds": job_seconds,
        "job_queries": job_queries,
        "job_compute_queries": watch.queries.get("figures", 0),
        "pages": len(laid_out.pages) if laid_out is not None else None,
        "pdf_bytes": job.document.size if job.document_id else None,
        "parts": parts,
    }


# --- The table (parent process) ------------------------------------------------------


def run_size(args, schools: int) -> dict:
    """One size in a process of its own: a fresh Django set up on its own database."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result = Path(handle.name)
    command = [
        sys.executable,
        __file__,
        "--schools",
        str(schools),
        "--result",
        str(result),
        "--students-per-school",
        str(args.students_per_school),
        "--runs",
        str(args.runs),
    ]
    if args.keep:
        command.append("--keep")
    print(f"=== {schools:,} schools ===", flush=True)
    try:
        subprocess.run(command, check=True)
        return json.loads(result.read_text())
    finally:
        result.unlink(missing_ok=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: list[dict]) -> None:
    print(
        f"\nPostgreSQL {results[0]['postgres']}; seed_scale with "
        f"{results[0]['students_per_school']:,} students per school. 'figures' is the median "
        "of figures.compute alone; 'PDF' the whole job (reports.tasks.run: figures, charts, "
        "template, layout, PDF); queries on the default connection.\n"
    )
    print(
        "| schools | activities | consent events | pages | figures (s) | PDF (s) "
        "| queries, figures | queries, job | status |"
    )
    print(
        "|--------:|-----------:|---------------:|------:|------------:|--------:"
        "|-----------------:|-------------:|--------|"
    )
    for r in results:
        print(
            f"| {r['schools']:>7,} | {r['activities']:>10,} | {r['consent_events']:>14,} "
            f"| {r['pages'] or '—':>5} | {r['compute_median']:>11.2f} "
            f"| {r['job_seconds']:>7.2f} | {r['compute_queries']:>16} "
            f"| {r['job_queries']:>12} | {r['job_status']:<6} |"
        )
    print("\nWhere the job's time goes (s):\n")
    labels = ["figures", "charts", "template", "layout", "write", "other"]
    print("| schools | " + " | ".join(f"{label:>8}" for label in labels) + " |")
    print("|--------:|" + "|".join("-" * 9 + ":" for _ in labels) + "|")
    for r in results:
        print(
            f"| {r['schools']:>7,} | "
            + " | ".join(f"{r['parts'].get(label, 0.0):>8.2f}" for label in labels)
            + " |"
        )
    for r in results:
        if r["job_error"]:
            print(f"\n{r['schools']:,} schools: the job failed: {r['job_error']}")

    largest = results[-1]
    fast = largest["job_status"] == "done" and largest["job_seconds"] < GOAL
    print(
        f"\nUnder {GOAL:g} s at {largest['schools']:,} schools: {verdict(fast)} "
        f"({largest['job_seconds']:.1f} s for the whole report)"
    )
    compute = [r["compute_queries"] for r in results]
    job = [r["job_queries"] for r in results]
    sizes = " vs ".join(f"{r['schools']:,}" for r in results)
    same = len(set(compute)) == 1 and len(set(job)) == 1
    print(
        f"Same query count ({sizes} schools): {verdict(same)} "
        f"(figures {' vs '.join(map(str, compute))}; "
        f"whole job {' vs '.join(map(str, job))})"
    )


def main():
    args = arguments()
    try:
        maintenance("SELECT 1")
    except psycopg.OperationalError as error:
        sys.exit(
            f"PostgreSQL is not reachable at {SERVER} ({error}).\nStart it with:  {START_HINT}"
        )
    if args.schools:
        Path(args.result).write_text(json.dumps(one_size(args)))
        return
    sizes = sorted(int(size) for size in args.sizes.split(","))
    started = time.perf_counter()
    results = [run_size(args, schools) for schools in sizes]
    report(results)
    print(f"\nDone in {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()

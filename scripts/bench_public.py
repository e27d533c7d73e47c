"""The public pages on PostgreSQL at two sizes of city: the number of queries of each page,
which must not grow with the city, and the time of a first visit and of a second one (served
from the cache); then the making of this month's open data files.

    make bench        (or: .venv/bin/python scripts/bench_public.py [--sizes 100,1000]
                       [--students-per-school 200] [--keep])

Each size runs in its own process on a throw-away database bench_public_<N> filled by
``seed_scale --schools N`` and dropped at the end unless --keep. PostgreSQL at
127.0.0.1:5432 as user postgres (BENCH_PG_URL to change).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_report import SERVER, exists, maintenance  # noqa: E402

PAGES = ("search", "search for a name", "school", "programme", "rights")
CACHED = ("school", "programme", "rights")  # the search is not kept: it is cheap and varied
SAMPLES = 5  # schools and programmes visited at each size


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000", help="numbers of schools (default 100,1000)")
    parser.add_argument("--students-per-school", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) each database")
    parser.add_argument("--schools", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser.parse_args()


def one_size(args) -> dict:
    database = f"bench_public_{args.schools}"
    reuse = args.keep and exists(database)
    if not reuse:
        maintenance(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        maintenance(f"CREATE DATABASE {database}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ["DEMO_SEEDING_ALLOWED"] = "true"
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench_public_media_")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    try:
        return measure(args, reuse)
    finally:
        connection.close()
        connection.close_pool()
        if not args.keep:
            maintenance(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def measure(args, reuse: bool) -> dict:
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from partnerships.models import Programme
    from public import opendata
    from schools.models import ConsentEvent, School

    call_command("migrate", verbosity=0)
    if not (reuse and School.objects.exists()):
        call_command(
            "seed_scale",
            "--schools",
            str(args.schools),
            "--students-per-school",
            str(args.students_per_school),
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    schools = list(School.objects.filter(is_active=True).order_by("?")[:SAMPLES])
    programmes = list(
        Programme.objects.filter(status="approved", school__is_active=True).order_by("?")[:SAMPLES]
    )
    urls = {
        "search": [reverse("public:search")] * SAMPLES,
        "search for a name": [reverse("public:search") + "?q=so+1"] * SAMPLES,
        "school": [reverse("public:school", args=[s.pk]) for s in schools],
        "programme": [reverse("public:programme", args=[p.pk]) for p in programmes],
        "rights": [reverse("public:rights")] * SAMPLES,
    }
    client = Client()
    pages = {}
    for page, addresses in urls.items():
        first, second, queries, cached_queries = [], [], set(), set()
        for url in addresses:
            caches["public"].clear()  # each first visit finds nothing kept
            for times, counts in ((first, queries), (second, cached_queries)):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
                counts.add(len(captured))
        pages[page] = {
            "queries": sorted(queries),
            "cached_queries": sorted(cached_queries),
            "first_ms": 1000 * statistics.median(first),
            "second_ms": 1000 * statistics.median(second),
        }
    files = {}
    for dataset in opendata.schema():
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            opendata.release(dataset, "csv", remake=True)
            seconds = time.perf_counter() - started
        files[dataset] = {"seconds": seconds, "queries": len(captured)}
    return {
        "schools": School.objects.count(),
        "programmes": Programme.objects.count(),
        "consent_events": ConsentEvent.objects.count(),
        "pages": pages,
        "files": files,
    }


def main():
    args = arguments()
    if args.schools:
        result = one_size(args)
        Path(args.result).write_text(json.dumps(result))
        return
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        print(f"Seeding and measuring {size:,} schools…", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, __file__, "--schools", str(size), "--result", out.name]
            command += ["--students-per-school", str(args.students_per_school)]
            if args.keep:
                command.append("--keep")
            subprocess.run(command, check=True, cwd=ROOT)
            results.append(json.loads(Path(out.name).read_text()))
    print()
    print("| page | " + " | ".join(f"{r['schools']:,} schools" for r in results) + " |")
    print("|---|" + "---|" * len(results))
    for page in PAGES:
        cells = []
        for r in results:
            p = r["pages"][page]
            cells.append(
                f"{'/'.join(map(str, p['queries']))} queries, {p['first_ms']:.0f} ms; "
                f"again {'/'.join(map(str, p['cached_queries']))} queries, "
                f"{p['second_ms']:.1f} ms"
            )
        print(f"| {page} | " + " | ".join(cells) + " |")
    for dataset in results[0]["files"]:
        cells = [
            f"{r['files'][dataset]['queries']} queries, {r['files'][dataset]['seconds']:.2f} s"
            for r in results
        ]
        print(f"| open data: {dataset} (made once a month) | " + " | ".join(cells) + " |")
    # A page lists what a school has: an empty list needs no prefetch query, so a page's
    # count may be lower for a small school; what matters is that the most never grows.
    grew = [
        name
        for name in PAGES
        if max(results[-1]["pages"][name]["queries"]) > max(results[0]["pages"][name]["queries"])
        or (name in CACHED and max(results[-1]["pages"][name]["cached_queries"]) > 0)
    ]
    grew += [
        f"open data: {name}"
        for name in results[0]["files"]
        if results[-1]["files"][name]["queries"] > results[0]["files"][name]["queries"]
    ]
    print()
    print(
        "Most queries the same at every size, and none from the cache:",
        "yes" if not grew else f"NO: {grew}",
    )


if __name__ == "__main__":
    main()

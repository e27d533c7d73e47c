"""The portal under load: the key pages served by gunicorn on PostgreSQL over city-scale data,
driven by wrk on loopback with 16 concurrent clients, next to two yardsticks served by the
same server in the same run.

    make bench      (or: .venv/bin/python scripts/bench_load.py [--preset city|small]
                     [--seconds 15] [--workers 4] [--fresh] [--drop])

1. The data: the database ``bench_load_<preset>`` filled by ``seed_scale --preset city``
   (1,000 schools, 1,000,000 students and their parents, 106,000 activities, about 5,000,000
   consent events, inspections and complaints; about ten minutes) or ``--preset small``
   (20 schools, a minute). A database already seeded with that preset is reused: the seeding
   is timed once, on a clean machine; ``--fresh`` seeds it again, ``--drop`` drops it at the
   end.
2. The server: gunicorn (``--workers``, sync workers, as docs/deployment.md advises) with
   ``DEBUG=False``, the production middleware, psycopg's connection pool and the database
   task backend, serving the portal and two yardsticks (``scripts/bench_site``):
   - the floor: a view answering "ok" (no query, no template);
   - the reference: a page behind the sign-in listing 50 rows of one model with one
     ``select_related``, through a minimal template.
3. The load: for each page, ``wrk -t2 -c16`` for ``--seconds`` after a warm-up of a few
   seconds. Signed-in pages carry a session made for a user of the right role (officials
   with two-step verification confirmed, as production requires); the consent submit posts
   the first answers of a thousand parents to the programmes offered to their child, each
   answer once (a new event in the ledger each).
4. The queries per request: each page requested once in this process with the same
   settings, on the same data, its queries counted.
5. The city PDF: the Department's periodic report over the whole city, asked for and made as
   a worker makes it (``reports.tasks.run``), timed and its queries counted.

It prints a table of p50 and p95 latency, requests per second and queries per request for
each page, with each p50 against the reference's (goal: at most 2 times), and writes the
figures to ``bench-results/load.json``. PostgreSQL at 127.0.0.1:5432 as user postgres
(BENCH_PG_URL to change); wrk from Debian's packages (``make bench`` installs it).
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SCRIPTS))

from bench_report import SERVER, START_HINT, city_report, exists, maintenance  # noqa: E402

HOST, PORT = "127.0.0.1", 8765
BASE = f"http://{HOST}:{PORT}"
CONNECTIONS, THREADS = 16, 2
WARM_UP_SECONDS = 3
GOAL_RATIO = 2.0  # a key page's p50 at most this many times the reference's
PREFIX = "S"  # seed_scale's default
SETTINGS = "bench_site.settings"
RESULTS = ROOT / "bench-results"
CACHE_TABLE = "bench_cache"
# PostgreSQL's memory for a sort or hash before it spills to disk, as docs/deployment.md
# advises for the reports' queries (the server's default is 4 MB).
WORK_MEM = "32MB"
# Parents whose first answers the consent submit posts, and answers per parent at most.
ANSWERING_PARENTS = 600
ANSWERS_PER_PARENT = 6


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="city", choices=["city", "small"])
    parser.add_argument("--seconds", type=int, default=15, help="measured seconds per page")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--fresh", action="store_true", help="seed the database again")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--only", help="comma-separated page keys (for a quick look)")
    parser.add_argument("--worker-class", help="gunicorn's worker class (default: the config's)")
    return parser.parse_args()


def environment(database: str) -> dict:
    """The settings of both the server and this process: production's, on loopback."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(SCRIPTS)]),
            "DATABASE_URL": f"{SERVER}/{database}",
            "DEBUG": "False",
            "SECRET_KEY": "bench-load-not-a-secret-" + "x" * 40,
            "ALLOWED_HOSTS": f"{HOST},localhost,testserver",
            "SITE_URL": "https://cong.example.vn",
            # TLS ends at the load balancer in production; wrk speaks plain HTTP here.
            "SECURE_SSL_REDIRECT": "False",
            "TASKS_BACKEND": "database",
            "DEMO_SEEDING_ALLOWED": "true",  # a throw-away database
            "MEDIA_ROOT": env.get("BENCH_MEDIA_ROOT") or tempfile.mkdtemp(prefix="bench_load_"),
            "DATABASE_POOL_MAX": "4",
            # The cache the app processes share (as docs/deployment.md asks): a dashboard's
            # figures are counted by one worker for all.
            "CACHE_URL": f"dbcache://{CACHE_TABLE}",
        }
    )
    return env


# --- The data ----------------------------------------------------------------------------


def seed(args, database: str) -> float | None:
    """Seed the database unless it already holds this preset; the seconds it took."""
    marker = f"seed_scale --preset {args.preset}"
    if not args.fresh and exists(database):
        import psycopg

        with psycopg.connect(f"{SERVER}/{database}", autocommit=True) as conn:
            comment = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = current_database()"
            ).fetchone()[0]
        if comment == marker:
            print(f"Reusing {database} ({marker}); --fresh seeds it again.", flush=True)
            return None
    maintenance(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    maintenance(f"CREATE DATABASE {database}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_scale", "--preset", args.preset, "--prefix", PREFIX, stdout=sys.stdout)
    seconds = time.perf_counter() - started
    maintenance(f"COMMENT ON DATABASE {database} IS '{marker}'")
    return seconds


def data_sizes() -> dict:
    from django.db import connection

    tables = {
        "schools": "schools_school",
        "students": "schools_student",
        "guardians": "schools_guardian",
        "activities": "schools_activity",
        "enrolments": "schools_enrollment",
        "consent events": "schools_consentevent",
        "inspections": "inspections_inspection",
        "complaints": "inspections_complaint",
    }
    with connection.cursor() as cursor:
        sizes = {}
        for label, table in tables.items():
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            sizes[label] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        sizes["database bytes"] = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        sizes["postgres"] = cursor.fetchone()[0]
    return sizes


# --- The pages and their sessions ----------------------------------------------------------


class Target:
    def __init__(self, key, label, requests, *, expect=200, probe=None):
        self.key, self.label, self.requests = key, label, requests
        self.expect = expect
        # (method, path, data) requested in this process to count the queries.
        self.probe = probe or ("get", requests[0][1], None)
        self.queries = None


def session_for(user) -> str:
    """A signed-in session of ``user``'s, as the sign-in makes it (with two-step
    verification confirmed for the officials who must have it); its cookie's value."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import twofactor

    client = Client()
    client.force_login(user)
    if twofactor.is_required(user) or user.role in twofactor.REQUIRED_ROLES:
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name=twofactor.TOTP_DEVICE_NAME, defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client.cookies["sessionid"].value


def csrf_secret() -> str:
    from django.middleware.csrf import _get_new_csrf_string

    return _get_new_csrf_string()


def get(path, cookie=None):
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    return ("GET", path, headers, None)


def targets(only) -> list[Target]:
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q
    from django.urls import reverse

    from accounts.models import Role
    from schools.models import Activity, Guardian, School, Student

    User = get_user_model()
    login = PREFIX.lower()
    department = User.objects.get(username=f"{login}.so")
    committee = (
        User.objects.filter(role=Role.COMMITTEE, username__startswith=f"{login}.ub")
        .order_by("username")
        .first()
    )
    # The head of the secondary school with the most tutoring classes.
    school = (
        School.objects.filter(moet_code__startswith=PREFIX, head__isnull=False)
        .annotate(classes=Count("activities", filter=Q(activities__kind=Activity.Kind.TUTORING)))
        .order_by("-classes", "pk")
        .first()
    )
    parent_guardian = (
        Guardian.objects.filter(user__isnull=False, phone__startswith="07")
        .select_related("user")
        .order_by("pk")
        .first()
    )
    public_schools = School.objects.filter(moet_code__startswith=PREFIX, is_active=True)

    sessions = {
        "department": session_for(department),
        "committee": session_for(committee),
        "principal": session_for(school.head),
        "parent": session_for(parent_guardian.user),
    }
    pages = [
        Target("floor", 'Floor: a view answering "ok"', [get("/bench/floor/")]),
        Target(
            "reference",
            "Reference: 50 rows, one select_related",
            [get("/bench/reference/", sessions["principal"])],
        ),
        Target("parent_home", "Parent home", [get("/", sessions["parent"])]),
        consent_submit(Guardian, Student),
        Target(
            "class_list",
            "A school's tutoring classes",
            [get(reverse("tutoring:class_list", args=[school.pk]), sessions["principal"])],
        ),
        Target(
            "committee_dashboard",
            "Committee dashboard",
            [get(reverse("reports:dashboard"), sessions["committee"])],
        ),
        Target(
            "department_dashboard",
            "Department dashboard",
            [get(reverse("reports:dashboard"), sessions["department"])],
        ),
        Target(
            "public_school",
            "Public school page (100 schools in turn)",
            [
                get(reverse("public:school", args=[pk]))
                for pk in public_schools.order_by("pk").values_list("pk", flat=True)[:100]
            ],
        ),
        Target(
            "fee_comparison",
            "Fee comparison (whole city)",
            [get(reverse("partnerships:fee_comparison"), sessions["department"])],
        ),
    ]
    if only:
        keys = set(only.split(",")) | {"floor", "reference"}
        pages = [page for page in pages if page.key in keys]
    return pages


def consent_submit(Guardian, Student) -> Target:
    """First answers of parents signed in on their phones: each to a programme offered to
    their child that they have not answered yet (three in four agree), each sent once."""
    from django.urls import reverse

    from schools.models import ConsentEvent
    from schools.selectors import offers_for

    requests = []
    probe = None
    guardians = (
        Guardian.objects.filter(user__isnull=False, phone__startswith="07")
        .select_related("user")
        .order_by("pk")[:ANSWERING_PARENTS]
    )
    for guardian in guardians:
        student = Student.objects.filter(guardianships__guardian=guardian).first()
        if student is None:
            continue
        cookie = session_for(guardian.user)
        secret = csrf_secret()
        headers = {
            "Cookie": f"sessionid={cookie}; csrftoken={secret}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        offers = [o for o in offers_for(student) if o.awaits_answer and o.latest is None]
        for n, offer in enumerate(offers[:ANSWERS_PER_PARENT]):
            kind = ConsentEvent.Kind.DECLINED if n % 4 == 3 else ConsentEvent.Kind.GIVEN
            terms = offer.activity.terms_hash if kind == ConsentEvent.Kind.GIVEN else ""
            body = f"csrfmiddlewaretoken={secret}&kind={kind}&expected_last=0&terms={terms}"
            path = reverse("schools:consent_decide", args=[student.pk, offer.activity.pk])
            data = {"kind": kind, "expected_last": "0", "terms": terms}
            if probe is None:
                probe = ("post", path, data, guardian.user)
                continue  # answered by the query count, not by wrk
            requests.append(("POST", path, headers, body))
    # wrk's threads take every other request: interleave parents so that one parent's
    # answers are not all in flight at once.
    requests.sort(key=lambda r: (hash(r[1]) % 97, r[1]))
    target = Target("consent_submit", "Consent submit (a parent's answer)", requests, expect=302)
    target.probe = probe
    return target


def count_queries(target: Target) -> tuple[int, int, float]:
    """The queries of the page requested in this process: of a first request (which fills
    what is kept between requests: a dashboard's figures, a public page), of the next one,
    and the first one's seconds."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    method, path, data, *user = target.probe
    headers = target.requests[0][2]
    if user:
        client.force_login(user[0])
    elif "Cookie" in headers:
        match = re.search(r"sessionid=([^;]+)", headers["Cookie"])
        client.cookies["sessionid"] = match.group(1)
    counts, times = [], []
    for _ in range(1 if method == "post" else 2):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = getattr(client, method)(path, data)
            times.append(time.perf_counter() - started)
        if response.status_code != target.expect:
            raise SystemExit(f"{target.label}: {path} answered {response.status_code}")
        counts.append(len(queries))
    return counts[0], counts[-1], times[0]


# --- The server and the load ---------------------------------------------------------------


def start_server(args, env) -> subprocess.Popen:
    """gunicorn with the production configuration (config/gunicorn.conf.py), on loopback."""
    log = open(RESULTS / "gunicorn.log", "w")  # noqa: SIM115
    server_env = {
        **env,
        "GUNICORN_BIND": f"{HOST}:{PORT}",
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_ACCESS_LOG": str(RESULTS / "gunicorn.access.log"),
        "GUNICORN_LOG_LEVEL": "warning",
    }
    if args.worker_class:
        server_env["GUNICORN_WORKER_CLASS"] = args.worker_class
    with socket.socket() as probe:
        if probe.connect_ex((HOST, PORT)) == 0:
            raise SystemExit(f"Something already listens on {HOST}:{PORT}: stop it first.")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "config.wsgi",
        ],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped whole at the end
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:  # refused, reset or timed out while the workers start
            pass
        if server.poll() is not None:
            break
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not start; see {RESULTS / 'gunicorn.log'}")


def stop(process: subprocess.Popen) -> None:
    """Stop a process and everything it started (gunicorn's workers)."""
    group = os.getpgid(process.pid)
    os.killpg(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=40)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    process.wait()


def check_first(target: Target) -> None:
    """One request of the page before the load: a page that does not answer as expected
    (a session refused, a redirect to the sign-in) would measure the wrong thing."""
    method, path, headers, body = target.requests[0]
    if method != "GET":
        return
    request = urllib.request.Request(BASE + path, headers=headers or {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(request, timeout=120).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != target.expect:
        raise SystemExit(f"{target.label}: {path} answered {status}, not {target.expect}")


def lua_string(value) -> str:
    if value is None:
        return "nil"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_requests(requests, folder: Path, name: str) -> Path:
    lines = ["return {"]
    for method, path, headers, body in requests:
        header_items = ", ".join(
            f"[{lua_string(key)}] = {lua_string(value)}" for key, value in (headers or {}).items()
        )
        lines.append(
            f"  {{{lua_string(method)}, {lua_string(path)}, {{{header_items}}}, "
            f"{lua_string(body)}}},"
        )
    lines.append("}")
    path = folder / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(requests_file: Path, seconds: int) -> dict:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "-s",
        str(SCRIPTS / "bench_load.lua"),
        BASE,
        "--",
        str(requests_file),
        str(THREADS),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next((line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def load(target: Target, folder: Path, seconds: int) -> dict:
    check_first(target)
    if target.key == "consent_submit":
        # Answers are sent once: the warm-up takes its own share of them.
        share = len(target.requests) // 5
        warm = write_requests(target.requests[:share], folder, f"{target.key}_warm")
        measured = write_requests(target.requests[share:], folder, target.key)
        available = len(target.requests) - share
    else:
        warm = measured = write_requests(target.requests, folder, target.key)
        available = None
    wrk(warm, WARM_UP_SECONDS)
    result = wrk(measured, seconds)
    result["available"] = available
    return result


# --- The city PDF ---------------------------------------------------------------------------


def city_pdf() -> dict:
    from django.contrib.auth import get_user_model

    from public.management.commands.seed_demo import CURRENT_YEAR
    from schools.models import SchoolYear

    official = get_user_model().objects.get(username=f"{PREFIX.lower()}.so")
    year = SchoolYear.objects.get(name=CURRENT_YEAR)
    job, seconds, queries = city_report(official, year)
    return {
        "seconds": seconds,
        "queries": queries,
        "status": job.status,
        "error": job.error,
        "bytes": job.document.size if job.document_id else None,
    }


# --- The table ------------------------------------------------------------------------------


def table(pages: dict, labels: dict, pdf: dict | None, sizes: dict, args) -> str:
    reference = pages["reference"]["p50_us"]
    floor = pages["floor"]
    rows = [
        f"gunicorn {args.workers} sync workers, PostgreSQL {sizes['postgres']} (work_mem "
        f"{WORK_MEM}), wrk "
        f"-t{THREADS} -c{CONNECTIONS}, {args.seconds} s a page after {WARM_UP_SECONDS} s of "
        f"warm-up; data: "
        + ", ".join(
            f"{value:,} {label}"
            for label, value in sizes.items()
            if isinstance(value, int) and label != "database bytes"
        )
        + f" ({sizes['database bytes'] / 2**30:.1f} GiB).",
        "",
        "| page | p50 (ms) | p95 (ms) | requests/s | queries/request | p50 ÷ reference | "
        "answered as expected |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for key, result in pages.items():
        ratio = result["p50_us"] / reference
        goal = ""
        if key not in ("floor", "reference"):
            goal = " ✓" if ratio <= GOAL_RATIO else " ✗"
        queries = str(result["queries"])
        if result["first_queries"] != result["queries"]:
            queries += f" (first {result['first_queries']}, {result['first_seconds']:.1f} s)"
        rows.append(
            f"| {labels[key]} | {result['p50_us'] / 1000:.1f} | {result['p95_us'] / 1000:.1f} "
            f"| {result['rps']:,.0f} | {queries} | {ratio:.2f}{goal} "
            f"| {result['expected']} |"
        )
    rows.append("")
    rows.append(
        f"Floor ÷ reference throughput: {floor['rps'] / pages['reference']['rps']:.1f} "
        f"({floor['rps']:,.0f} and {pages['reference']['rps']:,.0f} requests/s). Goal: every "
        f"key page's p50 at most {GOAL_RATIO:g} times the reference's "
        f"({GOAL_RATIO * reference / 1000:.1f} ms)."
    )
    if pdf is not None:
        rows.append(
            f"City PDF (the Department's periodic report, made as a worker makes it): "
            f"{pdf['seconds']:.1f} s, {pdf['queries']} queries, {pdf['status']}"
            + (f", {pdf['bytes']:,} bytes" if pdf["bytes"] else "")
            + (f"; {pdf['error']}" if pdf["error"] else "")
            + "."
        )
    return "\n".join(rows)


def expected(target: Target, result: dict) -> str:
    statuses = result["statuses"]
    total = sum(statuses.values())
    right = statuses.get(str(target.expect), 0)
    text = f"{right:,} of {total:,} ({target.expect})"
    if target.key == "consent_submit":
        text += f"; {result['done_redirects']:,} answers recorded"
        if result["sent_again"]:
            text += f", {result['sent_again']:,} sent again (list used up)"
    errors = {k: v for k, v in result["errors"].items() if v and k != "status"}
    if errors:
        text += "; errors " + ", ".join(f"{k} {v}" for k, v in errors.items())
    return text


def main():
    args = arguments()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench` installs it (apt-get install wrk).")
    try:
        maintenance("SELECT 1")
    except Exception as error:
        sys.exit(f"PostgreSQL is not reachable at {SERVER} ({error}).\nStart: {START_HINT}")
    RESULTS.mkdir(exist_ok=True)
    database = f"bench_load_{args.preset}"
    env = environment(database)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    # DEBUG off serves the static files through WhiteNoise's manifest, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    seeded = seed(args, database)
    maintenance(f"ALTER DATABASE {database} SET work_mem = '{WORK_MEM}'")
    call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CACHE_TABLE}")  # figures kept by an earlier run
    sizes = data_sizes()
    print("Data: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items() if isinstance(v, int)))
    pages = targets(args.only)
    for target in pages:
        target.first_queries, target.queries, target.first_seconds = count_queries(target)
    connection.close()

    server = start_server(args, env)
    # A task worker, as in production: it counts stale dashboards again.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(RESULTS / "worker.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    results, labels = {}, {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench_load_") as folder:
            for target in pages:
                print(f"Loading {target.label}…", flush=True)
                result = load(target, Path(folder), args.seconds)
                result["queries"] = target.queries
                result["first_queries"] = target.first_queries
                result["first_seconds"] = target.first_seconds
                result["expected"] = expected(target, result)
                results[target.key], labels[target.key] = result, target.label
    finally:
        for process in (server, worker):
            stop(process)

    pdf = None if args.only else city_pdf()
    text = table(results, labels, pdf, sizes, args)
    print("\n" + text)
    if seeded is not None:
        print(f"\nseed_scale --preset {args.preset}: {seeded / 60:.1f} minutes.")
    (RESULTS / "load.json").write_text(
        json.dumps({"pages": results, "pdf": pdf, "sizes": sizes, "seed_seconds": seeded}, indent=2)
    )
    connection.close()
    connection.close_pool()
    if args.drop:
        maintenance(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    print(f"\nDone in {(time.perf_counter() - started) / 60:.1f} minutes.")


if __name__ == "__main__":
    main()

"""Backing the database up and restoring it, and the consent ledger's checksum.

A backup is two files: the database itself (PostgreSQL: ``pg_dump --format=custom``; SQLite:
a copy made with SQLite's online backup API) and, beside it, ``<file>.json``: the manifest.
The manifest holds what a restore must give back: the number of rows of every table of the
project's apps, the consent ledger's checksum (``ledger_checksum``), the last migration of
each app, the SHA-256 of the backup file, when it was made and the portal's version.

Both are read from the same state of the database. On PostgreSQL the backup opens a
REPEATABLE READ transaction, exports its snapshot, and pg_dump dumps that very snapshot
(``--snapshot``) while the counts and the checksum are read in the transaction; on SQLite the
counts and the checksum are read from the copy once it is made. Either way a portal in use
while the backup runs gives a dump and a manifest that agree.

A restore goes only into an empty database (no table at all). It checks the file against
the manifest's SHA-256 first (a damaged or changed file is refused before anything is
written), restores (``pg_restore --single-transaction --exit-on-error``, or the backup API
the other way), then counts again, computes the ledger's checksum again and reports every
difference from the manifest.

Uploaded files (MEDIA_ROOT or S3-compatible storage) are not in the database; see the
``backup`` command's help.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import tomllib
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils.translation import gettext as _

from .models import ConsentEvent

MANIFEST_FORMAT = 1
CHUNK = 10_000
# The ledger's columns in the checksum, in this order (see ``ledger_line``).
LEDGER_FIELDS = (
    "id",
    "enrollment_id",
    "kind",
    "guardian_id",
    "channel",
    "actor_id",
    "at",
    "terms_hash",
    "scan",
    "note",
)
# libpq reads these from the environment: the password never appears on a command line.
PG_ENV = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
PG_ENV_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


def manifest_path(path) -> Path:
    return Path(f"{path}.json")


def media_path(path) -> Path:
    return Path(f"{path}.media.tar")


# --- What a backup must give back ------------------------------------------------------


def ledger_line(row) -> bytes:
    """One consent event as the checksum reads it: a JSON array of ``LEDGER_FIELDS``, the
    time in UTC to the microsecond, UTF-8, one line."""
    values = list(row)
    at = values[6]
    if at is not None:
        if at.tzinfo is not None:
            at = at.astimezone(datetime.UTC)
        values[6] = at.isoformat(timespec="microseconds")
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def ledger_checksum(using="default") -> tuple[int, str]:
    """The number of consent events and the SHA-256 of the ledger, read by id in chunks of
    ``CHUNK`` rows (never the whole ledger in memory). On PostgreSQL call it inside
    ``consistent_read`` so that events added meanwhile are not half counted."""
    digest = hashlib.sha256()
    count = 0
    rows = (
        ConsentEvent.objects.using(using)
        .order_by("id")
        .values_list(*LEDGER_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    for row in rows:
        digest.update(ledger_line(row))
        count += 1
    return count, digest.hexdigest()


@contextmanager
def consistent_read(using="default"):
    """On PostgreSQL a read-only REPEATABLE READ transaction: every query in it sees the
    same snapshot, and ``iterator()`` streams through a server-side cursor. SQLite reads
    each query from one snapshot already."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # Inside a transaction already: its isolation level stands (a backup refuses this).
        yield connection
        return
    connection.ensure_connection()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield connection


def project_tables() -> list[str]:
    """The tables of the project's own apps (those in the project's folder, not installed
    packages), many-to-many tables included."""
    base = Path(settings.BASE_DIR).resolve()
    tables = set()
    for app in apps.get_app_configs():
        path = Path(app.path).resolve()
        if not path.is_relative_to(base) or "site-packages" in path.parts:
            continue
        for model in app.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables.add(model._meta.db_table)
    return sorted(tables)


def table_counts(using="default") -> dict[str, int]:
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in project_tables():
            if table in existing:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                counts[table] = cursor.fetchone()[0]
    return counts


def last_migrations(using="default") -> dict[str, str]:
    """The last migration applied in each app, in the order they were applied."""
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return {}
    return dict(recorder.migration_qs.order_by("id").values_list("app", "name"))


def database_state(using="default") -> dict:
    count, checksum = ledger_checksum(using)
    return {
        "tables": table_counts(using),
        "ledger": {"events": count, "sha256": checksum},
        "migrations": last_migrations(using),
    }


def portal_version() -> str | None:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def compare(manifest: dict, state: dict) -> list[str]:
    """Every difference between what the manifest recorded and ``state``, one line each."""
    problems = []
    expected, found = manifest.get("tables", {}), state["tables"]
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            problems.append(
                _("%(table)s: %(expected)s rows in the backup, %(found)s restored")
                % {
                    "table": table,
                    "expected": expected.get(table, _("no table")),
                    "found": found.get(table, _("no table")),
                }
            )
    ledger, restored = manifest.get("ledger", {}), state["ledger"]
    if ledger.get("events") != restored["events"] or ledger.get("sha256") != restored["sha256"]:
        problems.append(
            _(
                "consent ledger: %(expected)s events with checksum %(expected_sha)s in the "
                "backup, %(found)s events with checksum %(found_sha)s restored"
            )
            % {
                "expected": ledger.get("events"),
                "expected_sha": ledger.get("sha256"),
                "found": restored["events"],
                "found_sha": restored["sha256"],
            }
        )
    expected, found = manifest.get("migrations", {}), state["migrations"]
    for app in sorted(set(expected) | set(found)):
        if expected.get(app) != found.get(app):
            problems.append(
                _("migrations of %(app)s: %(expected)s in the backup, %(found)s restored")
                % {"app": app, "expected": expected.get(app), "found": found.get(app)}
            )
    return problems


# --- Files written whole or not at all --------------------------------------------------


@contextmanager
def _atomic_file(path: Path):
    """A temporary name in the same folder, renamed to ``path`` once complete and synced:
    a backup that fails half-way never leaves a file that looks whole."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        yield temporary
        with temporary.open("rb+") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _write_manifest(path: Path, manifest: dict) -> None:
    with _atomic_file(manifest_path(path)) as temporary:
        temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


def read_manifest(path) -> dict:
    try:
        manifest = json.loads(manifest_path(path).read_text())
    except FileNotFoundError:
        raise BackupError(
            _("No manifest %(manifest)s beside the backup file.")
            % {"manifest": manifest_path(path)}
        ) from None
    except (OSError, ValueError) as error:
        raise BackupError(
            _("The manifest %(manifest)s cannot be read: %(error)s")
            % {"manifest": manifest_path(path), "error": error}
        ) from None
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(_("The manifest is not one this version of the portal writes."))
    return manifest


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_env(settings_dict) -> dict:
    env = dict(os.environ)
    for key, variable in PG_ENV.items():
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for option, variable in PG_ENV_OPTIONS.items():
        if settings_dict.get("OPTIONS", {}).get(option):
            env[variable] = str(settings_dict["OPTIONS"][option])
    if settings_dict.get("NAME"):
        env["PGDATABASE"] = settings_dict["NAME"]
    return env


def _pg_tool(name) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            _("%(tool)s is not installed: install the PostgreSQL client tools.") % {"tool": name}
        )
    return tool


def _tail(file) -> str:
    file.seek(0)
    return file.read().decode(errors="replace").strip()[-2000:]


def _backup_postgresql(using, temporary: Path) -> dict:
    connection = connections[using]
    pg_dump = _pg_tool("pg_dump")
    if connection.in_atomic_block:
        raise BackupError(_("Run the backup outside a transaction."))
    with consistent_read(using), connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        with tempfile.TemporaryFile() as errors:
            # pg_dump reads the snapshot while this transaction counts and checksums it.
            dump = subprocess.Popen(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={temporary}",
                ],
                env=_pg_env(connection.settings_dict),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            try:
                state = database_state(using)
            except BaseException:
                dump.kill()
                dump.wait()
                raise
            if dump.wait() != 0:
                raise BackupError(_("pg_dump failed: %(error)s") % {"error": _tail(errors)})
    return state


def _restore_postgresql(using, path: Path) -> None:
    connection = connections[using]
    pg_restore = _pg_tool("pg_restore")
    name = connection.settings_dict["NAME"]
    with tempfile.TemporaryFile() as errors:
        done = subprocess.run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--no-password",
                f"--dbname={name}",
                str(path),
            ],
            env=_pg_env(connection.settings_dict),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        if done.returncode != 0:
            raise BackupError(
                _("pg_restore failed; nothing was restored: %(error)s") % {"error": _tail(errors)}
            )
    with connection.cursor() as cursor:
        # pg_restore leaves the planner without statistics.
        cursor.execute("ANALYZE")


# --- SQLite -------------------------------------------------------------------------------


@contextmanager
def sqlite_alias(path: Path):
    """A database alias for an SQLite file, for the ORM to read a copy with: a connection of
    this thread only, never added to settings.DATABASES."""
    alias = f"backup-{uuid.uuid4().hex[:8]}"
    settings_dict = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {},
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


def _backup_sqlite(using, temporary: Path) -> dict:
    connection = connections[using]
    connection.ensure_connection()
    copy = sqlite3.connect(temporary)
    try:
        connection.connection.backup(copy)
        # One self-contained file, whatever journal the live database keeps.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
    with sqlite_alias(temporary) as alias:
        return database_state(alias)


def _restore_sqlite(using, path: Path) -> None:
    connection = connections[using]
    connection.ensure_connection()
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    # The next query opens the restored file afresh, with the connection's settings.
    connection.close()


# --- The two operations -------------------------------------------------------------------


def backup(path, *, using="default", media=False) -> dict:
    """Write the backup to ``path`` and its manifest beside it; returns the manifest."""
    path = Path(path)
    connection = connections[using]
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
    started = time.monotonic()
    with _atomic_file(path) as temporary:
        if connection.vendor == "postgresql":
            state = _backup_postgresql(using, temporary)
        elif connection.vendor == "sqlite":
            state = _backup_sqlite(using, temporary)
        else:
            raise BackupError(
                _("No backup for a %(vendor)s database.") % {"vendor": connection.vendor}
            )
    manifest = {
        "format": MANIFEST_FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "portal_version": portal_version(),
        "database": {"vendor": connection.vendor, "name": str(connection.settings_dict["NAME"])},
        "file": {"name": path.name, "bytes": path.stat().st_size, "sha256": file_sha256(path)},
        **state,
        "media": _backup_media(path) if media else None,
        "seconds": round(time.monotonic() - started, 2),
    }
    _write_manifest(path, manifest)
    return manifest


def _backup_media(path: Path) -> dict:
    if not isinstance(default_storage, FileSystemStorage):
        raise BackupError(
            _(
                "Uploaded files are not on this machine's disk: back them up with the "
                "storage's own versioning or replication."
            )
        )
    root = Path(settings.MEDIA_ROOT)
    files = 0
    with _atomic_file(media_path(path)) as temporary, tarfile.open(temporary, "w") as archive:
        if root.is_dir():
            for item in sorted(root.rglob("*")):
                if item.is_file():
                    archive.add(item, arcname=item.relative_to(root).as_posix())
                    files += 1
    archive_path = media_path(path)
    return {
        "name": archive_path.name,
        "files": files,
        "bytes": archive_path.stat().st_size,
        "sha256": file_sha256(archive_path),
    }


def restore(path, *, using="default") -> tuple[dict, list[str]]:
    """Restore the backup at ``path`` into the empty database ``using``, then compare it
    with the manifest. Returns the manifest and every difference found (none: a faithful
    restore)."""
    path = Path(path)
    connection = connections[using]
    if not path.is_file():
        raise BackupError(_("No backup file %(path)s.") % {"path": path})
    manifest = read_manifest(path)
    vendor = manifest.get("database", {}).get("vendor")
    if vendor != connection.vendor:
        raise BackupError(
            _("This is a backup of a %(backup)s database; the database set up here is %(here)s.")
            % {"backup": vendor, "here": connection.vendor}
        )
    if file_sha256(path) != manifest.get("file", {}).get("sha256"):
        raise BackupError(
            _(
                "%(path)s is not the file its manifest describes (its SHA-256 differs): it is "
                "damaged or was changed. Nothing was restored."
            )
            % {"path": path}
        )
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            _(
                "The database %(name)s is not empty (%(count)s tables, such as %(table)s). "
                "Restore only into a new, empty database. Nothing was restored."
            )
            % {"name": connection.settings_dict["NAME"], "count": len(tables), "table": tables[0]}
        )
    if connection.vendor == "postgresql":
        _restore_postgresql(using, path)
    else:
        _restore_sqlite(using, path)
    with consistent_read(using):
        state = database_state(using)
    return manifest, compare(manifest, state)

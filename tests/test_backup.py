"""Backup and restore (issue 9, item 4): a backup restored into an empty database gives back
every table's rows and the consent ledger, checked against the backup's manifest; a damaged
or changed backup and a database that is not empty are refused with a non-zero exit.

SQLite: the test database (in memory) is backed up, and restored into an empty file opened
under a second alias. PostgreSQL (skipped on SQLite): the test database is dumped, a database
of its own is created for the restore, and `manage.py restore` runs in a subprocess pointed at
it with DATABASE_URL, as an operator would run it."""

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections

from schools import backup, consent
from schools.models import ConsentEvent, Guardian, School, Student

from .factories import GuardianFactory, GuardianshipFactory, SchoolFactory, StudentFactory

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump and pg_restore: CI runs the suite on PostgreSQL (DATABASE_URL=postgres://...)",
)
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's backup API; PostgreSQL has its own tests"
)


def _new_consent(world, n=1):
    """A family of school_a agrees online to programme_a: one more consent event."""
    student = StudentFactory(school=world.school_a, grade=7, full_name=f"Lê Minh Khôi {n}")
    guardian = GuardianFactory(full_name=f"Lê Văn Cha {n}", email=f"cha.{n}@example.vn")
    GuardianshipFactory(student=student, guardian=guardian)
    enrollment = consent.offer_enrollment(activity=world.programme_a, student=student)
    return consent.record(
        enrollment=enrollment, guardian=guardian, kind="given", channel="online", expected_last=0
    ).event


def _state(using="default"):
    with backup.consistent_read(using):
        return backup.table_counts(using), backup.ledger_checksum(using)


def _flip_a_byte(path):
    data = bytearray(Path(path).read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path(path).write_bytes(bytes(data))


def _manifest(path):
    return json.loads(backup.manifest_path(path).read_text())


def _assert_reported(report, dump, later, *tables):
    """Each table named, on a line of its own with the rows the manifest of ``dump`` recorded
    and the rows restored (``later``'s); the ledger's two checksums; nothing that matched."""
    expected, found = _manifest(dump), _manifest(later)
    lines = report.splitlines()
    for table in tables:
        (line,) = [line for line in lines if re.search(rf"\b{table}\b", line)]
        numbers = re.findall(r"\b\d+\b", line)
        assert [expected["tables"][table], found["tables"][table]] == [int(n) for n in numbers]
    assert expected["ledger"]["sha256"] in report and found["ledger"]["sha256"] in report
    assert "schools_activityslot" not in report


def _swap_in(dump, other):
    """``other``'s database under ``dump``'s manifest, with the file's SHA-256 set to match:
    a backup whose data is not what its manifest recorded."""
    manifest = _manifest(dump)
    Path(dump).write_bytes(Path(other).read_bytes())
    manifest["file"]["sha256"] = backup.file_sha256(dump)
    backup.manifest_path(dump).write_text(json.dumps(manifest))


# --- The consent ledger's checksum -----------------------------------------------------------


def test_the_ledger_checksum_is_stable_independent_of_chunks_and_moves_with_a_new_event(
    world, monkeypatch
):
    count, checksum = backup.ledger_checksum()
    assert count == ConsentEvent.objects.count() == 2
    assert len(checksum) == 64 and backup.ledger_checksum() == (count, checksum)
    monkeypatch.setattr(backup, "CHUNK", 1)  # read one event at a time
    assert backup.ledger_checksum() == (count, checksum)

    _new_consent(world)

    after = backup.ledger_checksum()
    assert after[0] == count + 1 and after[1] != checksum
    out = io.StringIO()
    call_command("ledger_checksum", stdout=out)
    assert out.getvalue().split() == ["events", str(after[0]), "sha256", after[1]]


def test_the_checksum_covers_every_column_of_an_event(world):
    """Two ledgers that differ only in one event's note, channel or time differ."""
    event = ConsentEvent.objects.order_by("id").first()
    row = ConsentEvent.objects.filter(pk=event.pk).values_list(*backup.LEDGER_FIELDS).get()
    line = backup.ledger_line(row)
    for index, changed in [(2, "withdrawn"), (4, "online"), (8, "consent/other.pdf"), (9, "x")]:
        other = list(row)
        other[index] = changed
        assert backup.ledger_line(other) != line
    later = list(row)
    later[6] = row[6].replace(microsecond=(row[6].microsecond + 1) % 1_000_000)
    assert backup.ledger_line(later) != line
    assert json.loads(line)[0] == event.pk and json.loads(line)[6].endswith("+00:00")


# --- SQLite ----------------------------------------------------------------------------------


@pytest.fixture
def empty_database(tmp_path):
    """A new, empty SQLite file, opened under an alias of its own."""
    (tmp_path / "target").mkdir()
    with backup.sqlite_alias(tmp_path / "target" / "restored.sqlite3") as alias:
        yield alias


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_gives_back_every_row_and_the_ledger(
    world, tmp_path, empty_database
):
    dump = tmp_path / "portal.sqlite3"
    _new_consent(world)
    tables, ledger = _state()

    call_command("backup", str(dump), stdout=io.StringIO())

    manifest = _manifest(dump)
    assert manifest["tables"] == tables and tables["schools_school"] == 4
    assert manifest["ledger"] == {"events": ledger[0], "sha256": ledger[1]}
    assert manifest["migrations"]["schools"] == backup.last_migrations()["schools"]
    assert manifest["file"]["sha256"] == backup.file_sha256(dump)
    assert manifest["database"]["vendor"] == "sqlite" and manifest["created_at"]
    assert manifest["portal_version"]
    # Written whole under its own name: no temporary file left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "portal.sqlite3",
        "portal.sqlite3.json",
        "target",
    ]

    call_command("restore", str(dump), database=empty_database, stdout=io.StringIO())

    assert _state(empty_database) == (tables, ledger)
    restored = School.objects.using(empty_database).get(pk=world.school_a.pk)
    assert restored.name == world.school_a.name
    # The database's own guard came back with the ledger.
    with pytest.raises(IntegrityError, match="append-only"):
        ConsentEvent.objects.using(empty_database).update(note="sửa")


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_restore_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(
    world, tmp_path
):
    dump = tmp_path / "portal.sqlite3"
    call_command("backup", str(dump), stdout=io.StringIO())
    _new_consent(world)
    before = _state()

    with pytest.raises(CommandError, match=re.escape(connection.settings_dict["NAME"])):
        call_command("restore", str(dump), stdout=io.StringIO())

    assert _state() == before


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_file_is_refused_before_anything_is_restored(
    world, tmp_path, empty_database
):
    dump = tmp_path / "portal.sqlite3"
    call_command("backup", str(dump), stdout=io.StringIO())
    _flip_a_byte(dump)

    with pytest.raises(CommandError, match=re.escape(str(dump))):
        call_command("restore", str(dump), database=empty_database, stdout=io.StringIO())

    assert connections[empty_database].introspection.table_names() == []


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_whose_data_differs_from_its_manifest_is_reported_row_by_row(
    world, tmp_path, empty_database
):
    dump, later = tmp_path / "portal.sqlite3", tmp_path / "later.sqlite3"
    call_command("backup", str(dump), stdout=io.StringIO())
    _new_consent(world)
    SchoolFactory(unit=world.area_a, name="Trường THCS Máy Tơ")
    call_command("backup", str(later), stdout=io.StringIO())
    _swap_in(dump, later)
    errors = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "restore", str(dump), database=empty_database, stdout=io.StringIO(), stderr=errors
        )

    _assert_reported(errors.getvalue(), dump, later, "schools_consentevent", "schools_school")


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_that_fails_half_way_leaves_no_file(world, tmp_path, monkeypatch):
    def broken(using):
        raise OSError("disk full")

    monkeypatch.setattr(backup, "database_state", broken)
    (tmp_path / "backup").mkdir()
    with pytest.raises(OSError):
        call_command("backup", str(tmp_path / "backup" / "portal.sqlite3"), stdout=io.StringIO())
    assert [p.name for p in tmp_path.iterdir()] == ["backup"]
    assert list((tmp_path / "backup").iterdir()) == []


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_media_is_written_to_an_archive_beside_the_backup_on_request(world, tmp_path):
    dump = tmp_path / "backup" / "portal.sqlite3"
    dump.parent.mkdir()
    call_command("backup", str(dump), stdout=io.StringIO())
    assert _manifest(dump)["media"] is None
    assert not backup.media_path(dump).exists()

    call_command("backup", str(dump), "--media", stdout=io.StringIO())

    root = Path(settings.MEDIA_ROOT)
    uploaded = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert len(uploaded) >= 4  # the partner's registration, the programmes' contracts
    with tarfile.open(backup.media_path(dump)) as archive:
        assert sorted(archive.getnames()) == uploaded
    media = _manifest(dump)["media"]
    assert media["files"] == len(uploaded)
    assert media["sha256"] == backup.file_sha256(backup.media_path(dump))


def test_a_restore_without_its_manifest_or_from_another_kind_of_database_is_refused(db, tmp_path):
    dump = tmp_path / "portal.dump"
    dump.write_bytes(b"PGDMP")
    with pytest.raises(CommandError, match="portal.dump.json"):
        call_command("restore", str(dump), stdout=io.StringIO())
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    backup.manifest_path(dump).write_text(
        json.dumps({"format": 1, "database": {"vendor": other}, "file": {}})
    )
    with pytest.raises(CommandError, match=other):
        call_command("restore", str(dump), stdout=io.StringIO())


# --- PostgreSQL ------------------------------------------------------------------------------


def _admin_connection():
    import psycopg

    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@contextmanager
def _new_database():
    """A new, empty PostgreSQL database of this test's own, dropped at the end."""
    name = f"h4_restore_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _in_database(name, sql):
    import psycopg

    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        dbname=name,
        autocommit=True,
    ) as conn:
        return conn.execute(sql).fetchall()


def _manage(database, *args):
    """``manage.py`` in a process of its own with DATABASE_URL pointed at ``database``."""
    params = connection.settings_dict
    url = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{database}"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url, "PGPASSWORD": params["PASSWORD"] or ""},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _public_tables(name):
    return _in_database(
        name,
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
    )[0][0]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_dump_restored_into_a_new_database_matches_counts_and_the_ledger(
    world, tmp_path
):
    dump = tmp_path / "portal.dump"
    _new_consent(world)
    tables, ledger = _state()

    call_command("backup", str(dump), stdout=io.StringIO())

    manifest = _manifest(dump)
    assert manifest["tables"] == tables
    assert manifest["ledger"] == {"events": ledger[0], "sha256": ledger[1]}
    assert manifest["database"]["vendor"] == "postgresql"
    assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    with _new_database() as target:
        restored = _manage(target, "restore", str(dump))
        assert restored.returncode == 0, restored.stderr

        checked = _manage(target, "ledger_checksum")
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout.split() == ["events", str(ledger[0]), "sha256", ledger[1]]
        ((schools,),) = _in_database(target, "SELECT count(*) FROM schools_school")
        assert schools == tables["schools_school"] == 4
        # The ledger's triggers came back with it.
        with pytest.raises(Exception, match="append-only"):
            _in_database(target, "UPDATE schools_consentevent SET note = 'x'")
        # A second restore into the now full database is refused, and changes nothing.
        again = _manage(target, "restore", str(dump))
        assert again.returncode != 0 and "Traceback" not in again.stderr
        assert target in again.stderr
        assert _in_database(target, "SELECT count(*) FROM schools_consentevent") == [(ledger[0],)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_a_damaged_dump_is_refused_and_the_database_left_empty(world, tmp_path):
    dump = tmp_path / "portal.dump"
    call_command("backup", str(dump), stdout=io.StringIO())
    _flip_a_byte(dump)
    with _new_database() as target:
        refused = _manage(target, "restore", str(dump))
        assert refused.returncode != 0 and "Traceback" not in refused.stderr
        assert str(dump) in refused.stderr
        assert _public_tables(target) == 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_a_dump_whose_data_differs_from_its_manifest_is_reported(world, tmp_path):
    dump, later = tmp_path / "portal.dump", tmp_path / "later.dump"
    call_command("backup", str(dump), stdout=io.StringIO())
    _new_consent(world)
    call_command("backup", str(later), stdout=io.StringIO())
    _swap_in(dump, later)
    with _new_database() as target:
        restored = _manage(target, "restore", str(dump))
    assert restored.returncode == 1 and "Traceback" not in restored.stderr
    _assert_reported(restored.stderr, dump, later, "schools_consentevent", "schools_enrollment")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_a_backup_taken_while_parents_answer_agrees_with_its_manifest(world, tmp_path):
    """pg_dump and the manifest read one snapshot: answers recorded during the backup are
    in both or in neither."""
    families = []
    for n in range(80):
        student = StudentFactory(school=world.school_a, grade=7, full_name=f"Hà Anh {n}")
        guardian = GuardianFactory(full_name=f"Hà Văn {n}")
        GuardianshipFactory(student=student, guardian=guardian)
        families.append((student.pk, guardian.pk))
    done = threading.Event()
    answered = []

    def parents():
        try:
            for student_id, guardian_id in families:
                if done.is_set():
                    break
                student = Student.objects.get(pk=student_id)
                guardian = Guardian.objects.get(pk=guardian_id)
                enrollment = consent.offer_enrollment(activity=world.programme_a, student=student)
                consent.record(
                    enrollment=enrollment, guardian=guardian, kind="given", channel="online"
                )
                answered.append(student_id)
        finally:
            connections.close_all()

    writer = threading.Thread(target=parents)
    writer.start()
    try:
        while len(answered) < 5:
            threading.Event().wait(0.01)
        dump = tmp_path / "portal.dump"
        call_command("backup", str(dump), stdout=io.StringIO())
    finally:
        done.set()
        writer.join()
    manifest = _manifest(dump)
    assert manifest["ledger"]["events"] >= 2 + 5
    with _new_database() as target:
        restored = _manage(target, "restore", str(dump))
        assert restored.returncode == 0, restored.stderr
        ((events,),) = _in_database(target, "SELECT count(*) FROM schools_consentevent")
    assert events == manifest["ledger"]["events"]

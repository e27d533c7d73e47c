"""The consent ledger is append-only, and the database itself refuses anything else.

``schools_consentevent`` gets triggers that refuse every UPDATE and DELETE, whoever sends
it: the ORM, the admin, a management command or raw SQL in a database shell.

PostgreSQL
    A plpgsql function raises ``restrict_violation`` (SQLSTATE 23001, so Django raises
    ``IntegrityError``, as on SQLite) from a ``BEFORE UPDATE OR DELETE ... FOR EACH ROW``
    trigger, with no exception. TRUNCATE fires no row trigger, so a ``BEFORE TRUNCATE ...
    FOR EACH STATEMENT`` trigger refuses it too (also when it reaches the ledger through
    ``TRUNCATE schools_enrollment CASCADE``) unless a flush is under way (below).

SQLite
    ``BEFORE UPDATE`` refuses every update with ``RAISE(ABORT, ...)``; ``BEFORE DELETE``
    refuses every delete unless a flush is under way.

Emptying the whole database (``manage.py flush``, and the test runner's teardown of
transactional and live-server tests, which calls the same command) must still work: on
PostgreSQL it TRUNCATEs every table, on SQLite it sends ``DELETE FROM`` each table. So:
the one-row table ``schools_ledger_maintenance`` (not a model: ``flush`` itself never
empties it) says "a flush is under way". ``schools/management/commands/flush.py``
replaces Django's ``flush``: inside one transaction it inserts the row, empties the tables
and deletes the row again before committing. No other connection ever sees the row, and
if the flush fails the transaction rolls back with it. The ledger is guarded for normal
use exactly as before: a row-level UPDATE is refused always, a row-level DELETE always on
PostgreSQL, and on SQLite always outside that transaction.

What this does not stop: the owner of the database can drop the triggers (or, as a
PostgreSQL superuser, set ``session_replication_role = replica``, or insert the marker
row by hand). The triggers keep the portal and its operators from changing the ledger by
mistake or by an ordinary SQL statement; they are not a defence against the database's
owner, whose actions the database's own logs must cover.

For later migrations: on SQLite, Django alters a table by rebuilding it (create a copy,
drop the old table), and dropping a table drops its triggers. A migration that alters
``schools_consentevent`` must install these triggers again; the tests in
tests/test_consent_ledger.py fail if they are missing.
"""

from django.db import migrations

REFUSED = "schools_consentevent is append-only: record a new consent event instead"

POSTGRESQL = [
    """
    CREATE TABLE schools_ledger_maintenance (
        id smallint PRIMARY KEY CHECK (id = 1),
        reason varchar(100) NOT NULL
    )
    """,
    f"""
    CREATE FUNCTION schools_consentevent_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = '{REFUSED} (' || TG_OP || ' refused)',
            ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER schools_consentevent_append_only
    BEFORE UPDATE OR DELETE ON schools_consentevent
    FOR EACH ROW EXECUTE FUNCTION schools_consentevent_refuse_change()
    """,
    f"""
    CREATE FUNCTION schools_consentevent_refuse_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM schools_ledger_maintenance) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = '{REFUSED} (TRUNCATE refused)',
            ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER schools_consentevent_no_truncate
    BEFORE TRUNCATE ON schools_consentevent
    FOR EACH STATEMENT EXECUTE FUNCTION schools_consentevent_refuse_truncate()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS schools_consentevent_no_truncate ON schools_consentevent",
    "DROP FUNCTION IF EXISTS schools_consentevent_refuse_truncate()",
    "DROP TRIGGER IF EXISTS schools_consentevent_append_only ON schools_consentevent",
    "DROP FUNCTION IF EXISTS schools_consentevent_refuse_change()",
    "DROP TABLE IF EXISTS schools_ledger_maintenance",
]

SQLITE = [
    """
    CREATE TABLE schools_ledger_maintenance (
        id integer NOT NULL PRIMARY KEY CHECK (id = 1),
        reason varchar(100) NOT NULL
    )
    """,
    f"""
    CREATE TRIGGER schools_consentevent_no_update
    BEFORE UPDATE ON schools_consentevent
    BEGIN
        SELECT RAISE(ABORT, '{REFUSED} (UPDATE refused)');
    END
    """,
    f"""
    CREATE TRIGGER schools_consentevent_no_delete
    BEFORE DELETE ON schools_consentevent
    WHEN NOT EXISTS (SELECT 1 FROM schools_ledger_maintenance)
    BEGIN
        SELECT RAISE(ABORT, '{REFUSED} (DELETE refused)');
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS schools_consentevent_no_delete",
    "DROP TRIGGER IF EXISTS schools_consentevent_no_update",
    "DROP TABLE IF EXISTS schools_ledger_maintenance",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise NotImplementedError(
                f"The consent ledger's protection is written for PostgreSQL and SQLite, "
                f"not {vendor}."
            )
        for sql in statements_by_vendor[vendor]:
            # No parameters: the SQL is sent as written (PostgreSQL's schema editor would
            # otherwise read '%' in it as placeholders).
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("schools", "0006_consent_waiting_list")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]

"""Django's ``flush``, able to empty the append-only consent ledger.

The database refuses to delete or truncate consent events (migration 0007). Emptying the
whole database is the one exception: this command, which replaces Django's own for
``manage.py flush`` and for the test runner's teardown of transactional and live-server
tests, puts the row of ``schools_ledger_maintenance`` in place, empties the tables and
removes the row again, all in one transaction: no other connection ever sees the ledger
unguarded, and a failed flush leaves it guarded.
"""

from django.core.management.commands import flush
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction

MAINTENANCE = "schools_ledger_maintenance"


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        connection = connections[database]
        if MAINTENANCE not in connection.introspection.table_names():
            # Migration 0007 not applied: no guard to lift.
            return super().handle(**options)
        if options["interactive"]:
            # Asked before the transaction starts, so that no lock waits for an answer.
            confirm = input(
                "You have requested a flush of the database.\n"
                "This will IRREVERSIBLY DESTROY all data currently in the "
                f'"{connection.settings_dict["NAME"]}" database,\n'
                "and return each table to an empty state.\n"
                "Are you sure you want to do this?\n\n"
                "    Type 'yes' to continue, or 'no' to cancel: "
            )
            if confirm != "yes":
                self.stdout.write("Flush cancelled.")
                return
        table = connection.ops.quote_name(MAINTENANCE)
        with transaction.atomic(using=database):
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {table} (id, reason) VALUES (1, 'flush')")
            super().handle(**{**options, "interactive": False, "inhibit_post_migrate": True})
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table}")
        # As Django's flush does, outside the transaction that lifted the guard.
        if not options.get("inhibit_post_migrate", False):
            emit_post_migrate_signal(options["verbosity"], options["interactive"], database)

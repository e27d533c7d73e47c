import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from schools import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database set up in DATABASES, "
        "which must be new and empty (create it first, e.g. `createdb`; a database with any "
        "table is refused). The file is checked against its manifest FILE.json first; after "
        "the restore the rows of every table and the consent ledger's checksum are counted "
        "again and compared with the manifest: any difference is reported and the command "
        "exits with status 1. PostgreSQL: pg_restore --no-owner --exit-on-error "
        "--single-transaction. Uploaded files are restored separately."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FILE", help="The backup file (FILE.json beside it).")
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database alias to restore into (default: %(default)s).",
        )

    def handle(self, *args, path, database, **options):
        started = time.monotonic()
        try:
            manifest, problems = backup.restore(path, using=database)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        seconds = time.monotonic() - started
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                _(
                    "The restored database differs from the backup's manifest in %(count)s "
                    "ways (above): do not use it."
                )
                % {"count": len(problems)}
            )
        ledger = manifest["ledger"]
        self.stdout.write(
            _("%(tables)s tables, %(rows)s rows and the consent ledger (%(events)s events, "
              "SHA-256 %(sha256)s) match the manifest of %(created)s.")
            % {
                "tables": len(manifest["tables"]),
                "rows": sum(manifest["tables"].values()),
                "events": ledger["events"],
                "sha256": ledger["sha256"],
                "created": manifest["created_at"],
            }
        )
        if manifest.get("media"):
            self.stdout.write(
                _("Uploaded files are not restored by this command: extract %(name)s into "
                  "MEDIA_ROOT.") % manifest["media"]
            )
        self.stdout.write(self.style.SUCCESS(
            _("Restored in %(seconds).2f s. Run `manage.py migrate` if this version of the "
              "portal is newer than the backup.") % {"seconds": seconds}
        ))

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from schools import backup


class Command(BaseCommand):
    help = (
        "Back the database up to FILE and write its manifest to FILE.json: the rows of every "
        "table of the portal's apps, the consent ledger's checksum, the last migration of "
        "each app, the file's SHA-256. PostgreSQL: pg_dump --format=custom of the snapshot "
        "the manifest is read from (connection settings from DATABASES, the password passed "
        "in PGPASSWORD); SQLite: a copy made with SQLite's online backup API. Either runs "
        "while the portal is in use. The file is written under a temporary name and renamed "
        "once complete. Uploaded files (MEDIA) are not in the database: back them up "
        "separately (versioning or replication of the S3 bucket, or rsync of MEDIA_ROOT), or "
        "add --media to write MEDIA_ROOT to FILE.media.tar as well. Restore with "
        "`manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FILE", help="Where to write the backup.")
        parser.add_argument(
            "--media",
            action="store_true",
            help="Also write MEDIA_ROOT (local disk only) to FILE.media.tar.",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database alias to back up (default: %(default)s).",
        )

    def handle(self, *args, path, media, database, **options):
        started = time.monotonic()
        try:
            manifest = backup.backup(path, using=database, media=media)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        ledger = manifest["ledger"]
        self.stdout.write(
            _("%(file)s: %(bytes)s bytes, %(tables)s tables, %(rows)s rows.")
            % {
                "file": path,
                "bytes": manifest["file"]["bytes"],
                "tables": len(manifest["tables"]),
                "rows": sum(manifest["tables"].values()),
            }
        )
        self.stdout.write(
            _("Consent ledger: %(events)s events, SHA-256 %(sha256)s.")
            % {"events": ledger["events"], "sha256": ledger["sha256"]}
        )
        if manifest["media"]:
            self.stdout.write(
                _("Uploaded files: %(files)s in %(name)s.") % manifest["media"]
            )
        self.stdout.write(self.style.SUCCESS(
            _("Backup and manifest %(manifest)s written in %(seconds).2f s.")
            % {"manifest": backup.manifest_path(path), "seconds": time.monotonic() - started}
        ))

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from schools import backup


class Command(BaseCommand):
    help = (
        "Print the number of consent events and the SHA-256 of the consent ledger: every "
        "event's id, enrolment, kind, guardian, channel, recorder, time (UTC), terms hash, "
        "scan and note, in the order of the ids, read in chunks. The same figure is in every "
        "backup's manifest; two databases with the same ledger give the same checksum."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The database alias to read (default: %(default)s).",
        )

    def handle(self, *args, database, **options):
        started = time.monotonic()
        try:
            with backup.consistent_read(database):
                count, checksum = backup.ledger_checksum(database)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"events {count}")
        self.stdout.write(f"sha256 {checksum}")
        if options["verbosity"] > 1:
            self.stderr.write(
                _("Read in %(seconds).1f s.") % {"seconds": time.monotonic() - started}
            )

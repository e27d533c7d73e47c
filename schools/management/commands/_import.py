"""What the two import commands share: open the file, report the batch."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from schools.imports import format_error
from schools.models import ImportBatch


def open_file(path: str):
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise CommandError(_("Cannot open %(path)s: %(reason)s")
                           % {"path": path, "reason": exc.strerror}) from None


def report(command, batch: ImportBatch) -> None:
    """Print the counts, or every error and fail."""
    if batch.outcome == ImportBatch.Outcome.APPLIED:
        command.stdout.write(command.style.SUCCESS(
            _("%(rows)s rows read: %(created)s created, %(updated)s updated, "
              "%(unchanged)s unchanged.") % {
                "rows": batch.rows, "created": batch.created, "updated": batch.updated,
                "unchanged": batch.unchanged}))
        return
    for item in batch.errors:
        command.stderr.write(format_error(item))
    raise CommandError(
        _("The file has %(count)s errors. Nothing was saved.") % {"count": len(batch.errors)})

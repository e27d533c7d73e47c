from django.core.management.base import BaseCommand

from schools.mail import send_due


class Command(BaseCommand):
    help = (
        "Send the queued e-mails that are due: those whose task did not run, and the retries "
        "the task backend cannot schedule (the in-process one). Run it every few minutes from "
        "cron where no task worker runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=500, help="At most this many e-mails in one run."
        )

    def handle(self, *args, limit, **options):
        outcomes = send_due(limit=limit)
        self.stdout.write(
            "{sent} sent, {queued} to be tried again, {failed} given up.".format(**outcomes)
        )

from django.core.management.base import BaseCommand

from public import opendata


class Command(BaseCommand):
    help = (
        "Make this month's open data files (every dataset, CSV and JSON), the figures counted "
        "once for all of them. Run it from cron on the first of each month, shortly after "
        "midnight: otherwise the month's first download makes them, and over a city that "
        "takes the visitor a minute. Files already made this month are kept unless --remake."
    )

    def add_arguments(self, parser):
        parser.add_argument("--remake", action="store_true", help="Make this month's files anew.")

    def handle(self, *args, remake, **options):
        made = opendata.release_all(remake=remake)
        self.stdout.write(f"{made} files made.")

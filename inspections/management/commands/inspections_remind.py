from django.core.management.base import BaseCommand

from inspections.services import remind_overdue


class Command(BaseCommand):
    help = (
        "E-mail each school whose corrective actions are past their deadline (once a day at "
        "most). Run it daily, from cron or the task scheduler."
    )

    def handle(self, *args, **options):
        schools = remind_overdue()
        self.stdout.write(f"{schools} school(s) reminded of overdue corrective actions.")

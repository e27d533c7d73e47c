from django.core.management.base import BaseCommand

from schools.models import Activity
from tutoring import rules
from tutoring.models import TutoringClass


class Command(BaseCommand):
    help = (
        "Check every live tutoring class against the rules in force today and keep the "
        "result, for the 'what breaks the rules now' page. Run nightly and after a new "
        "version of the rules takes effect."
    )

    def handle(self, *args, **options):
        live = TutoringClass.objects.exclude(
            status__in=[Activity.Status.CLOSED, Activity.Status.REFUSED]
        ).select_related("school", "school_year", "subject")
        checked = breaking = 0
        for tc in live.iterator(chunk_size=500):
            checked += 1
            breaking += bool(rules.recheck(tc))
        self.stdout.write(f"{checked} classes checked, {breaking} breaking a rule.")

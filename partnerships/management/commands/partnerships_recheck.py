from django.core.management.base import BaseCommand

from partnerships import rules
from partnerships.models import Programme
from schools.models import Activity


class Command(BaseCommand):
    help = (
        "Check every live linked programme against the rules as they stand today (licences "
        "and work permits lapse, partners are suspended, timetables change) and keep the "
        "result. Run nightly, beside tutoring_recheck."
    )

    def handle(self, *args, **options):
        live = (
            Programme.objects.exclude(status__in=[Activity.Status.CLOSED, Activity.Status.REFUSED])
            .select_related("school", "school_year", "partner")
            .prefetch_related("partner__licences", "slots", "teachers")
        )
        checked = breaking = 0
        for programme in live.iterator(chunk_size=500):
            checked += 1
            breaking += bool(rules.recheck(programme))
        self.stdout.write(f"{checked} programmes checked, {breaking} breaking a rule.")

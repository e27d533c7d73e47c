from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schools.imports import results_import
from schools.models import School, Term

from ._import import open_file, report


class Command(BaseCommand):
    help = "Import a school's end-of-term subject results from an .xlsx or .csv file."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="The school's MOET code.")
        parser.add_argument("--term", required=True, type=int, help="The term's id.")
        parser.add_argument("path", help="The .xlsx or .csv file.")

    def handle(self, *args, school, term, path, **options):
        try:
            school = School.objects.get(moet_code=school)
        except School.DoesNotExist:
            raise CommandError(_("No school has the code %(code)s.") % {"code": school}) from None
        try:
            term = Term.objects.select_related("school_year").get(pk=term)
        except Term.DoesNotExist:
            raise CommandError(_("No term has the id %(id)s.") % {"id": term}) from None
        with open_file(path) as file:
            batch = results_import(actor=None, school=school, term=term, file=file,
                                   file_name=Path(path).name)
        report(self, batch)

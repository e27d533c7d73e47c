from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schools.imports import students_import
from schools.models import School

from ._import import open_file, report


class Command(BaseCommand):
    help = "Import a school's students and guardians from an .xlsx or .csv file."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="The school's MOET code.")
        parser.add_argument("path", help="The .xlsx or .csv file.")

    def handle(self, *args, school, path, **options):
        try:
            school = School.objects.get(moet_code=school)
        except School.DoesNotExist:
            raise CommandError(_("No school has the code %(code)s.") % {"code": school}) from None
        with open_file(path) as file:
            batch = students_import(actor=None, school=school, file=file,
                                    file_name=Path(path).name)
        report(self, batch)

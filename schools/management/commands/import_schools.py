from pathlib import Path

from django.core.management.base import BaseCommand

from schools.imports import schools_import

from ._import import open_file, report


class Command(BaseCommand):
    help = "Import schools from an .xlsx or .csv file, keyed on the MOET school code."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .xlsx or .csv file.")

    def handle(self, *args, path, **options):
        with open_file(path) as file:
            batch = schools_import(actor=None, file=file, file_name=Path(path).name)
        report(self, batch)

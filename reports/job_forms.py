"""The form with which an official or a head asks for a report of their scope."""

import contextlib

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from schools import policy
from schools.models import AdministrativeUnit, School, SchoolYear

from . import figures
from .models import DocumentKind, ReportJob

REPORT_KINDS = [DocumentKind.CITY, DocumentKind.AREA, DocumentKind.SCHOOL]


class ReportRequestForm(forms.ModelForm):
    class Meta:
        model = ReportJob
        fields = ["kind", "unit", "school", "school_year", "date_from", "date_to"]
        widgets = {
            "date_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "date_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"date_from": _("From"), "date_to": _("To")}
        help_texts = {
            "date_from": _("Empty: from the start of the school year."),
            "date_to": _("Empty: to the end of the school year."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [DocumentKind.SCHOOL]
        if user.is_superuser or user.role == Role.DEPARTMENT:
            kinds = REPORT_KINDS
        elif user.role == Role.COMMITTEE:
            kinds = [DocumentKind.AREA, DocumentKind.SCHOOL]
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
        units = policy.visible(user, AdministrativeUnit).exclude(
            level=AdministrativeUnit.Level.PROVINCE
        )
        self.fields["unit"].queryset = units.order_by("path")
        self.fields["unit"].help_text = _("For the report of an area.")
        schools = policy.visible(user, School).filter(is_active=True).order_by("name")
        self.fields["school"].queryset = schools
        self.fields["school"].help_text = _("For the report of a school.")
        if user.role == Role.PRINCIPAL:
            self.fields.pop("unit")
            self.fields["school"].required = True
            self.fields["school"].empty_label = None
        self.fields["school_year"].queryset = SchoolYear.objects.order_by("-start")
        self.fields["school_year"].required = True
        if not self.is_bound:
            # No school year yet: the field stays empty and says so when sent.
            with contextlib.suppress(ObjectDoesNotExist):
                self.initial.setdefault("school_year", figures.default_period().school_year)
            self.initial.setdefault("kind", kinds[0].value)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        # Only the field the kind needs is kept: an area report names no school.
        if kind != DocumentKind.AREA:
            data["unit"] = None
        elif not data.get("unit"):
            self.add_error("unit", _("Choose the area to report on."))
        if kind != DocumentKind.SCHOOL:
            data["school"] = None
        elif not data.get("school"):
            self.add_error("school", _("Choose the school to report on."))
        start, end, year = data.get("date_from"), data.get("date_to"), data.get("school_year")
        # Empty dates: the whole school year.
        if year and not start and "date_from" not in self.errors:
            start = data["date_from"] = year.start
        if year and not end and "date_to" not in self.errors:
            end = data["date_to"] = year.end
        if start and end and start > end:
            self.add_error("date_to", _("The end must not be before the start."))
        for name, value in (("date_from", start), ("date_to", end)):
            if year and value and not (year.start <= value <= year.end):
                self.add_error(name, _("Choose a date within the school year."))
        return data

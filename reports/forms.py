"""The dashboards' choice of period: a school year, optionally narrowed to dates within it."""

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from schools.models import SchoolYear

from .figures import Period


class PeriodForm(forms.Form):
    """Sent by GET. Without a year the default period's year is shown; without dates, the
    whole year. A date outside the year, or a range ending before it starts, is an error on
    the field concerned."""

    year = forms.ModelChoiceField(
        label=_("School year"),
        queryset=SchoolYear.objects.order_by("-start"),
        required=False,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the school years listed.")},
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data=None, *, default: Period, **kwargs):
        self.default = default
        if data is not None and not any(data.get(name) for name in self.base_fields):
            data = None  # the other parameters (area, level) alone: the default period
        super().__init__(data, initial={"year": default.school_year.pk}, label_suffix="", **kwargs)
        # The years read once, in one plain query: a model field's choices are read again
        # (through a server-side cursor on PostgreSQL) each time the widget looks at them.
        field = self.fields["year"]
        field.choices = [(year.pk, field.label_from_instance(year)) for year in field.queryset]

    def clean(self):
        data = super().clean()
        year = data.get("year") or self.default.school_year
        if "year" in self.errors:
            return data
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day and not year.start <= day <= year.end:
                self.add_error(
                    name,
                    _("Choose a date within the school year %(year)s (%(start)s to %(end)s).")
                    % {
                        "year": year.name,
                        "start": formats.date_format(year.start, "SHORT_DATE_FORMAT"),
                        "end": formats.date_format(year.end, "SHORT_DATE_FORMAT"),
                    },
                )
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end and not self.has_error("date_to"):
            self.add_error("date_to", _("The end date must not come before the start date."))
        data["year"] = year
        return data

    def period(self) -> Period:
        """The chosen period; the default one while the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return self.default
        year = self.cleaned_data["year"]
        return Period(
            school_year=year,
            date_from=self.cleaned_data["date_from"] or year.start,
            date_to=self.cleaned_data["date_to"] or year.end,
        )

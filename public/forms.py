from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reports.figures import in_area
from schools.models import AdministrativeUnit, School, SchoolLevel
from schools.models.registry import fold

from .models import RightsPage


class SchoolSearchForm(forms.Form):
    q = forms.CharField(
        label=_("School name or code"),
        required=False,
        max_length=100,
        help_text=_('With or without accents, e.g. "hong bang".'),
    )
    unit = forms.ModelChoiceField(
        label=_("Area"),
        required=False,
        queryset=AdministrativeUnit.objects.none(),
        empty_label=_("All areas"),
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels"))] + SchoolLevel.choices
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        # The areas that have schools today: communes and wards (or districts).
        self.fields["unit"].queryset = (
            AdministrativeUnit.objects.filter(valid_to__isnull=True, successor__isnull=True)
            .exclude(level=AdministrativeUnit.Level.PROVINCE)
            .order_by("name", "id")
        )

    def results(self):
        schools = School.objects.filter(is_active=True).select_related("unit")
        if not self.is_valid():
            return schools.none()
        data = self.cleaned_data
        if data["q"].strip():
            schools = schools.filter(
                Q(search_name__contains=fold(data["q"])) | Q(moet_code__iexact=data["q"].strip())
            )
        if data["level"]:
            schools = schools.filter(level=data["level"])
        if data["unit"]:
            # With the schools still recorded under units merged into the area.
            schools = in_area(schools, data["unit"])
        return schools.order_by("name", "id")


class RightsPageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    body = forms.CharField(
        label=_("Text of the page"),
        max_length=RightsPage.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=_(
            "Plain text. Leave an empty line between paragraphs; start a heading with "
            '"## " and each item of a list with "- ".'
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from schools.models import Activity, SchoolYear
from schools.uploads import validate_scan
from tutoring.forms import SlotForm

from .models import Licence, Partner, PartnerDocument, Programme, ProgrammeKind, ProgrammeTeacher

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DOCUMENT_LABEL = _("PDF, JPEG or PNG, at most 10 MB")


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = [
            "legal_name",
            "tax_code",
            "business_registration",
            "registration_issuer",
            "address",
            "representative",
            "contact_name",
            "contact_phone",
            "contact_email",
            "is_foreign",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class PartnerStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Partner.Status.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reference = forms.CharField(label=_("Decision or reference"), required=False, max_length=100)

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        if current:
            # Offer only a change.
            self.fields["status"].choices = [
                choice for choice in Partner.Status.choices if choice[0] != current
            ]


class LicenceForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of programme covered"),
        choices=ProgrammeKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    document = forms.FileField(
        label=_("Scan of the licence"),
        help_text=DOCUMENT_LABEL,
        required=False,
        validators=[validate_scan],
    )

    class Meta:
        model = Licence
        fields = ["issuer", "number", "kinds", "valid_from", "valid_to"]
        widgets = {"valid_from": DATE, "valid_to": DATE}
        help_texts = {"valid_to": _("Leave empty if the licence has no end date.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The licence ends before it starts."))
        return data


class PartnerDocumentForm(forms.ModelForm):
    class Meta:
        model = PartnerDocument
        fields = ["kind", "title", "file"]
        help_texts = {"file": DOCUMENT_LABEL}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["file"].validators.append(validate_scan)


class ProgrammeForm(forms.ModelForm):
    contract = forms.FileField(
        label=_("Contract with the partner"),
        help_text=DOCUMENT_LABEL,
        required=False,
        validators=[validate_scan],
    )
    materials = forms.FileField(
        label=_("Plan and materials"),
        help_text=DOCUMENT_LABEL,
        required=False,
        validators=[validate_scan],
    )

    class Meta:
        model = Programme
        fields = [
            "title",
            "partner",
            "programme_kind",
            "content_summary",
            "grade_min",
            "grade_max",
            "school_year",
            "start_date",
            "end_date",
            "capacity",
            "monthly_fee",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "content_summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, school, partners, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["school_year"].queryset = SchoolYear.objects.all()
        grades = [(g, g) for g in range(school.grade_min, school.grade_max + 1)]
        self.fields["grade_min"].widget = forms.Select(choices=grades)
        self.fields["grade_max"].widget = forms.Select(choices=grades)
        self.fields["monthly_fee"].widget.attrs.update({"min": 0, "step": 1000})
        if not self.instance.pk:
            self.initial.setdefault("school_year", SchoolYear.current())
            self.initial.setdefault("grade_min", school.grade_min)
            self.initial.setdefault("grade_max", school.grade_max)

    def _post_clean(self):
        # The programme's own checks (dates, grades...) run with the rules, all at once.
        self.instance = construct_instance(self, self.instance, self._meta.fields)

    def documents(self):
        """The new documents as (kind, title, file)."""
        return [
            (kind, self.cleaned_data[name].name[:200], self.cleaned_data[name])
            for name, kind in (("contract", "contract"), ("materials", "materials"))
            if self.cleaned_data.get(name)
        ]


class ProgrammeTeacherForm(forms.ModelForm):
    class Meta:
        model = ProgrammeTeacher
        fields = [
            "full_name",
            "nationality",
            "is_foreign",
            "qualification",
            "work_permit_number",
            "work_permit_expiry",
        ]
        widgets = {"work_permit_expiry": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

    def _post_clean(self):
        # A foreign teacher's permit is checked with the rules (P4), with its reference.
        self.instance = construct_instance(self, self.instance, self._meta.fields)


class OptionalRowsFormSet(BaseFormSet):
    """Rows of the weekly schedule or of the teachers, shown filled on an edit: a row the
    head empties drops that session or teacher, as an empty extra row is skipped. Posted,
    every row counts as extra and is compared with an empty row, not with what it held."""

    def __init__(self, data=None, *args, initial=None, **kwargs):
        super().__init__(data, *args, initial=None if data is not None else initial, **kwargs)

    def initial_form_count(self):
        return 0 if self.is_bound else super().initial_form_count()


ProgrammeSlotFormSet = formset_factory(SlotForm, formset=OptionalRowsFormSet, extra=2, max_num=7)
TeacherFormSet = formset_factory(
    ProgrammeTeacherForm, formset=OptionalRowsFormSet, extra=2, max_num=30
)


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reference = forms.CharField(label=_("Decision number"), required=False, max_length=100)


class RosterForm(forms.Form):
    student = forms.ModelChoiceField(label=_("Student"), queryset=None)

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["student"].queryset = students
        self.fields["student"].label_from_instance = lambda s: (
            f"{s.full_name} – {s.homeroom} ({s.national_id})"
        )


class ProgrammeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["status"].choices = [("", _("All")), *Activity.Status.choices]
        self.fields["kind"].choices = [("", _("All")), *ProgrammeKind.choices]

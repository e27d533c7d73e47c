from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools import policy
from schools.models import Activity, AdministrativeUnit, StaffMember

from .models import (
    ChecklistAnswer,
    CorrectiveAction,
    Finding,
    Inspection,
    InspectionPlan,
    Scope,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FILES_HELP = _("Photos (JPEG, PNG) or PDF documents, at most 10 MB each, 5 at a time.")
ACCEPT = "image/jpeg,image/png,application/pdf"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked by content
    in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", FILES_HELP)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AccountsField(forms.ModelMultipleChoiceField):
    """Several accounts by id; an id no database integer can hold is refused like any
    other unknown choice rather than reaching the query."""

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isdigit() or len(str(pk)) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class ScopesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Scope"),
            choices=Scope.choices,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )


class PlanForm(forms.ModelForm):
    scopes = ScopesField()

    class Meta:
        model = InspectionPlan
        fields = ["title", "school_year", "unit", "reference", "scopes"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["unit"].queryset = (
            AdministrativeUnit.objects.all()
            if user.is_superuser
            else policy.scope_units(user).order_by("path")
        )
        if self.fields["unit"].queryset.count() == 1:
            self.fields["unit"].initial = self.fields["unit"].queryset.first()


class InspectionForm(forms.ModelForm):
    scopes = ScopesField()
    team = AccountsField(
        label=_("Team"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Officials of your authority who oversee the school's area."),
    )
    lead = forms.ModelChoiceField(label=_("Head of the team"), queryset=None)

    class Meta:
        model = Inspection
        fields = [
            "school",
            "kind",
            "trigger",
            "plan",
            "follows",
            "reference",
            "planned_start",
            "planned_end",
            "scopes",
        ]
        widgets = {"planned_start": DATE, "planned_end": DATE}
        help_texts = {
            "kind": _("An unannounced inspection is not shown to the school until it starts."),
        }

    def __init__(self, *args, user, schools, members, plans, earlier, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["school"].queryset = schools
        self.fields["plan"].queryset = plans
        self.fields["plan"].required = False
        self.fields["follows"].queryset = earlier
        self.fields["follows"].required = False
        self.fields["team"].queryset = members
        self.fields["lead"].queryset = members
        if self.instance.pk:
            # The school of an inspection is fixed once ordered.
            self.fields["school"].disabled = True
            team = list(self.instance.team.all())
            self.initial.setdefault("team", [m.user_id for m in team])
            lead = next((m.user_id for m in team if m.is_lead), None)
            self.initial.setdefault("lead", lead)

    def clean(self):
        data = super().clean()
        start, end = data.get("planned_start"), data.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("The end cannot be before the start."))
        return data


class TransitionForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000
    )
    sanctions = forms.CharField(
        label=_("Sanctions and measures"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"), choices=ChecklistAnswer.Answer.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = MultipleFileField(
        label=_("Photos"), help_text=_("JPEG, PNG or PDF, at most 10 MB each.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class FindingForm(forms.ModelForm):
    files = MultipleFileField(label=_("Evidence"))

    class Meta:
        model = Finding
        fields = [
            "title",
            "category",
            "severity",
            "activity",
            "description",
            "legal_basis",
            "responsible",
            "responsible_user",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["activity"].queryset = Activity.objects.filter(
            school=inspection.school
        ).order_by("title")
        staff = StaffMember.objects.filter(school=inspection.school, user__isnull=False)
        from django.contrib.auth import get_user_model

        self.fields["responsible_user"].queryset = (
            get_user_model().objects.filter(pk__in=staff.values("user")).order_by("full_name")
        )
        self.fields["responsible_user"].help_text = _(
            "If the person responsible has an account at the school (the head, a teacher)."
        )
        if self.instance.pk:
            del self.fields["files"]


class EvidenceForm(forms.Form):
    files = MultipleFileField(label=_("Evidence"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class ActionForm(forms.ModelForm):
    class Meta:
        model = CorrectiveAction
        fields = ["description", "due_date", "responsible"]
        widgets = {"due_date": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["due_date"].widget.attrs["min"] = timezone.localdate().isoformat()


class ActionAnswerForm(forms.Form):
    response = forms.CharField(
        label=_("What the school has done"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )
    files = MultipleFileField(label=_("Evidence"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class ActionReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept the answer")), ("reopen", _("Reopen the action"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Review"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to reopen: what is still missing."),
    )
    due_date = forms.DateField(
        label=_("New deadline"), required=False, widget=DATE, help_text=_("Optional.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class SuspendForm(forms.Form):
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=None)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def __init__(self, *args, activities, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["activity"].queryset = activities


class InspectionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(Inspection.Status.choices),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All"))] + list(Inspection.Kind.choices)
    )
    q = forms.CharField(label=_("School"), required=False, max_length=100)

    def filter(self, inspections):
        data = self.cleaned_data
        if data.get("status"):
            inspections = inspections.filter(status=data["status"])
        if data.get("kind"):
            inspections = inspections.filter(kind=data["kind"])
        if data.get("q"):
            inspections = inspections.filter(school__name__icontains=data["q"].strip())
        return inspections


class ActionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(CorrectiveAction.Status.choices),
    )
    overdue = forms.BooleanField(label=_("Past the deadline only"), required=False)

    def filter(self, actions):
        data = self.cleaned_data
        if data.get("status"):
            actions = actions.filter(status=data["status"])
        if data.get("overdue"):
            actions = actions.filter(
                status=CorrectiveAction.Status.OPEN, due_date__lt=timezone.localdate()
            )
        return actions

from django import forms
from django.core.validators import MinValueValidator
from django.forms import formset_factory
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from schools.models import (
    ActivitySlot,
    Enrollment,
    SchoolYear,
    StaffMember,
    Subject,
    Weekday,
)

from .models import TutoringClass


class TutoringClassForm(forms.ModelForm):
    teachers = forms.ModelMultipleChoiceField(
        label=_("Teachers"),
        queryset=StaffMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TutoringClass
        fields = [
            "title",
            "subject",
            "grade",
            "category",
            "school_year",
            "start_date",
            "end_date",
            "capacity",
            "monthly_fee",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["teachers"].queryset = (
            StaffMember.objects.filter(school=school, is_active=True)
            .select_related("user")
            .order_by("user__full_name")
        )
        self.fields["teachers"].label_from_instance = lambda m: m.user.get_full_name()
        self.fields["subject"].queryset = Subject.objects.order_by("name")
        self.fields["school_year"].queryset = SchoolYear.objects.all()
        self.fields["grade"].widget = forms.Select(
            choices=[(g, g) for g in range(school.grade_min, school.grade_max + 1)]
        )
        if not self.instance.pk:
            self.initial.setdefault("school_year", SchoolYear.current())
            self.initial.setdefault("monthly_fee", 0)
        else:
            self.initial["teachers"] = list(self.instance.teachers.all())

    def _post_clean(self):
        # Build the instance but leave its checks (dates, capacity...) to the rules, which
        # report every violation at once with its legal reference.
        self.instance = construct_instance(self, self.instance, self._meta.fields)


class SlotForm(forms.ModelForm):
    class Meta:
        model = ActivitySlot
        fields = ["weekday", "start", "end", "periods", "room"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        # An untouched extra row must stay empty, so that it is skipped rather than
        # reported as incomplete.
        self.fields["weekday"].choices = [("", "—"), *Weekday.choices]
        self.fields["periods"].initial = None
        self.fields["periods"].validators.append(MinValueValidator(1))
        self.fields["periods"].widget.attrs["min"] = 1

    def _post_clean(self):
        # The slot's own checks (end after start) run with the class's rules, all at once.
        pass


SlotFormSet = formset_factory(SlotForm, extra=1, max_num=7)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reference = forms.CharField(label=_("Decision number"), required=False, max_length=100)


class EnrollmentForm(forms.Form):
    student = forms.ModelChoiceField(label=_("Student"), queryset=None)
    basis = forms.ChoiceField(label=_("Basis of eligibility"), choices=Enrollment.Basis.choices)
    basis_note = forms.CharField(label=_("Details"), required=False, max_length=200)

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["student"].queryset = students
        self.fields["student"].label_from_instance = lambda s: (
            f"{s.full_name} – {s.homeroom} ({s.national_id})"
        )

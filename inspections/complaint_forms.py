"""Forms of complaints: the public form (with its guards against robots), the lookup by
tracking code, the queue's filters and the authority's triage."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schools.models import Activity, School

from . import complaints
from .models import Complaint

TOKEN_SALT = "inspections.complaint-form"
UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

REFUSED = _("Your complaint could not be accepted. Reload the page and send it again.")
TOO_FAST = _(
    "The form was sent too quickly after it opened. Check it, wait a moment, and send it again."
)
EXPIRED = _("The form was open too long and has expired. Check it and send it again.")


def form_token(at: float | None = None) -> str:
    """The signed time the form was shown, sent back with it: a form sent a moment after it
    opened is a robot's, one sent hours later is stale."""
    return signing.dumps({"t": time.time() if at is None else at}, salt=TOKEN_SALT)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (``validate_scan``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": UPLOAD_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ComplaintForm(forms.Form):
    """The public form. The school and activity may be chosen beforehand (``?school=`` and
    ``?activity=``); the activities listed are those of the chosen school that the public
    can see."""

    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=School.objects.none(),
        empty_label=_("Choose the school"),
        error_messages={
            "required": _("Choose the school the complaint is about."),
            "invalid_choice": _("Choose a school from the list."),
        },
    )
    activity = forms.ModelChoiceField(
        label=_("Activity (optional)"),
        queryset=Activity.objects.none(),
        required=False,
        empty_label=_("The school in general"),
        help_text=_("A tutoring class or a linked programme of the school, if it is about one."),
        error_messages={
            "invalid_choice": _("Choose an activity of the chosen school, or leave it empty.")
        },
    )
    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=Complaint.Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the complaint is about.")},
    )
    description = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": complaints.DESCRIPTION_MAX}),
        help_text=_(
            "Who, what, when and where. Do not write the names of children unless it is needed."
        ),
        error_messages={"required": _("Describe what happened.")},
    )
    files = MultipleFileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("Up to 5 photos or documents: PDF, JPEG or PNG, each at most 10 MB."),
    )
    is_anonymous = forms.BooleanField(
        label=_("Stay anonymous"),
        required=False,
        help_text=_(
            "Nothing that identifies you is kept: you follow the complaint with its code "
            "alone, and the authority cannot ask you for more details."
        ),
    )
    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("We send the tracking code and the answer there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # A field people never see (nor hear with a screen reader): robots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["school"].queryset = (
            School.objects.filter(is_active=True)
            .select_related("unit")
            .order_by("unit__name", "name", "pk")
        )
        self.fields["school"].label_from_instance = lambda s: f"{s.name} ({s.unit.name})"
        # With htmx, choosing the school lists its activities (the page again, of which
        # only the activity's row is taken); without it, the activity stays optional.
        self.fields["school"].widget.attrs.update(
            {
                "hx-get": reverse("inspections:complaint_new"),
                "hx-trigger": "change",
                "hx-include": "this",
                "hx-target": "#activity-row",
                "hx-select": "#activity-row",
                "hx-swap": "outerHTML",
            }
        )
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if self.is_bound:
            school = self._bound_school()
        if school is not None:
            self.fields["activity"].queryset = Activity.objects.filter(
                school=school, status__in=complaints.PUBLIC_ACTIVITY_STATUSES
            ).order_by("kind", "title", "pk")

    def _bound_school(self):
        value = self.data.get(self.add_prefix("school"), "")
        if not str(value).isdigit() or len(str(value)) > 18:
            return None
        return self.fields["school"].queryset.filter(pk=value).first()

    def clean(self):
        data = super().clean()
        # Told with the other fields' errors, not only once they are right.
        fields = ("name", "phone", "email")
        if not any(name in self.errors for name in fields):
            contact = complaints.contact_errors(
                is_anonymous=data.get("is_anonymous", False),
                **{name: (data.get(name) or "").strip() for name in fields},
            )
            for name, message in contact.items():
                self.add_error(name, message)
        if data.get("website"):
            raise forms.ValidationError(REFUSED, code="honeypot")
        try:
            started = float(signing.loads(data.get("started") or "", salt=TOKEN_SALT)["t"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise forms.ValidationError(REFUSED, code="token") from None
        age = time.time() - started
        if age > settings.COMPLAINT_FORM_MAX_AGE_HOURS * 3600:
            raise forms.ValidationError(EXPIRED, code="expired")
        if age < settings.COMPLAINT_FORM_MIN_SECONDS:
            raise forms.ValidationError(TOO_FAST, code="too_fast")
        return data

    def is_spam(self) -> bool:
        """Refused as a robot's (the hidden field filled in, a missing or forged token)."""
        return any(
            error.code in ("honeypot", "token")
            for error in self.errors.as_data().get("__all__", [])
        )


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=30,
        help_text=_("12 letters and digits, as on the receipt, for example ABCD-EFGH-JKLM."),
        error_messages={"required": _("Enter the tracking code.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Not closed"))] + Complaint.Status.choices,
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All"))] + Complaint.Category.choices,
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

    def filter(self, complaints_qs, user):
        data = self.cleaned_data
        if data.get("status") == "open":
            complaints_qs = complaints_qs.exclude(status=Complaint.Status.CLOSED)
        elif data.get("status"):
            complaints_qs = complaints_qs.filter(status=data["status"])
        if data.get("category"):
            complaints_qs = complaints_qs.filter(category=data["category"])
        if data.get("mine"):
            complaints_qs = complaints_qs.filter(assigned_to=user)
        return complaints_qs


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Official who handles it"),
        queryset=None,
        error_messages={"required": _("Choose the official who handles the complaint.")},
    )

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} · {u.get_role_display()}"
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the author"),
        max_length=complaints.ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The author reads it with the tracking code; do not name other people."),
        error_messages={"required": _("Write the answer to the author.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class LinkForm(forms.Form):
    inspection = forms.ModelChoiceField(
        label=_("Inspection"),
        queryset=None,
        error_messages={"required": _("Choose the inspection.")},
    )

    def __init__(self, *args, inspections, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["inspection"].queryset = inspections
        self.fields["inspection"].label_from_instance = lambda i: (
            f"{i.code} · {i.get_kind_display()} · {i.planned_start:%d/%m/%Y} · "
            f"{i.get_status_display()}"
        )

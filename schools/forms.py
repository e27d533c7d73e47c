from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import policy
from .models import AdministrativeUnit, ConsentEvent, MainSession, SchoolLevel, Term, Weekday
from .models.registry import fold
from .uploads import validate_scan

IMPORT_EXTENSIONS = {".xlsx", ".csv"}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in IMPORT_EXTENSIONS:
            raise forms.ValidationError(
                _("The file must be an Excel workbook (.xlsx) or a CSV file (.csv).")
            )
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        return upload


class ResultsImportForm(ImportForm):
    """A file of subject results and the term they are for: by default the term that ended
    last, whose results decide who may join remedial tutoring now."""

    term = forms.ModelChoiceField(
        label=_("Term"), queryset=Term.objects.select_related("school_year").order_by("-end")
    )
    field_order = ["term", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            ended = self.fields["term"].queryset.filter(end__lt=timezone.localdate())
            self.initial.setdefault("term", ended.first())


class SchoolFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or school code"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels"))] + SchoolLevel.choices
    )
    unit = forms.ModelChoiceField(
        label=_("Area"),
        required=False,
        queryset=AdministrativeUnit.objects.none(),
        empty_label=_("All areas"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["unit"].queryset = policy.visible(user, AdministrativeUnit).exclude(
            level=AdministrativeUnit.Level.PROVINCE
        )

    def filter(self, schools):
        data = self.cleaned_data
        if data.get("q"):
            schools = schools.filter(
                Q(search_name__contains=fold(data["q"])) | Q(moet_code__iexact=data["q"])
            )
        if data.get("level"):
            schools = schools.filter(level=data["level"])
        if data.get("unit"):
            schools = schools.filter(unit__path__startswith=data["unit"].path)
        return schools


class MainSessionForm(forms.ModelForm):
    class Meta:
        model = MainSession
        fields = ["weekday", "start", "end"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise forms.ValidationError(_("A session must end after it starts."))
        return data


class BaseMainSessionFormSet(forms.BaseModelFormSet):
    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("start")
            and form.cleaned_data.get("end")
        ]
        for i, one in enumerate(kept):
            for other in kept[i + 1 :]:
                if (
                    one["weekday"] == other["weekday"]
                    and one["start"] < other["end"]
                    and other["start"] < one["end"]
                ):
                    raise forms.ValidationError(
                        _("Two sessions overlap on %(day)s.")
                        % {"day": Weekday(one["weekday"]).label}
                    )


MainSessionFormSet = forms.modelformset_factory(
    MainSession,
    form=MainSessionForm,
    formset=BaseMainSessionFormSet,
    extra=2,
    can_delete=True,
    max_num=21,
)


class PaperConsentForm(forms.Form):
    """A decision a parent gave to the school in writing, or by phone, recorded by staff."""

    guardian = forms.ModelChoiceField(label=_("Parent or guardian"), queryset=None)
    kind = forms.ChoiceField(label=_("Decision"), choices=ConsentEvent.Kind.choices)
    channel = forms.ChoiceField(
        label=_("How the parent answered"),
        choices=[
            (ConsentEvent.Channel.PAPER, _("Signed paper form")),
            (ConsentEvent.Channel.PHONE, _("Phone call")),
        ],
        initial=ConsentEvent.Channel.PAPER,
        required=False,  # a paper form unless said otherwise
    )
    scan = forms.FileField(
        label=_("Scan of the signed form (PDF, JPEG or PNG, at most 10 MB)"),
        validators=[validate_scan],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        help_text=_("For a phone call: who called, and the number they called from."),
    )

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["guardian"].queryset = guardians

    def clean(self):
        data = super().clean()
        data["channel"] = data.get("channel") or ConsentEvent.Channel.PAPER
        if data.get("channel") == ConsentEvent.Channel.PAPER and not data.get("scan"):
            self.add_error("scan", _("Attach the scan of the signed form."))
        if data.get("channel") == ConsentEvent.Channel.PHONE and not data.get("note"):
            self.add_error("note", _("Say who called, and from which number."))
        return data


class ActivationForm(forms.Form):
    """A parent opens their account: the phone number (or e-mail) the school has, the code
    from the school, and a password twice. Opened from an e-mailed link, only the password."""

    identifier = forms.CharField(
        label=_("Phone number or e-mail"),
        max_length=254,
        help_text=_("The one the school has for you."),
        error_messages={"required": _("Enter the phone number or e-mail the school has for you.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=20,
        help_text=_("8 letters and digits, on the slip from the school."),
        error_messages={"required": _("Enter the activation code from the school.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
        error_messages={"required": _("Choose a password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        error_messages={"required": _("Enter the new password a second time.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, with_code=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.fields["identifier"]
            del self.fields["code"]
            self.fields["password"].widget.attrs["autofocus"] = True

    def clean(self):
        data = super().clean()
        first, second = data.get("password"), data.get("password_again")
        if first and second and first != second:
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


def add_service_error(form, error):
    """Put a service's ValidationError on the form: each message on its field when the form
    has that field, on the form as a whole otherwise (never a crash on a model field the
    form does not show)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def instances_from(formset, model) -> list:
    """Unsaved ``model`` instances from a formset's filled rows (weekly slots, teachers...),
    for a service to check and save with their parent."""
    return [
        model(**form.cleaned_data)
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]

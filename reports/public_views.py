"""The public's check of a document: whether it is one the portal issued (the rest of the
public pages are in ``public``)."""

import hashlib
import hmac
import re

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from inspections import complaints

from . import documents
from .models import IssuedDocument


class VerifyForm(forms.Form):
    """A PDF to compare with the issued one, or its SHA-256 checksum."""

    file = forms.FileField(label=_("The PDF you hold"), required=False)
    checksum = forms.CharField(
        label=_("Or its SHA-256 checksum"), required=False, max_length=100, strip=True
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.REPORT_PDF_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than any document the portal issues.")
            )
        return upload

    def clean_checksum(self):
        value = self.cleaned_data["checksum"].lower().replace(" ", "")
        if value and not re.fullmatch(r"[0-9a-f]{64}", value):
            raise forms.ValidationError(_("A SHA-256 checksum is 64 hexadecimal characters."))
        return value

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("file") and not data.get("checksum"):
            raise forms.ValidationError(_("Choose the PDF, or paste its checksum."))
        return data

    def digest(self) -> str:
        upload = self.cleaned_data.get("file")
        if not upload:
            return self.cleaned_data["checksum"]
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        return digest.hexdigest()


def verify_lookup(request):
    """Type the code printed on a document."""
    code = documents.normalise_code(request.GET.get("code", ""))
    if code:
        return redirect("public:verify", code)
    return render(request, "reports/verify.html", {"document": None, "asked": False})


# What a verification request may weigh: the largest document, and room for the form.
VERIFY_MAX_BODY = 64 * 1024


def verify_limit() -> complaints.Limit:
    """Comparisons from one address share the complaint lookups' pace: a file is hashed
    each time, and codes should not be guessed in bulk."""
    return complaints.Limit(
        "verify",
        settings.COMPLAINT_LOOKUP_LIMIT,
        settings.COMPLAINT_LOOKUP_WINDOW_MINUTES * 60,
    )


@csrf_exempt  # checked by `_verify`, once the size is known: no huge body is read first
def verify(request, code):
    """What the portal issued under this code; and whether a given PDF is that document."""
    if request.method == "POST":
        size = request.META.get("CONTENT_LENGTH") or "0"
        if not size.isdigit() or int(size) > settings.REPORT_PDF_MAX_BYTES + VERIFY_MAX_BODY:
            response = render(request, "reports/verify.html", {"too_large": True, "asked": True})
            response.status_code = 413
            return response
    return _verify(request, code)


@csrf_protect
def _verify(request, code):
    document = IssuedDocument.objects.filter(code=documents.normalise_code(code)).first()
    if document is None:
        response = render(request, "reports/verify.html", {"document": None, "asked": True})
        response.status_code = 404
        return response
    status = 200
    form = VerifyForm(request.POST or None, request.FILES or None)
    match = None
    if request.method == "POST":
        try:
            complaints.take(verify_limit(), get_client_ip_address(request))
        except complaints.Throttled as error:
            form = VerifyForm()
            form.throttled = error.message
            status = 429
        else:
            if form.is_valid():
                match = hmac.compare_digest(form.digest(), document.checksum)
    return render(
        request,
        "reports/verify.html",
        {"document": document, "form": form, "match": match, "asked": True},
        status=status,
    )

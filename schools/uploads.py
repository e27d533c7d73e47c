"""Checks on uploaded documents: the content, not the name, decides what a file is."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
}


def document_kind(upload) -> str | None:
    """'pdf', 'jpeg' or 'png' by the file's first bytes, or None."""
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(16)
    upload.seek(position)
    return next((kind for sig, kind in SIGNATURES.items() if head.startswith(sig)), None)


def validate_scan(upload):
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(MAX_DOCUMENT_BYTES)}
        )
    if document_kind(upload) is None:
        raise ValidationError(_("The file must be a PDF, JPEG or PNG document."))


def attachment_response(file) -> FileResponse:
    """A stored document, sent as a download that the browser never renders in the
    portal's origin. The caller has checked that the user may see it."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    return response

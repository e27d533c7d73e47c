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


CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
EXTENSIONS = {"pdf": (".pdf",), "jpeg": (".jpg", ".jpeg"), "png": (".png",)}


def download_name(name: str, kind: str | None) -> str:
    """The stored name, with the extension of what the file is: a PDF uploaded as
    "bang-chung.html" is saved on the user's disk as "bang-chung.pdf", never opened there
    as a web page."""
    name = name.rsplit("/", 1)[-1]
    if kind is None or name.lower().endswith(EXTENSIONS[kind]):
        return name
    return f"{name.rsplit('.', 1)[0] if '.' in name else name}{EXTENSIONS[kind][0]}"


def attachment_response(file) -> FileResponse:
    """A stored document, sent as a download that the browser never renders in the
    portal's origin. The caller has checked that the user may see it. The type and the
    extension come from the content, not from the name the uploader gave."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    kind = document_kind(handle)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(file.name, kind),
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

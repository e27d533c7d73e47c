"""Official PDFs with WeasyPrint, fetching nothing but the portal's own static files.

User text reaches the documents (findings, conclusions, school and programme names). It is
escaped by the templates, and as a second guard the URL fetcher below refuses every address
that is not one of the portal's static files: no `file://`, no network, no `data:`. Charts
and the QR code are inline SVG.

Rendering is capped, so that one request cannot hold a worker for long or fill the disk:
the HTML is measured before layout (WeasyPrint's time grows with it: about 3–4 table pages a
second here), then the page count and the time spent are checked once laid out, and the size
of the PDF before it is kept. WeasyPrint cannot be interrupted mid-layout; the HTML cap is
what bounds that time.
"""

import logging
import posixpath
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# The address documents are laid out at: relative links such as /static/css/… resolve
# against it, and only it is served (from disk) by the fetcher.
BASE_URL = "https://portal.invalid/"
STATIC_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
MAX_ASSET_BYTES = 5 * 1024 * 1024


class PdfTooLarge(Exception):
    """The document went over a cap (pages, seconds or bytes)."""


class StaticOnlyFetcher(URLFetcher):
    """Serves the portal's static files from disk; refuses (and records) anything else."""

    def __init__(self):
        super().__init__(allowed_protocols={"https"}, allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        path = self._static_file(url)
        if path is None:
            self.refused.append(url)
            logger.warning("PDF rendering refused to fetch %r", url[:200])
            raise ValueError("Only the portal's static files are available to documents.")
        with open(path, "rb") as f:
            body = f.read(MAX_ASSET_BYTES + 1)
        if len(body) > MAX_ASSET_BYTES:
            raise ValueError("Static file too large for a document.")
        return URLFetcherResponse(url, body, {"Content-Type": STATIC_TYPES[path.suffix]})

    @staticmethod
    def _static_file(url) -> Path | None:
        parts = urlsplit(url)
        prefix = urlsplit(BASE_URL + settings.STATIC_URL.lstrip("/"))
        if (parts.scheme, parts.netloc) != (prefix.scheme, prefix.netloc):
            return None
        if not parts.path.startswith(prefix.path) or parts.query:
            return None
        name = posixpath.normpath(unquote(parts.path[len(prefix.path) :]))
        if name.startswith(("/", "..")) or "\\" in name or "\x00" in name:
            return None
        if Path(name).suffix not in STATIC_TYPES:
            return None
        found = None
        if staticfiles_storage.exists(name):
            found = staticfiles_storage.path(name)
        else:
            found = finders.find(name)
        return Path(found) if found else None


def render_pdf(template: str, context: dict) -> tuple[bytes, list[str]]:
    """The PDF of `template` rendered with `context`, and the addresses it was refused."""
    html = render_to_string(template, context)
    if len(html.encode()) > settings.REPORT_HTML_MAX_BYTES:
        raise PdfTooLarge(_("The document would be too long to lay out; narrow its scope."))
    fetcher = StaticOnlyFetcher()
    started = time.monotonic()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    if len(document.pages) > settings.REPORT_PDF_MAX_PAGES:
        raise PdfTooLarge(
            _("The document would have %(pages)s pages, more than the %(cap)s allowed.")
            % {"pages": len(document.pages), "cap": settings.REPORT_PDF_MAX_PAGES}
        )
    if time.monotonic() - started > settings.REPORT_PDF_MAX_SECONDS:
        raise PdfTooLarge(
            _("Laying out the document took more than %(cap)s seconds.")
            % {"cap": settings.REPORT_PDF_MAX_SECONDS}
        )
    pdf = document.write_pdf()
    if len(pdf) > settings.REPORT_PDF_MAX_BYTES:
        raise PdfTooLarge(_("The document is larger than the size allowed."))
    return pdf, fetcher.refused

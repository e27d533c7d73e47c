"""Uploads: every place a file comes in checks it by its content (PDF, JPEG or PNG by their
first bytes, whatever the name or the browser's content type) and by its size, with the
error on the field and nothing stored; files go out only through views that ask the
policy, as attachments typed by their content, never from MEDIA_URL.

Every FileField of the project's models is named here, with where it is filled: a new one
fails ``test_every_stored_file_is_checked_here`` until it joins the table."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.forms import BaseForm, BaseFormSet
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from inspections.models import Complaint, Evidence
from partnerships.models import Licence, PartnerDocument, ProgrammeDocument
from schools.models import ConsentEvent, ImportBatch, Student
from schools.uploads import MAX_DOCUMENT_BYTES, download_name
from tests.conftest import client_for
from tests.test_authorization_matrix import ROWS

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PROJECT_APPS = {
    "accounts",
    "schools",
    "tutoring",
    "partnerships",
    "inspections",
    "reports",
    "public",
}


def good_pdf(name="tai-lieu.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# Each wears the name and content type of an accepted document.
BAD_FILES = {
    "a web page named .pdf": lambda: SimpleUploadedFile(
        "tai-lieu.pdf", b"<!doctype html><script>alert(1)</script>", "application/pdf"
    ),
    "a program named .pdf": lambda: SimpleUploadedFile(
        "tai-lieu.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00 a Windows program", "application/pdf"
    ),
    "an SVG named .png": lambda: SimpleUploadedFile(
        "anh.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/png"
    ),
    "a PDF over the size limit": lambda: SimpleUploadedFile(
        "tai-lieu.pdf", PDF + b"0" * (MAX_DOCUMENT_BYTES + 1 - len(PDF)), "application/pdf"
    ),
}


# --- Where files come in ------------------------------------------------------------------


def _inspection(w):
    if not hasattr(w, "running_inspection"):
        from tests.test_inspections import started

        w.running_inspection = started(w)
    return w.running_inspection


def _finding(w):
    if not hasattr(w, "open_finding"):
        from tests.test_inspections import finding_in

        w.open_finding = finding_in(_inspection(w), w.inspector)
    return w.open_finding


def _action(w):
    if not hasattr(w, "open_action"):
        from tests.test_inspections import action_on

        w.open_action = action_on(_finding(w), w.inspector)
    return w.open_action


def _programme_form(w, upload):
    from tests.test_partnership_views import form_data

    return form_data(w, contract=upload, materials="")


def _complaint_form(w, upload):
    from inspections.complaint_forms import form_token
    from tests.test_complaints import form_data

    return form_data(w, files=upload, started=form_token(time.time() - 30))


def _question(w):
    from inspections.checklists import questions_for

    return questions_for(_inspection(w)).first()


@dataclass
class Entry:
    user: str | None  # the world's attribute; None: anyone, signed out
    url: Callable  # (world) -> address
    field: str  # the form field (without its prefix) the error must be on
    data: Callable  # (world, upload) -> the form as the page sends it
    stored: Callable  # () -> what a refused file must leave unchanged
    models: tuple = ()  # the FileFields ("app.Model.field") this entry fills


ENTRIES = {
    "consent, scan of the signed form": Entry(
        "staff",
        lambda w: reverse("schools:consent_paper", args=[w.class_a.enrollments.get().pk]),
        "scan",
        lambda w, f: {
            "guardian": w.guardian_a.pk,
            "kind": "withdrawn",
            "channel": "paper",
            "scan": f,
        },
        lambda: ConsentEvent.objects.count(),
        ("schools.ConsentEvent.scan",),
    ),
    "programme, contract": Entry(
        "principal",
        lambda w: reverse("partnerships:programme_create", args=[w.school_a.pk]),
        "contract",
        _programme_form,
        lambda: ProgrammeDocument.objects.count(),
        ("partnerships.ProgrammeDocument.file",),
    ),
    "partner, document": Entry(
        "department",
        lambda w: reverse("partnerships:partner_document_add", args=[w.partner.pk]),
        "file",
        lambda w, f: {"kind": "other", "title": "Giấy tờ", "file": f},
        lambda: PartnerDocument.objects.count(),
        ("partnerships.PartnerDocument.file",),
    ),
    "partner, scan of a licence": Entry(
        "department",
        lambda w: reverse("partnerships:licence_add", args=[w.partner.pk]),
        "document",
        lambda w, f: {
            "issuer": "Sở Giáo dục và Đào tạo Hải Phòng",
            "number": "GP-999",
            "kinds": ["stem"],
            "valid_from": "2026-01-01",
            "valid_to": "",
            "document": f,
        },
        lambda: (Licence.objects.count(), PartnerDocument.objects.count()),
    ),
    "complaint, evidence": Entry(
        None,
        lambda w: reverse("inspections:complaint_new"),
        "files",
        _complaint_form,
        lambda: (Complaint.objects.count(), Evidence.objects.count()),
        ("inspections.ComplaintAttachment.file",),
    ),
    "inspection, a finding's evidence": Entry(
        "inspector",
        lambda w: reverse("inspections:finding_new", args=[_inspection(w).pk]),
        "files",
        lambda w, f: {
            "title": "Thu tiền sai quy định",
            "category": "tutoring",
            "severity": "serious",
            "description": "Lớp 7A1 nộp 200.000 ₫ mỗi tháng.",
            "legal_basis": "Thông tư 29/2024/TT-BGDĐT, Điều 5",
            "responsible": "Hiệu trưởng",
            "files": f,
        },
        lambda: Evidence.objects.count(),
        ("inspections.Evidence.file",),
    ),
    "inspection, evidence added to a finding": Entry(
        "inspector",
        lambda w: reverse("inspections:finding_detail", args=[_finding(w).pk]),
        "files",
        lambda w, f: {"evidence-files": f},
        lambda: Evidence.objects.count(),
    ),
    "inspection, a checklist photo": Entry(
        "inspector",
        lambda w: reverse("inspections:checklist", args=[_inspection(w).pk]),
        "photos",
        lambda w, f: {
            "question": _question(w).pk,
            f"q{_question(w).pk}-answer": "no",
            f"q{_question(w).pk}-photos": f,
        },
        lambda: Evidence.objects.count(),
    ),
    "inspection, the school's answer to an action": Entry(
        "principal",
        lambda w: reverse("inspections:action_detail", args=[_action(w).pk]),
        "files",
        lambda w, f: {"answer-response": "Đã thu đủ đơn.", "answer-files": f},
        lambda: Evidence.objects.count(),
    ),
}
# Files the portal makes itself (official PDFs), never uploaded.
MADE_BY_THE_PORTAL = {"reports.IssuedDocument.file"}


def _forms_in(value, depth=0):
    if isinstance(value, BaseForm):
        yield value
    elif isinstance(value, BaseFormSet):
        yield from value.forms
    elif depth < 3 and isinstance(value, list | tuple):
        for item in value:
            yield from _forms_in(item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            yield from _forms_in(item, depth + 1)


def field_errors(response, name) -> list[str]:
    contexts = response.context or []
    contexts = contexts if isinstance(contexts, list) else [contexts]  # one or a ContextList
    forms = {form for context in contexts for form in _forms_in(context.flatten())}
    return [error for form in forms for error in form.errors.get(name, [])]


def _post(world, entry, upload):
    client = client_for(getattr(world, entry.user)) if entry.user else Client()
    # Any set-up the entry needs (an inspection under way...) before counting.
    url = entry.url(world)
    data = entry.data(world, upload)
    before = entry.stored()
    return client.post(url, data, REMOTE_ADDR="203.0.113.60"), before


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_a_real_document_is_accepted(world, name):
    """The control: the same form with a true PDF goes through, so the refusals below are
    the file's doing."""
    entry = ENTRIES[name]
    response, before = _post(world, entry, good_pdf())
    assert response.status_code == 302, (name, response.status_code)
    assert entry.stored() != before


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_a_file_that_is_not_what_its_name_says_is_refused_on_its_field(world, name, bad):
    entry = ENTRIES[name]
    response, before = _post(world, entry, BAD_FILES[bad]())
    assert response.status_code in (200, 400), (name, response.status_code)
    assert field_errors(response, entry.field), (name, bad)
    assert entry.stored() == before


def test_every_stored_file_is_checked_here():
    covered = {model for entry in ENTRIES.values() for model in entry.models}
    stored = {
        f"{model._meta.app_label}.{model.__name__}.{f.name}"
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField)
    }
    assert stored - MADE_BY_THE_PORTAL == covered


# --- Imports: read, never stored ------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        ("hoc_sinh.xlsx", b"<!doctype html><table><tr><td>1</td></tr></table>"),
        ("hoc_sinh.xlsx", b"MZ\x90\x00 a Windows program"),
        ("hoc_sinh.csv", b"MZ\x90\x00\x00\x00 a Windows program"),
    ],
)
def test_an_import_that_is_not_a_workbook_or_text_imports_nothing(world, file_name, content):
    client = client_for(world.principal)
    url = reverse("schools:student_import", args=[world.school_a.pk])
    students = Student.objects.count()
    response = client.post(url, {"file": SimpleUploadedFile(file_name, content)})
    batch = ImportBatch.objects.get(file_name=file_name)
    assert response.status_code == 302
    assert batch.outcome == ImportBatch.Outcome.REJECTED and batch.errors
    assert Student.objects.count() == students


def test_an_import_over_the_size_limit_is_refused_on_its_field(world, settings):
    settings.IMPORT_MAX_BYTES = 1024
    client = client_for(world.principal)
    url = reverse("schools:student_import", args=[world.school_a.pk])
    upload = SimpleUploadedFile("hoc_sinh.csv", "Mã học sinh;Họ và tên\n".encode() * 100)
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    assert field_errors(response, "file")
    assert not ImportBatch.objects.filter(file_name="hoc_sinh.csv").exists()


@pytest.mark.parametrize("name", ["hoc_sinh.exe", "hoc_sinh.html", "hoc_sinh"])
def test_an_import_must_be_named_as_a_workbook_or_csv(world, name):
    client = client_for(world.principal)
    url = reverse("schools:student_import", args=[world.school_a.pk])
    response = client.post(url, {"file": SimpleUploadedFile(name, b"a;b\n1;2\n")})
    assert response.status_code == 200
    assert field_errors(response, "file")
    assert not ImportBatch.objects.filter(file_name=name).exists()


# --- Where files go out -----------------------------------------------------------------

# The views that send a stored file, each with its row of the authorization matrix (whose
# builders give a file inside and outside each role's scope).
DOWNLOADS = {
    "partnerships:programme_document": "principal",
    "partnerships:partner_document": "department",
    "inspections:evidence": "inspector",
    "inspections:complaint_attachment": "department",
    "reports:job_download": "department",
}


@pytest.mark.parametrize("name", sorted(DOWNLOADS))
def test_a_download_is_an_attachment_typed_by_its_content(world, name):
    user = getattr(world, DOWNLOADS[name])
    row = ROWS[name]
    response = client_for(user).get(reverse(name, kwargs=row.kwargs(world, user.role, True)))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] in ("application/pdf", "image/png", "image/jpeg")
    b"".join(response.streaming_content)


@pytest.mark.parametrize("name", sorted(DOWNLOADS))
def test_a_file_outside_the_users_scope_is_not_found(world, name):
    row = ROWS[name]
    for role, user in world.users.items():
        if role not in row.allowed:
            continue
        client = client_for(user)
        if row.scoped:
            url = reverse(name, kwargs=row.kwargs(world, role, False))
            assert client.get(url).status_code == 404, (name, role)
    # Signed out: the sign-in page, never the file.
    url = reverse(name, kwargs=row.kwargs(world, Role.DEPARTMENT, True))
    response = Client().get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_role_without_access_never_gets_the_file(world):
    """The parent, who sees no school documents, asks for each file the head can open."""
    for name in DOWNLOADS:
        row = ROWS[name]
        url = reverse(name, kwargs=row.kwargs(world, Role.PRINCIPAL, True))
        assert client_for(world.parent).get(url).status_code in (403, 404), name


def test_a_pdf_uploaded_under_a_web_page_name_downloads_as_a_pdf(world):
    """Its content passed the check; its name must not make the user's computer open it as
    a page."""
    document = ProgrammeDocument.objects.create(
        programme=world.programme_a,
        kind="other",
        title="Bằng chứng",
        file=ContentFile(PDF + b"<script>alert(1)</script>", name="bang-chung.html"),
    )
    url = reverse("partnerships:programme_document", args=[world.programme_a.pk, document.pk])
    response = client_for(world.principal).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert '.pdf"' in response["Content-Disposition"]
    assert ".html" not in response["Content-Disposition"]


def test_the_download_name_follows_the_content():
    assert download_name("programmes/2026/hop-dong.pdf", "pdf") == "hop-dong.pdf"
    assert download_name("anh.JPEG", "jpeg") == "anh.JPEG"
    assert download_name("anh.html", "png") == "anh.png"
    assert download_name("bang-chung", "pdf") == "bang-chung.pdf"
    assert download_name("khong-ro.bin", None) == "khong-ro.bin"


@pytest.mark.parametrize("debug", [True, False])
def test_uploaded_files_are_never_served_from_media_url(world, settings, debug):
    settings.DEBUG = debug
    settings.SECURE_SSL_REDIRECT = False
    stored = world.programme_a.documents.get().file
    assert stored.storage.exists(stored.name)
    response = client_for(world.principal).get(f"/{settings.MEDIA_URL.strip('/')}/{stored.name}")
    assert response.status_code == 404
    assert PDF[:5] not in response.content


def test_no_page_links_to_a_stored_file_directly():
    """A template or view that printed ``document.file.url`` would hand out the storage's
    address (MEDIA_URL, or a bucket's with S3), past the policy."""
    root = Path(__file__).resolve().parent.parent
    direct = re.compile(r"\.(file|scan)\.url\b|MEDIA_URL")
    sources = [*root.glob("templates/**/*.html")]
    for app in PROJECT_APPS:
        sources += [p for p in (root / app).rglob("*.py") if "migrations" not in p.parts]
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if direct.search(line)
    ]
    assert found == []

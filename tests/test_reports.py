"""The official PDFs: their Vietnamese text and embedded fonts, the public page that verifies
them, the fetcher that keeps user text from reaching files or the network, and the caps on
pages and bytes that make a report fail with a message rather than run on.

The helpers at the top are shared with tests/test_report_jobs.py."""

import datetime
import hashlib
import os
import re
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from inspections import services as inspection_services
from inspections.models import Finding
from reports import services
from reports.models import DocumentKind, IssuedDocument, ReportJob
from reports.pdf import BASE_URL, StaticOnlyFetcher
from schools.models import School

from .conftest import _programme, client_for
from .factories import SchoolFactory
from .test_inspections import action_on, order, photo

STATIC_PREFIX = BASE_URL + "static/"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
# A school whose name has the letters a broken font or encoding loses first.
DIACRITIC_SCHOOL = "Trường THCS Đồng Hưng Lộc"
# A fee no other figure of the world equals, printed with the Vietnamese thousands separator.
KNOWN_FEE = 1_234_567
KNOWN_FEE_TEXT = "1.234.567"
FINDING_TITLE = "Thu tiền học thêm không có đơn tự nguyện"
CONCLUSION_TEXT = "Nhà trường đã tổ chức dạy thêm đúng quy định, trừ một lớp chưa đủ đơn."


# --- Helpers ------------------------------------------------------------------------------


def vi(msgid: str) -> str:
    with translation.override("vi"):
        return gettext(msgid)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """What pdftotext reads in the PDF, laid out as on the page."""
    path = tmp_path / f"doc-{hashlib.sha256(data).hexdigest()[:8]}.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def flat(text: str) -> str:
    """The text with every run of spaces and line breaks made one space."""
    return " ".join(text.split())


def pdf_fonts(data: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """(font name, "emb" column) for every font pdffonts lists."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    header, rule = lines[0], lines[1]
    # The columns are as wide as the dashes under their headings.
    spans = [m.span() for m in re.finditer(r"-+", rule)]
    names = [header[a:b].strip() for a, b in spans]
    emb = names.index("emb")
    return [
        (line[slice(*spans[0])].strip(), line[slice(*spans[emb])].strip()) for line in lines[2:]
    ]


def vietnamese_date(day: datetime.date) -> str:
    """ "ngày 05 tháng 02 năm 2026": Decree 30's leading zeros (days < 10, months 1 and 2)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def committed():
    """Run what the block queues on commit (the report task) as it leaves the block."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def request_report(actor, **fields) -> ReportJob:
    """A report asked for and made (the in-process backend runs it on commit)."""
    with committed():
        job = services.report_request(actor=actor, job=ReportJob(**fields))
    job.refresh_from_db()
    return job


def concluded(world, *, description="3 học sinh lớp 7A1 không có đơn.", conclusion=None):
    """The Department's inspection of school A, its team (the inspector) having recorded a
    finding with a corrective action and signed the conclusion."""
    inspection = order(world)
    lead = world.inspector
    inspection_services.inspection_transition(actor=lead, inspection=inspection, name="start")
    finding = inspection_services.finding_save(
        actor=lead,
        finding=Finding(
            inspection=inspection,
            category=Finding.Category.CONSENT,
            severity="serious",
            title=FINDING_TITLE,
            description=description,
            legal_basis="Thông tư 29/2024/TT-BGDĐT, Điều 3",
            responsible="Hiệu trưởng",
        ),
        files=[photo()],
    )
    action_on(finding, lead)
    inspection_services.inspection_transition(actor=lead, inspection=inspection, name="record")
    return inspection_services.inspection_transition(
        actor=lead,
        inspection=inspection,
        name="conclude",
        conclusion=conclusion or CONCLUSION_TEXT,
    )


def issue_conclusion(world, inspection, actor=None) -> ReportJob:
    return request_report(
        actor or world.inspector, kind=DocumentKind.CONCLUSION, inspection=inspection
    )


def document_bytes(document: IssuedDocument) -> bytes:
    with document.file.open("rb") as f:
        return f.read()


@pytest.fixture
def diacritic_school(world):
    """A school of area A with a Đ, a ư and a ộ in its name, and a programme at a fee that
    only it charges."""
    school = SchoolFactory(unit=world.area_a, name=DIACRITIC_SCHOOL)
    programme = _programme(school, world.year, world.partner, world.principal, None, None)
    type(programme).objects.filter(pk=programme.pk).update(monthly_fee=KNOWN_FEE)
    return school


# --- 1. The text and fonts of each kind of PDF ----------------------------------------------


def assert_official_document(
    job: ReportJob, tmp_path, *, symbol: str, place: str = "Hải Phòng"
) -> str:
    """The job made a document whose text reads as an official Vietnamese document, with
    its number, date and verification code, in embedded fonts; its flattened text."""
    assert job.status == ReportJob.Status.DONE, job.error
    document = job.document
    data = document_bytes(document)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == document.checksum
    text = flat(pdf_text(data, tmp_path))
    assert NATIONAL_TITLE in text
    assert MOTTO in text
    assert f"Số: 01/{symbol}" in text
    # Where the issuing agency sits: the city, or a committee's own ward.
    assert f"{place}, {vietnamese_date(timezone.localdate())}" in text
    assert document.code in text
    fonts = pdf_fonts(data, tmp_path)
    assert fonts, "the PDF names no font"
    assert all(emb == "yes" for _name, emb in fonts), fonts
    return text


def test_the_city_report_reads_in_vietnamese(world, diacritic_school, tmp_path):
    job = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    text = assert_official_document(job, tmp_path, symbol="BC-SGDĐT")
    assert job.document.reference == "01/BC-SGDĐT"
    assert "SỞ GIÁO DỤC VÀ ĐÀO TẠO" in text
    # The annex lists each school of the city, the far city's school not among them.
    assert DIACRITIC_SCHOOL in text
    assert "Trường THCS Lê Chân" in text
    assert "Ba Đình" not in text
    assert KNOWN_FEE_TEXT in text


def test_the_area_report_reads_in_vietnamese(world, diacritic_school, tmp_path):
    job = request_report(
        world.committee, kind=DocumentKind.AREA, unit=world.area_a, school_year=world.year
    )
    text = assert_official_document(job, tmp_path, symbol="BC-UBND", place="Hồng Bàng")
    # The committee issues it (its name wraps in the narrow agency column).
    assert job.document.issuer == "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG BÀNG"
    assert squash("ỦY BAN NHÂN DÂN PHƯỜNG") in squash(text)
    assert DIACRITIC_SCHOOL in text
    assert KNOWN_FEE_TEXT in text
    # Only the area's schools.
    assert "Lê Chân" not in text


def test_the_school_report_reads_in_vietnamese(world, diacritic_school, tmp_path):
    job = request_report(
        world.department, kind=DocumentKind.SCHOOL, school=diacritic_school, school_year=world.year
    )
    text = assert_official_document(job, tmp_path, symbol="BC-SGDĐT")
    assert DIACRITIC_SCHOOL in text
    assert KNOWN_FEE_TEXT in text
    assert "Trường THCS Hồng Bàng" not in text
    assert "300.000" not in text  # school A's programme is not this school's


def test_the_inspection_conclusion_reads_in_vietnamese(world, tmp_path):
    inspection = concluded(world)
    job = issue_conclusion(world, inspection)
    text = assert_official_document(job, tmp_path, symbol="KL-SGDĐT")
    assert "Trường THCS Hồng Bàng" in text
    assert FINDING_TITLE in text
    assert CONCLUSION_TEXT in text
    assert "Thu đủ đơn tự nguyện hoặc rút học sinh khỏi danh sách." in text  # the action
    assert world.inspector.get_full_name() in text  # who signed


def test_a_document_is_in_vietnamese_whatever_the_language_of_who_asks(world, tmp_path):
    inspection = concluded(world)
    labels = ["Verification code", "CONCLUSION OF THE INSPECTION", "HEAD OF THE INSPECTION TEAM"]
    assert all(vi(label) != label for label in labels)  # translated, so the test means something
    with translation.override("en"):
        job = issue_conclusion(world, inspection)
        report = request_report(world.department, kind=DocumentKind.CITY, school_year=world.year)
    text = flat(pdf_text(document_bytes(job.document), tmp_path))
    for label in labels:
        assert vi(label) in text, label
    assert vi("REPORT") != "REPORT"
    assert vi("REPORT") in flat(pdf_text(document_bytes(report.document), tmp_path))


# --- 2. The public verification page ----------------------------------------------------------

FIXED_CODE = "10AB-CD0E-FGH1-JK01"


@pytest.fixture
def issued(world, monkeypatch):
    """An inspection conclusion issued under a code with 0s and 1s, as people mistype them."""
    monkeypatch.setattr("reports.documents.new_code", lambda: FIXED_CODE)
    job = issue_conclusion(world, concluded(world))
    assert job.status == ReportJob.Status.DONE, job.error
    return job.document


def verify_url(code=FIXED_CODE):
    return reverse("public:verify", args=[code])


def test_the_verification_page_confirms_the_document_without_signing_in(issued, tmp_path):
    assert FIXED_CODE in flat(pdf_text(document_bytes(issued), tmp_path))
    response = Client().get(verify_url())
    assert response.status_code == 200
    assert response.context["document"] == issued
    assert response.context["match"] is None
    for shown in (
        issued.issuer,
        issued.reference,
        issued.checksum,
        issued.code,
        timezone.localtime(issued.issued_at).strftime("%d/%m/%Y"),
    ):
        assert escape(shown) in response.text, shown


def test_the_genuine_file_matches(issued):
    data = document_bytes(issued)
    response = Client().post(
        verify_url(), {"file": SimpleUploadedFile("kl.pdf", data, "application/pdf")}
    )
    assert response.status_code == 200
    assert response.context["match"] is True
    assert (
        escape(vi("The file matches: it is the document issued under this code, unaltered."))
        in response.text
    )


def test_a_file_with_one_byte_changed_does_not_match(issued):
    data = bytearray(document_bytes(issued))
    data[len(data) // 2] ^= 0x01
    response = Client().post(
        verify_url(), {"file": SimpleUploadedFile("kl.pdf", bytes(data), "application/pdf")}
    )
    assert response.status_code == 200
    assert response.context["match"] is False
    assert (
        escape(
            vi(
                "The file does not match: it is not the document issued under this code, or it "
                "has been altered."
            )
        )
        in response.text
    )


def test_the_checksum_alone_is_compared(issued):
    client = Client()
    assert client.post(verify_url(), {"checksum": issued.checksum}).context["match"] is True
    # As copied from a printout: capitals and spaces.
    spaced = " ".join(re.findall(".{8}", issued.checksum.upper()))
    assert client.post(verify_url(), {"checksum": spaced}).context["match"] is True
    last = "0" if issued.checksum[-1] != "0" else "1"
    altered = issued.checksum[:-1] + last
    assert client.post(verify_url(), {"checksum": altered}).context["match"] is False


@pytest.mark.parametrize("bad", ["abc", "g" * 64, "0" * 63, "0" * 65])
def test_a_malformed_checksum_is_a_form_error(issued, bad):
    response = Client().post(verify_url(), {"checksum": bad})
    assert response.status_code == 200
    assert "checksum" in response.context["form"].errors
    assert response.context["match"] is None


def test_neither_file_nor_checksum_is_a_form_error(issued):
    # A browser always sends the (empty) checksum field and the CSRF token.
    response = Client().post(verify_url(), {"checksum": "", "csrfmiddlewaretoken": "x"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert response.context["match"] is None


def test_an_unknown_code_is_not_found(issued):
    response = Client().get(verify_url("ZZZZ-ZZZZ-ZZZZ-ZZZZ"))
    assert response.status_code == 404
    assert response.context["document"] is None
    assert issued.checksum not in response.text
    # Comparing a file with a code never issued tells nothing either.
    response = Client().post(verify_url("ZZZZ-ZZZZ-ZZZZ-ZZZZ"), {"checksum": issued.checksum})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "typed", ["10ab-cd0e-fgh1-jk01", "loab-cdoe-fghi-jkol", "1OABCD0EFGH1JK01", "10ab cd0e"]
)
def test_a_code_typed_loosely_still_finds_the_document(issued, typed):
    response = Client().get(verify_url(typed))
    if typed == "10ab cd0e":  # half a code: not a document
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert response.context["document"] == issued


def test_the_lookup_form_sends_on_to_the_document(issued):
    client = Client()
    page = client.get(reverse("public:verify_lookup"))
    assert page.status_code == 200
    assert page.context["document"] is None
    response = client.get(reverse("public:verify_lookup"), {"code": " loab cdoe fghi jkol "})
    assert response.status_code == 302
    assert response.url == verify_url(FIXED_CODE)
    assert client.get(response.url).context["document"] == issued


# --- 3. Nothing outside the static files reaches a document -----------------------------------

EVIL_NAME = (
    'Trường THCS <img src="file:///etc/passwd">'
    '<link rel=stylesheet href="http://169.254.169.254/latest/meta-data/">'
    " url(file:///etc/passwd) file:///etc/passwd http://169.254.169.254/"
)
EVIL = EVIL_NAME + "\n<style>body{background:url(file:///etc/passwd)}</style>"


@pytest.fixture
def fetch_log(monkeypatch):
    """Every address the renderer asks for; and a network that fails the test if used."""
    asked, network = [], []
    real_fetch = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return real_fetch(self, url, headers)

    def no_network(*args, **kwargs):
        network.append(args)
        raise OSError("No network in a document.")

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    return asked, network


def assert_only_static(fetch_log):
    asked, network = fetch_log
    assert network == []
    # The stylesheet and its fonts were fetched through the spy, and nothing else.
    assert any(url.endswith(".css") for url in asked), asked
    assert all(url.startswith(STATIC_PREFIX) for url in asked), asked
    assert not any("passwd" in url or "169.254" in url for url in asked), asked


def squash(text: str) -> str:
    """The text without any whitespace: a long address wraps wherever the line ends."""
    return "".join(text.split())


def assert_literal(text: str):
    """The markup and addresses are printed as the characters typed; no file was read."""
    for typed in (
        "file:///etc/passwd",
        "http://169.254.169.254/",
        '<img src="file:///etc/passwd">',
        '<link rel=stylesheet href="http://169.254.169.254/latest/meta-data/">',
        "url(file:///etc/passwd)",
    ):
        assert squash(typed) in squash(text), typed
    assert "root:x:0:0" not in text


def test_user_text_in_a_conclusion_is_printed_not_fetched(world, fetch_log, tmp_path):
    School.objects.filter(pk=world.school_a.pk).update(name=EVIL_NAME)
    world.school_a.refresh_from_db()
    inspection = concluded(world, description=EVIL, conclusion=EVIL)
    job = issue_conclusion(world, inspection)
    assert job.status == ReportJob.Status.DONE, job.error
    assert_only_static(fetch_log)
    text = pdf_text(document_bytes(job.document), tmp_path)
    assert_literal(text)
    assert squash("<style>body{background:url(file:///etc/passwd)}</style>") in squash(text)


def test_user_text_in_a_school_report_is_printed_not_fetched(world, fetch_log, tmp_path):
    School.objects.filter(pk=world.school_a.pk).update(name=EVIL_NAME)
    job = request_report(
        world.principal, kind=DocumentKind.SCHOOL, school=world.school_a, school_year=world.year
    )
    assert job.status == ReportJob.Status.DONE, job.error
    assert_only_static(fetch_log)
    assert_literal(pdf_text(document_bytes(job.document), tmp_path))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/latest/meta-data/",
        "data:text/css,body{}",
        STATIC_PREFIX + "../../etc/passwd",
        STATIC_PREFIX + "../" * 12 + "etc/passwd",
        STATIC_PREFIX + "css/../../../etc/passwd",
        STATIC_PREFIX + "%2e%2e/%2e%2e/etc/passwd",
        STATIC_PREFIX + "css/..%2f..%2f..%2fconfig/settings.py",
        STATIC_PREFIX + "css/document.css?x=1",
        STATIC_PREFIX + "css/missing.css",
        "https://portal.invalid.evil.example/static/css/document.css",
        "https://evil.example/static/css/document.css",
        "http://portal.invalid/static/css/document.css",
    ],
)
def test_the_fetcher_refuses_everything_but_static_files(url):
    fetcher = StaticOnlyFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_refuses_a_stylesheet_outside_the_static_files(settings):
    """A real file of an allowed type, reached by climbing out of the static directory."""
    import weasyprint

    outside = Path(weasyprint.__file__).parent / "css" / "html5_ua.css"
    assert outside.is_file()
    climb = os.path.relpath(outside, settings.BASE_DIR / "static")
    assert climb.startswith("..")
    fetcher = StaticOnlyFetcher()
    for url in (STATIC_PREFIX + climb, STATIC_PREFIX + "css/../" + climb):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 2


def test_the_fetcher_serves_the_static_stylesheet_and_fonts():
    fetcher = StaticOnlyFetcher()
    css = fetcher.fetch(STATIC_PREFIX + "css/document.css")
    assert b"@font-face" in css.read()
    assert css.headers.get_content_type() == "text/css"
    font = fetcher.fetch(STATIC_PREFIX + "fonts/LiberationSerif-Regular.ttf")
    assert len(font.read()) > 10_000
    assert fetcher.refused == []


# --- 4. The caps on a document ----------------------------------------------------------------


def whole_year(world, kind="city", **fields) -> dict:
    """The request form's fields for a report over the whole school year."""
    year = world.year
    return {
        "kind": kind,
        "school_year": year.pk,
        "date_from": year.start.isoformat(),
        "date_to": year.end.isoformat(),
        **fields,
    }


def ask_in_browser(client, **data) -> ReportJob:
    """Post the request form and follow the job the way the browser does."""
    with committed():
        response = client.post(reverse("reports:job_list"), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    job = ReportJob.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    return job


def retry_in_browser(client, job) -> ReportJob:
    with committed():
        response = client.post(reverse("reports:job_retry", args=[job.pk]))
    assert response.status_code == 302
    assert response.url == reverse("reports:job_detail", args=[job.pk])
    job.refresh_from_db()
    return job


def page_pattern(msgid: str, **known) -> re.Pattern:
    """The translated message with its other placeholders standing for any number."""
    pattern = re.escape(vi(msgid))
    for name in re.findall(r"%\((\w+)\)s", vi(msgid)):
        value = re.escape(str(known[name])) if name in known else r"\d+"
        pattern = pattern.replace(re.escape(f"%({name})s"), value)
    return re.compile(pattern)


def assert_failure_shown(client, job):
    response = client.get(reverse("reports:job_detail", args=[job.pk]))
    assert response.status_code == 200
    assert escape(job.error) in response.text
    retry = reverse("reports:job_retry", args=[job.pk])
    assert f'action="{retry}"' in response.text
    assert reverse("reports:job_download", args=[job.pk]) not in response.text


def test_a_report_over_the_page_cap_fails_with_a_message_and_can_be_retried(world, settings):
    client = client_for(world.department)
    settings.REPORT_PDF_MAX_PAGES = 1
    job = ask_in_browser(client, **whole_year(world))
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert job.document is None and IssuedDocument.objects.count() == 0
    pattern = page_pattern(
        "The document would have %(pages)s pages, more than the %(cap)s allowed.", cap=1
    )
    assert pattern.fullmatch(job.error), job.error
    assert_failure_shown(client, job)
    # Someone else's eyes do not even see the job.
    other = client_for(world.far_committee)
    assert other.get(reverse("reports:job_detail", args=[job.pk])).status_code == 404

    settings.REPORT_PDF_MAX_PAGES = 400
    job = retry_in_browser(client, job)
    assert job.status == ReportJob.Status.DONE, job.error
    assert job.error == "" and job.attempts == 2
    assert IssuedDocument.objects.get() == job.document
    page = client.get(reverse("reports:job_detail", args=[job.pk]))
    assert reverse("reports:job_download", args=[job.pk]) in page.text


def test_a_document_over_the_byte_cap_fails_with_a_message_and_can_be_retried(world, settings):
    inspection = concluded(world)
    client = client_for(world.inspector)
    settings.REPORT_PDF_MAX_BYTES = 2_000
    with committed():
        response = client.post(reverse("reports:conclusion_pdf", args=[inspection.pk]))
    assert response.status_code == 302
    job = ReportJob.objects.get(inspection=inspection)
    assert response.url == reverse("reports:job_detail", args=[job.pk])
    assert job.status == ReportJob.Status.FAILED
    assert job.error == vi("The document is larger than the size allowed.")
    assert IssuedDocument.objects.count() == 0
    assert_failure_shown(client, job)

    settings.REPORT_PDF_MAX_BYTES = 30 * 1024 * 1024
    job = retry_in_browser(client, job)
    assert job.status == ReportJob.Status.DONE, job.error
    assert IssuedDocument.objects.get() == job.document
    assert job.document.size > 2_000


def test_a_report_over_the_html_cap_fails_before_any_layout(world, settings, monkeypatch):
    """The HTML cap is what bounds WeasyPrint's time: over it, nothing is laid out."""
    client = client_for(world.department)
    settings.REPORT_HTML_MAX_BYTES = 1_000
    laid_out = []
    monkeypatch.setattr("reports.pdf.HTML", lambda *a, **k: laid_out.append(1))
    job = ask_in_browser(client, **whole_year(world))
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert job.error == vi("The document would be too long to lay out; narrow its scope.")
    assert laid_out == [] and IssuedDocument.objects.count() == 0
    assert_failure_shown(client, job)

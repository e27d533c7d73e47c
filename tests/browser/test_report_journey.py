"""Dashboards and reports, in the browser: the Department reads its city's figures, chooses a
bad period and is told which field is wrong, narrows the page to an area; asks for the city
report, downloads the PDF and reads its code in it; a visitor without an account checks the
file on the public page, and a file with one byte changed is refused; a People's Committee
reads its own dashboard on a 360-px phone.

Words are read from the Vietnamese catalogue (``vi``); elements are found by ids, classes,
``data-`` attributes and addresses."""

import hashlib
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from inspections import complaints
from inspections.models import Complaint
from reports.models import DocumentKind, ReportJob
from tests.conftest import _programme
from tests.factories import PASSWORD
from tests.test_reports import NATIONAL_TITLE, concluded, flat, pdf_text, vi

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
# Rounding of sub-pixel layout may add a pixel; anything more is a real overflow.
TOLERANCE = 2
DASHBOARD = reverse("reports:dashboard")
REPORTS = reverse("reports:job_list")


@pytest.fixture
def city(world):
    """The world's city (area A: two schools; area B: one), with what every figure needs.

    Area A: class_a and programme_a (each with a family's consent), and a concluded
    inspection of school A with a finding. Area B: two approved programmes in school B at
    other fees, one with a family's consent, and a complaint about school B."""
    guardian_b = world.student_b.guardianships.get().guardian
    _programme(
        world.school_b, world.year, world.partner, world.department, world.student_b, guardian_b
    )
    cheap = _programme(world.school_b, world.year, world.partner, world.department, None, None)
    type(cheap).objects.filter(pk=cheap.pk).update(
        monthly_fee=150_000, title="Tiếng Anh qua trò chơi"
    )
    complaints.complaint_file(
        school=world.school_b,
        activity=None,
        category=Complaint.Category.FEES,
        description="Nhà trường thu thêm tiền học liên kết không có trong thông báo.",
        is_anonymous=True,
        ip=None,
    )
    concluded(world)
    return world


@pytest.fixture
def browse(browser, live_server):
    """``browse(viewport, user=None)``: a fresh browser context (its own cookies) on that
    screen, with ``user`` signed in. Every JavaScript or CSP error fails the test."""
    contexts, errors = [], []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def open_as(viewport, user=None):
        phone = viewport["width"] < 600
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
            locale="vi-VN",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", on_console)
        if user is not None:
            page.goto("/accounts/login/")
            page.locator("#id_username").fill(user.username)
            page.locator("#id_password").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript or CSP errors in the browser: {errors}"


def figure(page, key: str) -> str:
    """The value shown on the card of one headline figure."""
    return page.locator(f"main .stat[data-figure='{key}'] .stat-value").inner_text().strip()


def figures(page, *keys: str) -> dict[str, str]:
    return {key: figure(page, key) for key in keys}


def overflow(page) -> int:
    """How many CSS pixels the page is wider than its screen (0 or less when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def assert_charts_visible(page, width: int) -> None:
    """Every chart is drawn, on screen, no wider than the screen."""
    charts = page.locator("main .chart-grid .chart-card svg")
    assert charts.count() >= 3
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["width"] > 100 and box["height"] > 50, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + TOLERANCE, box


KEYS = ("schools", "classes", "programmes", "complaints_open", "inspections")


def test_dashboards_and_the_city_report(city, browse, screenshot, tmp_path):
    world = city
    area_b = world.area_b

    # --- The Department opens its dashboard from the menu: the whole city. ---------------
    official = browse(DESKTOP, world.department)
    official.locator(f".site-nav a[href='{DASHBOARD}']").click()
    official.wait_for_url(f"**{DASHBOARD}")
    assert official.locator("main h1").inner_text() == vi("Dashboard")
    # Three schools (two in A, one in B), class A, programme A and B's two, B's complaint,
    # the inspection of school A; nothing of the other province.
    assert figures(official, *KEYS) == {
        "schools": "3",
        "classes": "1",
        "programmes": "3",
        "complaints_open": "1",
        "inspections": "1",
    }
    assert figure(official, "findings") == "1"
    assert world.area_far.name not in official.locator("main").inner_text()
    assert_charts_visible(official, DESKTOP["width"])
    screenshot(official, "report-dashboard-1280")

    # A range that ends before it starts: the error stands by the "to" field.
    period = official.locator("main form.dashboard-period")
    period.locator("#id_date_from").fill("2026-11-30")
    period.locator("#id_date_to").fill("2026-10-01")
    period.locator("button[type=submit]").click()
    official.wait_for_url(re.compile(r"date_to=2026-10-01"))
    field = official.locator("main form.dashboard-period .field").filter(
        has=official.locator("#id_date_to")
    )
    assert field.locator(".errorlist").inner_text().strip() == vi(
        "The end date must not come before the start date."
    )
    assert official.locator("main form.dashboard-period .field .errorlist").count() == 1
    # The field is marked invalid (a red border, and for screen readers); the other is not.
    assert period.locator("#id_date_to").get_attribute("aria-invalid") == "true"
    assert period.locator("#id_date_from").get_attribute("aria-invalid") is None
    assert official.locator("main .alert[role=alert]").is_visible()
    # The dates typed stay in the form, to be corrected; the figures stay the year's.
    assert period.locator("#id_date_to").input_value() == "2026-10-01"
    assert figure(official, "programmes") == "3"
    screenshot(official, "report-dashboard-1280-bad-range")

    # The row of area B narrows the page to it: its one school, two programmes, complaint.
    official.locator("main table.breakdown tbody a").filter(has_text=area_b.name).click()
    official.wait_for_url(re.compile(rf"[?&]area={area_b.pk}(&|$)"))
    assert area_b.name in official.locator("main .lead").inner_text()
    assert figures(official, *KEYS) == {
        "schools": "1",
        "classes": "0",
        "programmes": "2",
        "complaints_open": "1",
        "inspections": "0",
    }
    screenshot(official, "report-dashboard-1280-area")

    # --- The city report, from the menu: made at once, numbered, with its code. ----------
    official.locator(f".site-nav a[href='{REPORTS}']").click()
    official.wait_for_url(f"**{REPORTS}")
    form = official.locator("main form.card")
    assert form.locator("select[name=kind]").input_value() == DocumentKind.CITY
    assert form.locator("select[name=school_year]").input_value() == str(world.year.pk)
    form.locator("button[type=submit]").click()
    official.wait_for_url(re.compile(r"/reports/\d+/$"), timeout=90_000)
    job = ReportJob.objects.select_related("document").get(requested_by=world.department)
    assert official.url.endswith(reverse("reports:job_detail", args=[job.pk]))
    assert job.status == ReportJob.Status.DONE, job.error
    assert job.kind == DocumentKind.CITY and job.school_year == world.year
    document = job.document
    status = official.locator("main #job-status")
    assert status.locator(".badge.job-done").inner_text() == vi("Ready")
    assert status.locator("progress").count() == 0  # no longer polling
    facts = status.locator("dl.facts").inner_text()
    assert document.reference in facts
    verify_url = reverse("public:verify", args=[document.code])
    verify_link = status.locator(f"a[href='{verify_url}']")
    code = verify_link.inner_text().strip()
    assert code == document.code
    screenshot(official, "report-job")

    with official.expect_download() as downloading:
        status.locator(f"a[href='{reverse('reports:job_download', args=[job.pk])}']").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == document.checksum
    text = flat(pdf_text(data, tmp_path))
    assert NATIONAL_TITLE in text
    assert code in text

    # --- Anyone checks the file on the public page: the genuine one matches. ------------
    visitor = browse(DESKTOP)
    visitor.goto(verify_link.get_attribute("href"))  # the link shown
    assert "/accounts/login/" not in visitor.url
    card = visitor.locator("main .card dl.facts")
    assert document.reference in card.inner_text() and code in card.inner_text()
    # The exact size, to compare with the file's, in Vietnamese digit groups (61.444).
    assert f"{document.size:,}".replace(",", ".") in card.inner_text()
    compare = visitor.locator("main form[enctype='multipart/form-data']")
    compare.locator("input[name=file]").set_input_files(pdf)
    compare.locator("button[type=submit]").click()
    matched = visitor.locator("main .message.success[role=status]")
    matched.wait_for()
    assert matched.inner_text().strip() == vi(
        "The file matches: it is the document issued under this code, unaltered."
    )
    assert visitor.locator("main .message.error").count() == 0
    screenshot(visitor, "report-verify-match")

    # One byte changed in the middle: refused.
    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x01
    forged = tmp_path / "altered.pdf"
    forged.write_bytes(bytes(altered))
    compare = visitor.locator("main form[enctype='multipart/form-data']")
    compare.locator("input[name=file]").set_input_files(forged)
    compare.locator("button[type=submit]").click()
    refused = visitor.locator("main .message.error[role=alert]")
    refused.wait_for()
    assert refused.inner_text().strip() == vi(
        "The file does not match: it is not the document issued under this code, or it "
        "has been altered."
    )
    assert visitor.locator("main .message.success").count() == 0
    screenshot(visitor, "report-verify-no-match")

    # --- Area A's committee, on a phone: its own figures, nothing wider than the screen. --
    committee = browse(PHONE, world.users[Role.COMMITTEE])
    committee.locator(f".site-nav a[href='{DASHBOARD}']").click()
    committee.wait_for_url(f"**{DASHBOARD}")
    assert figures(committee, *KEYS) == {
        "schools": "2",
        "classes": "1",
        "programmes": "1",
        "complaints_open": "0",
        "inspections": "1",
    }
    assert area_b.name not in committee.locator("main").inner_text()
    width = committee.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + TOLERANCE, f"the page is {width}px wide on a 360-px screen"
    assert_charts_visible(committee, PHONE["width"])
    committee.evaluate("window.scrollTo(0, 0)")
    assert overflow(committee) <= TOLERANCE
    screenshot(committee, "report-dashboard-360-committee")

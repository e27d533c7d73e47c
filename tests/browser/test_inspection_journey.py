"""On a 360-px phone, an unannounced inspection: hidden from the school until it starts; the
head of the team starts it, answers the checklist with a photo, records a finding with
evidence and sets a corrective action; the school's head answers it with a document; the
inspector accepts the answer.

The inspection pages are not translated yet, so the test finds their elements by field
names, links and ids, never by their words; the sign-in page is found as elsewhere."""

import datetime
import re
import struct
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone

from inspections.models import ChecklistAnswer, CorrectiveAction, Finding, Inspection
from tests.factories import PASSWORD
from tests.test_inspections import order

PHONE = {"width": 360, "height": 740}
PDF = {"name": "bien-ban-khac-phuc.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"}


def png(width=24, height=16, rgb=(190, 40, 40)):
    """A small but valid PNG, built by hand: one colour, 8-bit RGB."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def phone(browser, live_server):
    """``phone(user)``: a fresh 360-px phone (its own cookies) with ``user`` signed in."""
    contexts, errors = [], []

    def on_console(message):
        # The 404 the test asks for is logged too; it is not a page error.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def open_as(user):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="vi-VN",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", on_console)
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


def overflow(page):
    """How many CSS pixels the page is wider than the phone (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def test_an_unannounced_inspection_on_a_phone(world, phone, screenshot, tmp_path):
    inspection = order(world)
    assert inspection.kind == Inspection.Kind.UNANNOUNCED
    assert inspection.status == Inspection.Status.PLANNED
    detail_url = reverse("inspections:inspection_detail", args=[inspection.pk])
    list_url = reverse("inspections:inspection_list")
    to_inspection = f"main a[href='{detail_url}']"
    checklist_url = reverse("inspections:checklist", args=[inspection.pk])
    photo = tmp_path / "lop-hoc-them.png"
    photo.write_bytes(png())
    overflows = {}

    def shot(page, name):
        screenshot(page, f"inspection-{name}")
        overflows[name] = overflow(page)

    # Before the visit starts, the school does not know of it.
    head = phone(world.principal)
    head.locator(f".site-nav a[href='{list_url}']").click()
    head.wait_for_url(f"**{list_url}")
    assert head.locator(to_inspection).count() == 0
    assert inspection.code not in head.locator("main").inner_text()
    shot(head, "01-head-list-before-start")
    response = head.goto(detail_url)
    assert response.status == 404
    assert "Không tìm thấy trang" in head.locator("main").inner_text()
    assert head.goto(checklist_url).status == 404
    head.context.close()

    # The head of the team starts it from the list.
    inspector = phone(world.inspector)
    inspector.locator(f".site-nav a[href='{list_url}']").click()
    shot(inspector, "02-inspector-list")
    inspector.locator(to_inspection).first.click()
    inspector.wait_for_url(f"**{detail_url}")
    shot(inspector, "03-planned")
    inspector.locator("form[action$='/do/start/'] button[type=submit]").click()
    inspector.locator(".lead .badge.inspection-in_progress").wait_for()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS
    assert inspection.started_at is not None
    shot(inspector, "04-started")

    # The checklist: the first question answered "no", with a note and a photo.
    inspector.locator("main a[href*='/checklist/']").first.click()
    inspector.wait_for_url("**/checklist/")
    shot(inspector, "05-checklist")
    question = inspector.locator("ol.checklist > li.question").first
    prefix = question.get_attribute("id")  # "q<pk>", the form's prefix
    question.locator("input[type=radio][value=no]").check()
    question.locator(f"textarea[name='{prefix}-note']").fill(
        "Kế hoạch dạy thêm môn Toán khối 7 không được niêm yết ở bảng tin."
    )
    question.locator(f"input[name='{prefix}-photos']").set_input_files(photo)
    shot(inspector, "06-checklist-filled")
    question.locator("button[type=submit]").click()
    question = inspector.locator(f"li#{prefix}.answered-no")
    question.wait_for()
    answer = ChecklistAnswer.objects.get(inspection=inspection)
    assert answer.answer == ChecklistAnswer.Answer.NO and answer.photos.count() == 1
    assert str(answer.question.pk) == prefix[1:]
    stored = inspector.request.get(f"/evidence/{answer.photos.get().pk}/")
    assert stored.ok and stored.body() == photo.read_bytes()
    shot(inspector, "07-checklist-answered-no")

    # The offered link opens a finding filled in from the question.
    question.locator(f"a[href*='/findings/new/?answer={answer.pk}']").click()
    inspector.wait_for_url(re.compile(r"/findings/new/\?answer=\d+$"))
    form = inspector.locator("main form.card")
    # The question stands above the form; the inspector writes what was found.
    assert answer.question.text in inspector.locator("main .warn-box").inner_text()
    form.locator("[name=title]").fill("Kế hoạch dạy thêm không được niêm yết")
    assert form.locator("[name=legal_basis]").input_value() == answer.question.reference
    assert form.locator("[name=category]").input_value() == answer.question.scope
    assert "không được niêm yết" in form.locator("[name=description]").input_value()
    form.locator("select[name=severity]").select_option("serious")
    form.locator("[name=responsible]").fill("Hiệu trưởng nhà trường")
    form.locator("select[name=responsible_user]").select_option(str(world.principal.pk))
    form.locator("input[name=files]").set_input_files(photo)
    shot(inspector, "08-finding-form")
    form.locator("button[type=submit]").click()
    # Straight to the corrective action, below the finding.
    inspector.wait_for_url(re.compile(r"/findings/\d+/#new-action$"))
    finding = Finding.objects.get(inspection=inspection)
    assert finding.answer == answer and finding.severity == "serious"
    assert finding.responsible_user == world.principal
    # The photo attached here, and the one taken at the question.
    assert finding.evidence.count() == 2
    shot(inspector, "09-finding")

    # A corrective action, due a week from today.
    due = timezone.localdate() + datetime.timedelta(days=7)
    new_action = inspector.locator("form#new-action")
    new_action.locator("textarea[name=action-description]").fill(
        "Niêm yết kế hoạch dạy thêm ở bảng tin và trên trang của trường."
    )
    new_action.locator("input[name=action-due_date]").fill(due.isoformat())
    new_action.locator("input[name=action-responsible]").fill("Hiệu trưởng")
    new_action.locator("button[type=submit]").click()
    inspector.locator("main .action-items .badge.action-open").wait_for()
    action = CorrectiveAction.objects.get(finding=finding)
    assert action.status == CorrectiveAction.Status.OPEN and action.due_date == due
    assert due.strftime("%d/%m/%Y") in inspector.locator("main .action-items").inner_text()
    shot(inspector, "10-action-set")
    inspector.locator(f".breadcrumbs a[href='{detail_url}']").click()
    inspector.locator("main .finding-cards .finding h3 a").get_by_text(finding.title).wait_for()
    shot(inspector, "11-inspection-with-finding")
    inspector.context.close()

    # Now the school sees the inspection, and the action waits for its answer.
    action_url = reverse("inspections:action_detail", args=[action.pk])
    head = phone(world.principal)
    shot(head, "12-head-home")
    head.locator("main ul.tasks a[href*='/corrective-actions/?status=open']").click()
    shot(head, "13-head-actions")
    head.locator(f"main a[href='{action_url}']").click()
    head.wait_for_url(f"**{action_url}")
    head.locator(".lead .badge.action-open").wait_for()
    shot(head, "14-head-action")
    answer_form = head.locator("form#answer")
    answer_form.locator("textarea[name=answer-response]").fill(
        "Đã niêm yết kế hoạch ở bảng tin tầng 1 và đăng trên trang của trường ngày hôm nay."
    )
    answer_form.locator("input[name=answer-files]").set_input_files(
        [{"name": photo.name, "mimeType": "image/png", "buffer": photo.read_bytes()}, PDF]
    )
    answer_form.locator("button[type=submit]").click()
    head.locator(".lead .badge.action-answered").wait_for()
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.ANSWERED
    assert action.answered_by == world.principal and action.evidence.count() == 2
    assert head.locator("main ul.documents a[href^='/evidence/']").count() == 2
    shot(head, "15-head-answered")
    head.goto(detail_url)
    head.locator("main .finding-cards .finding h3 a").get_by_text(finding.title).wait_for()
    # The school never sees the team's checklist nor its photos.
    assert head.locator("main a[href*='/checklist/']").count() == 0
    assert head.request.get(checklist_url).status == 403
    assert head.request.get(f"/evidence/{answer.photos.get().pk}/").status == 404
    shot(head, "16-head-inspection")
    head.context.close()

    # The inspector signs in again and accepts the answer.
    inspector = phone(world.inspector)
    inspector.locator("main ul.tasks a[href*='/corrective-actions/?status=answered']").click()
    inspector.locator(f"main a[href='{action_url}']").click()
    inspector.wait_for_url(f"**{action_url}")
    review = inspector.locator("form#review")
    review.locator("input[type=radio][name=review-decision][value=accept]").check()
    review.locator("textarea[name=review-note]").fill("Đã kiểm tra ảnh và biên bản.")
    shot(inspector, "17-review")
    review.locator("button[type=submit]").click()
    inspector.locator(".lead .badge.action-accepted").wait_for()
    assert inspector.locator("form#review").count() == 0
    action.refresh_from_db()
    assert action.status == CorrectiveAction.Status.ACCEPTED
    assert action.reviewed_by == world.inspector and action.reviewed_at is not None
    shot(inspector, "18-accepted")
    inspector.goto(detail_url)
    card = inspector.locator("main .finding-cards .finding").filter(has_text=finding.title)
    card.locator(f"a[href='{action_url}'] ~ .badge.action-accepted").wait_for()
    shot(inspector, "19-inspection-accepted")

    # Every page of the journey fits the phone's width.
    assert {name: px for name, px in overflows.items() if px > 0} == {}

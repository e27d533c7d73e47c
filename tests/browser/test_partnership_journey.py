"""A head proposes a linked programme, meets a rule on the form and fixes it, submits it; the
People's Committee approves it; the Department suspends it for an inspection; the school's
public page shows it as suspended."""

import datetime
import re

from django.contrib.auth import get_user_model

from partnerships.models import Partner, Programme

from .test_journeys import sign_in
from .test_tutoring_journey import sign_out

PDF = {"mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% demo\n"}
START, END = datetime.date(2026, 12, 7), datetime.date(2027, 5, 15)


def stem_partner():
    """An active partner of the demo whose licence covers STEM over the programme."""
    for partner in Partner.objects.filter(status="active").prefetch_related("licences"):
        if any(lic.covers("stem", START, END) for lic in partner.licences.all()):
            return partner
    raise AssertionError("The demo has no partner licensed for STEM")


def test_propose_approve_suspend_publish(demo_city, page, screenshot):
    head = get_user_model().objects.get(username="hieutruong.thcs.hongbang")
    school = head.staff_positions.get().school
    partner = stem_partner()
    sign_in(page, "hieutruong.thcs.hongbang")
    page.get_by_role("link", name="Chương trình liên kết").first.click()
    page.get_by_role("link", name="Đề xuất chương trình").click()

    page.fill("#id_title", "Câu lạc bộ STEM – Robot")
    page.select_option("#id_partner", str(partner.pk))
    page.select_option("#id_programme_kind", "stem")
    page.fill("#id_content_summary", "Lắp ráp và lập trình robot theo dự án, 2 tiết mỗi tuần.")
    page.select_option("#id_grade_min", "6")
    page.select_option("#id_grade_max", "9")
    page.fill("#id_start_date", START.isoformat())
    page.fill("#id_end_date", END.isoformat())
    page.fill("#id_capacity", "30")
    page.fill("#id_monthly_fee", "250000")
    # Monday morning: inside the school's main timetable.
    page.select_option("#id_slots-0-weekday", "0")
    page.fill("#id_slots-0-start", "08:00")
    page.fill("#id_slots-0-end", "09:30")
    page.fill("#id_slots-0-periods", "2")
    page.fill("#id_teachers-0-full_name", "Đỗ Minh Khoa")
    page.fill("#id_teachers-0-qualification", "Kỹ sư Cơ điện tử")
    page.set_input_files("#id_contract", files=[{"name": "hop-dong.pdf", **PDF}])
    page.set_input_files("#id_materials", files=[{"name": "ke-hoach.pdf", **PDF}])
    page.get_by_role("button", name="Lưu bản nháp").click()

    alert = page.locator(".alert").first
    alert.get_by_text("trùng với thời gian học chính khóa").wait_for()
    assert "Văn bản chỉ đạo của UBND thành phố" in alert.inner_text()
    assert not Programme.objects.filter(title="Câu lạc bộ STEM – Robot").exists()
    screenshot(page, "programme-form-violation")

    # Saturday morning is free; the files must be chosen again after a refused post.
    page.select_option("#id_slots-0-weekday", "5")
    page.set_input_files("#id_contract", files=[{"name": "hop-dong.pdf", **PDF}])
    page.set_input_files("#id_materials", files=[{"name": "ke-hoach.pdf", **PDF}])
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.wait_for_url(re.compile(r"/programmes/\d+/$"))
    programme = Programme.objects.get(title="Câu lạc bộ STEM – Robot")
    assert programme.status == "draft" and programme.documents.count() == 2
    page.get_by_role("button", name="Trình phê duyệt").click()
    page.locator(".lead .badge").get_by_text("Đã gửi duyệt").wait_for()
    sign_out(page)

    sign_in(page, "ubnd.hongbang")
    page.get_by_role("link", name="Chương trình liên kết chờ phê duyệt").click()
    page.get_by_role("link", name="Câu lạc bộ STEM – Robot").click()
    screenshot(page, "programme-awaiting-decision")
    approve = page.locator("form.action-form").filter(
        has=page.get_by_role("button", name="Phê duyệt", exact=True)
    )
    approve.get_by_label("Số quyết định").fill("51/QĐ-UBND")
    approve.get_by_role("button", name="Phê duyệt", exact=True).click()
    page.locator(".lead .badge").get_by_text("Đã phê duyệt").wait_for()
    programme.refresh_from_db()
    assert programme.status == "approved" and programme.approval_reference == "51/QĐ-UBND"
    sign_out(page)

    sign_in(page, "so.gddt")
    page.goto(f"/programmes/{programme.pk}/")
    suspend = page.locator("form.action-form").filter(
        has=page.get_by_role("button", name="Tạm dừng", exact=True)
    )
    suspend.get_by_label("Lý do").fill("Tạm dừng để thanh tra việc thu phí.")
    suspend.get_by_label("Số quyết định hoặc kế hoạch thanh tra (không bắt buộc)").fill(
        "12/KH-SGDĐT"
    )
    suspend.get_by_role("button", name="Tạm dừng", exact=True).click()
    page.locator(".lead .badge").get_by_text("Tạm dừng").wait_for()
    programme.refresh_from_db()
    assert programme.status == "suspended"
    event = programme.events.latest("at")
    assert event.reference == "12/KH-SGDĐT" and event.actor.username == "so.gddt"
    screenshot(page, "programme-suspended")
    sign_out(page)

    page.goto(f"/public/schools/{school.pk}/")
    row = page.locator("tr").filter(has_text="Câu lạc bộ STEM – Robot")
    row.get_by_text("Tạm dừng").wait_for()
    assert "250.000 ₫" in row.inner_text() and "51/QĐ-UBND" in row.inner_text()
    assert partner.legal_name in row.inner_text()
    screenshot(page, "public-school-programmes")

"""A staff member registers a tutoring class, sees and fixes a rule violation on the form,
submits it; the head approves and opens it; the class appears on the school's public page."""

import re

from django.contrib.auth import get_user_model

from tutoring.models import TutoringClass

from .test_journeys import sign_in


def sign_out(page):
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/accounts/login/")


def test_register_fix_submit_approve_publish(demo_city, page, screenshot):
    staff = get_user_model().objects.get(username="giaovien.thcs.hongbang")
    school = staff.staff_positions.get().school
    sign_in(page, "giaovien.thcs.hongbang")
    page.get_by_role("link", name="Lớp dạy thêm").first.click()
    page.get_by_role("link", name="Đăng ký lớp").click()

    page.fill("#id_title", "Toán 9 – ôn thi vào lớp 10 (Chủ nhật)")
    page.select_option("#id_subject", label="Toán")
    page.select_option("#id_grade", "9")
    page.select_option("#id_category", "exam_review")
    page.fill("#id_start_date", "2026-12-06")
    page.fill("#id_end_date", "2027-05-16")
    page.fill("#id_capacity", "35")
    page.locator(".checkbox-list input[type=checkbox]").first.check()
    page.select_option("#id_slots-0-weekday", "6")
    page.fill("#id_slots-0-start", "08:00")
    page.fill("#id_slots-0-end", "09:30")
    page.fill("#id_slots-0-periods", "2")
    # A fee: the live check names the rule it breaks before anything is saved.
    page.fill("#id_monthly_fee", "150000")
    page.locator("#id_monthly_fee").blur()
    violations = page.locator("#violations")
    violations.get_by_text("không thu tiền").wait_for()
    assert "Điều 5 khoản 1" in violations.inner_text()
    screenshot(page, "tutoring-form-violation")

    page.fill("#id_monthly_fee", "0")
    page.locator("#id_monthly_fee").blur()
    violations.get_by_text("Không vi phạm quy định nào").wait_for()
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.wait_for_url(re.compile(r"/tutoring/\d+/$"))
    tc = TutoringClass.objects.get(title="Toán 9 – ôn thi vào lớp 10 (Chủ nhật)")
    assert tc.status == "draft"

    page.get_by_role("button", name="Gửi hiệu trưởng duyệt").click()
    page.get_by_text("Đã gửi duyệt").first.wait_for()
    sign_out(page)

    sign_in(page, "hieutruong.thcs.hongbang")
    page.goto(f"/tutoring/{tc.pk}/")
    page.get_by_role("button", name="Phê duyệt").click()
    page.get_by_role("button", name="Mở lớp").click()
    page.get_by_text("Đang hoạt động").first.wait_for()
    screenshot(page, "tutoring-class-open")
    tc.refresh_from_db()
    assert tc.status == "open"
    assert [e.to_status for e in tc.events.all()] == ["draft", "submitted", "approved", "open"]
    sign_out(page)

    page.goto(f"/public/schools/{school.pk}/")
    row = page.locator("tr", has_text="Ôn thi lớp cuối cấp").filter(has_text="Chủ nhật")
    assert "0 ₫" in row.inner_text()
    screenshot(page, "public-school")

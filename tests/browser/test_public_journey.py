"""A visitor, on a 360-px phone and without an account, finds a school by typing part of
its name without accents, opens one of its programmes and sees how its fee compares, reads
the rights page, files a complaint about the programme and follows it by its code."""

import re

import pytest
from playwright.sync_api import expect

from partnerships.models import Programme
from schools.models.registry import fold


@pytest.fixture
def dearest(demo_city, settings):
    settings.COMPLAINT_FORM_MIN_SECONDS = 0  # the journey fills the form faster than people
    # The demo's dearest language programme: ten times the cheapest of its area.
    return (
        Programme.objects.filter(status="approved", programme_kind="language")
        .select_related("school__unit")
        .order_by("-monthly_fee", "pk")
        .first()
    )


def test_a_visitor_finds_a_school_compares_a_fee_reads_the_rights_and_complains(
    phone_page, dearest, screenshot
):
    page, school = phone_page, dearest.school
    page.goto("/public/")
    expect(page.locator("h1")).to_have_text("Tìm trường")

    # Part of the name, typed without accents, and the school's level.
    words = fold(school.name).split()
    page.get_by_label("Tên hoặc mã trường").fill(" ".join(words[-2:]))
    page.get_by_label("Cấp học").select_option(school.level)
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator(".school-results")).to_contain_text(school.name)
    screenshot(page, "public-search-phone")
    page.get_by_role("link", name=school.name, exact=True).click()

    expect(page.locator("h1")).to_have_text(school.name)
    page.get_by_role("link", name=dearest.title, exact=True).click()

    # The programme's page: its provider, fee and approval, and the fee set against the
    # programmes of its kind in the area and in the city.
    expect(page.locator("h1")).to_have_text(dearest.title)
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text(dearest.partner.legal_name)
    expect(facts).to_contain_text(dearest.approval_reference)
    expect(facts).to_contain_text("2.000.000 ₫")
    comparisons = page.locator("section.fee-compare")
    expect(comparisons).to_have_count(2)
    expect(comparisons.first).to_contain_text(f"Tại {school.unit.name}")
    expect(comparisons.first).to_contain_text("lần mức trung vị")
    expect(comparisons.first.locator("svg.fee-scale circle")).to_be_visible()
    screenshot(page, "public-programme-phone")

    page.get_by_role("link", name="Xem quyền của gia đình").click()
    expect(page.locator("h1")).to_contain_text("Quyền của gia đình")
    expect(page.locator("article")).to_contain_text("Gia đình có quyền từ chối")
    screenshot(page, "public-rights-phone")

    # From the rights page to the complaint form: the school and its programme chosen.
    page.locator("article").get_by_role("link", name="Gửi phản ánh", exact=True).click()
    page.get_by_label("Trường", exact=True).select_option(value=str(school.pk))
    activity = page.locator("#id_activity")
    expect(activity.locator("option", has_text=dearest.title)).to_have_count(1)
    activity.select_option(value=str(dearest.pk))
    page.locator("input[name=category][value=coercion]").check()
    page.get_by_label("Sự việc").fill(
        "Giáo viên chủ nhiệm nói học sinh không học chương trình này sẽ bị hạ hạnh kiểm."
    )
    page.get_by_label("Giấu tên").check()
    page.get_by_role("button", name="Gửi phản ánh").click()

    code = page.locator("#tracking-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9-]{10,}", code), code
    screenshot(page, "public-complaint-filed-phone")
    page.locator("main").get_by_role("link", name="Tra cứu phản ánh").click()
    page.get_by_label("Mã tra cứu").fill(code)
    page.get_by_role("button", name="Xem").click()

    result = page.locator("#complaint-heading").locator("..")
    expect(result).to_contain_text(code)
    expect(result).to_contain_text(school.name)
    expect(result).to_contain_text(dearest.title)
    screenshot(page, "public-complaint-tracked-phone")

"""Parents' accounts in a browser: the head prints the codes of a class; a parent activates
their account on a 360-px phone from the login page, and lands on their child."""

import re

from tests.factories import PASSWORD, GuardianFactory, GuardianshipFactory, StudentFactory


def test_head_prints_codes_and_a_parent_activates_on_a_phone(
    world, page, phone_page, screenshot, settings
):
    settings.AXES_ENABLED = False
    student = StudentFactory(school=world.school_a, full_name="Trần Bảo Ngọc", homeroom="7A2")
    guardian = GuardianFactory(full_name="Trần Thị Mai", phone="0912000111", email="")
    GuardianshipFactory(student=student, guardian=guardian)

    page.goto("/accounts/login/")
    page.locator("#id_username").fill(world.principal.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/")
    page.goto(f"/schools/{world.school_a.pk}/parents/?homeroom=7A2")
    screenshot(page, "parent-accounts-list")
    page.locator("form.actions button[type=submit]").click()
    slip = page.locator(".slip").first
    slip.wait_for()
    assert "Trần Bảo Ngọc" in slip.inner_text()
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", slip.locator(".code").inner_text()).group(0)
    assert page.locator("button.js-print").is_visible()
    screenshot(page, "parent-codes-sheet")

    phone_page.goto("/accounts/login/")
    phone_page.locator("a[href='/activate/']").click()
    phone_page.wait_for_url("**/activate/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    phone_page.locator("#id_identifier").fill("0912 000 111")
    phone_page.locator("#id_code").fill(code.lower())
    phone_page.locator("#id_password").fill("Hoa-sen-no-2026")
    phone_page.locator("#id_password_again").fill("Hoa-sen-no-2026")
    screenshot(phone_page, "parent-activate-phone")
    phone_page.locator("main form button[type=submit]").click()
    phone_page.wait_for_url("**/")
    assert "Trần Bảo Ngọc" in phone_page.locator("main").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "parent-activated-home-phone")

"""On a 360-px phone, a parent activates their account, agrees to a linked programme for
their child, then withdraws; the roster changes and the head sees the withdrawal. The same
through a personal link, without an account."""

from partnerships.models import Programme
from schools import activation
from schools.models import Enrollment
from schools.parent_views import link_for
from tests.factories import PASSWORD, GuardianFactory, GuardianshipFactory, StudentFactory


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def agree_then_withdraw(phone_page, screenshot, prefix):
    """On the child's page: agree to the programme, then withdraw, each in one tap."""
    offer = phone_page.locator("section.offer").filter(has_text="Câu lạc bộ tiếng Anh")
    offer.get_by_role("button", name="Tôi đồng ý").click()
    phone_page.get_by_text("Con có tên trong danh sách tham gia.").wait_for()
    fits(phone_page)
    screenshot(phone_page, f"{prefix}-agreed")
    phone_page.get_by_role("link", name="Quay lại danh sách hoạt động").click()
    offer = phone_page.locator("section.offer").filter(has_text="Câu lạc bộ tiếng Anh")
    offer.get_by_role("button", name="Rút lại sự đồng ý").click()
    phone_page.get_by_text("Quý phụ huynh đã rút lại sự đồng ý.").wait_for()
    screenshot(phone_page, f"{prefix}-withdrawn")


def head_sees_the_withdrawal(page, world, student):
    page.goto(f"/activities/{world.programme_draft_a.pk}/answers/?status=withdrawn")
    row = page.locator("tr").filter(has_text=student.full_name)
    row.locator(".badge").get_by_text("Đã rút lại sự đồng ý").wait_for()


def sign_in_as_head(page, world):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(world.principal.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/")


def test_a_parent_activates_agrees_and_withdraws_on_a_phone(
    world, page, phone_page, screenshot, settings
):
    settings.AXES_ENABLED = False
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(
        status="approved", title="Câu lạc bộ tiếng Anh"
    )
    student = StudentFactory(school=world.school_a, grade=8, full_name="Ngô Gia Bảo")
    guardian = GuardianFactory(full_name="Ngô Thị Lan", phone="0912000222", email="")
    GuardianshipFactory(student=student, guardian=guardian)
    [issued] = activation.parent_invitations_issue(
        actor=world.principal, school=world.school_a, guardians=[guardian]
    )

    phone_page.goto("/activate/")
    phone_page.locator("#id_identifier").fill("0912000222")
    phone_page.locator("#id_code").fill(issued.code)
    phone_page.locator("#id_password").fill("Hoa-sen-no-2026")
    phone_page.locator("#id_password_again").fill("Hoa-sen-no-2026")
    phone_page.locator("main form button[type=submit]").click()
    phone_page.wait_for_url("**/")
    phone_page.get_by_role("link", name="Xem và trả lời").click()
    fits(phone_page)
    screenshot(phone_page, "parent-child-offers")
    agree_then_withdraw(phone_page, screenshot, "parent-online")

    enrollment = Enrollment.objects.get(activity=world.programme_draft_a, student=student)
    assert enrollment.status == "withdrawn"
    channels = list(enrollment.consent_events.order_by("id").values_list("kind", "channel"))
    assert channels == [("given", "online"), ("withdrawn", "online")]
    sign_in_as_head(page, world)
    head_sees_the_withdrawal(page, world, student)


def test_a_family_without_an_account_does_the_same_through_its_personal_link(
    world, page, phone_page, screenshot, settings
):
    settings.AXES_ENABLED = False
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(
        status="approved", title="Câu lạc bộ tiếng Anh"
    )
    student = StudentFactory(school=world.school_a, grade=8, full_name="Lý Minh Châu")
    guardian = GuardianFactory(full_name="Lý Văn Hùng", phone="0912000333")
    GuardianshipFactory(student=student, guardian=guardian)

    phone_page.goto(link_for(guardian, student))
    phone_page.get_by_text("Đường dẫn riêng của Lý Văn Hùng").wait_for()
    fits(phone_page)
    agree_then_withdraw(phone_page, screenshot, "parent-link")

    enrollment = Enrollment.objects.get(activity=world.programme_draft_a, student=student)
    channels = list(enrollment.consent_events.order_by("id").values_list("kind", "channel"))
    assert channels == [("given", "link"), ("withdrawn", "link")]
    sign_in_as_head(page, world)
    head_sees_the_withdrawal(page, world, student)

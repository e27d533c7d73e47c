"""First journey: each demo role signs in, sees its own home page, and cannot open a page
of another scope."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Role
from schools import policy
from schools.models import School, Student

PASSWORD = "Demo@2026"

# username, what the home page must show
DEMO_LOGINS = [
    ("so.gddt", "Sở Giáo dục và Đào tạo"),
    ("thanhtra", "Thanh tra"),
    ("ubnd.hongbang", "Ủy ban nhân dân"),
    ("hieutruong.thcs.hongbang", "Hiệu trưởng"),
    ("giaovien.thcs.hongbang", "Giáo viên, nhân viên"),
    ("phuhuynh", "Cha mẹ học sinh"),
]


def sign_in(page, username):
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Tên đăng nhập, e-mail hoặc số điện thoại").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")


def out_of_scope_url(user):
    """A page this user must not open: a school or student outside their scope, or, for a
    role whose scope is the whole city, a page of another role."""
    outside = School.objects.exclude(pk__in=policy.visible(user, School).values("pk")).first()
    if outside is not None:
        return f"/schools/{outside.pk}/", "Không tìm thấy trang"
    if user.role == Role.INSPECTOR:
        return f"/students/{Student.objects.first().pk}/", "Không tìm thấy trang"
    school = School.objects.first()
    return f"/schools/{school.pk}/students/import/", "Không được phép"


@pytest.mark.parametrize(("username", "role_text"), DEMO_LOGINS)
def test_demo_role_signs_in_sees_its_home_and_nothing_outside(
    demo_city, page, screenshot, username, role_text
):
    user = get_user_model().objects.get(username=username)
    sign_in(page, username)
    main = page.locator("main")
    assert "Xin chào" in main.inner_text()
    assert role_text in page.locator("header").inner_text()
    assert "Việc cần làm" in main.inner_text()
    screenshot(page, f"home-{username}")

    url, message = out_of_scope_url(user)
    response = page.goto(url)
    assert response.status in (403, 404)
    assert message in page.locator("main").inner_text()

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/accounts/login/")


def test_parent_home_fits_a_phone_screen(demo_city, phone_page, screenshot):
    sign_in(phone_page, "phuhuynh")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    screenshot(phone_page, "home-phuhuynh-phone")

"""Two-step verification in the browser, as a Department official meets it in production:
signed in with the password, sent to set it up; the key typed into an "app" (computed here
from the key the page shows), the backup codes shown once; then signing in again takes the
code, a wrong one is refused with a message, and a backup code works once."""

from base64 import b32decode

from django.urls import reverse
from django_otp.oath import TOTP

from tests.factories import PASSWORD


def app_code(secret: str) -> str:
    """What an authenticator app shows for the key the set-up page gives."""
    key = secret.replace(" ", "")
    key += "=" * (-len(key) % 8)
    totp = TOTP(b32decode(key))
    return f"{totp.token():06d}"


def sign_in(page, username):
    page.goto(reverse("login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_an_official_sets_up_two_step_verification_and_signs_in_with_it(
    world, phone_page, settings, screenshot
):
    settings.TWO_FACTOR_REQUIRED = True
    settings.AXES_ENABLED = False
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    official = world.department

    # The password alone leads to the set-up page, and nowhere else.
    sign_in(page, official.username)
    page.wait_for_url(f"**{reverse('two_factor_setup')}")
    qr = page.locator("#two-factor-setup svg.qr-code")
    assert qr.is_visible()
    # The whole code is drawn, quiet zone included: scaled to the screen, not cropped.
    box = qr.bounding_box()
    assert 200 <= box["width"] <= 241 and abs(box["width"] - box["height"]) < 2
    assert qr.evaluate("svg => svg.getAttribute('viewBox')").startswith("0 0 ")
    assert page.locator("nav.site-nav").count() == 0  # no menu to places that will not open
    screenshot(page, "two-factor-setup-360")
    page.goto(reverse("reports:dashboard"))
    page.wait_for_url(f"**{reverse('two_factor_setup')}")

    # A wrong code turns nothing on and says so.
    page.locator("#two-factor-setup summary").click()
    secret = page.locator("#totp-secret").inner_text()
    page.locator("#id_code").fill("000000" if app_code(secret) != "000000" else "111111")
    page.locator("#two-factor-setup button[type=submit]").click()
    assert page.locator("#two-factor-setup .errorlist, #two-factor-setup .alert").first.is_visible()
    assert not official.totpdevice_set.filter(confirmed=True).exists()

    screenshot(page, "two-factor-setup-wrong-code-360")

    # The app's code turns it on (after the second's wait a wrong code earns); the backup
    # codes are shown once.
    page.wait_for_timeout(1500)
    page.locator("#two-factor-setup summary").click()
    page.locator("#id_code").fill(app_code(page.locator("#totp-secret").inner_text()))
    page.locator("#two-factor-setup button[type=submit]").click()
    page.wait_for_url(f"**{reverse('two_factor_backup_codes')}")
    codes = [c.strip() for c in page.locator(".backup-codes code").all_inner_texts()]
    assert len(codes) == 10 and len(set(codes)) == 10
    screenshot(page, "two-factor-backup-codes-360")
    page.goto(reverse("reports:dashboard"))
    assert page.locator("main h1").inner_text().strip() == "Tổng quan"
    assert page.locator("nav.site-nav").is_visible()
    page.goto(reverse("two_factor_backup_codes"))  # shown once only
    page.wait_for_url(f"**{reverse('two_factor')}")

    # Signing in again: password, then the code page; a wrong code is refused.
    page.locator("form[action$='/logout/'] button").click()  # sign out
    sign_in(page, official.username)
    page.wait_for_url(f"**{reverse('login_code')}")
    page.locator("#id_code").fill("12345678")
    page.locator("#login-code button[type=submit]").click()
    assert page.locator("#login-code .errorlist, #login-code .alert").first.is_visible()
    screenshot(page, "two-factor-login-code-360")
    # A backup code signs in, once.
    page.locator("#id_code").fill(codes[0])
    page.locator("#login-code button[type=submit]").click()
    page.wait_for_url(lambda url: reverse("login_code") not in url)
    page.goto(reverse("reports:dashboard"))
    assert page.locator("main h1").inner_text().strip() == "Tổng quan"
    page.locator("form[action$='/logout/'] button").click()
    sign_in(page, official.username)
    page.wait_for_url(f"**{reverse('login_code')}")
    page.locator("#id_code").fill(codes[0])
    page.locator("#login-code button[type=submit]").click()
    assert reverse("login_code") in page.url  # used up
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []

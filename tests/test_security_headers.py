"""Headers and error pages as production serves them.

The security settings are read from ``config.settings`` loaded in a separate process with
only the production essentials in the environment (``DEBUG=False``...), then applied to
this process, so that a change to the settings' production branch shows here. Requests go
over HTTPS (``secure=True``), as behind the load balancer. ``tests/test_settings.py``
checks ``check --deploy`` and the development defaults; this file checks what a browser
receives.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template import loader
from django.test import Client
from django.urls import path, reverse

from config.urls import urlpatterns as portal_urlpatterns
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
SECRET = "secret-detail-4711: connection to db-primary.internal refused"
SECURITY_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "DEBUG",
]


# Views that fail, reached only through this module's URLconf.
def boom(request):
    raise RuntimeError(SECRET)


def not_found(request):
    raise Http404(SECRET)


def denied(request):
    raise PermissionDenied(SECRET)


urlpatterns = [
    path("test-only/boom/", boom),
    path("test-only/not-found/", not_found),
    path("test-only/denied/", denied),
    *portal_urlpatterns,
]


@pytest.fixture(scope="module")
def production_settings():
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{k: getattr(settings, k) for k in {SECURITY_SETTINGS!r}}}))"
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "False",
        "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-1234567890",
        "ALLOWED_HOSTS": "portal.example.vn",
        "SITE_URL": "https://portal.example.vn",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, production_settings):
    for name, value in production_settings.items():
        setattr(settings, name, value)
    assert settings.DEBUG is False
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ROOT_URLCONF = __name__
    return settings


class HttpsClient(Client):
    """Every request over HTTPS, as the load balancer forwards it."""

    def generic(self, *args, secure=True, **kwargs):
        return super().generic(*args, secure=True, **kwargs)


def https(user=None) -> Client:
    client = HttpsClient(raise_request_exception=False)
    if user:
        client.force_login(user)
    return client


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    found = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


def assert_hardened(response):
    csp = directives(response)
    for name in ("script-src", "style-src"):
        sources = csp.get(name, csp.get("default-src"))
        assert sources, name
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, (name, sources)
        assert "*" not in sources and "data:" not in sources, (name, sources)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    hsts = dict(
        (item.strip().split("=") + [""])[:2]
        for item in response["Strict-Transport-Security"].split(";")
    )
    assert int(hsts["max-age"]) >= 31536000
    assert "includeSubDomains" in hsts
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def assert_no_debug_information(response):
    text = response.content.decode()
    for leak in (SECRET, "Traceback", "RuntimeError", "Django", "settings.py", "URLconf", "DEBUG"):
        assert leak not in text, leak


# --- Every kind of answer carries the headers -------------------------------------------


@pytest.mark.parametrize(
    ("who", "name"),
    [
        (None, "login"),
        (None, "public:search"),
        (None, "public:rights"),
        ("staff", "schools:home"),
        ("principal", "schools:school_list"),
        ("department", "schools:audit_list"),
        ("parent", "schools:home"),
    ],
)
def test_pages_carry_the_security_headers_in_production(world, production, who, name):
    response = https(getattr(world, who) if who else None).get(reverse(name))
    assert response.status_code == 200
    assert_hardened(response)


def test_a_download_carries_them_too(world, production):
    url = reverse(
        "partnerships:programme_document",
        args=[world.programme_a.pk, world.programme_a.documents.get().pk],
    )
    response = https(world.principal).get(url)
    assert response.status_code == 200
    assert_hardened(response)
    assert response["Content-Disposition"].startswith("attachment;")


def test_plain_http_is_sent_to_https_except_the_health_probe(db, production):
    response = Client().get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert Client().get(reverse("healthz")).status_code == 200


def test_the_session_and_csrf_cookies_travel_only_over_https(world, production):
    client = https()
    client.get(reverse("login"))
    response = client.post(
        reverse("login"), {"username": world.staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    session = client.cookies[production.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"]
    assert client.cookies[production.CSRF_COOKIE_NAME]["secure"]


def test_development_keeps_the_content_security_policy(db, settings):
    """With DEBUG on (a laptop) the policy is the same: a page that breaks in production
    breaks on the developer's screen first."""
    settings.DEBUG = True
    csp = directives(Client().get(reverse("login")))
    assert "'unsafe-inline'" not in csp["script-src"] + csp["style-src"]
    assert csp["frame-ancestors"] == ["'none'"]


# --- Error pages -----------------------------------------------------------------------


def test_a_server_error_shows_the_generic_page_without_the_exception(db, production):
    response = https().get("/test-only/boom/")
    assert response.status_code == 500
    assert response.content.decode() == loader.get_template("500.html").render()
    assert_no_debug_information(response)
    assert_hardened(response)


def test_a_server_error_for_a_signed_in_user_is_as_generic(world, production):
    response = https(world.department).get("/test-only/boom/")
    assert response.status_code == 500
    assert_no_debug_information(response)


@pytest.mark.parametrize("url", ["/no-such-page/", "/test-only/not-found/"])
def test_a_missing_page_shows_the_portals_404_without_details(world, production, url):
    response = https(world.staff).get(url)
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert_no_debug_information(response)
    assert_hardened(response)


def test_a_refusal_shows_the_portals_403_without_its_reason(world, production):
    response = https(world.staff).get("/test-only/denied/")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert_no_debug_information(response)
    assert_hardened(response)


def test_an_object_outside_the_scope_is_a_plain_404(world, production):
    """The policy's 404 for another school's student says nothing of the record."""
    url = reverse("schools:student_detail", args=[world.student_far.pk])
    response = https(world.principal).get(url)
    assert response.status_code == 404
    assert world.student_far.full_name not in response.content.decode()
    assert_no_debug_information(response)


def test_a_form_without_its_csrf_token_is_refused_without_details(world, production):
    client = https()
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert [t.name for t in response.templates] == ["403_csrf.html"]
    assert_no_debug_information(response)
    assert "Referer" not in response.content.decode()
    assert_hardened(response)

import os
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_only_the_production_essentials():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="False",
        SECRET_KEY="k" * 20 + "a-long-random-production-secret-1234567890",
        ALLOWED_HOSTS="portal.example.vn",
        SITE_URL="https://portal.example.vn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_wants_the_public_address_printed_on_documents():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="False",
        SECRET_KEY="k" * 20 + "a-long-random-production-secret-1234567890",
        ALLOWED_HOSTS="portal.example.vn",
        SITE_URL="http://127.0.0.1:8000",
    )
    assert result.returncode != 0
    assert "reports.W001" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="False", ALLOWED_HOSTS="portal.example.vn")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_pages_are_vietnamese_by_default_and_english_on_request(db):
    client = Client()
    page = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in page
    assert '<html lang="vi">' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("login")).content.decode()
    assert "Sign in" in page
    assert '<html lang="en">' in page


def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Đăng nhập" in client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Sign in" in client.get(reverse("login")).content.decode()


def test_responses_carry_a_strict_content_security_policy(db):
    response = Client().get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_client_address_is_not_taken_from_a_forged_header(rf, settings):
    from accounts.network import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "203.0.113.9"
    # Behind one load balancer: the address it appended, not what the client wrote.
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "198.51.100.4"
    # A request that did not come through it keeps its own address.
    request = rf.get("/", REMOTE_ADDR="198.51.100.7")
    assert client_ip(request) == "198.51.100.7"


STORAGE_PROBE = (
    "from django.core.files.storage import storages; s = storages['default']; "
    "print(type(s).__name__, getattr(s, 'bucket_name', '-'), getattr(s, 'endpoint_url', '-'), "
    "getattr(s, 'default_acl', '-'), getattr(s, 'querystring_auth', '-'), "
    "getattr(s, 'file_overwrite', '-'))"
)


def test_uploads_go_to_a_private_s3_compatible_bucket_when_one_is_named():
    result = _manage(
        "shell",
        "-c",
        STORAGE_PROBE,
        S3_BUCKET="cong-day-them",
        S3_ENDPOINT_URL="https://s3.example.vn",
        S3_ACCESS_KEY_ID="AKIAEXAMPLE",
        S3_SECRET_ACCESS_KEY="secret-example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "S3Storage",
        "cong-day-them",
        "https://s3.example.vn",
        "None",
        "True",
        "False",
    ]


def test_uploads_stay_on_the_local_disk_without_a_bucket():
    result = _manage("shell", "-c", STORAGE_PROBE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split()[0] == "FileSystemStorage"

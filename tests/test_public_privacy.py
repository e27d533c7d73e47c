"""No student data on the public side: with the demo city seeded, every public page and
every open-data file is searched for every student's name and identifiers and every
guardian's name, phone number and e-mail, and none appears."""

import json
import os
import re
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from partnerships.models import Programme
from reports.models import IssuedDocument
from schools.models import Guardian, School, Student


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _needles() -> dict[str, str]:
    """What must never be public, each with what it is (for the failure message)."""
    needles = {}
    for name, code, personal_id in Student.objects.values_list(
        "full_name", "national_id", "personal_id"
    ):
        needles[name] = "student name"
        needles[code] = "student code"
        if personal_id:
            needles[personal_id] = "student personal ID"
    # Heads and teachers are named on the public pages, as they should be; a guardian who
    # shares a name with one of them (common names recur) is not looked for by name.
    public_names = set(User.objects.exclude(role=Role.PARENT).values_list("full_name", flat=True))
    for name, phone, email in Guardian.objects.values_list("full_name", "phone", "email"):
        if name not in public_names:
            needles[name] = "guardian name"
        for value, what in ((phone, "guardian phone"), (email, "guardian e-mail")):
            if value:
                needles[value] = what
    return needles


def _public_urls(client) -> list[str]:
    """Every page a visitor can reach without signing in: the sitemap's, every page of the
    school search, the open data, the complaint pages and the document checks."""
    urls = [
        reverse("public:search"),
        reverse("public:rights"),
        reverse("public:open_data"),
        reverse("public:verify_lookup"),
        reverse("public:sitemap"),
        reverse("robots"),
        reverse("inspections:complaint_new"),
        reverse("inspections:complaint_track"),
    ]
    for section in ("pages", "schools", "programmes"):
        sitemap = client.get(reverse("public:sitemap_section", args=[section]))
        urls += [urlparse(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap.text)]
    search = client.get(reverse("public:search"))
    pages = search.context["page"].paginator.num_pages
    urls += [f"{reverse('public:search')}?page={n}" for n in range(2, pages + 1)]
    for dataset in ("schools", "areas", "fees"):
        for fmt in ("csv", "json"):
            urls.append(reverse("public:open_data_file", args=[dataset, fmt]))
    for school in School.objects.filter(is_active=True):
        urls.append(f"{reverse('inspections:complaint_new')}?school={school.pk}")
    for code in IssuedDocument.objects.values_list("code", flat=True):
        urls.append(reverse("public:verify", args=[code]))
    return urls


@pytest.mark.django_db
def test_no_public_page_or_open_data_file_shows_a_student_or_a_guardians_phone(demo):
    client = Client()
    needles = _needles()
    urls = _public_urls(client)
    # The sweep did reach what it must: every school, every public programme, the files.
    schools = School.objects.filter(is_active=True).count()
    programmes = Programme.objects.filter(
        status__in=["approved", "suspended"],
        school__is_active=True,
        end_date__gte=timezone.localdate(),
    ).count()
    assert sum("/public/schools/" in u for u in urls) == schools > 10
    assert sum("/public/programmes/" in u for u in urls) == programmes > 10
    assert len(needles) > 100

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        if url.endswith(".json"):
            assert json.loads(text)["rows"], url  # the file holds figures to search
        found = [f"{what} {needle!r}" for needle, what in needles.items() if needle in text]
        assert found == [], f"{url} shows {found}"

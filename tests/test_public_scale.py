"""The public school page at city scale: its number of queries does not grow with the
number of schools, classes, programmes, teachers or declarations, and a second visit is
served from the cache without touching the database."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import ActivitySlot, School, StaffMember, Subject
from tests.conftest import _programme
from tests.factories import SchoolFactory, UserFactory
from tutoring.models import TutoringClass


def _grow(world, n):
    """``n`` more open classes (each with two teachers and two slots) and ``n`` more
    approved programmes at school A, and ``n`` more schools in its area with a programme
    each."""
    school, year = world.school_a, world.year
    for i in range(n):
        teachers = [
            StaffMember.objects.create(
                user=UserFactory(username=f"teacher_{n}_{i}_{k}"), school=school
            )
            for k in range(2)
        ]
        tc = TutoringClass.objects.create(
            school=school,
            school_year=year,
            title=f"Ngữ văn {i}",
            subject=Subject.objects.get(code="ngu-van"),
            grade=9,
            category="exam_review",
            capacity=30,
            start_date=year.start,
            end_date=year.end,
            status="open",
            created_by=world.principal,
        )
        tc.teachers.set(teachers)
        for weekday in (2, 4):
            ActivitySlot.objects.create(
                activity=tc, weekday=weekday, start=datetime.time(17), end=datetime.time(18)
            )
        _programme(school, year, world.partner, world.principal, None, None)
        other = SchoolFactory(unit=world.area_a, name=f"Trường THCS số {n}-{i}")
        _programme(other, year, world.partner, world.principal, None, None)


def _main(response) -> str:
    """The page's content, without the header's per-visitor form token."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _visit(url):
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.django_db
def test_the_school_page_needs_as_many_queries_for_a_large_school_as_for_a_small_one(world):
    url = reverse("public:school", args=[world.school_a.pk])
    _small_page, small = _visit(url)

    _grow(world, 15)  # a save moves the cache's generation: the next visit renders afresh
    large_page, large = _visit(url)

    assert large == small
    # The page did list what was added (so the count is not that of an empty page).
    assert large_page.content.decode().count("Ngữ văn") == 15
    assert School.objects.count() >= 19


@pytest.mark.django_db
def test_a_second_visit_to_the_school_page_is_served_from_the_cache(world):
    url = reverse("public:school", args=[world.school_a.pk])
    first, first_queries = _visit(url)
    second, second_queries = _visit(url)

    assert first_queries > 0
    assert second_queries == 0
    assert _main(second) == _main(first)


@pytest.mark.django_db
def test_the_programme_page_needs_as_many_queries_with_many_programmes_around(world):
    url = reverse("public:programme", args=[world.programme_a.pk])
    _page, small = _visit(url)

    _grow(world, 15)
    page, large = _visit(url)

    assert large == small
    # The comparison counts the programmes of the area: the 1 + 15 + 15 added.
    assert "fee-compare" in page.content.decode()
    _page, cached = _visit(url)
    assert cached == 0

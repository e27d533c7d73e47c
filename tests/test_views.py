"""The registry pages: what each role sees, search, pagination, empty states, and query
counts that stay flat as rows grow."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import StaffMember
from tests.conftest import client_for
from tests.factories import GuardianshipFactory, SchoolFactory, StudentFactory, UserFactory


def queries_for(client, url):
    client.get(url)  # warm per-process caches (content types) first
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_school_list_is_scoped_and_searchable(world):
    client = client_for(world.committee)
    page = client.get(reverse("schools:school_list")).content.decode()
    assert world.school_a.name in page and world.upper_a.name in page
    assert world.school_b.name not in page
    page = client.get(reverse("schools:school_list"), {"q": "THPT"}).content.decode()
    assert world.upper_a.name in page and world.school_a.name not in page


def test_school_list_answers_htmx_with_the_rows_only(world):
    client = client_for(world.department)
    response = client.get(reverse("schools:school_list"), {"q": "Lê"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert world.school_b.name in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    # htmx restoring its history asks for the whole page.
    response = client.get(
        reverse("schools:school_list"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_school_list_with_no_match_says_so(world):
    page = client_for(world.department).get(reverse("schools:school_list"), {"q": "zzz"})
    assert "empty" in page.content.decode()


def test_school_list_query_count_is_flat(world):
    client = client_for(world.department)
    url = reverse("schools:school_list")
    before = queries_for(client, url)
    for _ in range(30):
        SchoolFactory(unit=world.area_b, head=UserFactory())
    assert queries_for(client, url) == before
    assert before <= 10


def test_student_list_query_count_is_flat_and_paginated(world):
    client = client_for(world.principal)
    url = reverse("schools:student_list", args=[world.school_a.pk])
    before = queries_for(client, url)
    for _ in range(60):
        GuardianshipFactory(student=StudentFactory(school=world.school_a))
    assert queries_for(client, url) == before
    page = client.get(url).content.decode()
    assert "61 học sinh" in page
    assert "page=2" in page


def test_staff_list_query_count_is_flat(world):
    client = client_for(world.principal)
    url = reverse("schools:staff_list", args=[world.school_a.pk])
    before = queries_for(client, url)
    for _ in range(20):
        StaffMember.objects.create(user=UserFactory(), school=world.school_a)
    assert queries_for(client, url) == before


def test_unit_list_query_count_is_flat(world):
    client = client_for(world.department)
    url = reverse("schools:unit_list")
    before = queries_for(client, url)
    from tests.factories import UnitFactory

    for _ in range(20):
        UnitFactory(parent=world.province)
    assert queries_for(client, url) == before


def test_home_query_count_does_not_grow_with_schools(world):
    client = client_for(world.department)
    before = queries_for(client, reverse("schools:home"))
    for _ in range(20):
        SchoolFactory(unit=world.area_b)
    assert queries_for(client, reverse("schools:home")) == before


def test_principal_home_asks_to_import_students_when_there_are_none(world):
    school = SchoolFactory(unit=world.area_a)
    principal = UserFactory()
    from accounts.models import Role
    from schools.services import role_grant

    role_grant(actor=None, user=principal, role=Role.PRINCIPAL, school=school)
    page = client_for(principal).get(reverse("schools:home")).content.decode()
    assert reverse("schools:student_import", args=[school.pk]) in page


def test_parent_home_lists_their_children_only(world):
    page = client_for(world.parent).get(reverse("schools:home")).content.decode()
    assert world.student_a.full_name in page
    assert world.student_b.full_name not in page


def test_student_page_shows_guardians_to_the_school(world):
    page = (
        client_for(world.staff)
        .get(reverse("schools:student_detail", args=[world.student_a.pk]))
        .content.decode()
    )
    assert world.guardian_a.full_name in page
    assert world.guardian_a.phone in page


def test_staff_list_shows_teaching_assignments(world):
    page = (
        client_for(world.principal)
        .get(reverse("schools:staff_list", args=[world.school_a.pk]))
        .content.decode()
    )
    assert world.staff.full_name in page
    assert "7A1" in page


def test_import_page_rejects_a_file_of_the_wrong_type(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.principal)
    url = reverse("schools:student_import", args=[world.school_a.pk])
    response = client.post(url, {"file": SimpleUploadedFile("list.pdf", b"%PDF-1.4")})
    assert response.status_code == 200
    assert ".xlsx" in response.content.decode()
    assert not world.school_a.imports.exclude(pk=world.import_a.pk).exists()


def test_import_page_answers_405_to_other_methods(world):
    client = client_for(world.principal)
    url = reverse("schools:student_import", args=[world.school_a.pk])
    assert client.put(url).status_code == 405

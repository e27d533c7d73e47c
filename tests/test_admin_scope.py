"""Writes through the admin stay inside the user's scope."""

from django.urls import reverse

from accounts.models import Role
from schools.models import Guardianship
from schools.services import role_grant
from tests.conftest import client_for


def test_an_official_cannot_link_a_student_of_another_province(world):
    guardian = world.student_b.guardians.get()
    link = guardian.guardianships.get()
    url = reverse("admin:schools_guardian_change", args=[guardian.pk])
    data = {
        "full_name": guardian.full_name,
        "phone": guardian.phone,
        "email": "",
        "guardianships-TOTAL_FORMS": 2,
        "guardianships-INITIAL_FORMS": 1,
        "guardianships-MIN_NUM_FORMS": 0,
        "guardianships-MAX_NUM_FORMS": 1000,
        "guardianships-0-id": link.pk,
        "guardianships-0-guardian": guardian.pk,
        "guardianships-0-student": world.student_b.pk,
        "guardianships-0-relationship": "mother",
        "guardianships-1-guardian": guardian.pk,
        "guardianships-1-student": world.student_far.pk,
        "guardianships-1-relationship": "mother",
    }
    response = client_for(world.department).post(url, data)
    assert response.status_code == 200  # the form comes back with an error
    assert not Guardianship.objects.filter(student=world.student_far, guardian=guardian).exists()
    # The same form with a student in scope is accepted.
    data["guardianships-1-student"] = world.student_a.pk
    response = client_for(world.department).post(url, data)
    assert response.status_code == 302
    assert Guardianship.objects.filter(student=world.student_a, guardian=guardian).exists()


def test_an_official_cannot_make_a_staff_member_head_of_a_school(world):
    url = reverse("admin:schools_school_change", args=[world.school_b.pk])
    response = client_for(world.department).get(url)
    assert response.status_code == 200
    choices = response.context["adminform"].form.fields["head"].queryset
    assert world.principal in choices
    assert world.staff not in choices and world.department not in choices


def test_a_units_code_and_parent_cannot_be_edited(world):
    url = reverse("admin:schools_administrativeunit_change", args=[world.area_a.pk])
    form = client_for(world.department).get(url).context["adminform"].form
    assert "code" not in form.fields and "parent" not in form.fields


def test_an_official_moved_to_another_role_loses_the_admin(world):
    role_grant(actor=None, user=world.department, role=Role.STAFF, school=world.school_a)
    world.department.refresh_from_db()
    assert not world.department.is_staff
    assert not world.department.groups.exists()
    response = client_for(world.department).get(reverse("admin:index"))
    assert response.status_code == 302

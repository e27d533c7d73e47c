import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError

from accounts.models import Role
from schools import policy
from schools.models import AdministrativeUnit, School, SchoolLevel, Student
from schools.services import role_grant
from tests.factories import SchoolFactory, UnitFactory, UserFactory


def names(queryset):
    return sorted(obj.name for obj in queryset)


def test_committee_sees_the_schools_of_its_ward_only(world):
    assert names(policy.visible(world.committee, School)) == names([world.school_a, world.upper_a])


def test_department_sees_its_province_not_another(world):
    schools = policy.visible(world.department, School)
    assert world.school_far not in schools
    assert {world.school_a, world.school_b, world.upper_a} <= set(schools)


def test_committee_sees_no_student_of_a_department_managed_school(world):
    students = policy.visible(world.committee, Student)
    assert world.student_a in students
    assert world.student_upper_a not in students


def test_inspector_sees_schools_but_not_students_wholesale(world):
    assert world.school_a in policy.visible(world.inspector, School)
    assert not policy.visible(world.inspector, Student).exists()


def test_principal_and_staff_see_their_own_school_only(world):
    for user in (world.principal, world.staff):
        assert list(policy.visible(user, School)) == [world.school_a]
        assert list(policy.visible(user, Student)) == [world.student_a]


def test_parent_sees_their_own_link_not_the_other_parents_contact(world):
    from schools.models import Guardianship
    from tests.factories import GuardianshipFactory

    GuardianshipFactory(student=world.student_a, relationship="father")
    links = policy.visible(world.parent, Guardianship)
    assert [link.guardian for link in links] == [world.guardian_a]


def test_parent_sees_only_their_own_children(world):
    assert list(policy.visible(world.parent, Student)) == [world.student_a]
    assert list(policy.visible(world.parent, School)) == [world.school_a]


def test_a_global_permission_never_widens_a_scope(world):
    """django-guardian accepts global permissions by default; the policy must not."""
    group = Group.objects.create(name="careless")
    group.permissions.add(
        Permission.objects.get(codename="head_school"),
        Permission.objects.get(codename="work_in_school"),
        Permission.objects.get(codename="oversee_unit"),
    )
    outsider = UserFactory(role=Role.PRINCIPAL)
    outsider.groups.add(group)
    world.staff.groups.add(group)
    assert not policy.visible(outsider, School).exists()
    assert list(policy.visible(world.staff, School)) == [world.school_a]


def test_a_user_without_a_role_sees_nothing(world):
    nobody = UserFactory()
    for model in (School, Student, AdministrativeUnit):
        assert not policy.visible(nobody, model).exists()


def test_an_inactive_user_sees_nothing(world):
    world.principal.is_active = False
    assert not policy.visible(world.principal, School).exists()


def test_get_object_or_404_hides_what_is_outside(world):
    from django.http import Http404

    assert policy.get_object_or_404(world.principal, School, pk=world.school_a.pk)
    with pytest.raises(Http404):
        policy.get_object_or_404(world.principal, School, pk=world.school_b.pk)


def test_only_the_principal_of_the_school_may_import_its_students(world):
    assert policy.can(world.principal, "school.import_students", world.school_a)
    assert not policy.can(world.principal, "school.import_students", world.school_b)
    assert not policy.can(world.staff, "school.import_students", world.school_a)
    assert not policy.can(world.department, "school.import_students", world.school_a)


def test_unknown_action_is_a_programming_error(world):
    with pytest.raises(LookupError):
        policy.can(world.principal, "school.demolish", world.school_a)


def test_managing_authority_follows_the_level(settings, world):
    assert not world.school_a.managed_by_department
    assert world.upper_a.managed_by_department
    multi = SchoolFactory(level=SchoolLevel.MULTI_LEVEL, grade_min=1, grade_max=12)
    assert multi.managed_by_department
    settings.DEPARTMENT_MANAGED_LEVELS = ["upper_secondary", "continuing", "lower_secondary"]
    assert world.school_a.managed_by_department


def test_role_grant_refuses_a_scope_of_the_wrong_kind(world):
    user = UserFactory()
    with pytest.raises(ValidationError):
        role_grant(actor=None, user=user, role=Role.COMMITTEE, school=world.school_a)
    with pytest.raises(ValidationError):
        role_grant(actor=None, user=user, role=Role.PRINCIPAL, unit=world.area_a)
    with pytest.raises(ValidationError):
        role_grant(actor=None, user=user, role=Role.DEPARTMENT, unit=world.area_a)


def test_three_tier_and_two_tier_units_with_a_merger(world):
    """A district abolished on 1 July 2025 points to its successor; the scope of a
    district committee still covers the communes below it."""
    district = UnitFactory(
        code="303",
        name="Quận Hồng Bàng",
        level=AdministrativeUnit.Level.DISTRICT,
        parent=world.province,
        valid_to=datetime.date(2025, 6, 30),
        successor=world.area_a,
    )
    old_commune = UnitFactory(
        code="11311",
        name="Phường Minh Khai",
        parent=district,
        valid_to=datetime.date(2025, 6, 30),
        successor=world.area_a,
    )
    assert old_commune.path == "31/303/11311/"
    assert old_commune.current_successor() == world.area_a
    assert not old_commune.is_current(datetime.date(2026, 1, 1))
    assert old_commune.is_current(datetime.date(2025, 1, 1))
    old_school = SchoolFactory(unit=old_commune)
    old_committee = UserFactory(role=Role.COMMITTEE)
    role_grant(actor=None, user=old_committee, role=Role.COMMITTEE, unit=district)
    assert list(policy.visible(old_committee, School)) == [old_school]
    # The committee of the ward formed by the merger keeps the school recorded under its
    # predecessors.
    assert old_school in policy.visible(world.committee, School)
    assert old_commune in policy.visible(world.committee, AdministrativeUnit)

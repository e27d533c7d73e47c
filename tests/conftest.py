"""Shared fixtures: a small world with one area inside each role's scope and one outside.

``world`` holds a province with two communes (A and B). In each commune: a lower-secondary
school (committee-managed) with a student and guardian; the province also has an upper-
secondary school in A (Department-managed). Users: one per role, scoped to A or to A's
school; ``other_*`` objects lie outside every A-scoped user's scope.
"""

from types import SimpleNamespace

import pytest
from django.test import Client

from accounts.models import Role
from schools.models import (
    AdministrativeUnit,
    ImportBatch,
    SchoolLevel,
    StaffMember,
    Subject,
    TeachingAssignment,
)
from schools.services import role_grant

from .factories import (
    PASSWORD,
    GuardianFactory,
    GuardianshipFactory,
    SchoolFactory,
    SchoolYearFactory,
    StudentFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.LANGUAGE_CODE = "vi"
    settings.AXES_ENABLED = False
    settings.DEMO_SEEDING_ALLOWED = True
    # Hashing is slow by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(db):
    province = UnitFactory(
        code="31", name="Thành phố Hải Phòng", level=AdministrativeUnit.Level.PROVINCE
    )
    other_province = UnitFactory(
        code="01", name="Thành phố Hà Nội", level=AdministrativeUnit.Level.PROVINCE
    )
    area_a = UnitFactory(code="31001", name="Phường Hồng Bàng", parent=province)
    area_b = UnitFactory(code="31002", name="Phường Lê Chân", parent=province)
    area_far = UnitFactory(code="01001", name="Phường Ba Đình", parent=other_province)
    year = SchoolYearFactory()

    school_a = SchoolFactory(unit=area_a, name="Trường THCS Hồng Bàng")
    school_b = SchoolFactory(unit=area_b, name="Trường THCS Lê Chân")
    school_far = SchoolFactory(unit=area_far, name="Trường THCS Ba Đình")
    upper_a = SchoolFactory(
        unit=area_a,
        name="Trường THPT Hồng Bàng",
        level=SchoolLevel.UPPER_SECONDARY,
        grade_min=10,
        grade_max=12,
    )

    student_a = StudentFactory(school=school_a, full_name="Phạm Minh Anh")
    student_b = StudentFactory(school=school_b, full_name="Vũ Thu Hà")
    student_upper_a = StudentFactory(school=upper_a, grade=11, homeroom="11A2")
    student_far = StudentFactory(school=school_far)

    def user(role, **scope):
        u = UserFactory(username=f"{role}_{len(scope)}_{UserFactory._meta.model.objects.count()}")
        role_grant(actor=None, user=u, role=role, **scope)
        return u

    department = user(Role.DEPARTMENT, unit=province)
    inspector = user(Role.INSPECTOR, unit=province)
    committee = user(Role.COMMITTEE, unit=area_a)
    principal = user(Role.PRINCIPAL, school=school_a)
    staff = user(Role.STAFF, school=school_a)
    parent = UserFactory(username="parent_a", role=Role.PARENT)
    guardian_a = GuardianFactory(full_name="Phạm Văn Bố", user=parent)
    GuardianshipFactory(student=student_a, guardian=guardian_a)
    GuardianshipFactory(student=student_b)

    # Users and records outside every A-scoped user's scope.
    far_principal = user(Role.PRINCIPAL, school=school_far)
    far_committee = user(Role.COMMITTEE, unit=area_far)
    TermFactory(school_year=year)
    staff_member = StaffMember.objects.get(user=staff, school=school_a)
    TeachingAssignment.objects.create(
        staff=staff_member,
        school_year=year,
        subject=Subject.objects.get(code="toan"),
        homeroom="7A1",
    )
    TeachingAssignment.objects.create(
        staff=StaffMember.objects.get(user=far_principal),
        school_year=year,
        subject=Subject.objects.get(code="ngu-van"),
        homeroom="9A1",
    )
    import_a = ImportBatch.objects.create(
        kind=ImportBatch.Kind.STUDENTS,
        school=school_a,
        uploaded_by=principal,
        file_name="a.xlsx",
        outcome=ImportBatch.Outcome.APPLIED,
    )
    import_b = ImportBatch.objects.create(
        kind=ImportBatch.Kind.STUDENTS,
        school=school_b,
        file_name="b.xlsx",
        outcome=ImportBatch.Outcome.APPLIED,
    )
    import_far = ImportBatch.objects.create(
        kind=ImportBatch.Kind.STUDENTS,
        school=school_far,
        uploaded_by=far_principal,
        file_name="far.xlsx",
        outcome=ImportBatch.Outcome.REJECTED,
    )

    return SimpleNamespace(
        far_principal=far_principal,
        far_committee=far_committee,
        import_a=import_a,
        import_b=import_b,
        import_far=import_far,
        province=province,
        area_a=area_a,
        area_b=area_b,
        area_far=area_far,
        year=year,
        school_a=school_a,
        school_b=school_b,
        school_far=school_far,
        upper_a=upper_a,
        student_a=student_a,
        student_b=student_b,
        student_upper_a=student_upper_a,
        student_far=student_far,
        guardian_a=guardian_a,
        department=department,
        inspector=inspector,
        committee=committee,
        principal=principal,
        staff=staff,
        parent=parent,
        users={
            Role.DEPARTMENT: department,
            Role.INSPECTOR: inspector,
            Role.COMMITTEE: committee,
            Role.PRINCIPAL: principal,
            Role.STAFF: staff,
            Role.PARENT: parent,
        },
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def password():
    return PASSWORD

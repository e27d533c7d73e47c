import datetime
import unicodedata
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client

from accounts.models import Role
from schools import policy
from schools.management.commands.seed_demo import DEMO_LOGINS, DEMO_PASSWORD
from schools.models import (
    AdministrativeUnit,
    Guardian,
    School,
    SchoolLevel,
    SchoolYear,
    StaffMember,
    Student,
    TeachingAssignment,
)

User = get_user_model()
DIACRITICS = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def seed_demo(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    labels = ("schools", "accounts", "auth", "guardian")
    return {
        model._meta.label: model.objects.count()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    }


@pytest.fixture(scope="class")
def demo_city(django_db_setup, django_db_blocker):
    """``seed_demo`` once for a class of tests that only read, rolled back after them.
    Seeded before the per-test settings apply, so no test here checks a password."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_city, db):
    return demo_city


def user(username):
    return User.objects.get(username=username)


def test_seed_demo_twice_duplicates_nothing(db):
    seed_demo()
    first = row_counts()
    students = dict(Student.objects.values_list("national_id", "full_name"))
    seed_demo()
    assert row_counts() == first
    assert dict(Student.objects.values_list("national_id", "full_name")) == students
    assert first["schools.Student"] > 0 and first["accounts.AuditEvent"] > 0


def test_every_printed_login_exists_and_signs_in_with_the_demo_password(db):
    # Seeded here, not in the class below: the password is hashed under the test settings.
    out = seed_demo()
    assert DEMO_PASSWORD in out
    for _label, username in DEMO_LOGINS:
        assert username in out
        assert Client().login(username=username, password=DEMO_PASSWORD), username


def test_admin_only_with_the_option(db):
    seed_demo()
    assert not User.objects.filter(username="admin").exists()
    out = seed_demo("--with-admin")
    assert "admin" in out
    admin = user("admin")
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)


class TestDemoCity:
    """What the printed logins see, all against one seeded city."""

    def test_output_is_vietnamese_with_diacritics(self, demo):
        assert "Tài khoản dùng thử" in demo and "Cha mẹ học sinh" in demo
        assert demo == unicodedata.normalize("NFC", demo)


    def test_city_has_old_districts_with_successors_and_current_communes(self, demo):
        province = AdministrativeUnit.objects.get(code="31")
        assert province.level == AdministrativeUnit.Level.PROVINCE
        districts = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.DISTRICT)
        communes = AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.COMMUNE)
        assert districts.count() == 3 and communes.count() == 3
        for district in districts:
            assert district.valid_to == datetime.date(2025, 6, 30)
            assert district.current_successor() in communes
            assert not district.is_current(datetime.date(2026, 11, 22))
        for commune in communes:
            assert commune.parent == province and len(commune.code) == 5
            assert commune.code.startswith("31") and commune.valid_from == datetime.date(2025, 7, 1)


    def test_current_year_and_terms(self, demo):
        year = SchoolYear.current(datetime.date(2026, 11, 22))
        assert year.name == "2026-2027"
        assert (year.start, year.end) == (datetime.date(2026, 9, 5), datetime.date(2027, 5, 31))
        assert all(y.terms.count() == 2 for y in SchoolYear.objects.all())


    def test_schools_cover_every_level_and_one_was_merged(self, demo):
        active = School.objects.filter(is_active=True)
        assert set(active.values_list("level", flat=True)) == set(SchoolLevel.values)
        for level in (SchoolLevel.PRESCHOOL, SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY):
            assert active.filter(level=level).values("unit").distinct().count() == 3
        assert active.filter(level=SchoolLevel.UPPER_SECONDARY).count() == 3
        merged = School.objects.get(is_active=False)
        assert merged.merged_into.is_active
        for school in active:
            assert school.head is not None and school.head.role == Role.PRINCIPAL
            assert 3 <= school.staff.filter(user__role=Role.STAFF).count() <= 5
            assert 20 <= school.students.count() <= 42
            grades = set(school.students.values_list("grade", flat=True))
            assert grades <= set(range(school.grade_min, school.grade_max + 1))


    def test_students_have_vietnamese_names_codes_ages_and_guardians(self, demo):
        students = list(Student.objects.prefetch_related("guardians"))
        for student in students:
            assert student.full_name == unicodedata.normalize("NFC", student.full_name)
            assert len(student.national_id) == 10 and student.national_id.startswith("31")
            age = 2026 - student.date_of_birth.year
            assert 5 + student.grade <= age <= 7 + student.grade if student.grade else 3 <= age <= 6
            assert 1 <= len(student.guardians.all()) <= 2
        with_diacritics = [s for s in students if DIACRITICS & set(s.full_name.lower())]
        assert len(with_diacritics) >= 0.9 * len(students)
        assert any(s.full_name.startswith("Nguyễn ") for s in students)
        phones = list(Guardian.objects.values_list("phone", flat=True))
        assert len(phones) == len(set(phones))
        assert all(len(p) == 10 and p[:2] in {"09", "03", "08"} for p in phones)


    def test_department_sees_the_whole_city_and_has_the_admin(self, demo):
        so = user("so.gddt")
        assert so.role == Role.DEPARTMENT and so.is_staff
        assert so.has_perm("schools.change_school")
        # Officials keep the registry; they cannot edit accounts (nor make themselves
        # superusers) nor touch the audit log.
        assert not so.has_perm("accounts.change_user")
        assert not so.has_perm("accounts.change_auditevent")
        assert set(policy.visible(so, School)) == set(School.objects.all())


    def test_inspector_sees_the_city_schools_but_no_student_records(self, demo):
        inspector = user("thanhtra")
        assert inspector.role == Role.INSPECTOR
        assert set(policy.visible(inspector, School)) == set(School.objects.all())
        assert not policy.visible(inspector, Student).exists()


    def test_committee_sees_only_the_schools_of_its_ward(self, demo):
        committee = user("ubnd.hongbang")
        ward = AdministrativeUnit.objects.get(name="Phường Hồng Bàng")
        assert committee.role == Role.COMMITTEE
        assert list(policy.scope_units(committee)) == [ward]
        assert set(policy.visible(committee, School)) == set(ward.schools.all())
        students = policy.visible(committee, Student)
        assert students.exists()
        assert set(students.values_list("school__level", flat=True)) <= {
            SchoolLevel.PRESCHOOL, SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY,
        }
        assert set(students.values_list("school__unit", flat=True)) == {ward.pk}
        for other in ("ubnd.lechan", "ubnd.anduong"):
            assert not set(policy.visible(user(other), School)) & set(ward.schools.all())


    def test_principal_sees_only_their_school(self, demo):
        principal = user("hieutruong.thcs.hongbang")
        school = School.objects.get(name="Trường THCS Hồng Bàng")
        assert principal.role == Role.PRINCIPAL and school.head == principal
        assert list(policy.visible(principal, School)) == [school]
        assert set(policy.visible(principal, Student)) == set(school.students.all())
        assert policy.can(principal, "school.import_students", school)


    def test_staff_sees_their_school_and_teaches_this_year(self, demo):
        teacher = user("giaovien.thcs.hongbang")
        school = School.objects.get(name="Trường THCS Hồng Bàng")
        assert teacher.role == Role.STAFF
        assert list(policy.visible(teacher, School)) == [school]
        assert not policy.can(teacher, "school.import_students", school)
        assert TeachingAssignment.objects.filter(
            staff__user=teacher, school_year__name="2026-2027"
        ).exists()


    def test_parent_sees_two_children_in_two_schools(self, demo):
        parent = user("phuhuynh")
        assert parent.role == Role.PARENT and parent.guardian.phone == parent.phone
        children = policy.visible(parent, Student)
        assert children.count() == 2
        assert children.values("school").distinct().count() == 2
        assert policy.visible(parent, School).count() == 2
        assert not policy.visible(parent, StaffMember).exists()


def test_seed_scale_creates_schools_students_and_scoped_staff(db):
    out = StringIO()
    call_command(
        "seed_scale", "--schools", "3", "--students-per-school", "20",
        "--staff-per-school", "3", stdout=out,
    )
    assert "Học sinh" in out.getvalue()
    schools = School.objects.filter(moet_code__startswith="S")
    assert schools.count() == 3
    assert Student.objects.filter(school__in=schools).count() == 60
    assert Guardian.objects.filter(students__school__in=schools).distinct().count() == 60
    for school in schools:
        assert school.head.role == Role.PRINCIPAL
        assert list(policy.visible(school.head, School)) == [school]
        staff = User.objects.filter(staff_positions__school=school, role=Role.STAFF)
        assert staff.count() == 3
        for member in staff:
            assert list(policy.visible(member, School)) == [school]
            assert policy.visible(member, Student).count() == 20
    assert Client().login(username="s.gv0000000", password=DEMO_PASSWORD)


def test_seed_scale_beside_the_demo_and_refuses_a_used_prefix(db):
    seed_demo()
    args = ["seed_scale", "--schools", "1", "--students-per-school", "2",
            "--staff-per-school", "1", "--guardians-per-student", "2"]
    call_command(*args, stdout=StringIO())
    call_command(*args, "--prefix", "T", stdout=StringIO())
    assert Student.objects.filter(national_id__regex=r"^[ST]31").count() == 4
    with pytest.raises(CommandError):
        call_command(*args, stdout=StringIO())


@pytest.mark.parametrize("command", [["seed_demo"], ["seed_scale", "--schools", "1"]])
def test_seeding_refuses_a_production_site(db, settings, command):
    from django.core.management import CommandError, call_command

    settings.DEMO_SEEDING_ALLOWED = False
    with pytest.raises(CommandError, match="Demo seeding is off"):
        call_command(*command)
    assert not School.objects.exists()

import datetime

import factory
from django.contrib.auth import get_user_model

from schools.models import (
    AdministrativeUnit,
    Guardian,
    Guardianship,
    School,
    SchoolLevel,
    SchoolYear,
    StaffMember,
    Student,
    Term,
)

PASSWORD = "Mat-khau-2025"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def _default_province():
    province, _ = AdministrativeUnit.objects.get_or_create(
        code="31", defaults={"name": "Thành phố Hải Phòng", "level": "province"}
    )
    return province


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    code = factory.Sequence(lambda n: f"{31000 + n}")
    name = factory.Sequence(lambda n: f"Phường {n}")
    level = AdministrativeUnit.Level.COMMUNE
    parent = factory.LazyAttribute(
        lambda unit: (
            None if unit.level == AdministrativeUnit.Level.PROVINCE else _default_province()
        )
    )


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    moet_code = factory.Sequence(lambda n: f"31{n:06d}")
    name = factory.Sequence(lambda n: f"Trường THCS Số {n}")
    level = SchoolLevel.LOWER_SECONDARY
    grade_min = 6
    grade_max = 9
    unit = factory.SubFactory(UnitFactory)


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    national_id = factory.Sequence(lambda n: f"31{n:08d}")
    full_name = factory.Sequence(lambda n: f"Trần Thị Học Sinh {n}")
    date_of_birth = datetime.date(2012, 5, 17)
    sex = "F"
    grade = 7
    homeroom = "7A1"


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    full_name = factory.Sequence(lambda n: f"Lê Văn Phụ Huynh {n}")
    phone = factory.Sequence(lambda n: f"09{n:08d}")


class GuardianshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardianship

    student = factory.SubFactory(StudentFactory)
    guardian = factory.SubFactory(GuardianFactory)
    relationship = Guardianship.Relationship.MOTHER


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ["name"]

    name = "2026-2027"
    start = datetime.date(2026, 9, 5)
    end = datetime.date(2027, 5, 31)


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    school_year = factory.SubFactory(SchoolYearFactory)
    number = 1
    start = factory.LazyAttribute(lambda t: t.school_year.start)
    end = datetime.date(2027, 1, 15)

"""Shared fixtures: a small world with one area inside each role's scope and one outside.

``world`` holds a province with two communes (A and B). In each commune: a lower-secondary
school (committee-managed) with a student and guardian; the province also has an upper-
secondary school in A (Department-managed). Users: one per role, scoped to A or to A's
school; ``other_*`` objects lie outside every A-scoped user's scope.
"""

from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.test import Client

from accounts.models import Role
from schools.models import (
    ActivityEvent,
    ActivitySlot,
    AdministrativeUnit,
    ConsentEvent,
    Enrollment,
    ImportBatch,
    MainSession,
    SchoolLevel,
    StaffMember,
    Subject,
    SubjectResult,
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
def _test_settings(settings, tmp_path_factory):
    # Rate limits and the public pages live in the caches: each test starts afresh.
    for store in caches.all():
        store.clear()
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.LANGUAGE_CODE = "vi"
    settings.AXES_ENABLED = False
    settings.DEMO_SEEDING_ALLOWED = True
    # Tests change data and look at the dashboard again; the kept figures have tests of
    # their own (test_dashboard.py), which turn this back on.
    settings.FIGURES_CACHE_SECONDS = 0
    # Hashing is slow by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(db):
    # What the data migrations add, put back after a live-server test's flush emptied it.
    from public.management.commands.seed_demo import ensure_rule_policy, ensure_subjects

    ensure_subjects()
    ensure_rule_policy()
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

    class_a = _tutoring_class(school_a, year, staff_member, student_a, guardian_a, principal)
    class_far = _tutoring_class(
        school_far,
        year,
        StaffMember.objects.get(user=far_principal),
        student_far,
        None,
        far_principal,
    )

    from tutoring.models import TutoringClass

    draft_a = TutoringClass.objects.create(
        school=school_a,
        school_year=year,
        title="Toán 7 – bản nháp",
        subject=Subject.objects.get(code="toan"),
        grade=7,
        category="remedial",
        capacity=20,
        start_date=year.start,
        end_date=year.end,
        created_by=staff,
    )

    from tutoring.models import OutsideTutoringDeclaration

    def declare(teacher, registration):
        return OutsideTutoringDeclaration.objects.create(
            teacher=teacher,
            school_year=year,
            subject=Subject.objects.get(code="toan"),
            location="15 Lạch Tray, Hải Phòng",
            form="in_person",
            schedule="Thứ Ba, Thứ Năm 18:00–19:30",
            establishment_name="Trung tâm Ánh Dương",
            establishment_registration=registration,
        )

    declaration_a = declare(staff_member, "0201234567")
    declaration_far = declare(StaffMember.objects.get(user=far_principal), "0107654321")

    partner = _partner("Công ty TNHH Anh ngữ Sao Việt", "0201111111")
    programme_a = _programme(school_a, year, partner, principal, student_a, guardian_a)
    programme_far = _programme(school_far, year, partner, far_principal, student_far, None)
    programme_draft_a = _programme(school_a, year, partner, principal, None, None, "draft")

    return SimpleNamespace(
        partner=partner,
        programme_a=programme_a,
        programme_far=programme_far,
        programme_draft_a=programme_draft_a,
        declaration_a=declaration_a,
        declaration_far=declaration_far,
        draft_a=draft_a,
        class_a=class_a,
        class_far=class_far,
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


def _tutoring_class(school, year, teacher, student, guardian, actor):
    """An open remedial maths class with one weekly slot, a student and their result."""
    import datetime

    from tutoring.models import CapException, TutoringClass

    MainSession.objects.create(
        school=school, weekday=0, start=datetime.time(7), end=datetime.time(11, 15)
    )
    tc = TutoringClass.objects.create(
        school=school,
        school_year=year,
        title=f"Toán {student.grade} – phụ đạo",
        subject=Subject.objects.get(code="toan"),
        grade=student.grade,
        category="remedial",
        capacity=30,
        start_date=year.start,
        end_date=year.end,
        status="open",
        created_by=actor,
    )
    tc.teachers.set([teacher])
    ActivitySlot.objects.create(
        activity=tc, weekday=0, start=datetime.time(17), end=datetime.time(18, 30), periods=2
    )
    tc.terms_hash = tc.compute_terms_hash()
    tc.save()
    ActivityEvent.objects.create(activity=tc, actor=actor, to_status="open")
    CapException.objects.create(
        tutoring_class=tc,
        decision_number="12/QĐ-SGDĐT",
        decided_on=year.start,
        periods_allowed=3,
        recorded_by=actor,
    )
    SubjectResult.objects.create(
        student=student, term=year.terms.first(), subject=tc.subject, achieved=False
    )
    enrollment = Enrollment.objects.create(
        activity=tc, student=student, basis="not_achieved", status="enrolled"
    )
    if guardian is not None:
        ConsentEvent.objects.create(
            enrollment=enrollment,
            kind="given",
            guardian=guardian,
            channel="paper",
            actor=actor,
            terms_hash=tc.terms_hash,
            scan="consent/demo.pdf",
        )
    return tc


def _partner(name, tax_code):
    """An active partner licensed for foreign languages and STEM over 2025-2030."""
    import datetime

    from partnerships.models import Licence, Partner, PartnerDocument, PartnerEvent

    partner = Partner.objects.create(
        legal_name=name,
        tax_code=tax_code,
        business_registration=tax_code,
        address="12 Trần Phú, Hải Phòng",
    )
    PartnerEvent.objects.create(partner=partner, to_status="active")
    Licence.objects.create(
        partner=partner,
        issuer="Sở Giáo dục và Đào tạo Hải Phòng",
        number=f"GP-{tax_code[-3:]}",
        kinds=["language", "language_foreign", "stem"],
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2030, 12, 31),
    )
    PartnerDocument.objects.create(
        partner=partner,
        kind="registration",
        title="Giấy chứng nhận ĐKDN",
        file=ContentFile(b"%PDF-1.4 registration", name="dkdn.pdf"),
    )
    return partner


def _programme(school, year, partner, actor, student, guardian, status="approved"):
    """An approved English programme, Tuesday and Thursday after school, with one student
    on its roster."""
    import datetime

    from partnerships.models import Programme, ProgrammeDocument, ProgrammeTeacher

    programme = Programme.objects.create(
        school=school,
        school_year=year,
        title="Tiếng Anh giao tiếp",
        partner=partner,
        programme_kind="language",
        content_summary="Giao tiếp tiếng Anh theo chủ đề",
        grade_min=6,
        grade_max=9,
        capacity=35,
        monthly_fee=300_000,
        weekly_periods=2,
        start_date=year.start,
        end_date=year.end,
        status=status,
        approval_reference="45/QĐ-UBND" if status == "approved" else "",
        created_by=actor,
    )
    for weekday in (1, 3):
        ActivitySlot.objects.create(
            activity=programme,
            weekday=weekday,
            start=datetime.time(16, 45),
            end=datetime.time(17, 30),
        )
    ProgrammeTeacher.objects.create(
        programme=programme, full_name="Nguyễn Thu Trang", qualification="Cử nhân Sư phạm Anh"
    )
    ProgrammeDocument.objects.create(
        programme=programme,
        kind="contract",
        title="Hợp đồng",
        file=ContentFile(b"%PDF-1.4 contract", name="hop-dong.pdf"),
    )
    programme.terms_hash = programme.compute_terms_hash()
    programme.save()
    ActivityEvent.objects.create(activity=programme, actor=actor, to_status=status)
    if student is None:
        return programme
    # On the roster only with a parent's consent to the current terms.
    enrollment = Enrollment.objects.create(
        activity=programme,
        student=student,
        basis="voluntary",
        status="enrolled" if guardian else "proposed",
    )
    if guardian is not None:
        ConsentEvent.objects.create(
            enrollment=enrollment,
            kind="given",
            guardian=guardian,
            channel="paper",
            actor=actor,
            terms_hash=programme.terms_hash,
            scan="consent/demo.pdf",
        )
    return programme


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def password():
    return PASSWORD

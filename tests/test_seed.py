import datetime
import hashlib
import re
import unicodedata
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Max, Sum
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from inspections import complaints as complaining
from inspections.checklists import questions_for
from inspections.models import (
    ChecklistAnswer,
    Complaint,
    CorrectiveAction,
    Evidence,
    Inspection,
    InspectionPlan,
    InspectionSuspension,
)
from inspections.services import eligible_members
from partnerships import rules as programme_rules
from partnerships import selectors
from partnerships import services as partnering
from partnerships.models import FeePolicy, Partner, Programme, ProgrammeTeacher
from public.management.commands.seed_demo import (
    COMPLAINTS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    FAMILY,
    FAMILY_CODES,
    FATHER_CODE,
    what_they_see,
)
from reports import figures, tasks
from reports.models import IssuedDocument, ReportJob
from reports.services import report_retry
from schools import activation, consent, policy, risk
from schools.models import (
    Activity,
    ActivityEvent,
    AdministrativeUnit,
    ConsentEvent,
    Enrollment,
    Guardian,
    MainSession,
    ParentInvitation,
    School,
    SchoolLevel,
    SchoolYear,
    StaffMember,
    Student,
    SubjectResult,
    TeachingAssignment,
)
from schools.selectors import home_summary, offers_for
from tutoring import rules
from tutoring.models import CapException, OutsideTutoringDeclaration, TutoringClass

User = get_user_model()
# The class the school's new timetable now overlaps (seed_demo's TIMETABLE_CHANGES).
MOVED_INTO_THE_TIMETABLE = "Bồi dưỡng học sinh giỏi Ngữ văn 8"
DIACRITICS = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def seed_demo(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    labels = ("schools", "accounts", "auth", "guardian", "tutoring", "partnerships", "inspections",
              "reports")
    return {
        model._meta.label: model.objects.count()
        for label in labels
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


@pytest.fixture(scope="module")
def media_root(tmp_path_factory) -> Path:
    """The demo's consent scans go here rather than into the project's media/."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media(settings, media_root):
    settings.MEDIA_ROOT = media_root


@pytest.fixture(scope="class")
def demo_city(django_db_setup, django_db_blocker, media_root):
    """``seed_demo`` once for a class of tests that only read, rolled back after them.
    Seeded before the per-test settings apply, so no test here checks a password."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root),
        transaction.atomic(),
    ):
        yield seed_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_city, db):
    return demo_city


def user(username):
    return User.objects.get(username=username)


def test_seed_demo_twice_duplicates_nothing(db, media_root):
    seed_demo()
    first = row_counts()
    students = dict(Student.objects.values_list("national_id", "full_name"))
    activities = dict(Activity.objects.values_list("pk", "updated_at"))
    scans = sorted([*media_root.rglob("*.pdf"), *media_root.rglob("*.png")])
    ledger = [(model, model.objects.count())
              for model in (Partner, Programme, ConsentEvent, ParentInvitation, Enrollment)]
    waiting = dict(Enrollment.objects.filter(status="waiting")
                   .values_list("pk", "waiting_since"))
    seed_demo()
    assert [(model, model.objects.count()) for model, _ in ledger] == ledger
    assert dict(Enrollment.objects.filter(status="waiting")
                .values_list("pk", "waiting_since")) == waiting
    assert row_counts() == first
    assert dict(Student.objects.values_list("national_id", "full_name")) == students
    assert dict(Activity.objects.values_list("pk", "updated_at")) == activities
    assert sorted([*media_root.rglob("*.pdf"), *media_root.rglob("*.png")]) == scans
    assert first["schools.Student"] > 0 and first["accounts.AuditEvent"] > 0
    for label in ("schools.MainSession", "schools.SubjectResult", "tutoring.TutoringClass",
                  "tutoring.TutoringClass_teachers", "schools.ActivitySlot",
                  "schools.ActivityEvent", "schools.Enrollment", "schools.ConsentEvent",
                  "tutoring.CapException", "tutoring.OutsideTutoringDeclaration",
                  "tutoring.OutsideTutoringDeclaration_students", "partnerships.Partner",
                  "partnerships.PartnerEvent", "partnerships.Licence",
                  "partnerships.PartnerDocument", "partnerships.Programme",
                  "partnerships.ProgrammeTeacher", "partnerships.ProgrammeDocument",
                  "schools.ParentInvitation", "inspections.InspectionPlan",
                  "inspections.Inspection", "inspections.TeamMember",
                  "inspections.ChecklistAnswer", "inspections.Finding",
                  "inspections.CorrectiveAction", "inspections.Evidence",
                  "inspections.InspectionSuspension", "inspections.InspectionEvent",
                  "inspections.Complaint", "inspections.ComplaintEvent",
                  "reports.ReportJob", "reports.IssuedDocument"):
        assert first[label] > 0, label


def test_a_second_run_leaves_what_the_family_did_since_as_it_is(db):
    seed_demo()
    mother, father_phone = user("phuhuynh"), FAMILY["father"][1]
    (given,) = ConsentEvent.objects.filter(guardian=mother.guardian, kind="given")
    consent.record(enrollment=given.enrollment, guardian=mother.guardian, kind="withdrawn",
                   channel="online", actor=mother)
    activation.parent_account_activate(identifier=father_phone, code=FATHER_CODE,
                                       password="Hai-Phong-cang-2026")
    ledger = [(model, model.objects.count()) for model in (ConsentEvent, ParentInvitation)]
    out = seed_demo()
    assert [(model, model.objects.count()) for model, _ in ledger] == ledger
    given.enrollment.refresh_from_db()
    assert given.enrollment.status == "withdrawn"
    assert f"Tài khoản cha mẹ đã kích hoạt bằng mã {FATHER_CODE}" in out
    assert "Kích hoạt tài khoản cha mẹ: /activate/" not in out


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

    def test_every_school_has_its_main_timetable(self, demo):
        for school in School.objects.filter(is_active=True):
            days = Counter(school.main_sessions.values_list("weekday", flat=True))
            saturday = 1 if school.grade_max >= 10 else 0
            assert days == {**dict.fromkeys(range(5), 2), **({5: 1} if saturday else {})}
        hongbang = School.objects.get(name="Trường THCS Hồng Bàng")
        assert [(str(s.start), str(s.end)) for s in hongbang.main_sessions.filter(weekday=0)] == [
            ("07:00:00", "11:15:00"), ("13:30:00", "16:45:00"),
        ]

    def test_last_term_results_are_mostly_achieved(self, demo):
        results = SubjectResult.objects.all()
        assert set(results.values_list("term__school_year__name", "term__number")) == {
            ("2025-2026", 2)
        }
        assert set(results.values_list("student__school__grade_min", flat=True)) <= {6, 10}
        failed = results.filter(achieved=False)
        assert 0 < failed.count() < 0.05 * results.count()
        assert set(failed.values_list("subject__code", flat=True)) == {
            "toan", "ngu-van", "tieng-anh"
        }

    def test_every_tutoring_class_passes_the_rules_and_has_its_history(self, demo):
        classes = TutoringClass.objects.select_related("school", "subject", "school_year")
        assert classes.count() >= 15
        for tc in classes:
            slots, teachers = list(tc.slots.all()), list(tc.teachers.all())
            if tc.title != MOVED_INTO_THE_TIMETABLE:  # see the test below
                assert rules.check_class(tc, slots, teachers) == [], tc.title
            assert tc.monthly_fee == 0 and tc.terms_hash == tc.compute_terms_hash()
            assert len(teachers) == 1 and teachers[0].user.role == Role.STAFF
            assert teachers[0].assignments.filter(subject=tc.subject).exists(), tc.title
            events = list(tc.events.all())
            assert events[0].to_status == "draft" and events[0].actor == tc.created_by
            assert events[-1].to_status == tc.status
            assert all(a.to_status == b.from_status
                       for a, b in zip(events, events[1:], strict=False))
        per_school = Counter(classes.values_list("school__level", "school__name"))
        for (level, name), n in per_school.items():
            if level in (SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY):
                assert 2 <= n <= 4, name
        for level in (SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY):
            schools = School.objects.filter(level=level, is_active=True)
            assert all(s.activities.filter(tutoringclass__category="remedial").exists()
                       for s in schools)
        primary = classes.filter(grade__lte=5)
        assert primary.exists()
        assert set(primary.values_list("category", flat=True)) <= {"arts", "sport", "life_skills"}

    def test_statuses_are_spread_and_every_class_is_after_the_main_timetable(self, demo):
        statuses = Counter(TutoringClass.objects.values_list("status", flat=True))
        assert statuses["open"] > sum(statuses.values()) / 2
        assert statuses["draft"] == statuses["submitted"] == statuses["returned"] == 1
        assert statuses["suspended"] == 1
        assert all(slot.start.hour >= 16 or slot.weekday == 5
                   for tc in TutoringClass.objects.all() for slot in tc.slots.all())

    def test_the_demo_head_has_a_class_to_approve(self, demo):
        head = user("hieutruong.thcs.hongbang")
        waiting = TutoringClass.objects.filter(school__head=head, status="submitted")
        assert waiting.exists()
        assert all(policy.can(head, "tutoring.approve", tc) for tc in waiting)
        assert "1 lớp dạy thêm chờ duyệt" in demo
        draft = TutoringClass.objects.get(status="draft")
        assert draft.created_by == user("giaovien.thcs.hongbang")

    def test_returned_and_suspended_classes_say_why(self, demo):
        returned = ActivityEvent.objects.get(to_status="returned", activity__kind="tutoring")
        assert returned.reason and returned.actor.role == Role.PRINCIPAL
        suspended = TutoringClass.objects.get(status="suspended")
        event = suspended.events.get(to_status="suspended")
        assert event.reason and event.reference
        assert event.actor.role == Role.COMMITTEE
        assert policy.can(event.actor, "activity.suspend", suspended)

    def test_one_class_has_the_departments_exception_to_the_cap(self, demo):
        exception = CapException.objects.get()
        assert exception.decision_number == "125/QĐ-SGDĐT" and exception.periods_allowed == 3
        assert exception.recorded_by.role == Role.DEPARTMENT
        tc = exception.tutoring_class
        assert tc.slots.aggregate(n=Sum("periods"))["n"] == 3
        assert rules.check_class(tc, list(tc.slots.all()), list(tc.teachers.all())) == []

    def test_rosters_are_eligible_students_with_their_parents_paper_forms(self, demo):
        enrollments = Enrollment.objects.filter(activity__kind="tutoring").select_related(
            "activity__tutoringclass", "student"
        )
        assert enrollments.count() >= 20
        for enrollment in enrollments:
            tc = enrollment.activity.tutoringclass
            assert tc.category == "remedial" and tc.status == "open"
            assert enrollment.basis == "not_achieved"
            assert rules.check_enrollment(tc, enrollment.student, enrollment.basis) == []
            events = list(enrollment.consent_events.all())
            if enrollment.status == "proposed":
                assert events == []
                continue
            (event,) = events
            assert event.kind == {"enrolled": "given", "declined": "declined"}[enrollment.status]
            assert event.channel == "paper" and event.terms_hash == tc.terms_hash
            assert enrollment.student.guardianships.filter(guardian=event.guardian).exists()
            with event.scan.open("rb") as scan:
                content = scan.read()
            assert content.startswith(b"%PDF-1.4")
            assert enrollment.student.national_id.encode() in content
            offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n", content)]
            assert all(re.match(rb"\d+ 0 obj", content[o:]) for o in offsets)
        statuses = Counter(enrollments.values_list("status", flat=True))
        assert statuses["enrolled"] > 4 * statuses["proposed"] >= 8
        assert statuses["declined"] == 1
        # The parent with an account has a daughter awaiting her parents' answer.
        daughter = Student.objects.get(national_id="3101234567", full_name="Vũ Minh Anh")
        assert daughter.enrollments.get(activity__kind="tutoring").status == "proposed"

    def test_teachers_declare_outside_tutoring_and_the_flagged_ones_await_the_head(self, demo):
        declarations = OutsideTutoringDeclaration.objects.select_related("teacher__school")
        assert declarations.count() == 3
        flags = {d.teacher.user.username: ([v.rule for v in rules.check_declaration(d)], d)
                 for d in declarations}
        rules_found, clean = flags["giaovien.thcs.hongbang"]
        assert rules_found == [] and clean.status == "acknowledged"
        assert clean.acknowledged_by == user("hieutruong.thcs.hongbang")
        assert clean.students.count() == 1
        rules_found, own = flags["giaovien2.thcs.hongbang"]
        assert rules_found == ["T2"] and own.status == "submitted"
        assert policy.can(user("hieutruong.thcs.hongbang"), "declaration.acknowledge", own)
        rules_found, runs = flags["giaovien2.thpt.lechan"]
        assert rules_found == ["T3"] and runs.manages_establishment
        assert "1 báo cáo dạy thêm ngoài nhà trường chờ xác nhận" in demo
        page = Client()
        page.force_login(user("hieutruong.thcs.hongbang"))
        content = page.get(reverse("tutoring:breaches")).content.decode()
        assert reverse("tutoring:declaration_detail", args=[own.pk]) in content
        assert reverse("tutoring:declaration_detail", args=[clean.pk]) not in content
        assert reverse("tutoring:declaration_detail", args=[runs.pk]) not in content

    # Linked programmes.

    def test_partner_registry_has_licences_documents_and_two_sanctions(self, demo):
        department = user("so.gddt")
        partners = Partner.objects.prefetch_related("licences", "documents")
        assert 6 <= partners.count() <= 8
        for partner in partners:
            assert re.fullmatch(r"\d{10}", partner.tax_code), partner
            assert partner.legal_name.startswith(("Công ty TNHH ", "Công ty Cổ phần "))
            assert partner.address.endswith("thành phố Hải Phòng") and partner.representative
            assert partner.contact_name and partner.contact_phone
            (licence,) = partner.licences.all()
            assert licence.issuer == "Sở Giáo dục và Đào tạo thành phố Hải Phòng"
            assert licence.kinds and licence.recorded_by == department
            documents = list(partner.documents.all())
            assert {d.kind for d in documents} == {"registration", "licence"}
            for document in documents:
                with document.file.open("rb") as scan:
                    assert scan.read().startswith(b"%PDF-1.4")
        foreign = partners.get(is_foreign=True)
        assert "language_foreign" in foreign.licences.get().kinds
        assert [p for p in partners if "language_foreign" in p.licences.get().kinds] == [foreign]
        for status in ("suspended", "barred"):
            partner = partners.get(status=status)
            event = partner.events.get(to_status=status)
            assert event.from_status == "active" and event.actor == department
            assert event.reason and event.reference
            # Sanctioned before any school linked with it: no programme breaks rule P2.
            assert not partner.programmes.exists()

    def test_a_programme_with_the_partner_whose_licence_expired_is_refused(self, demo):
        (partner,) = Partner.objects.filter(licences__valid_to__lt=datetime.date(2026, 9, 5))
        assert partner.status == "active" and not partner.programmes.exists()
        kind = partner.licences.get().kinds[0]
        model = Programme.objects.filter(status="approved", programme_kind=kind).first()
        trial = Programme(
            school=model.school, school_year=model.school_year, partner=partner,
            programme_kind=kind, title="Tin học cơ bản", content_summary="Tin học văn phòng.",
            grade_min=model.grade_min, grade_max=model.grade_max, capacity=30,
            monthly_fee=250_000, start_date=model.start_date, end_date=model.end_date,
        )
        slots, teachers = list(model.slots.all()), list(model.teachers.all())
        violations = programme_rules.check_programme(trial, slots, teachers)
        assert [v.rule for v in violations] == ["P2"]
        assert "30/06/2026" in violations[0].message
        with pytest.raises(partnering.RuleViolations):
            partnering.programme_save(actor=model.school.head, programme=trial, slots=slots,
                                      teachers=teachers)

    def test_every_programme_passes_the_rules_with_teachers_and_documents(self, demo):
        programmes = Programme.objects.select_related("school", "partner", "school_year")
        assert programmes.count() >= 12
        for p in programmes:
            slots, teachers = list(p.slots.all()), list(p.teachers.all())
            assert programme_rules.check_programme(p, slots, teachers) == [], p.title
            assert p.rule_breaches == [] and p.terms_hash == p.compute_terms_hash()
            assert p.partner.status == "active" and p.school_year.name == "2026-2027"
            assert {d.kind for d in p.documents.all()} == {"contract", "materials"}
            for teacher in teachers:
                assert teacher.qualification
                if teacher.is_foreign:
                    assert teacher.work_permit_number and teacher.work_permit_expiry > p.end_date
            if p.programme_kind == "language_foreign":
                assert any(t.is_foreign for t in teachers), p.title
        assert ProgrammeTeacher.objects.filter(is_foreign=True).values("full_name").count() >= 3

    def test_each_decision_is_the_managing_authoritys_with_its_number(self, demo):
        programmes = Programme.objects.select_related("school")
        for p in programmes:
            events = list(p.events.select_related("actor"))
            assert events[0].to_status == "draft" and events[0].actor == p.school.head
            assert events[-1].to_status == p.status
            assert all(a.to_status == b.from_status
                       for a, b in zip(events, events[1:], strict=False))
            authority = Role.DEPARTMENT if p.school.managed_by_department else Role.COMMITTEE
            for event in events:
                if event.to_status in ("approved", "returned", "refused"):
                    assert event.actor.role == authority, p.title
                    assert policy.can(event.actor, "programme.decide", p)
                if event.to_status == "approved":
                    suffix = "SGDĐT" if authority == Role.DEPARTMENT else "UBND"
                    assert re.fullmatch(rf"\d+/QĐ-{suffix}", event.reference), event.reference
                    assert p.approval_reference == event.reference
                if event.to_status in ("returned", "refused"):
                    assert len(event.reason) > 40
        statuses = Counter(programmes.values_list("status", flat=True))
        assert statuses["approved"] >= 8
        assert statuses["returned"] == statuses["refused"] == statuses["submitted"] == 1
        assert statuses["suspended"] == statuses["draft"] == 1
        approved = programmes.filter(status="approved")
        assert approved.values("school").distinct().count() >= 6
        assert approved.values("programme_kind").distinct().count() >= 6

    def test_the_head_has_one_programme_at_each_stage(self, demo):
        school = School.objects.get(name="Trường THCS Hồng Bàng")
        statuses = Counter(Programme.objects.filter(school=school).values_list("status",
                                                                              flat=True))
        assert statuses == {"draft": 1, "submitted": 1, "approved": 1, "suspended": 1}
        head = user("hieutruong.thcs.hongbang")
        draft = Programme.objects.get(school=school, status="draft")
        assert partnering.may(head, "submit", draft)
        assert "1 chương trình liên kết chờ UBND phường Hồng Bàng phê duyệt" in demo

    def test_the_committee_has_a_programme_of_its_ward_waiting(self, demo):
        committee = user("ubnd.hongbang")
        (waiting,) = policy.visible(committee, Programme).filter(status="submitted")
        assert waiting.school.unit == AdministrativeUnit.objects.get(code="31001")
        assert not waiting.school.managed_by_department
        assert partnering.may(committee, "approve", waiting)
        assert partnering.may(committee, "return", waiting)
        assert not partnering.may(user("ubnd.lechan"), "approve", waiting)
        assert what_they_see(committee).endswith("; 1 chương trình liên kết chờ phê duyệt")
        assert "1 chương trình liên kết chờ phê duyệt" not in what_they_see(user("ubnd.lechan"))

    def test_the_department_suspended_a_programme_and_said_why(self, demo):
        (suspended,) = Programme.objects.filter(status="suspended")
        assert suspended.school.name == "Trường THCS Hồng Bàng"
        event = suspended.events.get(to_status="suspended")
        assert event.actor == user("so.gddt") and event.actor.role == Role.DEPARTMENT
        assert "thanh tra đột xuất" in event.reason
        # Suspended from the unannounced inspection, whose number its decision cites.
        link = InspectionSuspension.objects.get(event=event)
        assert event.reference == f"{link.inspection.code} · {link.inspection.reference}"
        assert suspended.enrollments.filter(status="enrolled").exists()
        assert not suspended.accepts_consent()
        assert partnering.may(user("so.gddt"), "resume", suspended)

    def test_approved_programmes_are_outside_their_schools_main_timetable(self, demo):
        approved = Programme.objects.filter(status="approved").select_related("school")
        for p in approved:
            sessions = list(p.school.main_sessions.all())
            assert sessions, p.school
            for slot in p.slots.all():
                assert not [s for s in sessions if slot.overlaps(s)], (p.title, str(slot))

    def test_language_fees_spread_tenfold_and_the_dearest_is_flagged(self, demo):
        year = SchoolYear.objects.get(name="2026-2027")
        city = School.objects.all()
        rows = {row.kind: row for row in selectors.fee_distribution(city, school_year=year)}
        language = rows["language"]
        assert (language.fee_min, language.fee_max) == (120_000, 2_000_000)
        assert language.spread >= 10 and language.schools >= 5
        far = selectors.far_above_median(city, FeePolicy.in_force().far_above_median,
                                         school_year=year)
        dearest = far[0]["programme"]
        assert (dearest.programme_kind, dearest.monthly_fee) == ("language", 2_000_000)
        assert far[0]["times"] >= 5

    def test_the_english_programme_has_a_roster_of_paper_consents(self, demo):
        school = School.objects.get(name="Trường THCS Hồng Bàng")
        english = Programme.objects.get(school=school, status="approved",
                                         programme_kind="language")
        enrollments = list(english.enrollments.select_related("student")
                           .exclude(student__national_id__in=FAMILY_CODES))
        assert 8 <= len(enrollments) <= 12
        statuses = Counter(e.status for e in enrollments)
        assert statuses == {"enrolled": len(enrollments) - 2, "declined": 2}
        for enrollment in enrollments:
            student = enrollment.student
            assert enrollment.basis == "voluntary" and student.school == school
            assert english.grade_min <= student.grade <= english.grade_max
            (event,) = enrollment.consent_events.all()
            assert event.kind == {"enrolled": "given", "declined": "declined"}[enrollment.status]
            assert event.channel == "paper" and event.terms_hash == english.terms_hash
            assert student.guardianships.filter(guardian=event.guardian).exists()
            assert bool(event.note) == (event.kind == "declined")
            with event.scan.open("rb") as scan:
                content = scan.read()
            assert content.startswith(b"%PDF-1.4") and student.national_id.encode() in content
        assert english.enrollments.filter(status="enrolled").count() <= english.capacity
        # The family with an account answered online, not on paper.
        assert not ConsentEvent.objects.filter(
            enrollment__student__national_id__in=FAMILY_CODES
        ).exclude(channel="online").exists()
        assert "Liên kết giáo dục: " in demo and "1 chờ phê duyệt" in demo

    # The families' answers (issue 5).

    def test_the_mother_answered_online_and_two_offers_wait_for_her(self, demo):
        mother = user("phuhuynh")
        events = ConsentEvent.objects.filter(guardian=mother.guardian)
        assert events.count() == 2
        assert set(events.values_list("channel", "actor")) == {("online", mother.pk)}
        answers = {(e.enrollment.student.national_id, e.enrollment.activity.title):
                   (e.kind, e.enrollment.status) for e in events.select_related(
                       "enrollment__student", "enrollment__activity")}
        assert answers == {
            ("3101234567", "Tiếng Anh giao tiếp"): ("given", "enrolled"),
            ("3101234568", "Tin học văn phòng theo chuẩn quốc tế"): ("declined", "declined"),
        }
        for event in events.select_related("enrollment__activity__school",
                                           "enrollment__student"):
            activity, student = event.enrollment.activity, event.enrollment.student
            assert activity.kind == "programme" and activity.school == student.school
            assert activity.grade_min <= student.grade <= activity.grade_max
            assert event.terms_hash == activity.terms_hash and not event.scan
        waiting = sorted(o.activity.title for child in policy.visible(mother, Student)
                         for o in offers_for(child) if o.awaits_answer)
        assert waiting == ["Phụ đạo Toán 7", "Tiếng Anh giao tiếp với giáo viên nước ngoài"]
        tasks = home_summary(mother)["tasks"]
        assert sorted(t["count"] for t in tasks) == [1, 1]
        assert {t["url"] for t in tasks} == {
            reverse("schools:child", args=[child.pk]) for child in policy.visible(mother, Student)
        }
        assert "2 hoạt động chờ trả lời" in demo

    def test_the_father_activates_his_account_with_the_published_code(self, demo):
        name, phone = FAMILY["father"]
        father = Guardian.objects.get(phone=phone)
        assert father.user is None and father.full_name == name
        (invitation,) = father.invitations.all()
        assert invitation.channel == "printed" and invitation.used_at is None
        assert invitation.code_hash == activation.code_hash(activation.clean_code(FATHER_CODE))
        school = School.objects.get(students__national_id=FAMILY["children"][0][0])
        assert invitation.created_by == school.head == user("hieutruong.thcs.hongbang")
        assert (invitation.expires_at - invitation.created_at).days == 365
        assert f"Kích hoạt tài khoản cha mẹ: /activate/ — số điện thoại {phone}, mã " \
               f"{FATHER_CODE}" in demo
        account = activation.parent_account_activate(identifier=phone, code=FATHER_CODE,
                                                     password="Hai-Phong-cang-2026")
        assert account.role == Role.PARENT and account.phone == phone
        assert set(policy.visible(account, Student).values_list("national_id", flat=True)) \
            == FAMILY_CODES
        invitation.refresh_from_db()
        assert invitation.used_at is not None

    def test_a_full_programme_keeps_a_waiting_list_of_families_who_agreed_by_link(self, demo):
        (full,) = Activity.objects.filter(enrollments__status="waiting").distinct()
        assert full.status == "approved" and full.capacity == 5
        enrolled = full.enrollments.filter(status="enrolled")
        waiting = sorted(full.enrollments.filter(status="waiting"),
                         key=lambda e: (e.waiting_since, e.pk))
        assert enrolled.count() == full.capacity
        assert [consent.waiting_position(e) for e in waiting] == [1, 2]
        for enrollment in [*enrolled, *waiting]:
            (event,) = enrollment.consent_events.all()
            assert (event.kind, event.channel, event.actor) == ("given", "link", None)
            assert enrollment.student.guardianships.filter(guardian=event.guardian).exists()
            assert event.guardian.user is None
        assert "2 học sinh trong danh sách chờ của 1 hoạt động đã hết chỗ" in demo
        assert re.search(r"Ý kiến của cha mẹ trong sổ đồng ý: 2 trực tuyến, 7 qua đường dẫn "
                         r"cá nhân, \d+ trên phiếu giấy, 1 qua điện thoại", demo)

    def test_the_risk_page_flags_programmes_for_the_head_and_the_committee(self, demo):
        head, committee = user("hieutruong.thcs.hongbang"), user("ubnd.hongbang")
        (flagged,) = risk.flagged_activities(head)
        assert flagged.activity.school.name == "Trường THCS Hồng Bàng"
        assert flagged.codes == ["staff_recorded"]
        by_committee = {f.activity.title: f.codes for f in risk.flagged_activities(committee)}
        assert by_committee["Kỹ năng sống: Tự tin và an toàn"] == ["staff_recorded"]
        assert by_committee["Kỹ năng sống cho học sinh tiểu học"] == [
            "homeroom_share", "staff_recorded"]
        client = Client()
        client.force_login(head)
        page = client.get(reverse("schools:risk"))
        assert page.status_code == 200 and flagged.activity.title in page.content.decode()
        assert "1 hoạt động có dấu hiệu ép buộc (/risk/)" in what_they_see(head)
        assert "2 hoạt động có dấu hiệu ép buộc (/risk/)" in what_they_see(committee)

    def test_personal_links_printed_open_the_childs_page(self, demo, settings):
        site = re.escape(settings.SITE_URL.rstrip("/"))
        links = re.findall(rf"^  (.+): {site}(/c/\S+/)$", demo, re.M)
        assert len(links) == 2 and "Đường dẫn cá nhân (không cần tài khoản)" in demo
        for who, path in links:
            page = Client().get(path)
            assert page.status_code == 200, who
            title = re.search(r'"(.+)"', who).group(1)
            assert title in page.content.decode()
        assert "đã hết chỗ: đồng ý thì vào danh sách chờ" in links[1][0]

    # Inspections and complaints (issue 6).

    def test_each_authority_has_a_plan_with_its_inspections(self, demo):
        year = SchoolYear.objects.get(name="2026-2027")
        today = timezone.localdate()
        department, committee = user("so.gddt"), user("ubnd.hongbang")
        plan = InspectionPlan.objects.get(authority="department")
        assert plan.school_year == year and plan.unit.code == "31"
        assert set(plan.scopes) == {"tutoring", "programmes", "fees", "consent"}
        assert plan.created_by == department
        inspections = plan.inspections.all()
        assert inspections.count() == 3
        assert {i.kind for i in inspections} == {"periodic"}
        for inspection in inspections:
            assert year.start <= inspection.planned_start <= inspection.planned_end <= year.end
            assert inspection.authority == "department"
        closed = inspections.get(status="closed")
        assert closed.school.managed_by_department
        lead = closed.team.get(is_lead=True).user
        assert lead == user("thanhtra") and closed.signed_by == lead
        assert closed.started_at <= closed.concluded_at <= closed.closed_at
        assert closed.conclusion and closed.answers.count() == len(questions_for(closed))
        assert closed.findings.count() == 2
        actions = CorrectiveAction.objects.filter(finding__inspection=closed)
        assert actions.exists() and set(actions.values_list("status", flat=True)) == {"accepted"}
        assert all(a.answered_by == closed.school.head and a.reviewed_by == lead for a in actions)
        assert Evidence.objects.filter(action__in=actions).exists()
        assert [e.action for e in closed.events.filter(
            action__in=["start", "record", "conclude", "follow_up", "close"])] == [
            "start", "record", "conclude", "follow_up", "close"]
        # The next visit is planned ahead (the demo keeps dates within its school year).
        planned = inspections.filter(status="planned").order_by("planned_start")
        assert planned.count() == 2
        assert planned[0].planned_start > today or planned[0].planned_start == year.end
        plan = InspectionPlan.objects.get(authority="committee")
        assert plan.created_by == committee and plan.unit.code == "31001"
        (own,) = plan.inspections.all()
        assert own.school.level == SchoolLevel.LOWER_SECONDARY and own.school.unit == plan.unit
        assert not own.school.managed_by_department
        assert [m.user for m in own.team.all()] == [committee]
        assert list(policy.visible(committee, InspectionPlan)) == [plan]
        # Its own, and the Department's unannounced one of its school, now under way.
        under_way = Inspection.objects.get(reference="231/QĐ-SGDĐT")
        assert set(policy.visible(committee, Inspection)) == {own, under_way}
        assert set(policy.visible(department, Inspection)) == set(Inspection.objects.all())

    def test_the_unannounced_inspection_of_the_demo_head_is_under_way(self, demo):
        inspector, head, department = (user("thanhtra"), user("hieutruong.thcs.hongbang"),
                                       user("so.gddt"))
        (inspection,) = Inspection.objects.filter(kind="unannounced")
        assert inspection.school.head == head
        assert (inspection.status, inspection.authority, inspection.trigger) == (
            "in_progress", "department", "complaint")
        assert inspection.started_at and inspection.plan is None
        assert [(m.user, m.is_lead) for m in inspection.team.all()] == [(inspector, True)]
        # The anonymous complaint that led to it, linked by the ward's committee.
        complaint = inspection.complaints.get()
        assert complaint.is_anonymous and complaint.category == "coercion"
        # The checklist half done, with "no" answers that say why.
        answers = inspection.answers.all()
        assert 0 < answers.count() < len(questions_for(inspection))
        noes = answers.filter(answer="no")
        assert noes.count() >= 2 and all(a.note for a in noes)
        assert all(a.answered_by == inspector for a in answers)
        # Two findings; the one about the programme carries the team's photo and document.
        findings = inspection.findings.all()
        assert findings.count() == 2 and all(f.created_by == inspector for f in findings)
        about = findings.get(activity__isnull=False)
        assert about.activity.kind == "programme" and about.answer.answer == "no"
        files = {e.file.name.rsplit(".", 1)[1]: e for e in about.evidence.all()}
        assert set(files) == {"pdf", "png"}
        for kind, evidence in files.items():
            with evidence.file.open("rb") as scan:
                assert scan.read().startswith({"pdf": b"%PDF-1.4", "png": b"\x89PNG"}[kind])
        # Its corrective actions: one answered and awaiting review, one open, one overdue.
        actions = CorrectiveAction.objects.filter(finding__inspection=inspection)
        today = timezone.localdate()
        answered = actions.get(status="answered")
        assert answered.answered_by == head and answered.response and answered.evidence.exists()
        open_actions = actions.filter(status="open")
        assert sorted(a.is_overdue for a in open_actions) == [False, True]
        overdue = open_actions.get(due_date__lt=today)
        assert overdue.is_overdue and open_actions.get(due_date__gt=today)
        # Who sees what: the inspector reviews, the authority sees the overdue action, the
        # head answers and sees the findings, never the team's checklist.
        assert policy.can(inspector, "inspection.work", answered)
        assert answered in CorrectiveAction.objects.filter(
            finding__inspection__team__user=inspector, status="answered")
        assert overdue in policy.visible(department, CorrectiveAction).filter(
            status="open", due_date__lt=today)
        assert policy.can(head, "action.answer", overdue)
        assert inspection in policy.visible(head, Inspection)
        assert not policy.visible(head, ChecklistAnswer).exists()
        assert not policy.visible(user("ubnd.lechan"), Inspection).filter(pk=inspection.pk)
        # The Department suspended the programme from it.
        (link,) = inspection.suspensions.select_related("event__activity", "event__actor")
        assert link.event.activity.pk == about.activity.pk and link.event.actor == department
        assert link.event.activity.status == "suspended"
        assert "1 trả lời khắc phục chờ xem xét" in what_they_see(inspector)
        assert "1 cuộc thanh tra đang tiến hành" in what_they_see(inspector)
        assert "1 biện pháp khắc phục quá hạn" in what_they_see(department)
        assert "2 biện pháp khắc phục phải trả lời" in what_they_see(head)
        assert "1 quá hạn, 1 chờ đoàn xem xét" in demo

    def test_complaints_reach_the_managing_authority_of_their_school(self, demo):
        complaints = Complaint.objects.select_related("school__unit")
        assert complaints.count() == len(COMPLAINTS) >= 5
        assert complaints.values("school").distinct().count() >= 5
        assert complaints.values("category").distinct().count() >= 3
        assert {c.school.managed_by_department for c in complaints} == {True, False}
        assert Counter(c.status for c in complaints) == {"received": 3, "in_progress": 3,
                                                           "closed": 1}
        committees = {u.username: u for u in User.objects.filter(role=Role.COMMITTEE)}
        department = user("so.gddt")
        for complaint in complaints:
            assert complaining.clean_code(complaint.code) == complaint.code
            if complaint.is_anonymous:
                assert not (complaint.name or complaint.phone or complaint.email
                            or complaint.submitted_by)
            else:
                assert complaint.name and (complaint.phone or complaint.email)
            authority = (department if complaint.school.managed_by_department else
                         next(u for u in committees.values()
                              if policy.scope_units(u).filter(pk=complaint.school.unit_id)))
            queues = [u for u in [department, *committees.values()]
                      if policy.visible(u, Complaint).filter(pk=complaint.pk).exists()]
            assert queues == [authority], complaint.school
            assert not policy.visible(complaint.school.head, Complaint).exists()
            assert complaint.events.filter(action="received", is_public=True).exists()
        assert complaints.filter(is_anonymous=True).count() >= 2
        # The demo mother complained, signed in, about her son's school.
        mine = complaints.get(submitted_by=user("phuhuynh"))
        assert mine.school.students.filter(national_id__in=FAMILY_CODES).exists()
        # Linked by the Department to the inspection planned there.
        assert mine.inspection.school == mine.school and mine.inspection.status == "planned"
        assert mine.status == "in_progress"
        # Assigned to the Department's inspector, who sees it.
        inspector = user("thanhtra")
        (assigned,) = policy.visible(inspector, Complaint)
        assert assigned.assigned_to == inspector and assigned.status == "in_progress"
        assert assigned.activity and "1 phản ánh được giao" in what_they_see(inspector)
        # The ward committee's queue: the complaint it closed with an answer, one to handle.
        committee = committees["ubnd.hongbang"]
        queue = policy.visible(committee, Complaint)
        assert queue.count() == 2 and queue.exclude(status="closed").count() == 1
        closed = queue.get(status="closed")
        assert closed.is_anonymous and closed.answer and closed.closed_at
        assert closed.activity.status == "suspended"
        assert list(closed.events.filter(is_public=True).values_list("action", flat=True)) == [
            "received", "in_progress", "closed"]
        assert "1 phản ánh chờ xử lý" in what_they_see(committee)

    def test_the_printed_tracking_code_follows_an_anonymous_complaint(self, demo):
        (code,) = re.findall(r"/complaints/track/ — mã (\S+) \(phản ánh ẩn danh", demo)
        complaint = Complaint.objects.get(code=code)
        assert complaint.is_anonymous and complaint.status == "closed"
        page = Client().post(reverse("inspections:complaint_track"), {"code": code.lower()})
        assert page.status_code == 200
        assert complaint.answer in page.content.decode()
        assert "3 mới nhận, 3 đang xử lý, 1 đã trả lời và đóng" in demo

    def test_the_home_pages_list_the_inspection_tasks(self, demo):
        for username, url in [
            ("thanhtra", reverse("inspections:action_list") + "?status=answered"),
            ("so.gddt", reverse("inspections:action_list") + "?overdue=1"),
            ("hieutruong.thcs.hongbang", reverse("inspections:action_list") + "?status=open"),
            ("ubnd.hongbang", reverse("inspections:complaint_list")),
        ]:
            tasks = home_summary(user(username))["tasks"]
            assert url in {t["url"] for t in tasks}, username
        client = Client()
        client.force_login(user("thanhtra"))
        for inspection in policy.visible(user("thanhtra"), Inspection):
            assert client.get(inspection.get_absolute_url()).status_code == 200


    # What happened since, and the reports (issue 8).

    def test_a_new_timetable_puts_one_class_in_breach_as_the_nightly_recheck_finds(self, demo):
        (breaking,) = Activity.objects.exclude(rule_breaches=[])
        tc = TutoringClass.objects.select_related("school").get(pk=breaking.pk)
        assert tc.title == MOVED_INTO_THE_TIMETABLE and tc.status == "open"
        assert tc.school.name == "Trường THCS An Dương"
        tuesday = tc.school.main_sessions.get(weekday=1, start=datetime.time(13, 30))
        assert tuesday.end == datetime.time(17, 30)
        violations = rules.check_class(tc, list(tc.slots.all()), list(tc.teachers.all()))
        assert [v.rule for v in violations] == ["T8"]
        assert [b["rule"] for b in tc.rule_breaches] == ["T8"]
        assert "17:30" in tc.rule_breaches[0]["message"]
        edit = AuditEvent.objects.get(action="timetable_edit")
        assert edit.actor == tc.school.head and edit.object_id == str(tc.school.pk)
        # The Department sees it among what breaks the rules now.
        client = Client()
        client.force_login(user("so.gddt"))
        page = client.get(reverse("tutoring:breaches"))
        assert page.status_code == 200 and tc.title in page.content.decode()

    def test_a_parent_withdrew_from_the_suspended_programme_by_phone(self, demo):
        (withdrawal,) = ConsentEvent.objects.filter(kind="withdrawn").select_related(
            "enrollment__activity", "enrollment__student", "guardian", "actor")
        enrollment = withdrawal.enrollment
        assert enrollment.activity.title == "Kỹ năng sống: Tự tin và an toàn"
        assert enrollment.activity.status == "suspended" and enrollment.status == "withdrawn"
        given = enrollment.consent_events.get(kind="given")
        assert (withdrawal.guardian, withdrawal.channel) == (given.guardian, "phone")
        assert withdrawal.actor == user("giaovien.thcs.hongbang") and not withdrawal.scan
        assert withdrawal.guardian.phone in withdrawal.note
        _check_constraints(withdrawal)  # the note fits its column (PostgreSQL enforces it)
        assert withdrawal.at > given.at
        # The head's risk page still flags the programme, for the paper forms.
        (flagged,) = risk.flagged_activities(user("hieutruong.thcs.hongbang"))
        assert flagged.activity.pk == enrollment.activity.pk

    def test_the_city_report_has_figures_worth_reading(self, demo):
        year = SchoolYear.objects.get(name="2026-2027")
        data = figures.compute(School.objects.all(), figures.period_from(year), per_school=True)
        total = data.total
        assert total.schools == 14 and len(data.by_area) == 3
        assert all(row.schools and (row.classes or row.programmes) for row in data.by_area)
        assert {row.key for row in data.by_level} >= {"primary", "lower_secondary",
                                                       "upper_secondary"}
        assert total.classes >= 15 and total.programmes >= 12 and total.participants > 0
        assert total.consents_given > total.consents_declined > 0
        assert total.consents_withdrawn == 1 and 0 < total.withdrawal_rate < 5
        assert total.violations == 1 and total.risk_signals >= 2
        assert total.complaints_open and total.complaints_closed
        assert total.inspections >= 2 and total.inspections_closed == 1
        assert total.findings >= 4 and total.actions_overdue == 1
        assert sum(1 for row in data.by_kind if row.programmes) >= 5
        assert sum(1 for band in data.fee_bands if band.programmes) >= 4
        assert all(c.open + c.closed for c in data.complaints_by_category)

    def test_each_reporting_role_has_a_ready_report_of_the_school_year(self, demo):
        year = SchoolYear.objects.get(name="2026-2027")
        done = ReportJob.objects.filter(status="done").select_related(
            "requested_by", "document", "unit", "school")
        reports = {job.kind: job for job in done.exclude(kind="conclusion")}
        assert set(reports) == {"city", "area", "school"}
        assert reports["city"].requested_by == user("so.gddt")
        assert reports["area"].requested_by == user("ubnd.hongbang")
        assert reports["area"].unit.code == "31001"
        assert reports["school"].requested_by == user("hieutruong.thcs.hongbang")
        assert reports["school"].school.name == "Trường THCS Hồng Bàng"
        for job in reports.values():
            document = job.document
            assert (job.school_year, job.date_from, job.date_to) == (year, year.start, year.end)
            assert job.progress == 100 and job.attempts == 1 and job.finished_at
            assert document.kind == job.kind and document.issued_by == job.requested_by
            assert document.symbol.startswith("BC-") and document.number == 1
            with document.file.open("rb") as f:
                content = f.read()
            assert content.startswith(b"%PDF") and len(content) == document.size
            assert hashlib.sha256(content).hexdigest() == document.checksum
            # Its requester finds it in their reports and downloads it.
            client = Client()
            client.force_login(job.requested_by)
            listing = client.get(reverse("reports:job_list"))
            assert job in listing.context["page"].object_list
            download = client.get(reverse("reports:job_download", args=[job.pk]))
            assert download.status_code == 200
            assert b"".join(download.streaming_content) == content

    def test_the_closed_inspections_conclusion_is_issued_once_as_an_official_pdf(self, demo):
        closed = Inspection.objects.get(status="closed")
        (document,) = IssuedDocument.objects.filter(kind="conclusion")
        (job,) = document.jobs.all()
        assert job.inspection == closed and job.status == "done"
        assert job.requested_by == document.issued_by == closed.signed_by == user("thanhtra")
        assert document.symbol == "KL-SGDĐT" and closed.code in document.title
        # Asked for again, the same document.
        again = ReportJob.objects.create(kind="conclusion", inspection=closed,
                                         requested_by=user("so.gddt"))
        tasks.run(again.pk)
        again.refresh_from_db()
        assert again.document == document
        assert IssuedDocument.objects.filter(kind="conclusion").count() == 1

    def test_the_printed_code_verifies_the_city_report(self, demo):
        (code,) = re.findall(r"/public/verify/([0-9A-Z-]+)/ — mã \1", demo)
        document = IssuedDocument.objects.get(code=code)
        assert document.kind == "city" and document.reference in demo
        page = Client().get(reverse("public:verify", args=[code]))
        assert page.status_code == 200 and page.context["document"] == document
        with document.file.open("rb") as f:
            content = f.read()
        upload = SimpleUploadedFile("bao-cao.pdf", content, content_type="application/pdf")
        checked = Client().post(reverse("public:verify", args=[code]), {"file": upload})
        assert checked.context["match"] is True
        altered = SimpleUploadedFile("bao-cao.pdf", content + b"\n", "application/pdf")
        checked = Client().post(reverse("public:verify", args=[code]), {"file": altered})
        assert checked.context["match"] is False
        assert re.search(r"Báo cáo, văn bản đã phát hành: 4 \(.+\), mỗi văn bản có mã xác "
                         r"thực; 1 yêu cầu báo cáo bị lỗi chờ thử lại", demo)

    def test_the_departments_failed_request_shows_why_and_makes_the_report_when_retried(
            self, demo):
        department = user("so.gddt")
        (failed,) = ReportJob.objects.filter(status="failed")
        assert failed.requested_by == department and failed.kind == "school"
        assert failed.school.name == "Trường THPT Lê Chân"
        assert failed.error and failed.attempts == 1 and failed.document is None
        assert failed.started_at < failed.finished_at
        client = Client()
        client.force_login(department)
        page = client.get(reverse("reports:job_detail", args=[failed.pk]))
        content = page.content.decode()
        assert failed.error in content
        assert reverse("reports:job_retry", args=[failed.pk]) in content
        # Only its requester may retry it.
        with pytest.raises(PermissionDenied):
            report_retry(actor=user("ubnd.lechan"), job=failed)
        report_retry(actor=department, job=failed)
        tasks.run(failed.pk)
        failed.refresh_from_db()
        assert failed.status == "done" and failed.attempts == 2 and failed.error == ""
        assert failed.document.kind == "school" and failed.document.issued_by == department


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


def test_seed_scale_creates_lawful_tutoring_classes_with_rosters(db):
    out = StringIO()
    call_command("seed_scale", "--schools", "3", "--students-per-school", "60", stdout=out)
    assert "Lớp dạy thêm" in out.getvalue()
    schools = School.objects.filter(moet_code__startswith="S")
    assert {s.level for s in schools} >= {SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY}
    assert all(s.main_sessions.count() >= 10 for s in schools)
    classes = TutoringClass.objects.filter(school__in=schools).select_related(
        "school", "subject", "school_year"
    )
    assert classes.count() == 8 + 2  # a lower-secondary and a primary school
    assert Counter(classes.values_list("status", flat=True))["open"] >= 8
    for tc in classes:
        slots, teachers = list(tc.slots.all()), list(tc.teachers.all())
        assert slots and len(teachers) == 1 and teachers[0].school == tc.school
        assert tc.kind == "tutoring" and tc.grade_min == tc.grade_max == tc.grade
        assert tc.terms_hash == tc.compute_terms_hash()
        assert rules.check_class(tc, slots, teachers) == [], tc.title
        assert [e.to_status for e in tc.events.all()][-1] == tc.status
        for enrollment in tc.enrollments.select_related("student"):
            assert rules.check_enrollment(tc, enrollment.student, enrollment.basis) == []
            if enrollment.status != "proposed":
                event = enrollment.consent_events.get()
                assert event.channel == "paper" and event.scan.name == "consent/scale.pdf"
                assert event.terms_hash == tc.terms_hash
    assert Enrollment.objects.filter(activity__in=classes).count() >= 8 * 15
    assert ConsentEvent.objects.filter(kind="given").exists()
    assert not Activity.objects.filter(kind="tutoring").exclude(
        pk__in=TutoringClass.objects.values("pk")
    ).exists()
    assert Activity.objects.aggregate(Max("grade_max"))["grade_max__max"] <= 9
    assert MainSession.objects.filter(school__in=schools).exists()


def test_seed_scale_creates_linked_programmes_with_a_wide_spread_of_fees(db):
    from partnerships import rules as programme_rules
    from partnerships.models import Partner, Programme
    from partnerships.selectors import fee_distribution
    from schools.checks import main_timetable_clashes

    out = StringIO()
    call_command("seed_scale", "--schools", "3", "--students-per-school", "5",
                 "--staff-per-school", "1", "--programmes-per-school", "12", stdout=out)
    assert "Chương trình liên kết" in out.getvalue()
    partners = Partner.objects.filter(tax_code__startswith="0990")
    assert partners.count() == 20
    assert partners.filter(status="suspended").exists()
    for partner in partners.prefetch_related("licences"):
        (licence,) = partner.licences.all()
        assert len(licence.kinds) >= 2
        assert licence.covers(licence.kinds[0], datetime.date(2026, 9, 5),
                              datetime.date(2027, 5, 31))
    schools = School.objects.filter(moet_code__startswith="S")
    programmes = Programme.objects.select_related("school", "partner", "school_year")
    for school in schools:
        assert programmes.filter(school=school).count() == 12
    for p in programmes:
        slots, teachers = list(p.slots.all()), list(p.teachers.all())
        assert p.kind == "programme" and p.school_year.name == "2026-2027"
        assert p.school.grade_min <= p.grade_min <= p.grade_max <= p.school.grade_max
        assert p.monthly_fee > 0 and p.monthly_fee % 10_000 == 0
        assert 1 <= p.weekly_periods == sum(s.periods for s in slots) <= 4
        assert main_timetable_clashes(p.school, slots) == [], p.title
        assert p.terms_hash == p.compute_terms_hash()
        assert [e.to_status for e in p.events.all()][-1] == p.status
        if p.status in ("approved", "suspended"):
            assert re.fullmatch(r"\d+/QĐ-(UBND|SGDĐT)", p.approval_reference)
        else:
            assert p.approval_reference == ""
        if p.partner.status == "active":
            assert programme_rules.check_programme(p, slots, teachers) == [], p.title
        else:
            assert p.status == "suspended"
    statuses = Counter(programmes.values_list("status", flat=True))
    assert statuses.most_common(1)[0][0] == "approved"
    paying = programmes.filter(status__in=["approved", "suspended"])
    rows = fee_distribution(School.objects.all())
    assert {row.kind for row in rows} == set(paying.values_list("programme_kind", flat=True))
    assert sum(row.count for row in rows) == paying.count()
    for row in rows:
        assert 0 < row.fee_min <= row.fee_median <= row.fee_max, row.kind
        assert row.period_min <= row.period_median <= row.period_max, row.kind


def _check_constraints(obj):
    """Every field's own validation and every database constraint of the model, on a row
    written with bulk inserts (nullable foreign keys left to the database)."""
    obj.clean_fields(exclude=[f.name for f in obj._meta.fields if f.null])
    obj.validate_constraints()


def test_seed_scale_creates_inspections_and_complaints_within_the_rules(db):
    out = StringIO()
    call_command("seed_scale", "--schools", "60", "--students-per-school", "5",
                 "--staff-per-school", "1", "--programmes-per-school", "2", stdout=out)
    assert "Cuộc thanh tra, kiểm tra" in out.getvalue() and "Phản ánh" in out.getvalue()
    today, now = timezone.localdate(), timezone.now()
    schools = School.objects.filter(moet_code__startswith="S")
    years = list(SchoolYear.objects.all())
    communes = AdministrativeUnit.objects.filter(code__startswith="S31", level="commune")
    # A plan per authority and school year.
    plans = InspectionPlan.objects.filter(unit__path__startswith="S31/")
    assert plans.count() == len(years) * (1 + communes.count())
    assert Counter(plans.values_list("school_year", "authority")) == {
        **{(y.pk, "department"): 1 for y in years},
        **{(y.pk, "committee"): communes.count() for y in years},
    }
    # One school in twenty a year, each within the rules the services keep.
    inspections = Inspection.objects.filter(school__in=schools).select_related(
        "school__unit", "plan__school_year", "signed_by")
    assert inspections.count() == 3 * len(years)
    assert Counter(inspections.values_list("status", flat=True))["follow_up"] >= 1
    for inspection in inspections:
        _check_constraints(inspection)
        school, status = inspection.school, inspection.status
        (lead,) = [m.user for m in inspection.team.all() if m.is_lead]
        members = eligible_members(inspection.authority, school)
        assert all(m.user in members for m in inspection.team.all())
        assert policy.can(lead, "inspection.work", inspection)
        assert inspection in policy.visible(lead, Inspection)
        if inspection.authority == "committee":
            assert not school.managed_by_department
        if inspection.plan:
            plan = inspection.plan
            assert plan.authority == inspection.authority
            assert plan.school_year.start <= inspection.planned_start <= plan.school_year.end
            assert plan.unit == (school.unit if plan.authority == "committee" else
                                 AdministrativeUnit.objects.get(code="S31"))
        assert (status == "planned") == (inspection.planned_start > today)
        assert (inspection.started_at is None) == (status == "planned")
        answered = set(inspection.answers.values_list("question", flat=True))
        assert answered <= set(questions_for(inspection).values_list("pk", flat=True))
        if status in ("concluded", "follow_up", "closed"):
            assert inspection.signed_by == lead and inspection.conclusion
            assert inspection.started_at <= inspection.concluded_at <= now
            assert answered == set(questions_for(inspection).values_list("pk", flat=True))
        actions = CorrectiveAction.objects.filter(finding__inspection=inspection)
        if status == "closed":
            assert inspection.concluded_at <= inspection.closed_at <= now
            assert set(actions.values_list("status", flat=True)) <= {"accepted"}
            assert all(a.reviewed_at <= inspection.closed_at for a in actions)
        if status == "follow_up":
            assert actions.filter(status="open", due_date__lt=today).exists()
        for finding in inspection.findings.select_related("activity", "answer"):
            _check_constraints(finding)
            assert finding.activity is None or finding.activity.school == school
            assert finding.answer is None or (finding.answer.inspection == inspection
                                              and finding.answer.answer == "no")
            assert StaffMember.objects.filter(user=finding.responsible_user,
                                              school=school).exists()
            assert 1 <= finding.actions.count() <= 2
        for action in actions:
            _check_constraints(action)
            assert (action.answered_at is None) == (action.status == "open")
            assert (action.reviewed_at is None) == (action.status != "accepted")
            assert action.answered_by in (None, school.head)
        events = [e.action for e in inspection.events.all()]
        assert events[0] == "create" and len(events) == len(set(events))
    overdue = CorrectiveAction.objects.filter(finding__inspection__in=inspections,
                                              status="open", due_date__lt=today)
    assert overdue.exists() and all(action.is_overdue for action in overdue)
    # About two complaints a school a year, filed up to today, each with its code.
    complaints = Complaint.objects.filter(school__in=schools).select_related("school__unit")
    assert complaints.count() >= schools.count()
    assert {"closed", "in_progress"} <= set(complaints.values_list("status", flat=True))
    assert complaints.filter(is_anonymous=True).exists()
    department = User.objects.get(username="s.so")
    for complaint in complaints:
        _check_constraints(complaint)
        assert complaining.clean_code(complaint.code) == complaint.code
        assert complaint.submitted_at <= now
        if complaint.is_anonymous:
            assert not (complaint.name or complaint.phone or complaint.email)
        if complaint.status == "closed":
            assert complaint.answer and complaint.submitted_at <= complaint.closed_at <= now
        if complaint.status == "received":
            assert not (complaint.assigned_to or complaint.inspection or complaint.answer)
        if complaint.assigned_to:
            assert complaint.assigned_to in complaining.assignable(complaint.school)
            assert complaint in policy.visible(complaint.assigned_to, Complaint)
        if complaint.inspection:
            assert complaint.inspection.school == complaint.school
        (authority,) = (
            [department] if complaint.school.managed_by_department
            else policy.overseers(complaint.school).filter(role=Role.COMMITTEE)
        )
        assert policy.can(authority, "complaint.triage", complaint)
        events = list(complaint.events.all())
        assert events[0].action == "received" and events[0].at == complaint.submitted_at
        assert events[-1].at <= (complaint.closed_at or now)
        assert (events[-1].action == "closed") == (complaint.status == "closed")
    assert len(set(complaints.values_list("code", flat=True))) == complaints.count()


def test_seed_scale_creates_report_requests_to_page_through_and_a_few_real_documents(db):
    out = StringIO()
    call_command("seed_scale", "--schools", "30", "--students-per-school", "10",
                 "--staff-per-school", "1", "--programmes-per-school", "1", stdout=out)
    assert "Yêu cầu báo cáo" in out.getvalue()
    now, year = timezone.now(), SchoolYear.objects.get(name="2026-2027")
    department = User.objects.get(username="s.so")
    jobs = ReportJob.objects.select_related("requested_by", "unit", "school", "document")
    # The Department's 45, two per commune's committee (3), one per ten schools' heads, and
    # the two documents made for real.
    assert jobs.count() == 45 + 3 * 2 + 3 + 2
    statuses = Counter(jobs.values_list("status", flat=True))
    assert statuses["done"] == 2 and statuses["queued"] > 10 and statuses["failed"] > 10
    assert set(statuses) == {"queued", "failed", "done"}
    assert {"city", "area", "school"} <= set(jobs.filter(status="failed")
                                             .values_list("kind", flat=True))
    for job in jobs:
        _check_constraints(job)
        requester = job.requested_by
        assert job.school_year == year and year.start <= job.date_from <= job.date_to <= year.end
        assert job.requested_at <= now
        if job.kind == "city":
            assert requester == department and job.date_to < year.end
        elif job.kind == "area":
            assert policy.visible(requester, AdministrativeUnit).filter(pk=job.unit_id).exists()
        else:
            assert policy.visible(requester, School).filter(pk=job.school_id).exists()
        if job.status == "failed":
            assert job.error and job.attempts == 1 and job.document is None
            assert job.requested_at <= job.started_at <= job.finished_at
        if job.status == "queued":
            assert not (job.error or job.started_at or job.attempts or job.document)
    # The Department pages through its requests, newest first.
    client = Client()
    client.force_login(department)
    first = client.get(reverse("reports:job_list")).context["page"]
    assert first.paginator.num_pages == 3 and len(first.object_list) == 20
    times = [job.requested_at for job in first.object_list]
    assert times == sorted(times, reverse=True)
    last = client.get(reverse("reports:job_list"), {"page": 3}).context["page"]
    assert len(last.object_list) == 5 and last.object_list[0].requested_at <= times[-1]
    # A head's report and a committee's, made through the request and the task.
    for job in jobs.filter(status="done"):
        document = job.document
        assert job.kind in ("school", "area") and document.issued_by == job.requested_by
        with document.file.open("rb") as f:
            content = f.read()
        assert content.startswith(b"%PDF") and len(content) == document.size
        assert hashlib.sha256(content).hexdigest() == document.checksum
        client.force_login(job.requested_by)
        assert list(client.get(reverse("reports:job_list")).context["page"].object_list)[0] \
            == job
        download = client.get(reverse("reports:job_download", args=[job.pk]))
        assert b"".join(download.streaming_content) == content
        assert Client().get(reverse("public:verify", args=[document.code])).status_code == 200


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


def test_seed_scale_offers_programmes_to_families_with_a_ledger_that_agrees(db):
    """--programme-offers: each live programme offered to students of its grades, their
    parents' answers in the ledger, each enrolment's status the one its latest answer leads
    to, never more on a roster than the places; one family in ten can sign in."""
    call_command(
        "seed_scale", "--schools", "4", "--students-per-school", "60",
        "--programmes-per-school", "3", "--programme-offers", "12", stdout=StringIO(),
    )
    programmes = Programme.objects.filter(
        school__moet_code__startswith="S", status__in=["approved", "suspended"]
    )
    assert programmes.exists()
    expected_status = {"given": {"enrolled", "waiting"}, "declined": {"declined"},
                       "withdrawn": {"withdrawn"}}
    kinds = Counter()
    for programme in programmes:
        enrollments = list(programme.enrollments.select_related("student"))
        assert 0 < len(enrollments) <= 12
        assert len({e.student_id for e in enrollments}) == len(enrollments)
        on_roster = sum(e.status == "enrolled" for e in enrollments)
        assert on_roster <= programme.capacity
        for enrollment in enrollments:
            student = enrollment.student
            assert student.school_id == programme.school_id
            assert programme.grade_min <= student.grade <= programme.grade_max
            events = list(enrollment.consent_events.order_by("id"))
            kinds.update(e.kind for e in events)
            if not events:
                assert enrollment.status == "proposed"
                continue
            latest = consent.latest_event(enrollment)
            assert latest == events[-1]
            assert enrollment.status in expected_status[latest.kind]
            assert [e.at for e in events] == sorted(e.at for e in events)
            for event in events:
                assert event.terms_hash == programme.terms_hash
                assert event.guardian.students.filter(pk=student.pk).exists()
                assert event.channel == ("phone" if event.kind == "withdrawn" else "link")
    assert set(kinds) == {"given", "declined", "withdrawn"}
    # A parent answering after the bulk load gets new rows (the id sequences were moved on).
    programme, newcomer = next(
        (p, s)
        for p in programmes.filter(status="approved")
        for s in Student.objects.filter(
            school=p.school, grade__gte=p.grade_min, grade__lte=p.grade_max
        ).exclude(pk__in=p.enrollments.values("student"))[:1]
    )
    enrollment = consent.offer_enrollment(activity=programme.activity_ptr, student=newcomer)
    decision = consent.record(
        enrollment=enrollment, guardian=newcomer.guardians.first(), kind="declined",
        channel="link", expected_last=0,
    )
    assert decision.event.pk == ConsentEvent.objects.aggregate(top=Max("pk"))["top"]
    assert enrollment.pk == Enrollment.objects.aggregate(top=Max("pk"))["top"]

    students = Student.objects.filter(school__moet_code__startswith="S").count()
    parents = User.objects.filter(role=Role.PARENT, guardian__isnull=False)
    assert parents.count() == students // 10
    parent = parents.order_by("pk").first()
    assert parent.username == parent.guardian.phone
    assert Client().login(username=parent.username, password=DEMO_PASSWORD)
    child = parent.guardian.students.get()
    assert list(policy.visible(parent, Student)) == [child]


def test_seed_scale_presets_and_their_overrides(db, monkeypatch):
    from public.management.commands import seed_scale

    monkeypatch.setitem(seed_scale.PRESETS, "small", {
        "schools": 2, "students_per_school": 10, "programmes_per_school": 1,
        "programme_offers": 3,
    })
    call_command("seed_scale", "--preset", "small", "--students-per-school", "20",
                 stdout=StringIO())
    assert School.objects.filter(moet_code__startswith="S").count() == 2
    assert Student.objects.count() == 40
    with pytest.raises(CommandError):
        call_command("seed_scale", "--prefix", "T", stdout=StringIO())

"""'What breaks the rules now', the nightly recheck, and the public list of open classes."""

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from schools.models import StaffMember, Subject
from schools.services import role_grant
from tests.conftest import client_for
from tests.factories import StudentFactory, UserFactory
from tutoring import rules, services
from tutoring.models import OutsideTutoringDeclaration, TutoringClass


def break_a_rule(tc):
    TutoringClass.objects.filter(pk=tc.pk).update(monthly_fee=200_000)
    tc.refresh_from_db()
    return rules.recheck(tc)


def test_a_breach_is_kept_on_the_class_and_listed_for_the_overseers(world):
    assert {v.rule for v in break_a_rule(world.class_a)} == {"T4"}
    for user in (world.principal, world.committee, world.department, world.inspector):
        page = client_for(user).get(reverse("tutoring:breaches")).content.decode()
        assert world.class_a.title in page, user.role
        assert "Điều 5 khoản 1" in page


def test_breaches_outside_the_scope_are_not_listed(world):
    TutoringClass.objects.filter(pk=world.class_far.pk).update(title="Toán 7 – Ba Đình")
    world.class_far.refresh_from_db()
    break_a_rule(world.class_far)
    other_committee = UserFactory()
    role_grant(actor=None, user=other_committee, role=Role.COMMITTEE, unit=world.area_b)
    break_a_rule(world.class_a)
    page = client_for(other_committee).get(reverse("tutoring:breaches")).content.decode()
    assert world.class_a.title not in page
    page = client_for(world.department).get(reverse("tutoring:breaches")).content.decode()
    assert world.class_far.title not in page  # another province


def test_staff_and_parents_have_no_breaches_page(world):
    for user in (world.staff, world.parent):
        assert client_for(user).get(reverse("tutoring:breaches")).status_code == 403


def test_a_lawful_class_is_not_listed(world):
    rules.recheck(world.class_a)
    world.class_a.refresh_from_db()
    assert world.class_a.rule_breaches == []
    page = client_for(world.principal).get(reverse("tutoring:breaches")).content.decode()
    assert world.class_a.title not in page


def test_the_nightly_recheck_finds_breaches_made_behind_the_portals_back(world):
    TutoringClass.objects.filter(pk=world.class_a.pk).update(capacity=60)
    call_command("tutoring_recheck", stdout=open("/dev/null", "w"))  # noqa: SIM115
    world.class_a.refresh_from_db()
    assert [b["rule"] for b in world.class_a.rule_breaches] == ["T7"]


def test_the_breaches_page_runs_a_constant_number_of_queries(world):
    client = client_for(world.department)
    url = reverse("tutoring:breaches")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    break_a_rule(world.class_a)
    few = count()
    subject = Subject.objects.get(code="toan")
    for n in range(30):
        tc = TutoringClass.objects.create(
            school=world.school_b,
            school_year=world.year,
            title=f"Lớp thu tiền {n}",
            subject=subject,
            grade=7,
            category="remedial",
            capacity=30,
            monthly_fee=100_000,
            start_date=world.year.start,
            end_date=world.year.end,
            status="open",
        )
        rules.recheck(tc)
    assert count() == few


def declare(world, teacher, students=(), **fields):
    values = {
        "teacher": teacher,
        "school_year": world.year,
        "subject": Subject.objects.get(code="toan"),
        "location": "27 Điện Biên Phủ, Hải Phòng",
        "form": "in_person",
        "schedule": "Thứ Bảy 08:00–10:00",
        "establishment_name": "Trung tâm Tri Thức",
        "establishment_registration": "0209998887",
    }
    values.update(fields)
    return services.declaration_submit(
        actor=teacher.user,
        declaration=OutsideTutoringDeclaration(**values),
        students=list(students),
    )


def detail_link(declaration):
    return reverse("tutoring:declaration_detail", args=[declaration.pk])


def test_flagged_declarations_are_listed_for_the_overseers(world):
    teacher = StaffMember.objects.get(user=world.staff, school=world.school_a)
    untaught = StudentFactory(school=world.school_a, homeroom="7A2")
    own = declare(world, teacher, [world.student_a], establishment_name="Trung tâm Ánh Sao")
    runs = declare(
        world,
        teacher,
        establishment_name="Trung tâm Bình Minh",
        establishment_registration="0201111111",
        manages_establishment=True,
    )
    clean = declare(
        world,
        teacher,
        [untaught],
        establishment_name="Trung tâm Sạch Sẽ",
        establishment_registration="0202222222",
    )
    assert {v.rule for v in rules.check_declaration(own)} == {"T2"}
    assert {v.rule for v in rules.check_declaration(runs)} == {"T3"}
    assert rules.check_declaration(clean) == []
    for user in (world.principal, world.committee, world.department):
        page = client_for(user).get(reverse("tutoring:breaches")).content.decode()
        assert "Trung tâm Ánh Sao" in page and detail_link(own) in page, user.role
        assert "Trung tâm Bình Minh" in page and detail_link(runs) in page, user.role
        assert "Điều 4 khoản 2" in page and "Điều 4 khoản 3" in page, user.role
        assert "Trung tâm Sạch Sẽ" not in page and detail_link(clean) not in page, user.role
        assert detail_link(world.declaration_a) not in page  # lists no student
        assert world.student_a.full_name not in page  # the flags name no student here


def test_flagged_declarations_outside_the_scope_are_not_listed(world):
    far_teacher = world.declaration_far.teacher
    far = declare(
        world,
        far_teacher,
        establishment_name="Trung tâm Ba Đình",
        establishment_registration="0103333333",
        manages_establishment=True,
    )
    assert {v.rule for v in rules.check_declaration(far)} == {"T3"}
    other_committee = UserFactory()
    role_grant(actor=None, user=other_committee, role=Role.COMMITTEE, unit=world.area_b)
    world.declaration_a.students.add(world.student_a)
    for user in (world.principal, world.committee, world.department, other_committee):
        page = client_for(user).get(reverse("tutoring:breaches")).content.decode()
        assert detail_link(far) not in page, user.role
    page = client_for(other_committee).get(reverse("tutoring:breaches")).content.decode()
    assert detail_link(world.declaration_a) not in page
    page = client_for(world.far_principal).get(reverse("tutoring:breaches")).content.decode()
    assert detail_link(far) in page
    assert detail_link(world.declaration_a) not in page


def test_the_breaches_page_counts_no_more_queries_with_more_flagged_declarations(world):
    client = client_for(world.department)
    url = reverse("tutoring:breaches")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        return len(captured), page

    world.declaration_a.students.add(world.student_a)
    few, _page = count()
    teacher = StaffMember.objects.get(user=world.staff, school=world.school_a)
    made = []
    for n in range(15):
        student = StudentFactory(school=world.school_a, homeroom="7A1")
        made.append(
            declare(
                world,
                teacher,
                [student],
                establishment_name=f"Trung tâm số {n}",
                establishment_registration=f"02{n:08d}",
                manages_establishment=n % 2 == 0,
            )
        )
    many, page = count()
    assert many == few
    assert all(detail_link(d) in page for d in made)


def test_the_public_page_shows_open_classes_and_no_student(world):
    page = Client().get(reverse("public:school", args=[world.school_a.pk])).content.decode()
    assert world.class_a.subject.name in page
    assert world.staff.full_name in page  # the teacher
    assert "0 ₫" in page
    assert world.draft_a.title not in page
    assert world.student_a.full_name not in page
    assert world.student_a.national_id not in page


def test_the_published_list_of_outside_tutors_is_public_and_names_no_student(world):
    from tutoring.models import OutsideTutoringDeclaration
    from tutoring.services import declaration_publish

    declaration = world.declaration_a
    declaration.students.add(world.student_a)
    url = reverse("public:school", args=[world.school_a.pk])
    assert declaration.establishment_name not in Client().get(url).content.decode()
    declaration_publish(actor=world.principal, school=world.school_a, published=True)
    assert OutsideTutoringDeclaration.objects.get(pk=declaration.pk).published
    page = Client().get(url).content.decode()
    assert declaration.establishment_name in page
    assert world.staff.full_name in page
    assert world.student_a.full_name not in page


def test_a_school_filter_beyond_any_id_is_ignored_not_a_crash(world):
    response = client_for(world.department).get(reverse("tutoring:breaches"), {"school": "9" * 30})
    assert response.status_code == 200

"""'What breaks the rules now', the nightly recheck, and the public list of open classes."""

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from schools.models import Subject
from schools.services import role_grant
from tests.conftest import client_for
from tests.factories import UserFactory
from tutoring import rules
from tutoring.models import TutoringClass


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


def test_the_public_page_shows_open_classes_and_no_student(world):
    page = Client().get(reverse("public:school", args=[world.school_a.pk])).content.decode()
    assert world.class_a.subject.name in page
    assert world.staff.full_name in page  # the teacher
    assert "0 ₫" in page
    assert world.draft_a.title not in page
    assert world.student_a.full_name not in page
    assert world.student_a.national_id not in page

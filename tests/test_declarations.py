"""Outside-tutoring declarations (form 03): who declares, what the portal flags, who
acknowledges and publishes, who sees them, and the lists' query counts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent, Role
from schools import policy
from schools.models import School, StaffMember, Subject, TeachingAssignment
from schools.services import role_grant
from tests.conftest import client_for
from tests.factories import SchoolFactory, StaffMemberFactory, StudentFactory, UserFactory
from tutoring import rules, services
from tutoring.models import OutsideTutoringDeclaration, RulePolicy

Declaration = OutsideTutoringDeclaration
Status = Declaration.Status


@pytest.fixture
def teacher(world):
    """world.staff at school A, assigned to teach maths to 7A1 this year."""
    return StaffMember.objects.get(user=world.staff, school=world.school_a)


@pytest.fixture
def untaught(world):
    """A student of school A in a class the teacher does not teach."""
    return StudentFactory(school=world.school_a, homeroom="7A2", full_name="Đỗ Gia Bảo")


def staff_at(school):
    user = role_grant(actor=None, user=UserFactory(), role=Role.STAFF, school=school)
    return StaffMember.objects.get(user=user, school=school)


def draft(world, teacher, **fields):
    values = {
        "teacher": teacher,
        "school_year": world.year,
        "subject": Subject.objects.get(code="toan"),
        "location": "27 Điện Biên Phủ, Hải Phòng",
        "form": Declaration.Form.IN_PERSON,
        "schedule": "Thứ Bảy 08:00–10:00",
        "establishment_name": "Trung tâm Tri Thức",
        "establishment_registration": "0209998887",
    }
    values.update(fields)
    return Declaration(**values)


def submit(world, teacher, students=(), actor=None, **fields):
    return services.declaration_submit(
        actor=actor or teacher.user,
        declaration=draft(world, teacher, **fields),
        students=list(students),
    )


def rules_of(declaration):
    return [v.rule for v in rules.check_declaration(declaration)]


# --- Submitting -----------------------------------------------------------------------


def test_a_teacher_declares_their_outside_tutoring(world, teacher, untaught):
    declaration = submit(world, teacher, [untaught], relationship_to_holder="Em gái chủ hộ")
    declaration.refresh_from_db()
    assert declaration.status == Status.SUBMITTED
    assert declaration.teacher == teacher
    assert list(declaration.students.all()) == [untaught]
    assert declaration.relationship_to_holder == "Em gái chủ hộ"
    assert not declaration.published
    event = AuditEvent.objects.get(action="outside_tutoring_declare")
    assert (event.actor, event.object_id) == (world.staff, str(declaration.pk))
    assert event.data["students"] == [untaught.national_id]


def test_a_principal_declares_their_own(world):
    head = StaffMember.objects.get(user=world.principal, school=world.school_a)
    assert submit(world, head).status == Status.SUBMITTED


def test_nobody_declares_for_another_teacher(world, teacher):
    with pytest.raises(PermissionDenied):
        submit(world, teacher, actor=world.principal)


@pytest.mark.parametrize("who", ["department", "committee", "inspector", "parent", "far_principal"])
def test_only_school_people_declare(world, teacher, who):
    with pytest.raises(PermissionDenied):
        submit(world, teacher, actor=getattr(world, who))
    assert not Declaration.objects.filter(establishment_registration="0209998887").exists()


def test_students_of_another_school_cannot_be_listed(world, teacher):
    with pytest.raises(ValidationError) as caught:
        submit(world, teacher, [world.student_b])
    assert "students" in caught.value.message_dict
    assert not Declaration.objects.filter(establishment_registration="0209998887").exists()


def test_flags_do_not_block_submission(world, teacher):
    declaration = submit(world, teacher, [world.student_a], manages_establishment=True)
    assert declaration.pk is not None
    assert sorted(rules_of(declaration)) == ["T2", "T3"]
    event = AuditEvent.objects.get(action="outside_tutoring_declare")
    assert sorted(event.data["flags"]) == ["T2", "T3"]


def test_a_new_version_supersedes_the_old_and_keeps_publication(world, teacher):
    first = submit(world, teacher)
    Declaration.objects.filter(pk=first.pk).update(published=True)
    second = services.declaration_submit(
        actor=world.staff,
        declaration=draft(world, teacher, schedule="Chủ Nhật 08:00–10:00", replaces=first),
        students=[],
    )
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED
    assert (second.status, second.replaces, second.published) == (Status.SUBMITTED, first, True)
    # The same establishment declared again, without saying so, is a new version too.
    third = submit(world, teacher, establishment_registration=" 0209998887 ")
    second.refresh_from_db()
    assert second.status == Status.SUPERSEDED and third.replaces == second
    current = Declaration.objects.filter(teacher=teacher).exclude(status=Status.SUPERSEDED)
    assert set(current) == {world.declaration_a, third}


def test_another_teachers_declaration_cannot_be_replaced(world, teacher):
    with pytest.raises(ValidationError):
        submit(world, teacher, replaces=world.declaration_far)
    world.declaration_far.refresh_from_db()
    assert world.declaration_far.status == Status.SUBMITTED


# --- Rule checks ----------------------------------------------------------------------


def test_a_listed_student_the_teacher_teaches_is_flagged(world, teacher, untaught):
    declaration = submit(world, teacher, [world.student_a, untaught])
    flags = rules.check_declaration(declaration)
    assert [v.rule for v in flags] == ["T2"]
    assert world.student_a.full_name in flags[0].message
    assert untaught.full_name not in flags[0].message
    policy_version = RulePolicy.in_force(rules.declaration_date(declaration))
    assert flags[0].reference.startswith(policy_version.legal_reference)
    assert flags[0].field == "students"


def test_a_student_the_teacher_does_not_teach_is_not_flagged(world, teacher, untaught):
    assert rules_of(submit(world, teacher, [untaught])) == []


def test_an_assignment_of_another_school_year_is_not_flagged(world, teacher):
    from tests.factories import SchoolYearFactory

    other_year = SchoolYearFactory(name="2025-2026", start="2025-09-05", end="2026-05-31")
    declaration = submit(world, teacher, [world.student_a], school_year=other_year)
    assert rules_of(declaration) == []


def test_a_public_school_teacher_running_an_establishment_is_flagged(world, teacher):
    assert world.school_a.ownership == School.Ownership.PUBLIC
    flags = rules.check_declaration(submit(world, teacher, manages_establishment=True))
    assert [(v.rule, v.field) for v in flags] == [("T3", "manages_establishment")]


def test_a_non_public_school_teacher_running_an_establishment_is_not_flagged(world):
    private = SchoolFactory(unit=world.area_a, ownership=School.Ownership.NON_PUBLIC)
    teacher = staff_at(private)
    assert rules_of(submit(world, teacher, manages_establishment=True)) == []


# --- Acknowledgement ------------------------------------------------------------------


def test_the_head_acknowledges(world):
    services.declaration_acknowledge(actor=world.principal, declaration=world.declaration_a)
    world.declaration_a.refresh_from_db()
    assert world.declaration_a.status == Status.ACKNOWLEDGED
    assert world.declaration_a.acknowledged_by == world.principal
    assert world.declaration_a.acknowledged_at is not None
    assert AuditEvent.objects.filter(action="outside_tutoring_acknowledge").count() == 1
    with pytest.raises(ValidationError):
        services.declaration_acknowledge(actor=world.principal, declaration=world.declaration_a)


@pytest.mark.parametrize("who", ["staff", "far_principal", "committee", "department"])
def test_only_the_head_of_the_school_acknowledges(world, who):
    with pytest.raises(PermissionDenied):
        services.declaration_acknowledge(actor=getattr(world, who), declaration=world.declaration_a)
    world.declaration_a.refresh_from_db()
    assert world.declaration_a.status == Status.SUBMITTED


def test_acknowledging_in_the_browser(world):
    url = reverse("tutoring:declaration_acknowledge", args=[world.declaration_a.pk])
    assert client_for(world.staff).post(url).status_code == 403
    assert client_for(world.far_principal).post(url).status_code == 404
    assert client_for(world.far_principal).get(url).status_code == 405
    back = reverse("tutoring:declaration_school_list", args=[world.school_a.pk])
    response = client_for(world.principal).post(url, {"next": back})
    assert (response.status_code, response.url) == (302, back)
    world.declaration_a.refresh_from_db()
    assert world.declaration_a.status == Status.ACKNOWLEDGED
    # An address elsewhere is not followed.
    response = client_for(world.principal).post(url, {"next": "https://example.com/"})
    assert response.url == reverse("tutoring:declaration_detail", args=[world.declaration_a.pk])


# --- Who sees what --------------------------------------------------------------------


def test_the_committee_of_the_area_sees_its_declarations(world):
    assert set(policy.visible(world.committee, Declaration)) == {world.declaration_a}
    assert set(policy.visible(world.far_committee, Declaration)) == {world.declaration_far}
    url = reverse("tutoring:declaration_detail", args=[world.declaration_a.pk])
    assert client_for(world.committee).get(url).status_code == 200
    assert client_for(world.far_committee).get(url).status_code == 404
    listed = client_for(world.committee).get(reverse("tutoring:declaration_area_list"))
    assert list(listed.context["page"].object_list) == [world.declaration_a]
    listed = client_for(world.far_committee).get(reverse("tutoring:declaration_area_list"))
    assert list(listed.context["page"].object_list) == [world.declaration_far]


def test_the_committee_sees_declarations_of_department_schools_in_its_area(world):
    upper = staff_at(world.upper_a)
    declaration = submit(world, upper, actor=upper.user)
    assert declaration in policy.visible(world.committee, Declaration)


def test_the_department_sees_its_province_and_nobody_else_sees_more(world, teacher, untaught):
    colleague = staff_at(world.school_a)
    theirs = submit(world, colleague, actor=colleague.user)
    assert set(policy.visible(world.department, Declaration)) == {world.declaration_a, theirs}
    assert set(policy.visible(world.principal, Declaration)) == {world.declaration_a, theirs}
    # A teacher sees their own, not a colleague's.
    assert set(policy.visible(world.staff, Declaration)) == {world.declaration_a}
    assert not policy.visible(world.inspector, Declaration).exists()
    assert not policy.visible(world.parent, Declaration).exists()


def test_the_area_list_filters_by_school(world):
    teacher_b = staff_at(world.school_b)
    in_b = submit(world, teacher_b, actor=teacher_b.user)
    client = client_for(world.department)
    url = reverse("tutoring:declaration_area_list")
    response = client.get(url)
    assert set(response.context["page"].object_list) == {world.declaration_a, in_b}
    assert set(response.context["schools"]) == {world.school_a, world.school_b}
    response = client.get(url, {"school": world.school_b.pk})
    assert list(response.context["page"].object_list) == [in_b]
    assert client_for(world.inspector).get(url).status_code == 403


def test_readers_who_may_not_see_students_get_no_names(world):
    upper = staff_at(world.upper_a)
    TeachingAssignment.objects.create(
        staff=upper,
        school_year=world.year,
        subject=Subject.objects.get(code="toan"),
        homeroom=world.student_upper_a.homeroom,
    )
    declaration = submit(world, upper, [world.student_upper_a], actor=upper.user)
    url = reverse("tutoring:declaration_detail", args=[declaration.pk])
    response = client_for(world.committee).get(url)
    assert response.status_code == 200
    assert (response.context["flags"], response.context["hidden_flags"]) == ([], 1)
    assert world.student_upper_a.full_name not in response.content.decode()
    response = client_for(world.department).get(url)
    assert [v.rule for v in response.context["flags"]] == ["T2"]


# --- In the browser -------------------------------------------------------------------


def form_data(world, students=(), **overrides):
    data = {
        "school_year": world.year.pk,
        "subject": Subject.objects.get(code="toan").pk,
        "form": "online",
        "location": "Trực tuyến qua Zoom",
        "schedule": "Thứ Ba, Thứ Năm 18:00–19:30",
        "establishment_name": "Trung tâm Trực Tuyến",
        "establishment_registration": "0201112223",
        "manages_establishment": "on",
        "relationship_to_holder": "",
        "students": [s.pk for s in students],
    }
    data.update(overrides)
    return data


def test_a_teacher_declares_in_the_browser_and_sees_the_flags(world, untaught):
    client = client_for(world.staff)
    url = reverse("tutoring:declaration_create", args=[world.school_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    offered = set(page.context["form"].fields["students"].queryset)
    assert {world.student_a, untaught} <= offered and world.student_b not in offered
    response = client.post(url, form_data(world, [world.student_a, untaught]))
    assert response.status_code == 302
    declaration = Declaration.objects.get(establishment_registration="0201112223")
    assert response.url == reverse("tutoring:declaration_detail", args=[declaration.pk])
    assert declaration.manages_establishment and declaration.form == "online"
    detail = client.get(response.url)
    assert sorted(v.rule for v in detail.context["flags"]) == ["T2", "T3"]
    assert world.student_a.full_name in detail.content.decode()
    assert detail.context["may_replace"] and not detail.context["may_acknowledge"]


def test_the_form_refuses_bad_input_and_saves_nothing(world):
    client = client_for(world.staff)
    url = reverse("tutoring:declaration_create", args=[world.school_a.pk])
    response = client.post(
        url, form_data(world, [world.student_b], form="by_pigeon", location="", schedule="")
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"students", "form", "location", "schedule"}
    assert not Declaration.objects.filter(establishment_registration="0201112223").exists()


def test_a_new_version_in_the_browser(world):
    client = client_for(world.staff)
    url = reverse("tutoring:declaration_create", args=[world.school_a.pk])
    old = world.declaration_a
    page = client.get(url, {"replaces": old.pk})
    assert page.context["form"].initial["establishment_name"] == old.establishment_name
    data = form_data(world, establishment_registration=old.establishment_registration)
    response = client.post(f"{url}?replaces={old.pk}", data)
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.status == Status.SUPERSEDED
    assert old.replaced_by.location == "Trực tuyến qua Zoom"
    # Only one's own current declaration can be the starting point.
    assert client.get(url, {"replaces": world.declaration_far.pk}).status_code == 404
    assert client.get(url, {"replaces": old.pk}).status_code == 404
    assert client.get(url, {"replaces": "x"}).status_code == 404


def test_the_head_sees_the_schools_list_a_teacher_their_own(world):
    colleague = staff_at(world.school_a)
    theirs = submit(world, colleague, actor=colleague.user)
    url = reverse("tutoring:declaration_school_list", args=[world.school_a.pk])
    response = client_for(world.principal).get(url)
    assert set(response.context["page"].object_list) == {world.declaration_a, theirs}
    assert response.context["may_publish"] and response.context["may_acknowledge"]
    response = client_for(world.staff).get(url)
    assert list(response.context["page"].object_list) == [world.declaration_a]
    assert not response.context["may_publish"]
    nav = dict(response.context["nav"])
    assert url in nav.values()


# --- Publication ----------------------------------------------------------------------


def test_the_head_publishes_and_withdraws_the_list(world):
    colleague = staff_at(world.school_a)
    theirs = submit(world, colleague, actor=colleague.user)
    assert (
        services.declaration_publish(actor=world.principal, school=world.school_a, published=True)
        == 2
    )
    assert set(Declaration.objects.filter(published=True)) == {world.declaration_a, theirs}
    services.declaration_publish(actor=world.principal, school=world.school_a, published=False)
    assert not Declaration.objects.filter(published=True).exists()
    assert AuditEvent.objects.filter(action__startswith="outside_tutoring_").count() == 3


def test_publication_leaves_other_schools_and_superseded_versions_alone(world, teacher):
    old = submit(world, teacher)
    submit(world, teacher, replaces=old)
    services.declaration_publish(actor=world.principal, school=world.school_a, published=True)
    old.refresh_from_db()
    world.declaration_far.refresh_from_db()
    assert not old.published and not world.declaration_far.published


@pytest.mark.parametrize("who", ["staff", "far_principal", "committee", "department"])
def test_only_the_head_publishes(world, who):
    with pytest.raises(PermissionDenied):
        services.declaration_publish(
            actor=getattr(world, who), school=world.school_a, published=True
        )
    assert not Declaration.objects.filter(published=True).exists()


def test_the_publish_toggle_in_the_browser(world):
    client = client_for(world.principal)
    url = reverse("tutoring:declaration_publish", args=[world.school_a.pk])
    back = reverse("tutoring:declaration_school_list", args=[world.school_a.pk])
    assert client.post(url, {"published": "1"}).url == back
    world.declaration_a.refresh_from_db()
    assert world.declaration_a.published
    assert client.get(back).context["counts"] == {"total": 1, "published": 1}
    client.post(url, {"published": "0"})
    world.declaration_a.refresh_from_db()
    assert not world.declaration_a.published
    assert client_for(world.staff).post(url, {"published": "1"}).status_code == 403
    assert client.get(url).status_code == 405


# --- Query counts ---------------------------------------------------------------------


def _add_declarations(world, n):
    subject = Subject.objects.get(code="toan")
    for i in range(n):
        teacher = StaffMemberFactory(school=world.school_a)
        TeachingAssignment.objects.create(
            staff=teacher, school_year=world.year, subject=subject, homeroom=f"7A{i % 3 + 1}"
        )
        declaration = Declaration.objects.create(
            teacher=teacher,
            school_year=world.year,
            subject=subject,
            location=f"Số {i} Lạch Tray",
            form="in_person",
            schedule="Thứ Hai 18:00–19:30",
            establishment_name=f"Trung tâm {i}",
            establishment_registration=f"02{i:08d}",
            manages_establishment=i % 2 == 0,
        )
        declaration.students.set(
            [StudentFactory(school=world.school_a, homeroom=f"7A{(i + k) % 3 + 1}") for k in (0, 1)]
        )


@pytest.mark.parametrize(
    ("who", "url_name", "school_arg"),
    [
        ("principal", "tutoring:declaration_school_list", True),
        ("committee", "tutoring:declaration_area_list", False),
        ("department", "tutoring:declaration_area_list", False),
    ],
)
def test_list_query_count_is_constant(world, who, url_name, school_arg):
    client = client_for(getattr(world, who))
    url = reverse(url_name, args=[world.school_a.pk] if school_arg else [])

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            assert response.status_code == 200
        return len(captured), response

    few, _ = count()
    _add_declarations(world, 12)
    many, response = count()
    assert many == few
    assert len(response.context["page"].object_list) == 13
    flagged = [d for d in response.context["page"].object_list if d.flags]
    assert flagged  # the flags are computed from the prefetched rows, not by extra queries


def test_a_head_cannot_acknowledge_their_own_declaration(world):
    from schools import policy

    own = world.declaration_far  # declared by the far school's principal
    assert not policy.can(world.far_principal, "declaration.acknowledge", own)
    assert policy.can(world.principal, "declaration.acknowledge", world.declaration_a)

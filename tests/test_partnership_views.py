"""Linked programmes and the partner registry in the browser: the head's form with bad input,
the detail page, the decision buttons, the public page, the documents, the fee comparison,
and list pages whose query count stays flat as rows grow."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from partnerships.models import (
    Licence,
    Partner,
    PartnerDocument,
    Programme,
    ProgrammeDocument,
    ProgrammeTeacher,
)
from schools.models import ActivitySlot, Enrollment
from schools.uploads import MAX_DOCUMENT_BYTES
from tests.conftest import client_for
from tests.factories import SchoolFactory, StudentFactory, UserFactory

T = datetime.time


def pdf(name="tai-lieu.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.7 signed", content_type="application/pdf")


def form_data(world, **overrides):
    data = {
        "title": "Robot và lập trình",
        "partner": world.partner.pk,
        "programme_kind": "stem",
        "content_summary": "Lắp ráp và lập trình robot",
        "grade_min": 6,
        "grade_max": 9,
        "school_year": world.year.pk,
        "start_date": "2026-09-15",
        "end_date": "2027-05-15",
        "capacity": 30,
        "monthly_fee": 250000,
        "slots-TOTAL_FORMS": 2,
        "slots-INITIAL_FORMS": 0,
        "slots-MIN_NUM_FORMS": 0,
        "slots-MAX_NUM_FORMS": 7,
        "slots-0-weekday": 2,
        "slots-0-start": "16:45",
        "slots-0-end": "18:15",
        "slots-0-periods": 2,
        "slots-0-room": "P.301",
        "teachers-TOTAL_FORMS": 2,
        "teachers-INITIAL_FORMS": 0,
        "teachers-MIN_NUM_FORMS": 0,
        "teachers-MAX_NUM_FORMS": 30,
        "teachers-0-full_name": "John Smith",
        "teachers-0-nationality": "Anh",
        "teachers-0-is_foreign": "on",
        "teachers-0-qualification": "BSc Robotics",
        "teachers-0-work_permit_number": "GP-LĐ 7788/2026",
        "teachers-0-work_permit_expiry": "2027-12-31",
        "teachers-1-nationality": "Việt Nam",
        "contract": pdf("hop-dong.pdf"),
        "materials": pdf("hoc-lieu.pdf"),
    }
    data.update(overrides)
    return data


def create_url(world):
    return reverse("partnerships:programme_create", args=[world.school_a.pk])


def saved_rows():
    return (
        Programme.objects.count(),
        ActivitySlot.objects.count(),
        ProgrammeTeacher.objects.count(),
        ProgrammeDocument.objects.count(),
    )


# --- The head's form -------------------------------------------------------------------


def test_the_head_proposes_a_programme_in_the_browser(world):
    client = client_for(world.principal)
    assert client.get(create_url(world)).status_code == 200
    response = client.post(create_url(world), form_data(world))
    programme = Programme.objects.get(title="Robot và lập trình")
    assert response.status_code == 302
    assert response.url == reverse("partnerships:programme_detail", args=[programme.pk])
    assert (programme.status, programme.school, programme.monthly_fee) == (
        "draft",
        world.school_a,
        250_000,
    )
    assert [(s.weekday, s.room) for s in programme.slots.all()] == [(2, "P.301")]
    assert programme.weekly_periods == 2
    teacher = programme.teachers.get()  # the empty second row is ignored
    assert (teacher.full_name, teacher.is_foreign, teacher.work_permit_number) == (
        "John Smith",
        True,
        "GP-LĐ 7788/2026",
    )
    assert sorted(programme.documents.values_list("kind", flat=True)) == [
        "contract",
        "materials",
    ]
    page = client.get(response.url)
    assert page.context["violations"] == []
    assert [t["name"] for t in page.context["transitions"]] == ["submit"]


def test_a_negative_fee_is_named_on_the_form_and_nothing_is_saved(world):
    before = saved_rows()
    response = client_for(world.principal).post(
        create_url(world), form_data(world, monthly_fee=-100000)
    )
    assert response.status_code == 200
    assert "monthly_fee" in response.context["form"].errors
    assert saved_rows() == before


def test_an_expired_work_permit_is_shown_with_its_rule_and_nothing_is_saved(world):
    before = saved_rows()
    response = client_for(world.principal).post(
        create_url(world), form_data(world, **{"teachers-0-work_permit_expiry": "2027-01-31"})
    )
    assert response.status_code == 200
    assert [(v.rule, v.field) for v in response.context["violations"]] == [("P4", "teachers")]
    page = response.content.decode()
    assert "GP-LĐ 7788/2026" in page and "152/2020/NĐ-CP" in page
    assert saved_rows() == before


def test_a_foreign_teacher_without_a_permit_is_shown_and_nothing_is_saved(world):
    before = saved_rows()
    response = client_for(world.principal).post(
        create_url(world),
        form_data(
            world,
            **{"teachers-0-work_permit_number": "", "teachers-0-work_permit_expiry": ""},
        ),
    )
    assert response.status_code == 200
    assert [v.rule for v in response.context["violations"]] == ["P4"]
    assert saved_rows() == before


def test_a_session_inside_the_main_timetable_is_shown_and_nothing_is_saved(world):
    before = saved_rows()
    response = client_for(world.principal).post(
        create_url(world),
        form_data(
            world,
            **{"slots-0-weekday": 0, "slots-0-start": "09:00", "slots-0-end": "10:30"},
        ),
    )
    assert response.status_code == 200
    assert [(v.rule, v.field) for v in response.context["violations"]] == [("P3", "slots")]
    assert "09:00" in response.content.decode()
    assert saved_rows() == before


def test_a_barred_partner_is_not_offered_and_cannot_be_posted(world):
    Partner.objects.filter(pk=world.partner.pk).update(status="barred")
    before = saved_rows()
    client = client_for(world.principal)
    assert world.partner.legal_name not in client.get(create_url(world)).content.decode()
    response = client.post(create_url(world), form_data(world))
    assert "partner" in response.context["form"].errors
    assert saved_rows() == before


def test_an_expired_licence_is_shown_with_its_dates(world):
    Licence.objects.filter(partner=world.partner).update(valid_to=datetime.date(2026, 12, 31))
    before = saved_rows()
    response = client_for(world.principal).post(create_url(world), form_data(world))
    assert [(v.rule, v.field) for v in response.context["violations"]] == [("P2", "partner")]
    assert "31/12/2026" in response.content.decode()
    assert saved_rows() == before


@pytest.mark.parametrize(
    "field, upload",
    [
        ("contract", SimpleUploadedFile("hop-dong.pdf", b"MZ\x90\x00 an executable")),
        ("materials", SimpleUploadedFile("hoc-lieu.docx", b"PK\x03\x04 a word file")),
        ("materials", SimpleUploadedFile("hoc-lieu.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES)),
    ],
    ids=["executable-named-pdf", "word", "over-10-MB"],
)
def test_a_document_that_is_not_a_pdf_or_image_is_named_on_the_form(world, field, upload):
    before = saved_rows()
    response = client_for(world.principal).post(
        create_url(world), form_data(world, **{field: upload})
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert saved_rows() == before


def test_a_capacity_of_zero_gives_the_form_back_and_saves_nothing(world):
    before = saved_rows()
    response = client_for(world.principal).post(create_url(world), form_data(world, capacity=0))
    assert response.status_code == 200
    assert [(v.rule, v.field) for v in response.context["violations"]] == [("CAPACITY", "capacity")]
    assert saved_rows() == before


def test_the_form_is_only_for_the_head_of_the_school(world):
    assert client_for(world.staff).get(create_url(world)).status_code == 403
    assert client_for(world.committee).post(create_url(world), form_data(world)).status_code == 403
    assert client_for(world.far_principal).get(create_url(world)).status_code == 404
    assert not Programme.objects.filter(title="Robot và lập trình").exists()


def test_the_head_edits_a_returned_programme_but_not_an_approved_one(world):
    client = client_for(world.principal)
    draft = world.programme_draft_a
    Programme.objects.filter(pk=draft.pk).update(status="returned")
    url = reverse("partnerships:programme_edit", args=[draft.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        form_data(
            world,
            title="Tiếng Anh giao tiếp (sửa)",
            programme_kind="language",
            contract="",
            materials="",
        ),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Tiếng Anh giao tiếp (sửa)", "returned")
    assert draft.documents.count() == 1
    approved_url = reverse("partnerships:programme_edit", args=[world.programme_a.pk])
    assert client.get(approved_url).status_code == 403


def test_the_head_drops_a_session_and_a_teacher_by_emptying_their_rows(world):
    # As the edit page renders it: the two sessions (Tuesday and Thursday) and the teacher
    # of the draft in the first rows, then empty ones.
    draft = world.programme_draft_a
    ProgrammeTeacher.objects.create(
        programme=draft, full_name="Phạm Hải Yến", qualification="Cử nhân Sư phạm Anh"
    )
    client = client_for(world.principal)
    url = reverse("partnerships:programme_edit", args=[draft.pk])
    page = client.get(url)
    assert page.context["slots"].management_form.initial["INITIAL_FORMS"] == 2
    assert page.context["teachers"].management_form.initial["INITIAL_FORMS"] == 2
    data = {
        "title": draft.title,
        "partner": world.partner.pk,
        "programme_kind": "language",
        "content_summary": draft.content_summary,
        "grade_min": 6,
        "grade_max": 9,
        "school_year": world.year.pk,
        "start_date": draft.start_date.isoformat(),
        "end_date": draft.end_date.isoformat(),
        "capacity": 35,
        "monthly_fee": 300000,
        "slots-TOTAL_FORMS": 4,
        "slots-INITIAL_FORMS": 2,
        "slots-MIN_NUM_FORMS": 0,
        "slots-MAX_NUM_FORMS": 7,
        "slots-0-weekday": 1,
        "slots-0-start": "16:45",
        "slots-0-end": "17:30",
        "slots-0-periods": 1,
        # slots-1 (Thursday) emptied
        "teachers-TOTAL_FORMS": 4,
        "teachers-INITIAL_FORMS": 2,
        "teachers-MIN_NUM_FORMS": 0,
        "teachers-MAX_NUM_FORMS": 30,
        "teachers-0-full_name": "Nguyễn Thu Trang",
        "teachers-0-nationality": "Việt Nam",
        "teachers-0-qualification": "Cử nhân Sư phạm Anh",
        # teachers-1 (Phạm Hải Yến) emptied
        "teachers-1-nationality": "Việt Nam",
        "teachers-2-nationality": "Việt Nam",
        "teachers-3-nationality": "Việt Nam",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert [s.weekday for s in draft.slots.all()] == [1]
    assert [t.full_name for t in draft.teachers.all()] == ["Nguyễn Thu Trang"]


# --- The detail page and its decision buttons -----------------------------------------


def detail(user, programme):
    return client_for(user).get(reverse("partnerships:programme_detail", args=[programme.pk]))


def test_the_detail_page_shows_the_rules_the_programme_breaks(world):
    Partner.objects.filter(pk=world.partner.pk).update(status="suspended")
    response = detail(world.committee, world.programme_a)
    assert [v.rule for v in response.context["violations"]] == ["P2"]
    assert world.partner.legal_name in response.content.decode()
    assert "04/2014/TT-BGDĐT" in response.content.decode()


def test_the_detail_page_shows_the_flags_and_each_students_total(world):
    response = detail(world.principal, world.programme_draft_a)
    assert [(f.rule, f.field) for f in response.context["flags"]] == [("P1", "programme_kind")]
    response = detail(world.principal, world.programme_a)
    [row] = response.context["enrollments"]
    assert (row.student, row.fee_total, row.over_threshold) == (world.student_a, 300_000, False)


def transitions(user, programme):
    response = detail(user, programme)
    assert response.status_code == 200
    return [t["name"] for t in response.context["transitions"]]


def transition_url(programme, name):
    return reverse("partnerships:programme_transition", args=[programme.pk, name])


def test_decision_buttons_are_shown_only_to_who_may_use_them(world):
    draft, approved = world.programme_draft_a, world.programme_a
    assert transitions(world.principal, draft) == ["submit"]
    for user in (world.staff, world.committee, world.department, world.inspector):
        assert transitions(user, draft) == []
    Programme.objects.filter(pk=draft.pk).update(status="submitted")
    assert transitions(world.committee, draft) == ["approve", "return", "refuse"]
    # The Department approves only the schools it manages; it may still suspend any.
    assert transitions(world.department, draft) == []
    for user in (world.principal, world.staff, world.inspector):
        assert transitions(user, draft) == []
    assert transitions(world.committee, approved) == ["suspend", "terminate"]
    for user in (world.principal, world.staff, world.inspector):
        assert transitions(user, approved) == []
    Programme.objects.filter(pk=approved.pk).update(status="suspended")
    assert transitions(world.department, approved) == ["resume", "terminate"]
    page = detail(world.department, approved).content.decode()
    assert transition_url(approved, "resume") in page
    assert transition_url(approved, "suspend") not in page


def test_the_committee_does_not_see_decision_buttons_for_an_upper_secondary_school(world):
    upper = Programme.objects.create(
        school=world.upper_a,
        school_year=world.year,
        title="Tiếng Anh học thuật",
        partner=world.partner,
        programme_kind="language",
        content_summary="IELTS",
        grade_min=10,
        grade_max=12,
        capacity=30,
        monthly_fee=400_000,
        start_date=world.year.start,
        end_date=world.year.end,
        status="submitted",
    )
    assert transitions(world.committee, upper) == []
    assert transitions(world.department, upper) == ["approve", "return", "refuse"]


def test_the_committee_approves_through_the_page_with_a_decision_number(world):
    p = world.programme_draft_a
    ProgrammeDocument.objects.create(programme=p, kind="materials", title="Học liệu", file=pdf())
    Programme.objects.filter(pk=p.pk).update(status="submitted")
    client = client_for(world.committee)
    response = client.post(transition_url(p, "approve"), {"reference": ""})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "submitted"
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    response = client.post(transition_url(p, "approve"), {"reference": "88/QĐ-UBND"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert (p.status, p.approval_reference) == ("approved", "88/QĐ-UBND")


@pytest.mark.parametrize(
    "who, code",
    [
        ("principal", 403),
        ("staff", 403),
        ("inspector", 403),
        ("far_committee", 404),
        ("far_principal", 404),
        ("parent", 403),
    ],
)
def test_suspending_through_the_page_is_refused_to_others(world, who, code):
    response = client_for(getattr(world, who)).post(
        transition_url(world.programme_a, "suspend"), {"reason": "Phản ánh"}
    )
    assert response.status_code == code
    world.programme_a.refresh_from_db()
    assert world.programme_a.status == "approved"


def test_a_suspension_without_a_reason_is_refused_with_a_message(world):
    response = client_for(world.committee).post(
        transition_url(world.programme_a, "suspend"), {"reason": " "}
    )
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    world.programme_a.refresh_from_db()
    assert world.programme_a.status == "approved"


def test_an_unknown_action_is_404_and_a_get_is_405(world):
    client = client_for(world.committee)
    assert client.post(transition_url(world.programme_a, "demolish")).status_code == 404
    assert client.get(transition_url(world.programme_a, "suspend")).status_code == 405


# --- The public page -------------------------------------------------------------------


def test_the_public_page_lists_approved_and_suspended_programmes_never_proposals(world):
    suspended = Programme.objects.create(
        school=world.school_a,
        school_year=world.year,
        title="Kỹ năng sống Hạt Giống",
        partner=world.partner,
        programme_kind="life_skills",
        content_summary="…",
        grade_min=6,
        grade_max=7,
        capacity=30,
        monthly_fee=180_000,
        start_date=world.year.start,
        end_date=world.year.end,
        status="suspended",
        approval_reference="77/QĐ-UBND",
    )
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(title="Đề xuất: Bản nháp")
    for status in ("submitted", "returned", "refused", "closed"):
        Programme.objects.create(
            school=world.school_a,
            school_year=world.year,
            title=f"Đề xuất: {status}",
            partner=world.partner,
            programme_kind="it",
            content_summary="…",
            grade_min=6,
            grade_max=9,
            capacity=30,
            monthly_fee=150_000,
            start_date=world.year.start,
            end_date=world.year.end,
            status=status,
        )
    response = Client().get(reverse("public:school", args=[world.school_a.pk]))
    assert response.status_code == 200
    listed = {p.pk: p.status for p in response.context["programmes"]}
    assert listed == {world.programme_a.pk: "approved", suspended.pk: "suspended"}
    page = response.content.decode()
    assert world.partner.legal_name in page
    assert "300.000" in page and "180.000" in page
    assert "45/QĐ-UBND" in page and "77/QĐ-UBND" in page
    assert "status-suspended" in page
    assert "Đề xuất" not in page
    # Never a student.
    assert world.student_a.full_name not in page


# --- Documents -------------------------------------------------------------------------


def document_url(programme, document):
    return reverse("partnerships:programme_document", args=[programme.pk, document.pk])


def test_a_programme_document_is_served_as_an_attachment_to_those_who_may_see_it(world):
    document = world.programme_a.documents.get()
    for user in (world.principal, world.staff, world.committee, world.department):
        response = client_for(user).get(document_url(world.programme_a, document))
        assert response.status_code == 200, user.role
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == b"%PDF-1.4 contract"


def test_a_programme_document_is_404_outside_the_scope(world):
    document = world.programme_a.documents.get()
    for user in (world.far_principal, world.far_committee):
        response = client_for(user).get(document_url(world.programme_a, document))
        assert response.status_code == 404
    assert client_for(world.parent).get(document_url(world.programme_a, document)).status_code in (
        403,
        404,
    )
    assert Client().get(document_url(world.programme_a, document)).status_code == 302
    # Another programme's document is not reached through this one.
    far_document = world.programme_far.documents.get()
    response = client_for(world.department).get(document_url(world.programme_a, far_document))
    assert response.status_code == 404


def test_a_partner_document_is_served_to_the_registry_readers_only(world):
    document = world.partner.documents.get()
    url = reverse("partnerships:partner_document", args=[world.partner.pk, document.pk])
    for user in (world.department, world.committee, world.inspector, world.principal):
        response = client_for(user).get(url)
        assert response.status_code == 200, user.role
        assert response["Content-Disposition"].startswith("attachment;")
    for user in (world.staff, world.parent):
        assert client_for(user).get(url).status_code == 403


def test_the_department_uploads_a_partner_document_checked_by_content(world):
    client = client_for(world.department)
    url = reverse("partnerships:partner_document_add", args=[world.partner.pk])
    before = PartnerDocument.objects.count()
    response = client.post(
        url,
        {
            "kind": "staff",
            "title": "CV giáo viên",
            "file": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert PartnerDocument.objects.count() == before
    response = client.post(url, {"kind": "staff", "title": "CV giáo viên", "file": pdf("cv.pdf")})
    assert response.status_code == 302
    assert world.partner.documents.filter(title="CV giáo viên").exists()
    assert client_for(world.committee).post(url, {}).status_code == 403


def test_the_department_edits_a_partner_registered_before_the_portal(world):
    # The fixture's partner has no "created_by", as a seeded or imported one.
    response = client_for(world.department).post(
        reverse("partnerships:partner_edit", args=[world.partner.pk]),
        {
            "legal_name": "Công ty TNHH Anh ngữ Sao Việt HP",
            "tax_code": world.partner.tax_code,
            "business_registration": world.partner.business_registration,
            "address": world.partner.address,
        },
    )
    assert response.status_code == 302
    world.partner.refresh_from_db()
    assert world.partner.legal_name == "Công ty TNHH Anh ngữ Sao Việt HP"


def test_the_department_suspends_a_partner_through_the_page(world):
    url = reverse("partnerships:partner_status", args=[world.partner.pk])
    client = client_for(world.department)
    response = client.post(url, {"status": "suspended", "reason": ""})
    assert response.status_code == 302
    world.partner.refresh_from_db()
    assert world.partner.status == "active"
    client.post(url, {"status": "suspended", "reason": "Giấy phép bị thu hồi"})
    world.partner.refresh_from_db()
    assert world.partner.status == "suspended"
    assert world.partner.events.last().reason == "Giấy phép bị thu hồi"
    assert (
        client_for(world.committee).post(url, {"status": "active", "reason": "x"}).status_code
        == 403
    )


# --- List pages: a flat query count -----------------------------------------------------


def query_count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def many_programmes(world, n, schools):
    for i in range(n):
        partner = Partner.objects.create(
            legal_name=f"Đối tác {i:03d}",
            tax_code=f"03{i:08d}",
            business_registration=f"03{i:08d}",
            address="Hải Phòng",
        )
        Licence.objects.create(
            partner=partner,
            issuer="Sở GD&ĐT",
            number=f"GP-{i}",
            kinds=["stem"],
            valid_from=world.year.start,
        )
        school = schools[i % len(schools)]
        p = Programme.objects.create(
            school=school,
            school_year=world.year,
            title=f"Chương trình {i:03d}",
            partner=partner,
            programme_kind="stem",
            content_summary="…",
            grade_min=6,
            grade_max=9,
            capacity=30,
            monthly_fee=100_000 + i,
            start_date=world.year.start,
            end_date=world.year.end,
            status=["approved", "submitted", "draft"][i % 3],
            rule_breaches=[{"rule": "P2", "message": "…", "reference": "…"}] if i % 2 else [],
        )
        ActivitySlot.objects.create(activity=p, weekday=i % 7, start=T(17), end=T(18))
        ProgrammeTeacher.objects.create(programme=p, full_name=f"GV {i}", qualification="CN")
        student = StudentFactory(school=school, grade=7)
        Enrollment.objects.create(activity=p, student=student, basis="voluntary", status="enrolled")


@pytest.mark.parametrize(
    "user, url_name, with_school",
    [
        ("principal", "partnerships:programme_list", True),
        ("committee", "partnerships:programme_area_list", False),
        ("department", "partnerships:programme_area_list", False),
        ("department", "partnerships:partner_list", False),
    ],
)
def test_the_list_pages_render_in_constant_queries_as_rows_grow(world, user, url_name, with_school):
    client = client_for(getattr(world, user))
    url = reverse(url_name, args=[world.school_a.pk] if with_school else [])
    client.get(url)
    few = query_count(client, url)
    many_programmes(world, 60, [world.school_a])
    many = query_count(client, url)
    assert many == few
    assert few <= 15
    response = client.get(url)
    assert len(response.context["page"].object_list) == 50


# --- The fee comparison ------------------------------------------------------------------


def test_the_fee_comparison_shows_a_head_the_place_of_their_programmes(world):
    for fee in (100_000, 200_000, 900_000):
        Programme.objects.create(
            school=SchoolFactory(unit=world.area_a),
            school_year=world.year,
            title=f"Tiếng Anh {fee}",
            partner=world.partner,
            programme_kind="language",
            content_summary="…",
            grade_min=6,
            grade_max=9,
            capacity=30,
            monthly_fee=fee,
            start_date=world.year.start,
            end_date=world.year.end,
            status="approved",
        )
    response = client_for(world.principal).get(reverse("partnerships:fee_comparison"))
    assert response.status_code == 200
    assert response.context["school"] == world.school_a
    [row] = response.context["rows"]
    assert (row.kind, row.count, row.fee_median) == ("language", 4, 250_000)
    [own] = row.own
    assert (own["pk"], own["fee"], own["cheaper"], own["count"]) == (
        world.programme_a.pk,
        300_000,
        2,
        4,
    )
    page = response.content.decode()
    assert reverse("partnerships:programme_detail", args=[world.programme_a.pk]) in page
    # programme_far, in another province, is not compared.
    assert all(f["programme"].school.unit_id == world.area_a.pk for f in response.context["far"])


def test_the_fee_comparison_for_the_department_and_a_committee(world):
    response = client_for(world.department).get(reverse("partnerships:fee_comparison"))
    assert response.context["school"] is None
    [row] = response.context["rows"]
    assert row.count == 1  # programme_a; programme_far lies in another province
    response = client_for(world.far_committee).get(reverse("partnerships:fee_comparison"))
    [row] = response.context["rows"]
    assert (row.count, row.fee_median) == (1, 300_000)  # programme_far only
    for user in (world.staff, world.parent, world.inspector):
        assert client_for(user).get(reverse("partnerships:fee_comparison")).status_code == 403


def test_the_fee_comparison_for_a_committee_without_any_area_is_empty(world):
    # A committee account whose area was taken away (a merger, a change of post).
    lonely = UserFactory(username="committee_without_area", role=Role.COMMITTEE)
    response = client_for(lonely).get(reverse("partnerships:fee_comparison"))
    assert response.status_code == 200
    assert response.context["rows"] == [] and response.context["far"] == []


def test_the_authority_home_counts_programmes_waiting_for_its_decision(world):
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(status="submitted")
    url = reverse("partnerships:programme_area_list")
    tasks = client_for(world.committee).get(reverse("schools:home")).context["tasks"]
    assert [t["count"] for t in tasks if t["url"] == url] == [1]
    # school_a is the committee's to decide; the Department's home does not count it.
    tasks = client_for(world.department).get(reverse("schools:home")).context["tasks"]
    assert [t for t in tasks if t["url"] == url] == []
    # Another area's committee has nothing to decide here.
    tasks = client_for(world.far_committee).get(reverse("schools:home")).context["tasks"]
    assert [t for t in tasks if t["url"] == url] == []


def test_the_head_home_lists_programmes_returned_for_changes(world):
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(status="returned")
    tasks = client_for(world.principal).get(reverse("schools:home")).context["tasks"]
    url = reverse("partnerships:programme_list", args=[world.school_a.pk]) + "?status=returned"
    assert [t["count"] for t in tasks if t["url"] == url] == [1]


def test_a_head_sees_the_partner_licence_but_not_the_teachers_cvs(world):
    cv = PartnerDocument.objects.create(
        partner=world.partner,
        kind="staff",
        title="Lý lịch giáo viên",
        file=SimpleUploadedFile("cv.pdf", b"%PDF-1.4 cv"),
    )
    url = reverse("partnerships:partner_document", args=[world.partner.pk, cv.pk])
    assert client_for(world.principal).get(url).status_code == 404
    page = client_for(world.principal).get(
        reverse("partnerships:partner_detail", args=[world.partner.pk])
    )
    assert "Lý lịch giáo viên" not in page.content.decode()
    for official in (world.department, world.committee, world.inspector):
        assert client_for(official).get(url).status_code == 200


def test_a_session_of_zero_periods_is_a_clear_error_not_a_crash(world):
    response = client_for(world.principal).post(
        create_url(world), form_data(world, **{"slots-0-periods": "0"})
    )
    assert response.status_code == 200
    assert response.context["slots"].forms[0].errors["periods"]


def test_an_id_beyond_any_row_is_a_404_not_a_crash(world):
    url = reverse("partnerships:programme_detail", args=["9" * 30])
    assert client_for(world.principal).get(url).status_code == 404


def test_the_fee_comparison_is_kept_a_while_but_its_export_is_counted_now(world, settings):
    from unittest import mock

    from partnerships import selectors

    settings.FIGURES_CACHE_SECONDS = 300
    url = reverse("partnerships:fee_comparison")
    client = client_for(world.department)
    first = client.get(url)
    assert first.context["computed_at"] is not None
    assert "data-computed-at" in first.content.decode()
    world.programme_a.monthly_fee = 900_000
    world.programme_a.save()
    with mock.patch.object(selectors, "fee_distribution", side_effect=AssertionError("counted")):
        again = client.get(url)
    [row] = again.context["rows"]
    assert row.fee_max == 300_000  # as counted first
    exported = client.get(url, {"export": "csv"}).content.decode("utf-8-sig").splitlines()
    assert exported[1].split(",")[3:6] == ["900000", "900000", "900000"]

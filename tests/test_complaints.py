"""Complaints of parents and the public: filing (anonymous or named, with evidence), the
guards against robots and floods, following by tracking code, the managing authority's
queue (and nobody else's), and its triage: assign, answer, link to an inspection, close."""

import datetime
import re
import time

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse, reverse_lazy

from accounts.models import AuditEvent, Role
from inspections import complaints
from inspections.complaint_forms import form_token
from inspections.models import Complaint, ComplaintAttachment, ComplaintEvent, Inspection
from schools.services import role_grant
from tests.conftest import client_for
from tests.factories import UserFactory

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")
NEW = reverse_lazy("inspections:complaint_new")
DESCRIPTION = (
    "Cô giáo chủ nhiệm yêu cầu cả lớp đăng ký học thêm buổi tối, em nào không đi bị nhắc tên."
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The rate limits count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def _official(role, **scope):
    user = UserFactory(username=f"{role}_{UserFactory._meta.model.objects.count()}")
    role_grant(actor=None, user=user, role=role, **scope)
    return user


@pytest.fixture
def committee_b(world):
    return _official(Role.COMMITTEE, unit=world.area_b)


@pytest.fixture
def colleague(world):
    """Another official of the People's Committee of area A."""
    return _official(Role.COMMITTEE, unit=world.area_a)


@pytest.fixture
def department_official(world):
    """Another official of the Department."""
    return _official(Role.DEPARTMENT, unit=world.province)


def pdf(name="bang-chung.pdf", size=None):
    content = b"%PDF-1.7 evidence"
    if size:
        content += b"0" * (size - len(content))
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name="anh.png"):
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")


def form_data(world, **overrides):
    data = {
        "school": world.school_a.pk,
        "activity": "",
        "category": "coercion",
        "description": DESCRIPTION,
        "is_anonymous": "on",
        "name": "",
        "phone": "",
        "email": "",
        "website": "",
        # Shown half a minute ago, as a person would take it.
        "started": form_token(time.time() - 30),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_complaint(world, client=None, ip="203.0.113.7", **overrides):
    client = client or Client()
    return client.post(NEW, form_data(world, **overrides), REMOTE_ADDR=ip)


def file_complaint(world, **kwargs):
    """A complaint filed through the service about school A (anonymous unless said
    otherwise)."""
    values = {
        "school": world.school_a,
        "activity": None,
        "category": Complaint.Category.COERCION,
        "description": DESCRIPTION,
        "is_anonymous": True,
        "ip": None,
    }
    values.update(kwargs)
    return complaints.complaint_file(**values)


def named_complaint(world, **kwargs):
    return file_complaint(
        world,
        is_anonymous=False,
        name="Trần Thị Mẹ",
        phone="0912 345 678",
        email="me.hs@example.vn",
        **kwargs,
    )


def detail_url(complaint):
    return reverse("inspections:complaint_detail", args=[complaint.pk])


def inspection_of(school, authority="committee", actor=None):
    return Inspection.objects.create(
        authority=authority,
        school=school,
        kind=Inspection.Kind.PERIODIC,
        trigger=Inspection.Trigger.COMPLAINT,
        planned_start=datetime.date(2026, 10, 1),
        planned_end=datetime.date(2026, 10, 5),
        created_by=actor,
    )


def track(code, client=None, ip="198.51.100.20"):
    client = client or Client()
    return client.post(reverse("inspections:complaint_track"), {"code": code}, REMOTE_ADDR=ip)


# --- Filing -------------------------------------------------------------------------------


def test_anonymous_complaint_gets_a_code_shown_once_and_keeps_no_contact(world):
    client = Client()
    response = post_complaint(world, client, name="Ai đó", email="ai@example.vn")
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:complaint_filed")
    complaint = Complaint.objects.get()
    assert CODE.match(complaint.code)
    assert complaint.code not in response["Location"]
    assert complaint.is_anonymous and complaint.school == world.school_a
    assert (complaint.name, complaint.phone, complaint.email) == ("", "", "")
    assert complaint.submitted_by is None and complaint.status == Complaint.Status.RECEIVED
    assert [(e.action, e.is_public) for e in complaint.events.all()] == [("received", True)]
    assert AuditEvent.objects.filter(action="complaint_file", actor=None).count() == 1

    shown = client.get(reverse("inspections:complaint_filed"))
    assert shown.status_code == 200
    assert complaint.code in shown.content.decode()
    assert world.school_a.name in shown.content.decode()
    # Once only: the next visit has nothing to show.
    again = client.get(reverse("inspections:complaint_filed"))
    assert again.status_code == 302 and complaint.code not in again.content.decode()


def test_named_complaint_with_evidence_gets_a_receipt_by_email(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_complaint(
            world,
            is_anonymous=None,
            category="fees",
            activity=world.programme_a.pk,
            name="Trần Thị Mẹ",
            phone="0912 345 678",
            email="me.hs@example.vn",
            files=[pdf(), png()],
        )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert not complaint.is_anonymous
    assert (complaint.name, complaint.phone, complaint.email) == (
        "Trần Thị Mẹ",
        "0912345678",
        "me.hs@example.vn",
    )
    assert complaint.activity_id == world.programme_a.pk and complaint.category == "fees"
    assert sorted(a.title for a in complaint.attachments.all()) == ["anh.png", "bang-chung.pdf"]
    assert [m.to for m in mailoutbox] == [["me.hs@example.vn"]]
    assert complaint.code in mailoutbox[0].body


def test_signed_in_parent_is_recorded_unless_anonymous(world):
    client = client_for(world.parent)
    form = client.get(NEW).context["form"]
    assert form.initial["email"] == world.parent.email
    post_complaint(world, client, is_anonymous=None, name="Phạm Văn Bố", email=world.parent.email)
    post_complaint(world, client)
    named, anonymous = Complaint.objects.order_by("id")
    assert named.submitted_by == world.parent
    assert anonymous.submitted_by is None
    assert not ComplaintEvent.objects.filter(complaint=anonymous).exclude(actor=None).exists()


def test_the_school_and_activity_can_be_chosen_beforehand(world):
    response = Client().get(NEW, {"activity": world.class_a.pk})
    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["school"] == world.school_a
    assert form.initial["activity"].pk == world.class_a.pk
    listed = set(form.fields["activity"].queryset.values_list("pk", flat=True))
    assert world.class_a.pk in listed and world.programme_a.pk in listed
    assert world.draft_a.pk not in listed and world.programme_draft_a.pk not in listed
    assert world.school_a.name in response.content.decode()


def test_text_file_renamed_pdf_is_refused(world):
    fake = SimpleUploadedFile("hoa-don.pdf", b"just some text", content_type="application/pdf")
    response = post_complaint(world, files=[fake])
    assert response.status_code == 200
    assert "files" in response.context["form"].errors
    assert not Complaint.objects.exists() and not ComplaintAttachment.objects.exists()


def test_file_larger_than_10_mb_is_refused(world):
    response = post_complaint(world, files=[pdf(size=11 * 1024 * 1024)])
    assert "files" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_at_most_five_files(world):
    response = post_complaint(world, files=[pdf(f"{i}.pdf") for i in range(6)])
    assert "files" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_complaint_without_a_school_is_a_field_error(world):
    response = post_complaint(world, school="")
    assert response.status_code == 200
    assert "school" in response.context["form"].errors
    assert not Complaint.objects.exists()
    with pytest.raises(ValidationError) as error:
        file_complaint(world, school=None)
    assert "school" in error.value.message_dict


def test_an_activity_of_another_school_is_refused(world):
    response = post_complaint(world, activity=world.class_far.pk)
    assert "activity" in response.context["form"].errors
    assert not Complaint.objects.exists()
    with pytest.raises(ValidationError) as error:
        file_complaint(world, activity=world.class_far)
    assert "activity" in error.value.message_dict
    # A draft is not something the public can complain about either.
    with pytest.raises(ValidationError) as error:
        file_complaint(world, activity=world.draft_a)
    assert "activity" in error.value.message_dict


def test_a_closed_school_is_refused(world):
    world.school_b.is_active = False
    world.school_b.save()
    with pytest.raises(ValidationError) as error:
        file_complaint(world, school=world.school_b)
    assert "school" in error.value.message_dict


def test_a_named_complaint_needs_a_name_and_a_way_to_reach_the_author(world):
    response = post_complaint(world, is_anonymous=None)
    errors = response.context["form"].errors
    assert "name" in errors and "phone" in errors
    assert not Complaint.objects.exists()
    response = post_complaint(world, is_anonymous=None, name="Lê Văn Cha", phone="12ab")
    assert "phone" in response.context["form"].errors
    # Told at once with the other fields' errors.
    response = post_complaint(world, is_anonymous=None, description="", school="")
    assert {"name", "phone", "description", "school"} <= set(response.context["form"].errors)


def test_description_too_short_or_too_long(world):
    assert "description" in post_complaint(world, description="Tệ").context["form"].errors
    with pytest.raises(ValidationError) as error:
        file_complaint(world, description="x" * (complaints.DESCRIPTION_MAX + 1))
    assert "description" in error.value.message_dict


def test_honeypot_filled_in_is_refused(world):
    response = post_complaint(world, website="http://spam.example")
    assert response.status_code == 400
    assert "__all__" in response.context["form"].errors
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "started",
    [
        pytest.param(lambda: form_token(), id="too-fast"),
        pytest.param(lambda: form_token(time.time() - 5 * 3600), id="stale"),
        pytest.param(lambda: "forged", id="forged"),
        pytest.param(lambda: "", id="missing"),
    ],
)
def test_a_form_sent_too_fast_too_late_or_without_its_token_is_refused(world, started):
    response = post_complaint(world, started=started())
    assert response.status_code in (200, 400)
    assert "__all__" in response.context["form"].errors
    assert not Complaint.objects.exists()


def test_a_flood_from_one_address_is_throttled_and_others_still_file(world):
    for _ in range(5):
        assert post_complaint(world, ip="192.0.2.66").status_code == 302
    response = post_complaint(world, ip="192.0.2.66", files=[pdf()])
    assert response.status_code == 429
    assert "__all__" in response.context["form"].errors
    assert Complaint.objects.count() == 5
    assert not ComplaintAttachment.objects.exists()
    assert post_complaint(world, ip="192.0.2.67").status_code == 302
    assert Complaint.objects.count() == 6


def test_the_rate_limit_is_a_setting(world, settings):
    settings.COMPLAINT_RATE_LIMIT = 1
    assert post_complaint(world, ip="192.0.2.80").status_code == 302
    assert post_complaint(world, ip="192.0.2.80").status_code == 429


# --- Following by code --------------------------------------------------------------------


def test_the_code_shows_status_and_answer_and_never_the_contact(world):
    complaint = named_complaint(world)
    complaints.complaint_assign(
        actor=world.committee, complaint=complaint, assignee=world.committee
    )
    complaints.complaint_close(
        actor=world.committee, complaint=complaint, answer="Nhà trường đã dừng việc ép học thêm."
    )
    # Typed in small letters, without the dashes.
    response = track(complaint.code.replace("-", "").lower())
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["complaint"] == complaint
    assert complaint.code in page and world.school_a.name in page
    assert "Nhà trường đã dừng việc ép học thêm." in page
    for private in ("Trần Thị Mẹ", "0912345678", "me.hs@example.vn", DESCRIPTION):
        assert private not in page
    assert world.committee.get_full_name() not in page  # the assignment is internal
    assert [e["label"] for e in response.context["events"]] == [
        complaints.EVENT_LABELS[a] for a in ("received", "in_progress", "closed")
    ]


def test_a_wrong_code_and_a_malformed_one_get_the_same_message(world):
    complaint = file_complaint(world)
    wrong = "ABCD-EFGH-JKLM" if complaint.code != "ABCD-EFGH-JKLM" else "ABCD-EFGH-JKLN"
    answers = [track(code) for code in (wrong, "not-a-code", "0000-1111-OOOO")]
    for response in answers:
        assert response.status_code == 200 and response.context["complaint"] is None
        assert world.school_a.name not in response.content.decode()
    messages = [response.context["form"].errors["code"] for response in answers]
    assert messages[0] == messages[1] == messages[2]


def test_lookups_from_one_address_are_limited(world, settings):
    settings.COMPLAINT_LOOKUP_LIMIT = 3
    complaint = file_complaint(world)
    for _ in range(3):
        assert track("ABCD-EFGH-JKLM", ip="192.0.2.99").status_code == 200
    response = track(complaint.code, ip="192.0.2.99")
    assert response.status_code == 429 and response.context["complaint"] is None
    assert track(complaint.code, ip="192.0.2.100").context["complaint"] == complaint


def test_the_tracking_page_answers_get_and_refuses_other_methods(world):
    url = reverse("inspections:complaint_track")
    assert Client().get(url).status_code == 200
    assert Client().put(url).status_code == 405
    assert Client().delete(NEW).status_code == 405


# --- The queue ----------------------------------------------------------------------------


def queue(user):
    response = client_for(user).get(reverse("inspections:complaint_list"))
    return response, list(
        response.context["page"].object_list
    ) if response.status_code == 200 else []


def test_a_complaint_about_a_lower_secondary_school_is_in_its_committees_queue_only(
    world, committee_b
):
    complaint = file_complaint(world)
    response, listed = queue(world.committee)
    assert listed == [complaint]
    assert complaint.code in response.content.decode()
    assert client_for(world.committee).get(detail_url(complaint)).status_code == 200

    for official in (world.department, committee_b, world.far_committee, world.inspector):
        response, listed = queue(official)
        assert response.status_code == 200 and listed == []
        assert client_for(official).get(detail_url(complaint)).status_code == 404
    for school_user in (world.principal, world.staff, world.parent, world.far_principal):
        assert client_for(school_user).get(reverse("inspections:complaint_list")).status_code == 403
        assert client_for(school_user).get(detail_url(complaint)).status_code == 404


def test_a_complaint_about_an_upper_secondary_school_is_in_the_departments_queue(world):
    complaint = file_complaint(world, school=world.upper_a)
    assert queue(world.department)[1] == [complaint]
    assert queue(world.committee)[1] == []
    assert client_for(world.committee).get(detail_url(complaint)).status_code == 404
    assert client_for(world.department).get(detail_url(complaint)).status_code == 200


def test_the_queue_and_the_detail_need_an_account(world):
    complaint = file_complaint(world)
    for url in (reverse("inspections:complaint_list"), detail_url(complaint)):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_the_queue_filters_by_status_and_category(world):
    coercion = file_complaint(world)
    fees = file_complaint(world, category=Complaint.Category.FEES)
    complaints.complaint_close(actor=world.committee, complaint=fees, answer="Đã trả lời.")
    client = client_for(world.committee)
    url = reverse("inspections:complaint_list")
    listed = lambda **q: list(client.get(url, q).context["page"].object_list)  # noqa: E731
    assert listed() == [coercion, fees]  # those not closed first
    assert listed(status="closed") == [fees]
    assert listed(status="open") == [coercion]
    assert listed(category="coercion") == [coercion]
    assert listed(category="quality") == []


# Session, user, the committee's scope (its units, units merged into them), the page's count
# and its rows, with their schools, activities and assignees.
QUEUE_QUERIES = 6


@pytest.mark.parametrize("n", [3, 30])
def test_the_queue_runs_a_constant_number_of_queries(world, n, django_assert_num_queries):
    for i in range(n):
        complaint = file_complaint(
            world, activity=world.class_a if i % 2 else None, category="fees"
        )
        if i % 3 == 0:
            complaints.complaint_assign(
                actor=world.committee, complaint=complaint, assignee=world.committee
            )
    client = client_for(world.committee)
    url = reverse("inspections:complaint_list")
    client.get(url)  # warm per-process caches (content types) first
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(url)
    assert len(response.context["page"].object_list) == n


# --- Triage -------------------------------------------------------------------------------


def triage(user, complaint, action, **data):
    return client_for(user).post(detail_url(complaint), {"action": action, **data})


def test_the_committee_assigns_to_one_of_its_officials_who_then_sees_it(world, colleague):
    complaint = file_complaint(world)
    response = triage(world.committee, complaint, "assign", assignee=colleague.pk)
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.assigned_to == colleague
    assert complaint.status == Complaint.Status.IN_PROGRESS
    assert [(e.action, e.is_public) for e in complaint.events.all()] == [
        ("received", True),
        ("in_progress", True),
        ("assigned", False),
    ]
    assert queue(colleague)[1] == [complaint]


def test_assigning_outside_the_managing_authority_is_refused(world, committee_b):
    complaint = file_complaint(world)
    for outsider in (world.department, world.inspector, committee_b, world.principal):
        response = triage(world.committee, complaint, "assign", assignee=outsider.pk)
        assert "assignee" in response.context["assign_form"].errors
        with pytest.raises(ValidationError) as error:
            complaints.complaint_assign(
                actor=world.committee, complaint=complaint, assignee=outsider
            )
        assert "assignee" in error.value.message_dict
    complaint.refresh_from_db()
    assert complaint.assigned_to is None and complaint.status == Complaint.Status.RECEIVED


def test_the_wrong_authority_cannot_triage(world, committee_b):
    complaint = file_complaint(world)
    inspection = inspection_of(world.school_a, actor=world.committee)
    for outsider in (world.department, committee_b, world.far_committee, world.principal):
        for action, data in (
            ("assign", {"assignee": world.committee.pk}),
            ("answer", {"answer": "Trả lời"}),
            ("link", {"inspection": inspection.pk}),
            ("close", {"answer": "Đóng"}),
        ):
            assert triage(outsider, complaint, action, **data).status_code == 404
        with pytest.raises(PermissionDenied):
            complaints.complaint_close(actor=outsider, complaint=complaint, answer="Đóng")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RECEIVED and complaint.answer == ""


def test_an_assigned_inspector_answers_but_neither_reassigns_nor_links_nor_closes(
    world, department_official, mailoutbox, django_capture_on_commit_callbacks
):
    complaint = named_complaint(world, school=world.upper_a)
    inspection = inspection_of(world.upper_a, authority="department")
    assert (
        triage(world.department, complaint, "assign", assignee=world.inspector.pk).status_code
        == 302
    )
    assert queue(world.inspector)[1] == [complaint]
    detail = client_for(world.inspector).get(detail_url(complaint))
    assert detail.status_code == 200
    assert detail.context["answer_form"] is not None
    assert detail.context["assign_form"] is None and detail.context["close_form"] is None
    assert detail.context["open_inspection_url"] == ""

    with django_capture_on_commit_callbacks(execute=True):
        response = triage(world.inspector, complaint, "answer", answer="Đang xác minh với trường.")
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.answer == "Đang xác minh với trường."
    assert [m.to for m in mailoutbox] == [["me.hs@example.vn"]]

    for action, data in (
        ("assign", {"assignee": department_official.pk}),
        ("link", {"inspection": inspection.pk}),
        ("close", {"answer": "Đóng"}),
    ):
        assert triage(world.inspector, complaint, action, **data).status_code == 403
    with pytest.raises(PermissionDenied):
        complaints.complaint_assign(
            actor=world.inspector, complaint=complaint, assignee=department_official
        )
    complaint.refresh_from_db()
    assert complaint.assigned_to == world.inspector and complaint.inspection is None
    assert complaint.status == Complaint.Status.IN_PROGRESS

    # An inspector it is not assigned to does not see it.
    other_inspector = _official(Role.INSPECTOR, unit=world.province)
    assert client_for(other_inspector).get(detail_url(complaint)).status_code == 404


def test_the_committee_answers_and_the_author_is_told(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    complaint = named_complaint(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = triage(world.committee, complaint, "answer", answer="Chúng tôi đã nhận.")
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.answer == "Chúng tôi đã nhận." and complaint.answered_at is not None
    assert complaint.status == Complaint.Status.IN_PROGRESS
    assert "Chúng tôi đã nhận." in mailoutbox[-1].body and complaint.code in mailoutbox[-1].subject
    assert (
        "answer"
        in triage(world.committee, complaint, "answer", answer="  ").context["answer_form"].errors
    )


def test_the_committee_links_the_complaint_to_an_inspection_of_the_school(world):
    complaint = file_complaint(world)
    own = inspection_of(world.school_a, actor=world.committee)
    elsewhere = inspection_of(world.school_b)
    response = triage(world.committee, complaint, "link", inspection=elsewhere.pk)
    assert "inspection" in response.context["link_form"].errors
    with pytest.raises(ValidationError) as error:
        complaints.complaint_link(actor=world.committee, complaint=complaint, inspection=elsewhere)
    assert "inspection" in error.value.message_dict

    assert triage(world.committee, complaint, "link", inspection=own.pk).status_code == 302
    complaint.refresh_from_db()
    assert complaint.inspection == own and complaint.status == Complaint.Status.IN_PROGRESS
    assert complaint.events.get(action="linked").is_public is False
    # The author never reads that the school is to be inspected.
    assert own.code not in track(complaint.code).content.decode()


def test_the_detail_offers_to_open_an_inspection_to_the_authority(world):
    complaint = file_complaint(world)
    response = client_for(world.committee).get(detail_url(complaint))
    assert response.context["open_inspection_url"] == (
        reverse("inspections:inspection_new")
        + f"?complaint={complaint.pk}&school={world.school_a.pk}"
    )
    assert response.context["close_form"] is not None


def test_closing_needs_an_answer_and_the_author_reads_it(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    complaint = named_complaint(world)
    response = triage(world.committee, complaint, "close", answer="")
    assert "answer" in response.context["close_form"].errors
    with pytest.raises(ValidationError) as error:
        complaints.complaint_close(actor=world.committee, complaint=complaint, answer="   ")
    assert "answer" in error.value.message_dict
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RECEIVED

    with django_capture_on_commit_callbacks(execute=True):
        response = triage(
            world.committee, complaint, "close", answer="Trường đã hoàn trả khoản thu sai."
        )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.closed_at is not None
    assert "Trường đã hoàn trả khoản thu sai." in mailoutbox[-1].body
    page = track(complaint.code).content.decode()
    assert "Trường đã hoàn trả khoản thu sai." in page

    # Closed: nothing more is done to it.
    detail = client_for(world.committee).get(detail_url(complaint))
    assert detail.context["close_form"] is None and detail.context["answer_form"] is None
    response = triage(world.committee, complaint, "answer", answer="Thêm")
    assert response.status_code == 302
    with pytest.raises(ValidationError):
        complaints.complaint_answer(actor=world.committee, complaint=complaint, answer="Thêm")
    complaint.refresh_from_db()
    assert complaint.answer == "Trường đã hoàn trả khoản thu sai."


def test_an_unknown_action_is_not_found(world):
    complaint = file_complaint(world)
    assert triage(world.committee, complaint, "delete").status_code == 404


def test_attachments_are_downloaded_through_the_policy(world):
    complaint = file_complaint(world, files=[pdf()])
    attachment = complaint.attachments.get()
    url = reverse("inspections:complaint_attachment", args=[complaint.pk, attachment.pk])
    response = client_for(world.committee).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    for outsider in (world.department, world.principal, world.parent, world.inspector):
        assert client_for(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    other = file_complaint(world)
    wrong = reverse("inspections:complaint_attachment", args=[other.pk, attachment.pk])
    assert client_for(world.committee).get(wrong).status_code == 404

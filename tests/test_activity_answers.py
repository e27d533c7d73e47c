"""The school's view of the families' answers: the counts, reminders with personal links,
the spreadsheet export (logged), and decisions staff record from paper or a phone call."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from schools.models import ConsentEvent, Enrollment
from tests.conftest import client_for
from tests.factories import GuardianFactory, GuardianshipFactory, StudentFactory


def proposed(world, email="me@example.vn"):
    student = StudentFactory(school=world.school_a, grade=7, full_name="Đỗ Hải Yến")
    GuardianshipFactory(student=student, guardian=GuardianFactory(email=email))
    return Enrollment.objects.create(
        activity=world.class_a, student=student, basis="not_achieved", status="proposed"
    )


def test_the_school_sees_who_agreed_and_who_has_not_answered(world):
    proposed(world)
    page = client_for(world.staff).get(reverse("schools:activity_answers", args=[world.class_a.pk]))
    summary = {value: n for value, _label, n in page.context["summary"]}
    assert (summary["enrolled"], summary["proposed"]) == (1, 1)
    rows = {e.student.full_name: e for e in page.context["page"].object_list}
    assert rows["Phạm Minh Anh"].last_kind == "given"
    assert rows["Đỗ Hải Yến"].last_kind is None


def test_a_reminder_reaches_those_who_have_not_answered_with_their_personal_link(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    enrollment = proposed(world)
    proposed(world, email="")  # no address: counted for a phone call
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.staff).post(reverse("schools:activity_remind", args=[world.class_a.pk]))
    assert [m.to for m in mailoutbox] == [["me@example.vn"]]
    assert "/c/" in mailoutbox[0].body and enrollment.student.full_name in mailoutbox[0].body
    audit = AuditEvent.objects.get(action="consent_reminders_sent")
    assert (audit.data["sent"], audit.data["unreachable"]) == (1, 1)


def test_the_answers_export_as_a_spreadsheet_with_vietnamese_headers_and_is_logged(world):
    client = client_for(world.principal)
    response = client.get(reverse("schools:activity_export", args=[world.class_a.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("Học sinh", "Mã học sinh", "Lớp")
    assert rows[1][0] == "Phạm Minh Anh" and rows[1][4] == "Đồng ý"
    text = client.get(
        reverse("schools:activity_export", args=[world.class_a.pk, "csv"])
    ).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][0] == "Phạm Minh Anh"
    assert AuditEvent.objects.filter(action="students_export").count() == 2
    bad = client.get(reverse("schools:activity_export", args=[world.class_a.pk, "pdf"]))
    assert bad.status_code == 404


def test_staff_record_a_decision_given_by_phone_with_a_note_of_the_call(world):
    enrollment = proposed(world)
    url = reverse("schools:consent_paper", args=[enrollment.pk])
    guardian = enrollment.student.guardians.get()
    client = client_for(world.staff)
    # A phone call needs a note of who called.
    response = client.post(url, {"guardian": guardian.pk, "kind": "given", "channel": "phone"})
    assert "note" in response.context["form"].errors
    response = client.post(
        url,
        {
            "guardian": guardian.pk,
            "kind": "given",
            "channel": "phone",
            "note": "Mẹ gọi từ 0912345678",
        },
    )
    assert response.status_code == 302
    event = ConsentEvent.objects.get(enrollment=enrollment)
    assert (event.channel, event.actor, event.note, event.scan.name) == (
        "phone",
        world.staff,
        "Mẹ gọi từ 0912345678",
        "",
    )
    # A paper form needs its scan.
    other = proposed(world)
    response = client.post(
        reverse("schools:consent_paper", args=[other.pk]),
        {"guardian": other.student.guardians.get().pk, "kind": "given", "channel": "paper"},
    )
    assert "scan" in response.context["form"].errors
    response = client.post(
        reverse("schools:consent_paper", args=[other.pk]),
        {
            "guardian": other.student.guardians.get().pk,
            "kind": "given",
            "channel": "paper",
            "scan": SimpleUploadedFile("phieu.pdf", b"%PDF-1.4 form"),
        },
    )
    assert response.status_code == 302


def test_a_reminder_never_reaches_a_student_who_left_nor_a_class_not_yet_approved(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    left = proposed(world, email="da-chuyen@example.vn")
    left.student.status = "transferred"
    left.student.save()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.staff).post(reverse("schools:activity_remind", args=[world.class_a.pk]))
    assert mailoutbox == []
    Enrollment.objects.create(
        activity=world.draft_a,
        student=StudentFactory(school=world.school_a, grade=7),
        basis="not_achieved",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.staff).post(reverse("schools:activity_remind", args=[world.draft_a.pk]))
    assert mailoutbox == []


def test_a_name_that_looks_like_a_formula_is_exported_as_text(world):
    enrollment = proposed(world)
    enrollment.student.full_name = "=HYPERLINK(1)"
    enrollment.student.save()
    response = client_for(world.principal).get(
        reverse("schools:activity_export", args=[world.class_a.pk, "csv"])
    )
    assert "'=HYPERLINK(1)" in response.content.decode("utf-8-sig")

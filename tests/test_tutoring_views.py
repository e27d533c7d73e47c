import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import ActivitySlot, Enrollment, StaffMember, Subject
from tests.conftest import client_for
from tutoring.models import TutoringClass


def form_data(world, teacher, **overrides):
    data = {
        "title": "Toán 7 – phụ đạo thứ Tư",
        "subject": Subject.objects.get(code="toan").pk,
        "grade": 7,
        "category": "remedial",
        "school_year": world.year.pk,
        "start_date": "2026-09-15",
        "end_date": "2027-01-10",
        "capacity": 30,
        "monthly_fee": 0,
        "teachers": [teacher.pk],
        "slots-TOTAL_FORMS": 2,
        "slots-INITIAL_FORMS": 0,
        "slots-MIN_NUM_FORMS": 0,
        "slots-MAX_NUM_FORMS": 7,
        "slots-0-weekday": 2,
        "slots-0-start": "17:00",
        "slots-0-end": "18:30",
        "slots-0-periods": 2,
        "slots-0-room": "P.204",
    }
    data.update(overrides)
    return data


def teacher_of(world):
    return StaffMember.objects.get(user=world.staff, school=world.school_a)


def test_staff_register_a_class_in_the_browser(world):
    client = client_for(world.staff)
    url = reverse("tutoring:class_create", args=[world.school_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(world, teacher_of(world)))
    assert response.status_code == 302
    tc = TutoringClass.objects.get(title="Toán 7 – phụ đạo thứ Tư")
    assert response.url == reverse("tutoring:class_detail", args=[tc.pk])
    assert tc.status == "draft" and tc.slots.get().room == "P.204"
    page = client.get(response.url).content.decode()
    assert "Bản nháp" in page and "Gửi hiệu trưởng duyệt" in page


def test_every_violation_is_shown_on_the_form_and_nothing_is_saved(world):
    client = client_for(world.staff)
    before = TutoringClass.objects.count()
    response = client.post(
        reverse("tutoring:class_create", args=[world.school_a.pk]),
        form_data(
            world,
            teacher_of(world),
            monthly_fee=300000,
            capacity=46,
            **{
                "slots-0-weekday": 0,
                "slots-0-start": "08:00",
                "slots-0-end": "09:30",
                "slots-0-periods": 3,
            },
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "không thu tiền" in page  # T4
    assert "tối đa 2 tiết" in page  # T6
    assert "tối đa 45 học sinh" in page  # T7
    assert "chính khóa" in page  # T8
    assert "Điều 5 khoản 4" in page
    assert TutoringClass.objects.count() == before


def test_an_end_before_the_start_is_named_on_the_form(world):
    response = client_for(world.staff).post(
        reverse("tutoring:class_create", args=[world.school_a.pk]),
        form_data(world, teacher_of(world), end_date="2026-09-01"),
    )
    assert "Ngày kết thúc trước ngày bắt đầu" in response.content.decode()


def test_the_rules_are_checked_as_the_user_types(world):
    response = client_for(world.staff).post(
        reverse("tutoring:class_check", args=[world.school_a.pk]),
        form_data(world, teacher_of(world), monthly_fee=1000),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "không thu tiền" in html and "<html" not in html
    response = client_for(world.staff).post(
        reverse("tutoring:class_check", args=[world.school_a.pk]),
        form_data(world, teacher_of(world)),
    )
    assert "Không vi phạm quy định nào" in response.content.decode()


def test_submit_then_approve_through_the_pages(world):
    tc = world.draft_a
    tc.teachers.set([teacher_of(world)])
    ActivitySlot.objects.create(
        activity=tc, weekday=3, start=datetime.time(17), end=datetime.time(18), periods=1
    )
    staff, head = client_for(world.staff), client_for(world.principal)
    url = reverse("tutoring:class_transition", args=[tc.pk, "submit"])
    assert staff.post(url).status_code == 302
    tc.refresh_from_db()
    assert tc.status == "submitted"
    # Staff cannot approve.
    assert (
        staff.post(reverse("tutoring:class_transition", args=[tc.pk, "approve"])).status_code == 403
    )
    head.post(reverse("tutoring:class_transition", args=[tc.pk, "approve"]))
    tc.refresh_from_db()
    assert tc.status == "approved"
    page = head.get(reverse("tutoring:class_detail", args=[tc.pk])).content.decode()
    assert "Đã phê duyệt" in page and world.principal.full_name in page


def test_returning_without_a_reason_is_refused_with_a_message(world):
    tc = world.draft_a
    tc.status = "submitted"
    tc.save()
    response = client_for(world.principal).post(
        reverse("tutoring:class_transition", args=[tc.pk, "return"]), {"reason": ""}, follow=True
    )
    assert "Cần ghi rõ lý do" in response.content.decode()
    tc.refresh_from_db()
    assert tc.status == "submitted"


def test_an_unknown_action_is_404(world):
    response = client_for(world.principal).post(
        reverse("tutoring:class_transition", args=[world.class_a.pk, "demolish"])
    )
    assert response.status_code == 404


def test_paper_consent_needs_a_real_document(world):
    TutoringClass.objects.filter(pk=world.draft_a.pk).update(status="open")
    enrollment = Enrollment.objects.create(
        activity=world.draft_a, student=world.student_a, basis="not_achieved"
    )
    client = client_for(world.staff)
    url = reverse("schools:consent_paper", args=[enrollment.pk])
    fake = SimpleUploadedFile("phieu.pdf", b"MZ not a pdf at all")
    response = client.post(url, {"guardian": world.guardian_a.pk, "kind": "given", "scan": fake})
    assert response.status_code == 200
    assert "PDF, JPEG hoặc PNG" in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == "proposed"
    real = SimpleUploadedFile("phieu.pdf", b"%PDF-1.7 signed form")
    response = client.post(url, {"guardian": world.guardian_a.pk, "kind": "given", "scan": real})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "enrolled"


def test_the_class_list_shows_each_classs_schedule_teachers_roster_and_status(world):
    html = client_for(world.principal).get(reverse("tutoring:class_list", args=[world.school_a.pk]))
    row = html.content.decode().split(world.class_a.title)[1].split("</tr>")[0]
    teacher = world.class_a.teachers.get().user.get_full_name()
    for shown in (
        "Toán",
        "Phụ đạo: kết quả &#x27;chưa đạt&#x27; học kỳ trước",
        "Thứ Hai 17:00–18:30",
        teacher,
        "1/30",
        "Đang hoạt động",
    ):
        assert shown in row, shown
    draft = html.content.decode().split(world.draft_a.title)[1].split("</tr>")[0]
    assert "0/20" in draft and "Bản nháp" in draft
    # A value no choice names (written by an older version) is shown as it is.
    TutoringClass.objects.filter(pk=world.draft_a.pk).update(category="old_kind")
    html = client_for(world.principal).get(reverse("tutoring:class_list", args=[world.school_a.pk]))
    assert "old_kind" in html.content.decode().split(world.draft_a.title)[1].split("</tr>")[0]


def test_the_class_list_of_500_classes_renders_in_constant_queries(world):
    client = client_for(world.principal)
    url = reverse("tutoring:class_list", args=[world.school_a.pk])
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    teacher = teacher_of(world)
    subject = Subject.objects.get(code="toan")
    for n in range(500):
        if n == 60:
            two_pages = count()
        tc = TutoringClass.objects.create(
            school=world.school_a,
            school_year=world.year,
            title=f"Lớp {n}",
            subject=subject,
            grade=7,
            category="remedial",
            capacity=30,
            start_date=world.year.start,
            end_date=world.year.end,
        )
        tc.teachers.add(teacher)
        ActivitySlot.objects.create(
            activity=tc, weekday=n % 7, start=datetime.time(17), end=datetime.time(18)
        )
    response = client.get(url)
    assert "Lớp 499" not in response.content.decode()  # paged: 50 a page
    assert count() == two_pages
    # A list of one page is counted by its rows; a longer one by a query of its own.
    assert two_pages == few + 1
    assert few <= 11

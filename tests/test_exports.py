"""Every list of the portal as .xlsx and .csv: Vietnamese headers, every row of the list
(all pages, the same filters, the same scope), the same answer as the page for a role or a
scope that may not see it, values that round-trip, formulas neutralised, students' data
logged, and a query count that does not grow with the rows."""

import csv
import datetime
import io
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from schools import exports
from schools.models import (
    Activity,
    ActivitySlot,
    Enrollment,
    School,
    StaffMember,
    Subject,
    TeachingAssignment,
)
from tests.conftest import client_for
from tests.factories import (
    GuardianFactory,
    GuardianshipFactory,
    StudentFactory,
    UserFactory,
)
from tests.test_authorization_matrix import ROWS, _inspection_objects
from tutoring.models import TutoringClass

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Case:
    """One list: who opens it inside their scope, a Vietnamese header it must have (from
    locale/vi) and a value with diacritics it must hold."""

    user: str
    header: str
    value: str
    kwargs: object = None  # (world) -> URL kwargs
    query: dict | None = None


def school_a(w):
    return {"pk": w.school_a.pk}


def department_plan(w):
    return {"pk": _inspection_objects(w).department.plan.pk}


CASES = {
    "schools:unit_list": Case("department", "Cấp hành chính", "Phường Hồng Bàng"),
    "schools:school_list": Case("committee", "Mã trường", "Trường THCS Hồng Bàng"),
    "schools:student_list": Case("principal", "Mã học sinh", "Phạm Minh Anh", school_a),
    "schools:staff_list": Case("principal", "Chức vụ", "Nguyễn Văn", school_a),
    "schools:parent_accounts": Case("principal", "Người giám hộ", "Phạm Văn Bố", school_a),
    "schools:risk": Case("principal", "Mức rủi ro", "Toán 7 – phụ đạo"),
    "tutoring:class_list": Case("staff", "Trong danh sách", "Toán 7 – phụ đạo", school_a),
    "tutoring:breaches": Case("committee", "Quy định bị vi phạm", "Vượt số tiết"),
    "tutoring:declaration_school_list": Case(
        "principal", "Cơ sở dạy thêm", "Trung tâm Ánh Dương", school_a
    ),
    "tutoring:declaration_area_list": Case(
        "committee", "Cơ sở dạy thêm", "15 Lạch Tray, Hải Phòng"
    ),
    "partnerships:programme_list": Case(
        "principal", "Phí hằng tháng (₫)", "Tiếng Anh giao tiếp", school_a
    ),
    "partnerships:programme_area_list": Case(
        "committee", "Đơn vị liên kết", "Công ty TNHH Anh ngữ Sao Việt"
    ),
    "partnerships:fee_comparison": Case("committee", "Phí hằng tháng (₫) – trung vị", "Ngoại ngữ"),
    "partnerships:partner_list": Case("department", "Mã số thuế", "Công ty TNHH Anh ngữ Sao Việt"),
    "inspections:inspection_list": Case("department", "Trưởng đoàn", "Trường THCS Hồng Bàng"),
    "inspections:plan_list": Case("department", "Số quyết định", "Kế hoạch kiểm tra"),
    "inspections:action_list": Case(
        "department", "Nội dung phải khắc phục", "Thu đủ đơn tự nguyện"
    ),
    "inspections:complaint_list": Case("department", "Cán bộ xử lý", "Trường THPT Hồng Bàng"),
    "inspections:plan_detail": Case(
        "department", "Cuộc thanh tra, kiểm tra", "Trường THCS Hồng Bàng", department_plan
    ),
}
STUDENT_LISTS = {"schools:student_list", "schools:parent_accounts"}


@pytest.fixture
def lists(world):
    """The world, with something on every list: a rule broken, a sign of coercion (students
    on a roster without consent), inspections, plans, actions and complaints."""
    Activity.objects.filter(pk=world.class_a.pk).update(
        rule_breaches=[{"rule": "T1", "message": "Vượt số tiết", "reference": "Điều 6"}]
    )
    for _ in range(3):
        Enrollment.objects.create(
            activity=world.class_a,
            student=StudentFactory(school=world.school_a, grade=7),
            basis="not_achieved",
            status="enrolled",
        )
    _inspection_objects(world)
    return world


def export(client, name, kwargs=None, fmt="csv", **query):
    return client.get(reverse(name, kwargs=kwargs or {}), {**query, "export": fmt})


def csv_rows(response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())  # the BOM Excel needs
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


def xlsx_rows(response) -> list[tuple]:
    return list(xlsx_sheet(response).values)


def flat(rows) -> set:
    return {str(cell) for row in rows for cell in row if cell is not None}


# --- Every list, both formats -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_list_exports_to_csv_and_xlsx_with_vietnamese_headers(lists, name):
    case = CASES[name]
    client = client_for(getattr(lists, case.user))
    kwargs = case.kwargs(lists) if case.kwargs else None
    for fmt, content_type, read in (
        ("csv", "text/csv; charset=utf-8", csv_rows),
        ("xlsx", XLSX, xlsx_rows),
    ):
        response = export(client, name, kwargs, fmt, **(case.query or {}))
        assert response.status_code == 200, (name, fmt)
        assert response["Content-Type"] == content_type
        disposition = response["Content-Disposition"]
        assert disposition.startswith('attachment; filename="') and disposition.isascii()
        assert disposition.endswith(f'.{fmt}"')
        rows = read(response)
        assert case.header in rows[0], (name, rows[0])
        # A value with diacritics comes back as it was written.
        assert any(case.value in cell for cell in flat(rows[1:])), (name, fmt)


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_export_answers_every_role_and_scope_as_its_page_does(lists, name):
    """As the page: a role without access is refused, an object outside the scope is not
    found, and where the page opens the file comes."""
    row = ROWS[name]

    def url(role, inside):
        return reverse(name, kwargs=row.kwargs(lists, role, inside) if row.kwargs else {})

    anonymous = Client().get(url(None, True), {"export": "csv"})
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    opened = 0
    for role, user in lists.users.items():
        client = client_for(user)
        places = [True, False] if row.kwargs and row.scoped else [True]
        for inside in places:
            page = client.get(url(role, inside))
            file = client.get(url(role, inside), {"export": "xlsx"})
            assert file.status_code == page.status_code, (role, inside)
            if page.status_code == 200:
                opened += 1
                assert file["Content-Type"] == XLSX
            else:
                assert page.status_code in (403, 404)
    assert opened == len(row.allowed)


# --- Exactly the rows of the list -----------------------------------------------------


PAGED = sorted(set(CASES) - {"tutoring:breaches", "partnerships:fee_comparison"})


@pytest.mark.parametrize("name", PAGED)
def test_an_export_holds_every_row_of_the_list_and_only_those(lists, name):
    case = CASES[name]
    client = client_for(getattr(lists, case.user))
    kwargs = case.kwargs(lists) if case.kwargs else None
    page = client.get(reverse(name, kwargs=kwargs or {}))
    rows = csv_rows(export(client, name, kwargs))
    assert len(rows) - 1 == page.context["page"].paginator.count > 0


def test_a_committee_exports_only_the_schools_of_its_area_with_the_filter(world):
    client = client_for(world.committee)
    names = {r[1] for r in csv_rows(export(client, "schools:school_list"))[1:]}
    assert "Trường THCS Hồng Bàng" in names
    assert not names & {"Trường THCS Lê Chân", "Trường THCS Ba Đình"}
    filtered = csv_rows(export(client, "schools:school_list", q="THPT"))[1:]
    assert [r[1] for r in filtered] == [
        s.name for s in School.objects.filter(unit=world.area_a, name__contains="THPT")
    ]


def test_a_school_exports_its_own_students_on_every_page_and_no_one_elses(world):
    for n in range(55):  # more than a page of 50
        StudentFactory(school=world.school_a, grade=8, homeroom="8A2", full_name=f"Lê Văn {n}")
    client = client_for(world.staff)
    kwargs = {"pk": world.school_a.pk}
    rows = csv_rows(export(client, "schools:student_list", kwargs))[1:]
    names = {r[1] for r in rows}
    assert len(rows) == 56 and "Phạm Minh Anh" in names
    assert not names & {"Vũ Thu Hà", world.student_far.full_name}
    # The page's filters, not its page number.
    grade_8 = csv_rows(export(client, "schools:student_list", kwargs, grade="8", page="2"))
    assert len(grade_8) - 1 == 55 and "Phạm Minh Anh" not in flat(grade_8)
    named = csv_rows(export(client, "schools:student_list", kwargs, q="Phạm Minh"))
    assert [r[1] for r in named[1:]] == ["Phạm Minh Anh"]
    # Another school's students: not found, as the page.
    other = export(client, "schools:student_list", {"pk": world.school_b.pk})
    assert other.status_code == 404


def test_the_complaints_export_never_gives_the_author_away(lists):
    from inspections import complaints

    complaints.complaint_file(
        school=lists.upper_a,
        activity=None,
        category="fees",
        description="Nhà trường thu tiền học thêm trái quy định.",
        is_anonymous=False,
        name="Trần Thị Mẹ",
        phone="0912345678",
        email="me.hocsinh@example.vn",
    )
    text = export(client_for(lists.department), "inspections:complaint_list").content.decode()
    assert "Trường THPT Hồng Bàng" in text
    for private in ("Trần Thị Mẹ", "0912345678", "me.hocsinh@example.vn", "trái quy định"):
        assert private not in text
    assert "Cô giáo yêu cầu" not in text  # nor an anonymous complaint's description


def test_the_fee_comparison_exports_the_spread_by_kind_and_the_dear_programmes(world):
    client = client_for(world.department)
    by_kind = xlsx_rows(export(client, "partnerships:fee_comparison", fmt="xlsx"))
    # One approved English programme in each of school A and B's city: one row, in đồng.
    assert len(by_kind) == 2 and by_kind[1][1:4] == (1, 1, 300_000)
    far = export(client, "partnerships:fee_comparison", fmt="csv", part="far")
    assert far.status_code == 200 and csv_rows(far)[0][0] == "Chương trình"


def test_the_answers_export_keeps_its_address_and_follows_the_status_shown(world):
    Enrollment.objects.create(
        activity=world.class_a,
        student=StudentFactory(school=world.school_a, full_name="Đỗ Hải Yến"),
        basis="not_achieved",
        status="proposed",
    )
    client = client_for(world.principal)
    url = reverse("schools:activity_export", args=[world.class_a.pk, "csv"])
    assert {r[0] for r in csv_rows(client.get(url))[1:]} == {"Phạm Minh Anh", "Đỗ Hải Yến"}
    assert [r[0] for r in csv_rows(client.get(url, {"status": "proposed"}))[1:]] == ["Đỗ Hải Yến"]


# --- Values ------------------------------------------------------------------------------


def test_dates_stay_dates_and_money_stays_a_number_in_the_workbook(world):
    sheet = xlsx_sheet(
        export(client_for(world.principal), "schools:student_list", school_a(world), "xlsx")
    )
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert all(c.font.b for c in next(sheet.iter_rows(max_row=1)))
    assert sheet.freeze_panes == "A2"
    birth = sheet.cell(row=2, column=header.index("Ngày sinh") + 1)
    assert birth.value == datetime.datetime(2012, 5, 17) and birth.number_format == "DD/MM/YYYY"
    sheet = xlsx_sheet(
        export(client_for(world.principal), "partnerships:programme_list", school_a(world), "xlsx")
    )
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    fee = sheet.cell(row=2, column=header.index("Phí hằng tháng (₫)") + 1)
    assert fee.value == 300_000 and fee.number_format == "#,##0"
    text = export(client_for(world.principal), "schools:student_list", school_a(world))
    assert "17/05/2012" in text.content.decode("utf-8-sig")


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_name_that_looks_like_a_formula_is_exported_as_text(world, formula):
    StudentFactory(school=world.school_a, full_name=formula)
    client = client_for(world.principal)
    rows = csv_rows(export(client, "schools:student_list", school_a(world)))
    assert f"'{formula}" in {r[1] for r in rows}
    sheet = xlsx_sheet(export(client, "schools:student_list", school_a(world), "xlsx"))
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    cell = next(c for c in cells if formula in str(c.value))
    assert cell.value == f"'{formula}" and cell.data_type == "s"


def test_an_unknown_format_gives_the_page(world):
    response = client_for(world.principal).get(
        reverse("schools:student_list", args=[world.school_a.pk]), {"export": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_the_export_links_keep_the_filters_and_drop_the_page_number(world):
    response = client_for(world.principal).get(
        reverse("schools:student_list", args=[world.school_a.pk]),
        {"grade": "7", "q": "Phạm", "page": "1"},
    )
    html = response.content.decode()
    assert "?grade=7&amp;q=Ph%E1%BA%A1m&amp;export=xlsx" in html
    assert "?grade=7&amp;q=Ph%E1%BA%A1m&amp;export=csv" in html
    assert "page=1&amp;export" not in html


# --- The audit log ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STUDENT_LISTS))
def test_an_export_of_students_data_is_logged(world, name):
    client = client_for(world.principal)
    export(client, name, school_a(world), "xlsx", homeroom="7A1")
    event = AuditEvent.objects.get(action=exports.AUDIT_ACTION)
    assert (event.actor, event.object_id) == (world.principal, str(world.school_a.pk))
    assert event.data["format"] == "xlsx" and event.data["rows"] >= 1


def test_a_page_view_or_an_export_without_students_data_is_not_logged_as_an_export(world):
    client = client_for(world.principal)
    client.get(reverse("schools:student_list", args=[world.school_a.pk]))
    export(client, "tutoring:class_list", school_a(world))
    export(client, "schools:school_list")
    assert not AuditEvent.objects.filter(action=exports.AUDIT_ACTION).exists()


def test_a_refused_export_is_not_logged(world):
    response = export(
        client_for(world.principal), "schools:student_list", {"pk": world.school_b.pk}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=exports.AUDIT_ACTION).exists()


# --- Queries -----------------------------------------------------------------------------


def _students(world, n):
    for _ in range(n):
        student = StudentFactory(school=world.school_a, grade=7)
        GuardianshipFactory(student=student, guardian=GuardianFactory())


def _staff(world, n):
    year, maths = world.year, Subject.objects.get(code="toan")
    for i in range(n):
        member = StaffMember.objects.create(user=UserFactory(), school=world.school_a)
        TeachingAssignment.objects.create(
            staff=member, school_year=year, subject=maths, homeroom=f"6A{i}"
        )


def _classes(world, n):
    teacher = StaffMember.objects.get(user=world.staff)
    for i in range(n):
        tc = TutoringClass.objects.create(
            school=world.school_a,
            school_year=world.year,
            title=f"Ôn tập {i}",
            subject=Subject.objects.get(code="toan"),
            grade=7,
            category="remedial",
            capacity=20,
            start_date=world.year.start,
            end_date=world.year.end,
            created_by=world.staff,
        )
        tc.teachers.set([teacher])
        ActivitySlot.objects.create(
            activity=tc, weekday=2, start=datetime.time(17), end=datetime.time(18), periods=1
        )


GROWERS = {
    "schools:student_list": _students,
    "schools:parent_accounts": _students,
    "schools:staff_list": _staff,
    "tutoring:class_list": _classes,
}


def _queries(client, name, kwargs, fmt):
    with CaptureQueriesContext(connection) as queries:
        response = export(client, name, kwargs, fmt)
    assert response.status_code == 200
    return len(queries), len(csv_rows(response)) if fmt == "csv" else None


@pytest.mark.parametrize("name", sorted(GROWERS))
def test_an_export_costs_the_same_queries_for_3_rows_as_for_30(world, name):
    grow = GROWERS[name]
    client = client_for(world.principal)
    kwargs = school_a(world)
    grow(world, 2)
    export(client, name, kwargs)  # the session and the caches, warmed
    few, few_rows = _queries(client, name, kwargs, "csv")
    grow(world, 27)
    many, many_rows = _queries(client, name, kwargs, "csv")
    assert many_rows - few_rows == 27
    assert many == few
    assert _queries(client, name, kwargs, "xlsx")[0] == few

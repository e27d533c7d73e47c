import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent, Role
from schools.imports import schools_import, students_import
from schools.models import (
    AdministrativeUnit,
    Guardian,
    Guardianship,
    ImportBatch,
    School,
    SchoolLevel,
    Student,
)
from schools.services import role_grant

from .conftest import client_for
from .factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


STUDENT_HEADER = [
    "STT", "Mã lớp", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Trạng thái",
    "Dân tộc", "Số CCCD", "Họ tên cha mẹ/người giám hộ", "Quan hệ", "Số điện thoại phụ huynh",
    "Email phụ huynh",
]


def student_rows():
    return [
        [1, "7A1", "3199990001", "Nguyễn Văn An", datetime.date(2012, 3, 4), "Nam", "Đang học",
         "Kinh", "031212000101", "Nguyễn Văn Bình", "Bố", "0987654301", "binh@example.vn"],
        [2, "7A2", "3199990002", "Trần Thị Bé", "15/08/2012", "Nữ", "", "Tày", "",
         "Trần Văn Cường", "Cha", "0987654302", ""],
        # A sibling: the same guardian, phone written another way.
        [3, "8A1", "3199990003", "Trần Văn Dũng", "2011-01-20", "Nam", "Đang học", "", "",
         "Trần Văn Cường", "Bố", "+84 987 654 302", ""],
        [4, "6A3", "3199990004", "Lê Thị Em", "01/01/2013", "Nữ", "Chuyển trường", "", "",
         "", "", "", ""],
    ]


def xlsx(rows, header=STUDENT_HEADER, above=()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in [*above, header, *rows]:
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, header=STUDENT_HEADER, delimiter=";", bom=True) -> bytes:
    def cell(value):
        return value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) else str(value)

    lines = [delimiter.join(cell(v) for v in line) for line in [header, *rows]]
    return ("\ufeff" if bom else "").encode() + "\r\n".join(lines).encode()


def import_students(school, content: bytes, name="hoc_sinh.xlsx", actor=None):
    return students_import(actor=actor, school=school, file=io.BytesIO(content), file_name=name)


def snapshot():
    return (Student.objects.count(), Guardian.objects.count(), Guardianship.objects.count(),
            School.objects.count())


def assert_rejected(batch, row, column, *fragments):
    """The batch is rejected with an error on (row, column) whose message has the fragments."""
    assert batch.outcome == ImportBatch.Outcome.REJECTED
    assert batch.pk is not None
    assert batch.created == batch.updated == 0
    matching = [e for e in batch.errors if e["row"] == row and e["column"] == column]
    assert matching, batch.errors
    for fragment in fragments:
        assert any(fragment in e["message"] for e in matching), (fragment, matching)


# --- Students: happy paths ---------------------------------------------------------------


def test_xlsx_import_creates_students_guardians_and_guardianships(world):
    before = snapshot()
    batch = import_students(world.school_a, xlsx(student_rows()), actor=world.principal)

    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    assert (batch.rows, batch.created, batch.updated, batch.unchanged) == (4, 4, 0, 0)
    assert batch.kind == ImportBatch.Kind.STUDENTS
    assert batch.school == world.school_a and batch.uploaded_by == world.principal
    assert snapshot() == (before[0] + 4, before[1] + 2, before[2] + 3, before[3])

    an = Student.objects.get(national_id="3199990001")
    assert an.school == world.school_a
    assert (an.full_name, an.date_of_birth, an.sex, an.grade, an.homeroom) == (
        "Nguyễn Văn An", datetime.date(2012, 3, 4), "M", 7, "7A1")
    assert (an.status, an.ethnicity, an.personal_id) == ("studying", "Kinh", "031212000101")
    assert Student.objects.get(national_id="3199990004").status == Student.Status.TRANSFERRED
    assert Student.objects.get(national_id="3199990003").grade == 8

    cuong = Guardian.objects.get(phone="0987654302")
    assert cuong.full_name == "Trần Văn Cường"
    assert set(cuong.students.values_list("national_id", flat=True)) == {
        "3199990002", "3199990003"}
    binh = Guardian.objects.get(phone="0987654301")
    assert binh.email == "binh@example.vn"
    assert binh.guardianships.get().relationship == Guardianship.Relationship.FATHER

    event = AuditEvent.objects.get(action="students_import")
    assert event.object_id == str(batch.pk) and event.actor == world.principal
    assert event.data == {"created": 4, "updated": 0}


def test_csv_import_with_bom_and_semicolons_gives_the_same_result(world):
    batch = import_students(world.school_a, csv_bytes(student_rows()), name="hoc_sinh.csv")
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    assert (batch.rows, batch.created) == (4, 4)
    assert Guardian.objects.filter(phone__in=["0987654301", "0987654302"]).count() == 2
    assert Student.objects.get(national_id="3199990001").date_of_birth == datetime.date(2012, 3, 4)


def test_csv_with_commas_and_no_bom_is_read(world):
    content = csv_bytes(student_rows(), delimiter=",", bom=False)
    batch = import_students(world.school_a, content, name="hoc_sinh.csv")
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    assert batch.created == 4


def test_english_headers_without_diacritics_and_a_title_above_are_accepted(world):
    header = ["CLASS", "student code", "Full  Name", "date of birth", "Sex", "ho ten phu huynh",
              "guardian phone", "Ghi chú"]
    rows = [["7a1", "3199990001", "Nguyễn Văn An", "04/03/2012", "nam", "Nguyễn Văn Bình",
             "0987654301", "anything"]]
    content = xlsx(rows, header=header, above=[["DANH SÁCH HỌC SINH"], []])
    batch = import_students(world.school_a, content)
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    student = Student.objects.get(national_id="3199990001")
    assert (student.homeroom, student.sex, student.grade) == ("7A1", "M", 7)
    assert student.guardians.get().phone == "0987654301"


def test_reimporting_the_same_file_changes_nothing(world):
    content = xlsx(student_rows())
    import_students(world.school_a, content)
    stamps = dict(Student.objects.values_list("national_id", "updated_at"))
    before = snapshot()

    again = import_students(world.school_a, content)

    assert again.outcome == ImportBatch.Outcome.APPLIED, again.errors
    assert (again.rows, again.created, again.updated, again.unchanged) == (4, 0, 0, 4)
    assert snapshot() == before
    assert dict(Student.objects.values_list("national_id", "updated_at")) == stamps


def test_a_changed_row_updates_only_that_student(world):
    import_students(world.school_a, xlsx(student_rows()))
    stamps = dict(Student.objects.values_list("national_id", "updated_at"))
    rows = student_rows()
    rows[1][3] = "Trần Thị Bé Ngoan"

    batch = import_students(world.school_a, xlsx(rows))

    assert (batch.created, batch.updated, batch.unchanged) == (0, 1, 3)
    assert Student.objects.get(national_id="3199990002").full_name == "Trần Thị Bé Ngoan"
    after = dict(Student.objects.values_list("national_id", "updated_at"))
    assert [code for code in after if after[code] != stamps[code]] == ["3199990002"]


def test_a_changed_relationship_counts_the_row_as_updated(world):
    import_students(world.school_a, xlsx(student_rows()))
    rows = student_rows()
    rows[0][10] = "Mẹ"
    batch = import_students(world.school_a, xlsx(rows))
    assert (batch.updated, batch.unchanged) == (1, 3)
    link = Guardianship.objects.get(student__national_id="3199990001")
    assert link.relationship == Guardianship.Relationship.MOTHER


def test_an_existing_guardian_is_found_by_phone_and_linked(world):
    guardian = world.guardian_a
    rows = student_rows()[:1]
    rows[0][9:12] = [guardian.full_name, "", guardian.phone]
    before = Guardian.objects.count()
    batch = import_students(world.school_a, xlsx(rows))
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    assert Guardian.objects.count() == before
    assert guardian.students.filter(national_id="3199990001").exists()


def test_the_import_runs_a_fixed_number_of_queries_whatever_the_rows(world):
    def queries(count):
        rows = []
        for i in range(count):
            rows.append([i, "7A1", f"32{count:03d}{i:05d}", f"Học Sinh {i}", "01/02/2012",
                         "Nữ", "", "", "", f"Phụ Huynh {i}", "Mẹ", f"09{count:03d}{i:05d}", ""])
        with CaptureQueriesContext(connection) as context:
            batch = import_students(world.school_a, xlsx(rows))
        assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
        return len(context.captured_queries)

    assert queries(5) == queries(60)


# --- Students: bad input; every case saves nothing but the batch --------------------------


@pytest.fixture
def unchanged_db(world):
    """Asserts after the test that no student, guardian, link or school was written."""
    before = snapshot()
    yield world
    assert snapshot() == before


def test_random_bytes_named_xlsx_are_rejected(unchanged_db):
    batch = import_students(unchanged_db.school_a, b"\x00\x01not a workbook" * 50)
    assert_rejected(batch, None, None, "Excel")
    assert ImportBatch.objects.filter(pk=batch.pk, outcome="rejected").exists()


def test_a_zip_that_is_not_a_workbook_is_rejected(unchanged_db):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    batch = import_students(unchanged_db.school_a, out.getvalue())
    assert_rejected(batch, None, None, "Excel")


@pytest.mark.parametrize("name", ["hoc_sinh.xlsx", "hoc_sinh.csv"])
def test_an_empty_file_is_rejected(unchanged_db, name):
    batch = import_students(unchanged_db.school_a, b"", name=name)
    assert_rejected(batch, None, None, "không có dữ liệu")


def test_an_empty_workbook_is_rejected(unchanged_db):
    batch = import_students(unchanged_db.school_a, xlsx([], header=[]))
    assert_rejected(batch, None, None, "không có dữ liệu")


def test_a_header_without_data_rows_is_rejected(unchanged_db):
    batch = import_students(unchanged_db.school_a, xlsx([]))
    assert_rejected(batch, 1, None, "không có dòng dữ liệu")


def test_a_csv_that_is_not_utf8_is_rejected(unchanged_db):
    content = csv_bytes(student_rows(), bom=False).decode().encode("utf-16")
    batch = import_students(unchanged_db.school_a, content, name="hoc_sinh.csv")
    assert_rejected(batch, None, None, "UTF-8")


def test_a_file_with_no_known_header_is_rejected(unchanged_db):
    content = xlsx([["a", "b"]], header=["Cột 1", "Cột 2"])
    batch = import_students(unchanged_db.school_a, content)
    assert_rejected(batch, 1, None, "Mã lớp", "Ngày sinh")


def test_a_missing_required_column_is_named(unchanged_db):
    header = [h for h in STUDENT_HEADER if h != "Ngày sinh"]
    rows = [[v for i, v in enumerate(row) if i != 4] for row in student_rows()]
    batch = import_students(unchanged_db.school_a, xlsx(rows, header=header))
    assert_rejected(batch, 1, "Ngày sinh", "Thiếu cột bắt buộc")
    assert batch.rows == 0


def test_two_headers_for_one_column_are_rejected(unchanged_db):
    header = [*STUDENT_HEADER, "Họ tên"]
    rows = [[*row, row[3]] for row in student_rows()]
    batch = import_students(unchanged_db.school_a, xlsx(rows, header=header))
    assert_rejected(batch, 1, "Họ tên", "Họ và tên")


def test_a_bad_date_is_reported_with_its_row_and_column(unchanged_db):
    rows = student_rows()
    rows[1][4] = "31/02/2012"
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 3, "Ngày sinh", "'31/02/2012'", "dd/mm/yyyy")
    assert batch.rows == 4


def test_errors_of_every_row_are_reported_at_once(unchanged_db):
    rows = student_rows()
    rows[0][5] = "Không rõ"
    rows[2][3] = ""
    rows[3][8] = "12345"
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 2, "Giới tính", "'Không rõ'", "Nam")
    assert_rejected(batch, 4, "Họ và tên", "bắt buộc")
    assert_rejected(batch, 5, "Số CCCD", "12 chữ số")
    assert len(batch.errors) == 3


def test_a_student_code_repeated_in_the_file_names_both_rows(unchanged_db):
    rows = student_rows()
    rows[3][2] = rows[1][2]
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 5, "Mã học sinh", "dòng 3 và dòng 5")


def test_a_bad_student_code_is_rejected(unchanged_db):
    rows = student_rows()
    rows[0][2] = "31-999/0001"
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 2, "Mã học sinh", "chữ và số")


def test_a_student_of_another_school_is_rejected_without_naming_it(unchanged_db):
    world = unchanged_db
    rows = student_rows()
    rows[2][2] = world.student_b.national_id
    batch = import_students(world.school_a, xlsx(rows))
    assert_rejected(batch, 4, "Mã học sinh", "trường khác")
    assert world.school_b.name not in str(batch.errors)
    world.student_b.refresh_from_db()
    assert world.student_b.school == world.school_b


def test_a_grade_the_school_does_not_teach_is_rejected(unchanged_db):
    rows = student_rows()
    rows[0][1] = "10A1"
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 2, "Mã lớp", "khối 10", "từ khối 6 đến khối 9")


def test_a_bad_grade_column_is_rejected(unchanged_db):
    header = [*STUDENT_HEADER, "Khối"]
    rows = [[*row, 7] for row in student_rows()]
    rows[2][-1] = 5
    rows[3][-1] = "bảy"
    batch = import_students(unchanged_db.school_a, xlsx(rows, header=header))
    assert_rejected(batch, 4, "Khối", "khối 5")
    assert_rejected(batch, 5, "Khối", "'bảy'")


def test_a_guardian_without_phone_or_email_is_rejected(unchanged_db):
    rows = student_rows()
    rows[0][11:13] = ["", ""]
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 2, "Họ tên cha mẹ/người giám hộ", "số điện thoại hoặc e-mail")


def test_a_phone_without_a_guardian_name_is_rejected(unchanged_db):
    rows = student_rows()
    rows[3][11] = "0987654399"
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 5, "Họ tên cha mẹ/người giám hộ", "bắt buộc")


def test_bad_guardian_phone_and_email_are_rejected(unchanged_db):
    rows = student_rows()
    rows[0][11:13] = ["12345", "binh@"]
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 2, "Số điện thoại phụ huynh", "10 chữ số")
    assert_rejected(batch, 2, "Email phụ huynh", "e-mail")


def test_one_phone_for_two_guardian_names_is_rejected(unchanged_db):
    rows = student_rows()
    rows[2][9] = "Trần Thị Dung"
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 4, "Số điện thoại phụ huynh", "dòng 3", "Trần Thị Dung")


def test_an_unknown_extension_is_rejected(unchanged_db):
    batch = import_students(unchanged_db.school_a, b"x", name="hoc_sinh.xls")
    assert_rejected(batch, None, None, ".xlsx")


# --- Schools ------------------------------------------------------------------------------


SCHOOL_HEADER = ["Mã trường", "Tên trường", "Cấp học", "Loại hình", "Mã đơn vị hành chính",
                 "Khối từ", "Khối đến", "Địa chỉ", "Điện thoại", "Email"]


def school_rows(world):
    return [
        ["31900001", "Trường Tiểu học Máy Tơ", "Tiểu học", "Công lập", world.area_a.code, "", "",
         "Số 1 Máy Tơ", "02253123456", "maytho@example.vn"],
        ["31900002", "Trường Liên cấp Ánh Dương", "Liên cấp", "Tư thục", world.area_b.code, 1, 9,
         "", "", ""],
        # An existing school, unchanged but for its address.
        [world.school_a.moet_code, world.school_a.name, "THCS", "Công lập", world.area_a.code,
         "", "", "Số 5 Hồng Bàng", "", ""],
    ]


def import_schools(content, actor=None, name="truong.xlsx"):
    return schools_import(actor=actor, file=io.BytesIO(content), file_name=name)


def test_schools_import_creates_and_updates_schools(world):
    before = School.objects.count()
    batch = import_schools(xlsx(school_rows(world), header=SCHOOL_HEADER), actor=world.department)

    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    assert (batch.kind, batch.school, batch.rows) == (ImportBatch.Kind.SCHOOLS, None, 3)
    assert (batch.created, batch.updated, batch.unchanged) == (2, 1, 0)
    assert School.objects.count() == before + 2
    primary = School.objects.get(moet_code="31900001")
    assert (primary.level, primary.grade_min, primary.grade_max) == (SchoolLevel.PRIMARY, 1, 5)
    assert (primary.unit, primary.phone) == (world.area_a, "02253123456")
    multi = School.objects.get(moet_code="31900002")
    assert (multi.ownership, multi.grade_min, multi.grade_max) == ("non_public", 1, 9)
    world.school_a.refresh_from_db()
    assert world.school_a.address == "Số 5 Hồng Bàng"
    assert AuditEvent.objects.filter(action="schools_import", object_id=str(batch.pk)).exists()


def test_reimporting_schools_changes_nothing(world):
    content = xlsx(school_rows(world), header=SCHOOL_HEADER)
    import_schools(content)
    stamps = dict(School.objects.values_list("moet_code", "updated_at"))
    again = import_schools(content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert dict(School.objects.values_list("moet_code", "updated_at")) == stamps


def test_schools_csv_with_tabs_is_read(world):
    content = csv_bytes(school_rows(world), header=SCHOOL_HEADER, delimiter="\t")
    batch = import_schools(content, name="truong.csv")
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors


def test_an_unknown_unit_is_rejected_with_its_code(unchanged_db):
    rows = school_rows(unchanged_db)
    rows[1][4] = "99999"
    batch = import_schools(xlsx(rows, header=SCHOOL_HEADER))
    assert_rejected(batch, 3, "Mã đơn vị hành chính", "'99999'", "đơn vị hành chính")


def test_a_unit_outside_the_departments_area_is_rejected(unchanged_db):
    world = unchanged_db
    rows = school_rows(world)
    rows[0][4] = world.area_far.code
    rows[2][0] = world.school_far.moet_code
    batch = import_schools(xlsx(rows, header=SCHOOL_HEADER), actor=world.department)
    assert_rejected(batch, 2, "Mã đơn vị hành chính", "ngoài địa bàn")
    assert_rejected(batch, 4, "Mã trường", "ngoài địa bàn")


def test_a_merged_unit_is_rejected(unchanged_db):
    world = unchanged_db
    AdministrativeUnit.objects.filter(pk=world.area_b.pk).update(
        valid_from=datetime.date(2020, 1, 1), valid_to=datetime.date(2025, 6, 30))
    batch = import_schools(xlsx(school_rows(world), header=SCHOOL_HEADER))
    assert_rejected(batch, 3, "Mã đơn vị hành chính", "không còn hiệu lực")


def test_a_school_code_repeated_in_the_file_is_rejected(unchanged_db):
    rows = school_rows(unchanged_db)
    rows[1][0] = rows[0][0]
    batch = import_schools(xlsx(rows, header=SCHOOL_HEADER))
    assert_rejected(batch, 3, "Mã trường", "dòng 2 và dòng 3")


def test_a_multi_level_school_needs_its_grades(unchanged_db):
    rows = school_rows(unchanged_db)
    rows[1][5:7] = ["", ""]
    batch = import_schools(xlsx(rows, header=SCHOOL_HEADER))
    assert_rejected(batch, 3, "Khối từ", "liên cấp")


def test_bad_school_grades_level_and_ownership_are_rejected(unchanged_db):
    rows = school_rows(unchanged_db)
    rows[1][5:7] = [9, 1]
    rows[0][2] = "Đại học"
    rows[0][3] = "Nửa công"
    batch = import_schools(xlsx(rows, header=SCHOOL_HEADER))
    assert_rejected(batch, 3, "Khối đến", "nhỏ hơn")
    assert_rejected(batch, 2, "Cấp học", "'Đại học'")
    assert_rejected(batch, 2, "Loại hình", "'Nửa công'")


# --- Through the web ----------------------------------------------------------------------


def upload(name, content):
    return {"file": SimpleUploadedFile(name, content)}


def test_principal_uploads_students_and_sees_the_errors(world):
    rows = student_rows()
    rows[1][4] = "31/02/2012"
    url = reverse("schools:student_import", args=[world.school_a.pk])
    client = client_for(world.principal)

    response = client.post(url, upload("hoc_sinh.xlsx", xlsx(rows)))

    batch = ImportBatch.objects.get(file_name="hoc_sinh.xlsx")
    assert response.status_code == 302
    assert response.url == reverse("schools:import_detail", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert '<td class="num">3</td>' in page
    assert "<td>Ngày sinh</td>" in page
    assert "31/02/2012" in page
    assert not Student.objects.filter(national_id__startswith="319999").exists()


def test_principal_uploads_a_good_file(world):
    url = reverse("schools:student_import", args=[world.school_a.pk])
    client = client_for(world.principal)
    response = client.post(url, upload("hoc_sinh.csv", csv_bytes(student_rows())))
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200
    assert ImportBatch.objects.get(file_name="hoc_sinh.csv").outcome == "applied"
    assert Student.objects.filter(national_id__startswith="319999").count() == 4


def test_staff_may_not_import_students(world):
    url = reverse("schools:student_import", args=[world.school_a.pk])
    response = client_for(world.staff).post(url, upload("hoc_sinh.xlsx", xlsx(student_rows())))
    assert response.status_code == 403
    assert not ImportBatch.objects.filter(file_name="hoc_sinh.xlsx").exists()


def test_principal_of_another_school_gets_404(world):
    other = UserFactory()
    role_grant(actor=None, user=other, role=Role.PRINCIPAL, school=world.school_b)
    url = reverse("schools:student_import", args=[world.school_a.pk])
    response = client_for(other).post(url, upload("hoc_sinh.xlsx", xlsx(student_rows())))
    assert response.status_code == 404
    assert not ImportBatch.objects.filter(file_name="hoc_sinh.xlsx").exists()


def test_department_imports_schools_through_the_web(world):
    url = reverse("schools:school_import")
    client = client_for(world.department)
    response = client.post(url, upload("truong.xlsx", xlsx(school_rows(world), SCHOOL_HEADER)))
    batch = ImportBatch.objects.get(file_name="truong.xlsx")
    assert response.url == reverse("schools:import_detail", args=[batch.pk])
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    assert client.get(response.url).status_code == 200


def test_committee_may_not_import_schools(world):
    url = reverse("schools:school_import")
    content = xlsx(school_rows(world), SCHOOL_HEADER)
    response = client_for(world.committee).post(url, upload("truong.xlsx", content))
    assert response.status_code == 403
    assert not ImportBatch.objects.filter(file_name="truong.xlsx").exists()


# --- Management commands ------------------------------------------------------------------


def test_import_students_command_prints_the_counts(world, tmp_path):
    path = tmp_path / "hoc_sinh.xlsx"
    path.write_bytes(xlsx(student_rows()))
    out = io.StringIO()
    call_command("import_students", "--school", world.school_a.moet_code, str(path), stdout=out)
    assert "Đã đọc 4 dòng: thêm mới 4, cập nhật 0, không đổi 0." in out.getvalue()
    batch = ImportBatch.objects.get(file_name="hoc_sinh.xlsx")
    assert (batch.created, batch.uploaded_by, batch.file_name) == (4, None, "hoc_sinh.xlsx")


def test_import_students_command_fails_on_a_bad_file(unchanged_db, tmp_path):
    rows = student_rows()
    rows[1][4] = "31/02/2012"
    path = tmp_path / "hoc_sinh.xlsx"
    path.write_bytes(xlsx(rows))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_students", "--school", unchanged_db.school_a.moet_code, str(path),
                     stderr=err)
    assert "Dòng 3, cột Ngày sinh" in err.getvalue()
    assert "31/02/2012" in err.getvalue()


def test_import_schools_command(world, tmp_path):
    good = tmp_path / "truong.csv"
    good.write_bytes(csv_bytes(school_rows(world), header=SCHOOL_HEADER))
    out = io.StringIO()
    call_command("import_schools", str(good), stdout=out)
    assert School.objects.filter(moet_code__startswith="319000").count() == 2

    rows = school_rows(world)
    rows[0][4] = "99999"
    bad = tmp_path / "truong_sai.csv"
    bad.write_bytes(csv_bytes(rows, header=SCHOOL_HEADER))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_schools", str(bad), stderr=err)
    assert "Mã đơn vị hành chính" in err.getvalue() and "99999" in err.getvalue()


# --- Guardians already on record -----------------------------------------------------------


def test_a_phone_on_record_for_another_person_is_refused_without_naming_them(unchanged_db):
    """A mistyped number must not attach a stranger (here another school's parent) to a
    child, nor rename them."""
    world = unchanged_db
    other_parent = world.student_b.guardians.get()
    rows = student_rows()[:1]
    rows[0][9:12] = ["Nguyễn Văn Bình", "Bố", other_parent.phone]
    batch = import_students(world.school_a, xlsx(rows))
    assert_rejected(batch, 2, "Số điện thoại phụ huynh", "người có tên khác")
    assert other_parent.full_name not in str(batch.errors)
    other_parent.refresh_from_db()
    assert other_parent.full_name != "Nguyễn Văn Bình"


def test_a_parent_shared_with_another_school_is_linked_but_not_edited(world):
    shared = world.student_b.guardians.get()
    shared.email = "cu@example.vn"
    shared.save()
    rows = student_rows()[:1]
    rows[0][9:13] = [shared.full_name, "Mẹ", shared.phone, "moi@example.vn"]
    batch = import_students(world.school_a, xlsx(rows))
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    shared.refresh_from_db()
    assert shared.email == "cu@example.vn"
    assert shared.students.filter(national_id="3199990001").exists()


def test_an_e_mail_longer_than_the_column_is_refused(unchanged_db):
    rows = student_rows()[:1]
    rows[0][12] = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".vn"
    batch = import_students(unchanged_db.school_a, xlsx(rows))
    assert_rejected(batch, 2, "Email phụ huynh", "254")

"""The import of students' end-of-term subject results, the basis of remedial tutoring.

Messages new with this import are not translated yet: the tests check rows, columns,
counts and status codes, and in messages only the values they quote.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from schools.imports import results_import
from schools.models import ImportBatch, Student, Subject, SubjectResult

from .conftest import client_for
from .factories import SchoolYearFactory, StudentFactory, TermFactory
from .test_imports import assert_rejected, csv_bytes, upload, xlsx

RESULT_HEADER = ["STT", "Mã học sinh", "Họ và tên", "Môn học", "Kết quả"]


@pytest.fixture
def term(world):
    return world.year.terms.get()


@pytest.fixture
def pupils(world):
    """Three more students of school A."""
    return [
        StudentFactory(school=world.school_a, national_id=f"3188800{i:03d}", full_name=name)
        for i, name in enumerate(["Đỗ Văn Nam", "Hoàng Thị Lan", "Ngô Minh Tú"])
    ]


def result_rows(world, pupils):
    """Seven rows, subjects written as names and codes in any case, results in every
    accepted form; student A's maths result is already on record (not achieved)."""
    one, two, three = pupils
    return [
        [1, world.student_a.national_id, world.student_a.full_name, "Toán", "Chưa đạt"],
        [2, one.national_id, one.full_name, "Toán", "Chưa đạt"],
        [3, one.national_id, one.full_name, "ngữ văn", "Đạt"],
        [4, two.national_id, two.full_name, "NGU-VAN", "CĐ"],
        [5, two.national_id, two.full_name, "Vật lí", "Chưa hoàn thành"],
        [6, three.national_id, "", "tieng anh", "achieved"],
        [7, three.national_id, "", "Lịch sử", "Hoàn thành"],
    ]


def import_results(world, term, content: bytes, name="ket_qua.xlsx", actor=None):
    return results_import(actor=actor, school=world.school_a, term=term,
                          file=io.BytesIO(content), file_name=name)


def results():
    return set(SubjectResult.objects.values_list(
        "student__national_id", "term_id", "subject__code", "achieved"))


# --- Happy paths -----------------------------------------------------------------------------


def test_xlsx_import_records_one_result_per_student_and_subject(world, term, pupils):
    before = results()
    batch = import_results(world, term, xlsx(result_rows(world, pupils), RESULT_HEADER),
                           actor=world.principal)

    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    assert (batch.rows, batch.created, batch.updated, batch.unchanged) == (7, 6, 0, 1)
    assert (batch.kind, batch.school, batch.term) == ("results", world.school_a, term)
    one, two, three = (p.national_id for p in pupils)
    assert results() - before == {
        (one, term.pk, "toan", False),
        (one, term.pk, "ngu-van", True),
        (two, term.pk, "ngu-van", False),
        (two, term.pk, "vat-ly", False),
        (three, term.pk, "tieng-anh", True),
        (three, term.pk, "lich-su", True),
    }
    event = AuditEvent.objects.get(action="results_import")
    assert event.object_id == str(batch.pk) and event.actor == world.principal
    assert event.data == {"created": 6, "updated": 0}


def test_csv_import_gives_the_same_result(world, term, pupils):
    content = csv_bytes(result_rows(world, pupils), header=RESULT_HEADER)
    batch = import_results(world, term, content, name="ket_qua.csv")
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    assert (batch.rows, batch.created, batch.unchanged) == (7, 6, 1)
    assert SubjectResult.objects.get(
        student=pupils[1], subject__code="vat-ly", term=term).achieved is False


def test_english_headers_and_a_title_above_are_accepted(world, term, pupils):
    header = ["Student code", "Subject", "Result"]
    rows = [[pupils[0].national_id, "Toan", "not achieved"]]
    batch = import_results(world, term, xlsx(rows, header, above=[["Kết quả học kỳ I"]]))
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
    assert SubjectResult.objects.get(student=pupils[0], term=term).achieved is False


def test_reimporting_the_same_file_changes_nothing(world, term, pupils):
    content = xlsx(result_rows(world, pupils), RESULT_HEADER)
    import_results(world, term, content)
    before = results()

    again = import_results(world, term, content)

    assert again.outcome == ImportBatch.Outcome.APPLIED, again.errors
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert results() == before


def test_a_changed_result_updates_that_row_only(world, term, pupils):
    rows = result_rows(world, pupils)
    import_results(world, term, xlsx(rows, RESULT_HEADER))
    rows[1][4] = "Đạt"  # the first pupil passed maths after all

    batch = import_results(world, term, xlsx(rows, RESULT_HEADER))

    assert (batch.created, batch.updated, batch.unchanged) == (0, 1, 6)
    assert SubjectResult.objects.get(student=pupils[0], subject__code="toan").achieved is True
    unchanged = SubjectResult.objects.get(student=world.student_a, subject__code="toan")
    assert unchanged.achieved is False


def test_results_of_another_term_are_kept_apart(world, term, pupils):
    rows = result_rows(world, pupils)
    import_results(world, term, xlsx(rows, RESULT_HEADER))
    term_2 = TermFactory(school_year=world.year, number=2, start=datetime.date(2027, 1, 18),
                         end=datetime.date(2027, 5, 31))

    batch = import_results(world, term_2, xlsx(rows, RESULT_HEADER))

    assert (batch.created, batch.updated, batch.unchanged) == (7, 0, 0)
    mine = SubjectResult.objects.filter(student__school=world.school_a)
    assert (mine.filter(term=term).count(), mine.filter(term=term_2).count()) == (7, 7)


def test_the_import_runs_a_fixed_number_of_queries_whatever_the_rows(world, term):
    subjects = list(Subject.objects.values_list("name", flat=True)[:3])

    def queries(count):
        students = Student.objects.bulk_create(
            StudentFactory.build(school=world.school_a, national_id=f"33{count:03d}{i:05d}")
            for i in range(count)
        )
        rows = [[s.national_id, name, "Đạt"] for s in students for name in subjects]
        with CaptureQueriesContext(connection) as context:
            batch = import_results(world, term, xlsx(rows, ["Mã HS", "Môn học", "Kết quả"]))
        assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors
        assert batch.created == 3 * count
        return len(context.captured_queries)

    assert queries(3) == queries(50)


# --- Bad input: the batch is kept with its errors, no result is written ------------------


@pytest.fixture
def unchanged_results(world, term, pupils):
    """Asserts after the test that no result was written."""
    before = results()
    yield world
    assert results() == before


@pytest.fixture
def rows(world, pupils):
    return result_rows(world, pupils)


def test_an_unknown_student_code_is_rejected(unchanged_results, term, rows):
    rows[2][1] = "3100000999"
    batch = import_results(unchanged_results, term, xlsx(rows, RESULT_HEADER))
    assert_rejected(batch, 4, "Mã học sinh", "3100000999")
    assert len(batch.errors) == 1


def test_a_student_of_another_school_is_rejected_without_naming_it(unchanged_results, term,
                                                                   rows):
    world = unchanged_results
    rows[3][1] = world.student_b.national_id
    batch = import_results(world, term, xlsx(rows, RESULT_HEADER))
    assert_rejected(batch, 5, "Mã học sinh", world.student_b.national_id)
    assert world.school_b.name not in str(batch.errors)
    unknown = import_results(world, term, xlsx([[1, "3100000999", "", "Toán", "Đạt"]],
                                               RESULT_HEADER))
    # The same words as for a code unknown anywhere: no hint that the code exists.
    assert (batch.errors[0]["message"].replace(world.student_b.national_id, "X")
            == unknown.errors[0]["message"].replace("3100000999", "X"))


def test_an_unknown_subject_is_rejected_with_subjects_to_choose_from(unchanged_results, term,
                                                                    rows):
    rows[1][3] = "Toán hc"
    rows[4][3] = "Thiên văn"
    batch = import_results(unchanged_results, term, xlsx(rows, RESULT_HEADER))
    assert_rejected(batch, 3, "Môn học", "Toán hc", "'Toán'")
    assert_rejected(batch, 6, "Môn học", "Thiên văn")
    names = set(Subject.objects.values_list("name", flat=True))
    assert any(f"'{name}'" in batch.errors[1]["message"] for name in names), batch.errors


@pytest.mark.parametrize("value", ["Khá", "Giỏi", "5", "Yes"])
def test_an_unknown_result_value_is_rejected(unchanged_results, term, rows, value):
    rows[5][4] = value
    batch = import_results(unchanged_results, term, xlsx(rows, RESULT_HEADER))
    assert_rejected(batch, 7, "Kết quả", value)


def test_a_blank_result_is_rejected(unchanged_results, term, rows):
    rows[0][4] = ""
    batch = import_results(unchanged_results, term, xlsx(rows, RESULT_HEADER))
    assert_rejected(batch, 2, "Kết quả")


def test_a_student_and_subject_repeated_in_the_file_names_both_rows(unchanged_results, term,
                                                                   rows):
    # "ngữ văn" in row 4 and "Ngữ Văn" in row 9: one subject, written two ways.
    rows.append([8, rows[2][1], "", "Ngữ Văn", "Chưa đạt"])
    batch = import_results(unchanged_results, term, xlsx(rows, RESULT_HEADER))
    assert_rejected(batch, 9, "Môn học", "Ngữ Văn", "4", "9", rows[2][1])
    assert len(batch.errors) == 1


def test_the_same_subject_for_two_students_is_not_a_repeat(world, term, rows):
    batch = import_results(world, term, xlsx(rows, RESULT_HEADER))
    assert batch.outcome == ImportBatch.Outcome.APPLIED, batch.errors  # rows 2 and 3: Toán


def test_a_file_that_is_not_a_workbook_is_rejected(unchanged_results, term):
    batch = import_results(unchanged_results, term, b"\x00\x01not a workbook" * 50)
    assert_rejected(batch, None, None)
    assert batch.kind == ImportBatch.Kind.RESULTS and batch.term == term


def test_a_missing_result_column_is_named(unchanged_results, term, rows):
    header = RESULT_HEADER[:-1]
    batch = import_results(unchanged_results, term,
                           xlsx([row[:-1] for row in rows], header))
    assert_rejected(batch, 1, "Kết quả")


def test_a_csv_that_is_not_utf8_is_rejected(unchanged_results, term, rows):
    content = csv_bytes(rows, header=RESULT_HEADER, bom=False).decode().encode("utf-16")
    batch = import_results(unchanged_results, term, content, name="ket_qua.csv")
    assert_rejected(batch, None, None)


def test_errors_of_every_row_are_reported_at_once(unchanged_results, term, rows):
    rows[0][1] = "ABC-1"
    rows[2][3] = "Không có"
    rows[6][4] = "?"
    batch = import_results(unchanged_results, term, xlsx(rows, RESULT_HEADER))
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (2, "Mã học sinh"), (4, "Môn học"), (8, "Kết quả")]


# --- Through the web ---------------------------------------------------------------------


def url(world):
    return reverse("schools:results_import", args=[world.school_a.pk])


def post(client, world, term, content, name="ket_qua.xlsx"):
    return client.post(url(world), {"term": term.pk, **upload(name, content)})


@pytest.mark.parametrize("role", ["principal", "staff"])
def test_principal_and_staff_import_results(world, term, pupils, role):
    client = client_for(getattr(world, role))
    response = post(client, world, term, xlsx(result_rows(world, pupils), RESULT_HEADER))

    batch = ImportBatch.objects.get(file_name="ket_qua.xlsx")
    assert response.status_code == 302
    assert response.url == reverse("schools:import_detail", args=[batch.pk])
    assert (batch.outcome, batch.created, batch.uploaded_by) == (
        "applied", 6, getattr(world, role))
    page = client.get(response.url)
    assert page.status_code == 200
    assert url(world) in page.content.decode()  # "import another file" leads back here


def test_staff_see_the_errors_of_their_upload(world, term, pupils):
    rows = result_rows(world, pupils)
    rows[2][4] = "Khá"
    client = client_for(world.staff)
    response = post(client, world, term, xlsx(rows, RESULT_HEADER))
    page = client.get(response.url).content.decode()
    assert '<td class="num">4</td>' in page
    assert "<td>Kết quả</td>" in page and "Khá" in page
    assert not SubjectResult.objects.filter(student__in=pupils).exists()


def test_staff_see_results_imports_but_not_student_imports(world):
    staff = client_for(world.staff)
    assert staff.get(reverse("schools:import_detail", args=[world.import_a.pk])).status_code == 404
    assert staff.get(url(world)).status_code == 200


def test_the_form_offers_the_term_that_ended_last(world):
    today = timezone.localdate()
    # Ended yesterday: no term of the test world ended later, whatever the date.
    past = SchoolYearFactory(name="2020-2021", start=today - datetime.timedelta(days=300),
                             end=today - datetime.timedelta(days=1))
    TermFactory(school_year=past, number=1, start=past.start,
                end=past.start + datetime.timedelta(days=120))
    ended = TermFactory(school_year=past, number=2, start=past.end - datetime.timedelta(days=120),
                        end=past.end)
    response = client_for(world.principal).get(url(world))
    assert response.status_code == 200
    assert response.context["form"]["term"].value() == ended.pk


def test_a_post_without_a_term_saves_nothing(world, pupils):
    client = client_for(world.principal)
    content = xlsx(result_rows(world, pupils), RESULT_HEADER)
    response = client.post(url(world), upload("ket_qua.xlsx", content))
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"term"}
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.RESULTS).exists()


@pytest.mark.parametrize("role", ["parent", "committee"])
def test_parents_and_the_committee_may_not_import_results(world, term, pupils, role):
    response = post(client_for(getattr(world, role)), world, term,
                    xlsx(result_rows(world, pupils), RESULT_HEADER))
    assert response.status_code == 403
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.RESULTS).exists()


def test_principal_of_another_school_gets_404(world, term, pupils):
    response = post(client_for(world.far_principal), world, term,
                    xlsx(result_rows(world, pupils), RESULT_HEADER))
    assert response.status_code == 404
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.RESULTS).exists()


def test_other_methods_are_refused(world):
    assert client_for(world.principal).put(url(world)).status_code == 405


def test_the_school_page_links_to_the_import_for_whoever_may_use_it(world):
    detail = reverse("schools:school_detail", args=[world.school_a.pk])
    for user, shown in [(world.principal, True), (world.staff, True), (world.committee, False)]:
        page = client_for(user).get(detail).content.decode()
        assert (url(world) in page) is shown, user.role


# --- Management command ------------------------------------------------------------------


def test_import_results_command(world, term, pupils, tmp_path):
    path = tmp_path / "ket_qua.csv"
    path.write_bytes(csv_bytes(result_rows(world, pupils), header=RESULT_HEADER))
    out = io.StringIO()
    call_command("import_results", "--school", world.school_a.moet_code, "--term", str(term.pk),
                 str(path), stdout=out)
    batch = ImportBatch.objects.get(file_name="ket_qua.csv")
    assert (batch.kind, batch.term, batch.uploaded_by) == ("results", term, None)
    assert (batch.created, batch.unchanged) == (6, 1)
    assert "6" in out.getvalue()


def test_import_results_command_fails_on_a_bad_file(unchanged_results, term, rows, tmp_path):
    rows[3][1] = "3100000999"
    path = tmp_path / "ket_qua.xlsx"
    path.write_bytes(xlsx(rows, RESULT_HEADER))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_results", "--school", unchanged_results.school_a.moet_code,
                     "--term", str(term.pk), str(path), stderr=err)
    assert "Mã học sinh" in err.getvalue() and "3100000999" in err.getvalue()


def test_import_results_command_needs_a_known_term(world, tmp_path):
    path = tmp_path / "ket_qua.xlsx"
    path.write_bytes(xlsx([[world.student_a.national_id, "Toán", "Đạt"]],
                          ["Mã học sinh", "Môn học", "Kết quả"]))
    with pytest.raises(CommandError):
        call_command("import_results", "--school", world.school_a.moet_code, "--term", "999999",
                     str(path))
    assert not ImportBatch.objects.filter(kind=ImportBatch.Kind.RESULTS).exists()

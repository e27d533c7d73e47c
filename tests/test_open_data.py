"""The open data files (public.opendata): a small city counted by hand, read back from the
CSV and JSON anyone can download, with the small groups withheld so that no child can be
singled out."""

import csv
import datetime
import io
import json
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Partner, Programme
from public import opendata
from public.models import OpenDataRelease
from schools.models import ConsentEvent, Enrollment, SchoolLevel, SchoolYear, Subject
from tutoring.models import TutoringClass

from .factories import (
    GuardianFactory,
    GuardianshipFactory,
    SchoolFactory,
    StudentFactory,
    UnitFactory,
)

DATASETS = ("schools", "areas", "fees")
FORMATS = ("csv", "json")


def programme(school, year, status, kind, fee, partner):
    return Programme.objects.create(
        school=school,
        school_year=year,
        title=f"{kind} {fee}",
        partner=partner,
        programme_kind=kind,
        content_summary="Nội dung",
        grade_min=school.grade_min,
        grade_max=school.grade_max,
        capacity=40,
        monthly_fee=fee,
        weekly_periods=2,
        start_date=year.start,
        end_date=year.end,
        status=status,
        terms_hash="v1",
    )


def student(school, n):
    child = StudentFactory(
        school=school,
        grade=school.grade_min,
        full_name=f"Học Sinh Bí Mật {school.pk}-{n}",
        national_id=f"0319{school.pk:03d}{n:05d}",
    )
    GuardianshipFactory(student=child, guardian=GuardianFactory())
    return child


def enrol(activity, child, status, *kinds):
    """An enrolment whose status is what the answers ``kinds`` left; each answer recorded
    now, within the current school year."""
    enrollment = Enrollment.objects.create(
        activity=activity, student=child, basis="voluntary", status=status
    )
    for kind in kinds:
        ConsentEvent.objects.create(
            enrollment=enrollment,
            kind=kind,
            guardian=child.guardians.first(),
            channel="online",
            terms_hash=activity.terms_hash,
        )
    return enrollment


def current_year():
    today = timezone.localdate()
    return SchoolYear.objects.create(
        name="9998-9999",
        start=today - datetime.timedelta(days=60),
        end=today + datetime.timedelta(days=200),
    )


@pytest.fixture
def city(db):
    """Area A (two schools) and area B (two schools) of one province; a school year that
    holds today (``SchoolYear.current``, hence ``figures.default_period``: the whole year)
    and last year. What each record adds is counted beside it."""
    from public.management.commands.seed_demo import ensure_subjects

    ensure_subjects()
    today = timezone.localdate()
    province = UnitFactory(code="31", name="Thành phố Hải Phòng", level="province", parent=None)
    area_a = UnitFactory(code="31001", name="Phường An Biên", parent=province)
    area_b = UnitFactory(code="31002", name="Phường Lê Chân", parent=province)
    year = current_year()
    last_year = SchoolYear.objects.create(
        name="9997-9998",
        start=today - datetime.timedelta(days=430),
        end=today - datetime.timedelta(days=120),
    )
    partner = Partner.objects.create(
        legal_name="Công ty Sao Việt",
        tax_code="0201111111",
        business_registration="0201111111",
        address="Hải Phòng",
    )
    E = Enrollment.Status

    # A1 (area A): 12 on the roster, 12 agreed and 6 declined: 66.7 % / 33.3 %.
    a1 = SchoolFactory(name="Trường THCS An Biên", moet_code="31000101", unit=area_a)
    p1 = programme(a1, year, "approved", "stem", 100_000, partner)
    programme(a1, year, "suspended", "stem", 1_000_000, partner)  # counted, and paid
    programme(a1, year, "draft", "stem", 50_000, partner)  # nothing
    programme(a1, last_year, "approved", "stem", 9_000_000, partner)  # another year
    TutoringClass.objects.create(
        school=a1,
        school_year=year,
        title="Toán – phụ đạo",
        subject=Subject.objects.get(code="toan"),
        grade=6,
        category="remedial",
        capacity=30,
        start_date=year.start,
        end_date=year.end,
        status="open",
        terms_hash="v1",
    )
    for n in range(12):
        enrol(p1, student(a1, n), E.ENROLLED, "given")
    for n in range(12, 18):
        enrol(p1, student(a1, n), E.DECLINED, "declined")

    # A2 (area A): 2 on the roster, 2 agreed and 1 declined: all withheld but the 3 answers.
    a2 = SchoolFactory(
        name="Trường Tiểu học Đằng Giang",
        moet_code="31000102",
        unit=area_a,
        level=SchoolLevel.PRIMARY,
        grade_min=1,
        grade_max=5,
    )
    p2 = programme(a2, year, "approved", "stem", 200_000, partner)
    programme(a2, year, "approved", "stem", 250_000, partner)
    programme(a2, year, "approved", "language", 250_000, partner)
    for n in range(2):
        enrol(p2, student(a2, n), E.ENROLLED, "given")
    enrol(p2, student(a2, 2), E.DECLINED, "declined")

    # B1 (area B): 5 agreed, one of whom withdrew: 4 on the roster.
    b1 = SchoolFactory(name="Trường THCS Lê Chân", moet_code="31000201", unit=area_b)
    p3 = programme(b1, year, "approved", "stem", 400_000, partner)
    for n in range(4):
        enrol(p3, student(b1, n), E.ENROLLED, "given")
    enrol(p3, student(b1, 4), E.WITHDRAWN, "given", "withdrawn")

    # B2 (area B): programmes, nobody on them.
    b2 = SchoolFactory(name="Trường THCS Dư Hàng", moet_code="31000202", unit=area_b)
    programme(b2, year, "approved", "stem", 700_000, partner)
    programme(b2, year, "submitted", "stem", 2_000_000, partner)  # not approved: nothing
    programme(b2, year, "approved", "stem", 1_300_000, partner)

    # A closed school: nothing of it is published.
    closed = SchoolFactory(
        name="Trường THCS Đã Đóng", moet_code="31000199", unit=area_a, is_active=False
    )
    programme(closed, year, "approved", "stem", 5_000_000, partner)

    return SimpleNamespace(**locals())


@pytest.fixture(autouse=True)
def _min_group(settings):
    settings.OPEN_DATA_MIN_GROUP = 3


def fetch(dataset, fmt):
    return Client().get(reverse("public:open_data_file", args=[dataset, fmt]))


def read_csv(dataset):
    response = fetch(dataset, "csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text[1:]))
    return reader.fieldnames, list(reader)


def read_json(dataset):
    response = fetch(dataset, "json")
    assert response.status_code == 200
    return json.loads(response.content)


def by(rows, key):
    return {row[key]: row for row in rows}


# --- Shape ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_csv_file_has_exactly_the_documented_fields_in_order(city, dataset):
    fields, rows = read_csv(dataset)
    assert fields == [f.name for f in opendata.schema()[dataset]]
    assert rows
    for row in rows:
        assert list(row) == fields


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_json_file_has_the_documented_fields_and_says_its_version_and_year(city, dataset):
    data = read_json(dataset)
    assert data["dataset"] == dataset
    assert data["schema_version"] == "1.0"
    assert data["min_group_size"] == 3
    assert data["school_year"] == "9998-9999"
    assert data["schema"].endswith(reverse("public:open_data"))
    assert data["rows"]
    names = [f.name for f in opendata.schema()[dataset]]
    for row in data["rows"]:
        assert list(row) == names


# --- Schools: small groups withheld ---------------------------------------------------------


def test_the_schools_file_lists_each_open_school_once_with_its_area(city):
    rows = by(read_json("schools")["rows"], "school_code")
    assert set(rows) == {"31000101", "31000102", "31000201", "31000202"}  # not the closed one
    assert rows["31000102"]["school_name"] == "Trường Tiểu học Đằng Giang"
    assert rows["31000102"]["level"] == "primary"
    assert (rows["31000102"]["area_code"], rows["31000102"]["area_name"]) == (
        "31001",
        "Phường An Biên",
    )
    assert rows["31000201"]["area_code"] == "31002"


def test_a_school_with_twelve_participants_shows_them_and_its_rates(city):
    row = by(read_json("schools")["rows"], "school_code")["31000101"]
    assert row == {
        "school_code": "31000101",
        "school_name": "Trường THCS An Biên",
        "level": "lower_secondary",
        "area_code": "31001",
        "area_name": "Phường An Biên",
        "tutoring_classes_open": 1,
        "programmes": 2,  # approved and suspended; not the draft nor last year's
        "programmes_suspended": 1,
        "participants": 12,
        "consent_answers": 18,
        "consent_rate": 66.7,  # 12 / 18
        "decline_rate": 33.3,  # 6 / 18
        "withdrawals": 0,
        "withdrawal_rate": 0.0,
        "programme_fee_min": 100_000,
        "programme_fee_max": 1_000_000,  # the suspended one still costs families
    }
    csv_row = by(read_csv("schools")[1], "school_code")["31000101"]
    assert (csv_row["participants"], csv_row["consent_rate"], csv_row["decline_rate"]) == (
        "12",
        "66.7",
        "33.3",
    )


def test_a_school_with_two_participants_is_withheld_in_both_formats(city):
    row = by(read_json("schools")["rows"], "school_code")["31000102"]
    assert row["participants"] is None  # 2
    assert row["consent_answers"] == 3  # 2 + 1: large enough
    assert row["consent_rate"] is None  # part 2
    assert row["decline_rate"] is None  # part 1
    assert row["withdrawals"] == 0
    assert row["withdrawal_rate"] is None  # 0 of 2: the remainder is 2
    assert (row["programmes"], row["programme_fee_min"], row["programme_fee_max"]) == (
        3,
        200_000,
        250_000,
    )
    csv_row = by(read_csv("schools")[1], "school_code")["31000102"]
    assert csv_row["participants"] == ""
    assert csv_row["consent_rate"] == ""
    assert csv_row["decline_rate"] == ""
    assert csv_row["withdrawal_rate"] == ""
    assert csv_row["consent_answers"] == "3"


def test_a_rate_whose_part_or_remainder_is_one_or_two_is_withheld(city):
    row = by(read_json("schools")["rows"], "school_code")["31000201"]
    assert row["participants"] == 4
    assert row["consent_answers"] == 5
    assert row["consent_rate"] == 100.0  # 5 of 5: nothing left to single out
    assert row["decline_rate"] == 0.0
    assert row["withdrawals"] is None  # 1
    assert row["withdrawal_rate"] is None  # 1 of 5


def test_a_school_with_nobody_enrolled_shows_zero_and_no_rate(city):
    row = by(read_json("schools")["rows"], "school_code")["31000202"]
    assert (row["participants"], row["consent_answers"], row["withdrawals"]) == (0, 0, 0)
    assert (row["consent_rate"], row["decline_rate"], row["withdrawal_rate"]) == (None,) * 3
    assert (row["programmes"], row["programme_fee_min"], row["programme_fee_max"]) == (
        2,
        700_000,
        1_300_000,
    )


def test_a_larger_smallest_group_withholds_more(city, settings):
    settings.OPEN_DATA_MIN_GROUP = 13
    row = by(read_json("schools")["rows"], "school_code")["31000101"]
    assert row["participants"] is None  # 12 < 13
    assert row["consent_rate"] is None  # 12 of 18


# --- Areas ----------------------------------------------------------------------------------


def test_the_areas_file_adds_up_the_schools_of_each_area(city):
    rows = by(read_json("areas")["rows"], "area_code")
    assert set(rows) == {"31001", "31002"}
    a = rows["31001"]
    assert a["area_name"] == "Phường An Biên"
    assert (a["schools"], a["tutoring_classes_open"], a["programmes"]) == (2, 1, 5)
    assert a["programmes_suspended"] == 1
    assert a["consent_answers"] == 21  # 18 + 3, both published by the schools
    assert (a["withdrawals"], a["withdrawal_rate"]) == (0, None)
    b = rows["31002"]
    assert (b["schools"], b["programmes"], b["participants"], b["consent_answers"]) == (
        2,
        3,
        4,
        5,
    )
    assert (b["consent_rate"], b["decline_rate"]) == (100.0, 0.0)
    assert (b["withdrawals"], b["withdrawal_rate"]) == (None, None)  # 1 withdrawal


def test_an_area_withholds_what_its_schools_figures_would_give_back(city):
    """A2's 2 participants, 2 agreements and 1 refusal are withheld in the schools file:
    area A's figures, less A1's published ones, would tell them, so area A withholds them
    too."""
    a = by(read_json("areas")["rows"], "area_code")["31001"]
    assert a["participants"] is None  # 14 - 12 = 2
    assert (a["consent_rate"], a["decline_rate"]) == (None, None)  # 14 - 12, 7 - 6


@pytest.mark.parametrize("min_group", [3, 5, 10])
def test_no_area_figure_less_its_schools_published_ones_is_a_small_group(city, settings, min_group):
    settings.OPEN_DATA_MIN_GROUP = min_group
    schools = read_json("schools")["rows"]
    for area in read_json("areas")["rows"]:
        mine = [s for s in schools if s["area_code"] == area["area_code"]]
        for field in ("participants", "consent_answers", "withdrawals"):
            if area[field] is None:
                continue
            rest = area[field] - sum(s[field] or 0 for s in mine)
            assert not 0 < rest < min_group, (area["area_code"], field, rest)
        if area["consent_rate"] is not None:
            told = [s for s in mine if s["consent_rate"] is not None]
            given = round(area["consent_rate"] * area["consent_answers"] / 100)
            rest = given - sum(round(s["consent_rate"] * s["consent_answers"] / 100) for s in told)
            assert not 0 < rest < min_group, (area["area_code"], "given", rest)


def test_the_withdrawal_rate_never_tells_the_refusals_a_withheld_consent_rate_hides(settings):
    from reports.figures import Row

    settings.OPEN_DATA_MIN_GROUP = 3
    # 40 answers: 38 agreements and 2 refusals (too few to publish), 12 withdrawals.
    row = Row(key=1, label="", consents_given=38, consents_declined=2, consents_withdrawn=12)
    values = opendata._figure_values(row)
    assert values["consent_answers"] == 40
    assert values["withdrawals"] == 12
    assert (values["consent_rate"], values["decline_rate"], values["withdrawal_rate"]) == (
        None,
        None,
        None,
    )
    # With refusals enough to publish, the withdrawal rate tells nothing more.
    row.consents_declined = 5
    assert opendata._figure_values(row)["withdrawal_rate"] == 31.6


# --- Fees -----------------------------------------------------------------------------------


def test_the_fees_file_gives_lowest_median_and_highest_per_area_and_kind(city):
    rows = read_json("fees")["rows"]
    found = {(r["area_code"], r["programme_kind"]): r for r in rows}
    assert set(found) == {("31001", "stem"), ("31001", "language"), ("31002", "stem")}
    # Area A, STEM: 100 000, 200 000, 250 000, 1 000 000 (the suspended one counts; the
    # draft, last year's and the closed school's do not). Median of the two middles.
    assert found[("31001", "stem")] == {
        "area_code": "31001",
        "area_name": "Phường An Biên",
        "programme_kind": "stem",
        "programmes": 4,
        "schools": 2,
        "fee_min": 100_000,
        "fee_median": 225_000,
        "fee_max": 1_000_000,
    }
    language = found[("31001", "language")]
    assert (language["programmes"], language["schools"]) == (1, 1)
    assert (language["fee_min"], language["fee_median"], language["fee_max"]) == (
        250_000,
        250_000,
        250_000,
    )
    # Area B, STEM: 400 000, 700 000, 1 300 000 (the submitted one does not count).
    b = found[("31002", "stem")]
    assert (b["programmes"], b["schools"]) == (3, 2)
    assert (b["fee_min"], b["fee_median"], b["fee_max"]) == (400_000, 700_000, 1_300_000)
    # The CSV says the same.
    csv_rows = read_csv("fees")[1]
    a_stem = next(r for r in csv_rows if (r["area_code"], r["programme_kind"]) == ("31001", "stem"))
    assert (a_stem["fee_min"], a_stem["fee_median"], a_stem["fee_max"]) == (
        "100000",
        "225000",
        "1000000",
    )


def test_the_fees_file_uses_the_same_areas_as_the_other_files(db):
    """Three-tier government: districts with wards. The areas of the city are its
    districts, in every file, whichever schools happen to run programmes."""
    year = current_year()
    partner = Partner.objects.create(
        legal_name="Công ty Sao Việt", tax_code="0201", business_registration="0201", address="-"
    )
    d1 = UnitFactory(code="31300", name="Quận Ngô Quyền", level="district")
    d2 = UnitFactory(code="31400", name="Quận Kiến An", level="district")
    ward_1 = UnitFactory(code="31301", name="Phường Máy Tơ", parent=d1)
    ward_2 = UnitFactory(code="31302", name="Phường Cầu Đất", parent=d1)
    ward_3 = UnitFactory(code="31401", name="Phường Bắc Sơn", parent=d2)
    programme(SchoolFactory(unit=ward_1), year, "approved", "stem", 100_000, partner)
    programme(SchoolFactory(unit=ward_2), year, "approved", "stem", 200_000, partner)
    SchoolFactory(unit=ward_3)  # no programme

    assert {r["area_code"] for r in read_json("areas")["rows"]} == {"31300", "31400"}
    assert {r["area_code"] for r in read_json("schools")["rows"]} == {"31300", "31400"}
    rows = read_json("fees")["rows"]
    assert [(r["area_code"], r["programme_kind"]) for r in rows] == [("31300", "stem")]
    assert (rows[0]["programmes"], rows[0]["schools"], rows[0]["fee_median"]) == (2, 2, 150_000)


# --- Addresses, headers, privacy ------------------------------------------------------------


@pytest.mark.parametrize(
    ("dataset", "fmt"),
    [("students", "csv"), ("enrolments", "json"), ("schools", "xml"), ("fees", "xlsx")],
)
def test_an_unknown_dataset_or_format_is_not_found(city, dataset, fmt):
    assert fetch(dataset, fmt).status_code == 404


def test_the_files_may_be_read_from_any_site_with_their_content_types(city):
    for dataset in DATASETS:
        csv_response = fetch(dataset, "csv")
        assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
        assert csv_response["Access-Control-Allow-Origin"] == "*"
        json_response = fetch(dataset, "json")
        assert json_response["Content-Type"] == "application/json"
        assert json_response["Access-Control-Allow-Origin"] == "*"


def test_no_student_name_or_national_id_appears_in_any_file(city):
    students = list(
        Enrollment.objects.values_list("student__full_name", "student__national_id").distinct()
    )
    assert len(students) == 26
    for dataset in DATASETS:
        for fmt in FORMATS:
            text = fetch(dataset, fmt).content.decode("utf-8")
            for name, national_id in students:
                assert name not in text, (dataset, fmt)
                assert national_id not in text, (dataset, fmt)
            assert "Học Sinh Bí Mật" not in text


def test_with_no_school_year_recorded_the_files_are_empty_but_valid(db):
    data = read_json("schools")
    assert (data["school_year"], data["rows"]) == (None, [])
    fields, rows = read_csv("fees")
    assert fields == [f.name for f in opendata.schema()["fees"]]
    assert rows == []


def test_the_documentation_page_names_every_field_and_links_every_file(city):
    response = Client().get(reverse("public:open_data"))
    assert response.status_code == 200
    html = response.content.decode()
    for dataset, fields in opendata.schema().items():
        for fmt in FORMATS:
            assert reverse("public:open_data_file", args=[dataset, fmt]) in html
        for field in fields:
            assert f"<code>{field.name}</code>" in html


# --- Monthly releases -----------------------------------------------------------------------


def test_the_files_stay_the_same_all_month_whatever_changes(city):
    """Comparing two downloads of a month shows nothing: not one family's answer."""
    first_csv, first_json = fetch("schools", "csv").content, read_json("schools")
    a1 = city.a1
    enrol(city.p1, student(a1, 99), Enrollment.Status.DECLINED, "declined")
    a1.name = "Trường THCS An Biên mới"
    a1.save()  # clears the page cache: the file is read again, from the month's release

    assert fetch("schools", "csv").content == first_csv
    assert read_json("schools") == first_json
    assert OpenDataRelease.objects.filter(dataset="schools").count() == 2  # csv and json


def test_a_new_month_makes_a_new_release_with_what_changed(city, monkeypatch):
    before = by(read_json("schools")["rows"], "school_code")["31000101"]
    enrol(city.p1, student(city.a1, 99), Enrollment.Status.DECLINED, "declined")
    next_month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: next_month)

    after = by(read_json("schools")["rows"], "school_code")["31000101"]

    assert (before["consent_answers"], after["consent_answers"]) == (18, 19)
    assert OpenDataRelease.objects.filter(dataset="schools", fmt="json").count() == 2
    # Both formats of a release come from one count: they agree.
    _fields, rows = read_csv("schools")
    assert by(rows, "school_code")["31000101"]["consent_answers"] == "19"


def test_a_changed_smallest_group_makes_its_own_release(city, settings):
    assert by(read_json("schools")["rows"], "school_code")["31000101"]["participants"] == 12
    settings.OPEN_DATA_MIN_GROUP = 13
    assert by(read_json("schools")["rows"], "school_code")["31000101"]["participants"] is None


@pytest.mark.parametrize("dataset", DATASETS)
def test_making_a_file_costs_as_many_queries_for_more_areas_and_schools(city, dataset):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    opendata.release(dataset, "csv")  # so that both timed runs replace a release
    with CaptureQueriesContext(connection) as few:
        opendata.release(dataset, "csv", remake=True)
    for n in range(6):
        area = UnitFactory(code=f"3110{n}", name=f"Xã Thêm {n}", parent=city.province)
        for k in range(2):
            school = SchoolFactory(name=f"Trường THCS Thêm {n}-{k}", unit=area)
            programme(school, city.year, "approved", "stem", 100_000 * (k + 1), city.partner)
    with CaptureQueriesContext(connection) as many:
        opendata.release(dataset, "csv", remake=True)
    assert len(many) == len(few)


def test_the_monthly_command_makes_every_file_counting_once_and_keeps_them(city, monkeypatch):
    from io import StringIO
    from unittest import mock

    from django.core.management import call_command

    from reports import figures

    counting = mock.patch.object(figures, "compute", wraps=figures.compute)
    with counting as compute:
        out = StringIO()
        call_command("opendata_release", stdout=out)
    assert compute.call_count == 1
    assert out.getvalue().strip() == f"{len(opendata.schema()) * len(FORMATS)} files made."
    assert OpenDataRelease.objects.count() == len(opendata.schema()) * len(FORMATS)
    before = read_json("schools")
    enrol(city.p1, student(city.a1, 99), Enrollment.Status.DECLINED, "declined")
    # Run again the same month: kept, nothing counted; a download counts nothing either.
    with mock.patch.object(figures, "compute", side_effect=AssertionError("counted")):
        call_command("opendata_release", stdout=StringIO())
        assert read_json("schools") == before
    with counting as compute:
        call_command("opendata_release", "--remake", stdout=StringIO())
    assert compute.call_count == 1
    assert read_json("schools") != before

"""The figures of the dashboards and reports (reports.figures): every figure of a small city
counted by hand, the scopes that must not leak into one another, and a number of queries
that stays the same however many schools there are."""

import datetime
import itertools
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Role
from inspections.models import Complaint, CorrectiveAction, Finding, Inspection
from partnerships.models import Partner, Programme, ProgrammeKind
from reports import figures
from schools.models import (
    ConsentEvent,
    Enrollment,
    School,
    SchoolLevel,
    SchoolYear,
    Subject,
)
from schools.services import role_grant
from tutoring.models import TutoringClass

from .factories import (
    GuardianFactory,
    GuardianshipFactory,
    SchoolFactory,
    StudentFactory,
    UnitFactory,
    UserFactory,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BREACH = [{"rule": "T4", "message": "Quá 2 tiết/tuần", "reference": "Điều 5"}]
_codes = itertools.count(1)


def at(*args) -> datetime.datetime:
    """A time in the portal's time zone."""
    return datetime.datetime(*args, tzinfo=HCM)


def days_from_today(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


# --- Building the city ---------------------------------------------------------------


def tutoring(school, year, status, **extra):
    return TutoringClass.objects.create(
        school=school,
        school_year=year,
        title=f"Toán – {status}",
        subject=Subject.objects.get(code="toan"),
        grade=school.grade_min,
        category="remedial",
        capacity=30,
        start_date=year.start,
        end_date=year.end,
        status=status,
        terms_hash="v1",
        **extra,
    )


def programme(school, year, status, kind, fee, partner, **extra):
    return Programme.objects.create(
        school=school,
        school_year=year,
        title=f"{kind} – {status}",
        partner=partner,
        programme_kind=kind,
        content_summary="Nội dung",
        grade_min=school.grade_min,
        grade_max=school.grade_max,
        capacity=30,
        monthly_fee=fee,
        start_date=year.start,
        end_date=year.end,
        status=status,
        terms_hash="v1",
        **extra,
    )


def student(school):
    child = StudentFactory(school=school, grade=school.grade_min)
    GuardianshipFactory(student=child, guardian=GuardianFactory())
    return child


def enrol(activity, child, status, *answers):
    """An enrolment whose status is what the ledger's ``answers`` (kind, time) left."""
    enrollment = Enrollment.objects.create(
        activity=activity, student=child, basis="voluntary", status=status
    )
    guardian = child.guardians.first()
    for kind, when in answers:
        with mock.patch("django.utils.timezone.now", return_value=when):
            ConsentEvent.objects.create(
                enrollment=enrollment,
                kind=kind,
                guardian=guardian,
                channel="online",
                terms_hash=activity.terms_hash,
            )
    return enrollment


def complaint(school, category, status, filed, activity=None):
    made = Complaint.objects.create(
        code=f"PA-{next(_codes):06d}",
        school=school,
        activity=activity,
        category=category,
        description="Phản ánh",
        is_anonymous=True,
        status=status,
        answer="Đã trả lời" if status == Complaint.Status.CLOSED else "",
    )
    Complaint.objects.filter(pk=made.pk).update(submitted_at=filed)
    return made


def inspection(school, *, started=None, planned=None, status="in_progress", kind="periodic"):
    planned = planned or (started.date() if started else None)
    return Inspection.objects.create(
        school=school,
        authority="department",
        kind=kind,
        trigger="plan",
        planned_start=planned,
        planned_end=planned + datetime.timedelta(days=3),
        started_at=started,
        status=status,
    )


def finding(of, *actions):
    """A finding with corrective actions given as (status, deadline)."""
    found = Finding.objects.create(
        inspection=of,
        category="consent",
        severity="serious",
        title="Thiếu đơn tự nguyện",
        description="…",
        legal_basis="Thông tư 29/2024/TT-BGDĐT",
        responsible="Hiệu trưởng",
    )
    for status, due in actions:
        CorrectiveAction.objects.create(
            finding=found,
            description="Thu đủ đơn",
            due_date=due,
            responsible="Hiệu trưởng",
            status=status,
            answered_at=None if status == "open" else timezone.now(),
        )
    return found


@pytest.fixture
def city(db):
    """Two areas of one city; three schools of two levels (one recorded under a district
    merged into area A); the year 2026-2027 and the one before; the period is
    1 October - 31 December 2026. What each record adds is counted beside it."""
    province = UnitFactory(code="31", name="Thành phố Hải Phòng", level="province", parent=None)
    area_a = UnitFactory(code="31001", name="Phường Hồng Bàng", parent=province)
    area_b = UnitFactory(code="31002", name="Phường Lê Chân", parent=province)
    old_district = UnitFactory(
        code="31900",
        name="Quận Hồng Bàng (cũ)",
        level="district",
        parent=province,
        successor=area_a,
    )
    year = SchoolYear.objects.create(
        name="2026-2027", start=datetime.date(2026, 9, 5), end=datetime.date(2027, 5, 31)
    )
    last_year = SchoolYear.objects.create(
        name="2025-2026", start=datetime.date(2025, 9, 5), end=datetime.date(2026, 5, 31)
    )
    a1 = SchoolFactory(name="Trường THCS Hồng Bàng", unit=area_a)
    a2 = SchoolFactory(
        name="Trường Tiểu học Quang Trung",
        unit=old_district,  # area A, by the merger
        level=SchoolLevel.PRIMARY,
        grade_min=1,
        grade_max=5,
    )
    b = SchoolFactory(name="Trường THCS Lê Chân", unit=area_b)
    partner = Partner.objects.create(
        legal_name="Công ty Sao Việt",
        tax_code="0201111111",
        business_registration="0201111111",
        address="Hải Phòng",
    )
    given, declined, withdrawn = "given", "declined", "withdrawn"
    E = Enrollment.Status

    # School a1 (lower secondary, area A).
    c1 = tutoring(a1, year, "open", rule_breaches=BREACH)  # class, open, violation
    tutoring(a1, year, "approved")  # class
    tutoring(a1, year, "draft", rule_breaches=BREACH)  # nothing: a draft
    c4 = tutoring(a1, year, "closed")  # class (it ran), not live
    c_old = tutoring(a1, last_year, "open")  # nothing: another year
    p1 = programme(a1, year, "approved", "language", 300_000, partner)  # programme
    p2 = programme(a1, year, "suspended", "stem", 1_500_000, partner, rule_breaches=BREACH)
    # ^ programme, suspended, violation
    programme(a1, year, "submitted", "language", 250_000, partner)  # pending
    programme(a1, year, "draft", "language", 100_000, partner)  # nothing
    programme(a1, last_year, "approved", "language", 500_000, partner)  # nothing
    s1, s2, s3, s4 = (student(a1) for _ in range(4))
    enrol(c1, s1, E.ENROLLED, (given, at(2026, 11, 10, 9)))  # given in; s1 participates
    enrol(p1, s1, E.ENROLLED, (given, at(2026, 11, 12, 9)))  # given in
    enrol(p1, s2, E.ENROLLED, (given, at(2026, 9, 20, 9)))  # before; s2 participates
    enrol(p1, s3, E.WITHDRAWN, (given, at(2026, 10, 5, 9)), (withdrawn, at(2026, 11, 20, 9)))
    # ^ given in, withdrawn in
    enrol(p1, s4, E.DECLINED, (declined, at(2026, 12, 31, 23, 30)))  # declined, last evening
    enrol(c1, s4, E.ENROLLED, (given, at(2027, 1, 1, 0, 30)))  # after; s4 participates
    enrol(p2, s2, E.ENROLLED, (given, at(2026, 10, 15, 9)))  # given in (suspended: on roster)
    enrol(c4, s3, E.ENROLLED, (given, at(2026, 10, 2, 9)))  # given in; closed: not a roster
    enrol(c_old, s1, E.ENROLLED, (given, at(2026, 11, 5, 9)))  # nothing: another year
    # a1: given 5 (c1 s1, p1 s1, p1 s3, p2 s2, c4 s3), declined 1, withdrawn 1;
    # participants s1, s2, s4 = 3.

    # School a2 (primary, recorded under the old district: area A).
    p5 = programme(a2, year, "approved", "language", 0, partner)  # programme, free
    c5 = tutoring(a2, year, "open")  # class, open
    s5 = student(a2)
    enrol(p5, s5, E.ENROLLED, (given, at(2026, 11, 1, 9)))  # given in; s5 participates
    enrol(c5, s5, E.ENROLLED)  # on the roster without consent: a risk signal for c5
    # a2: given 1; participants 1; risk 1.

    # School b (lower secondary, area B).
    p6 = programme(b, year, "approved", "it", 2_000_000, partner)  # programme
    tutoring(b, year, "submitted", rule_breaches=BREACH)  # class, violation
    tutoring(b, year, "refused")  # nothing
    s6, s7 = student(b), student(b)
    enrol(p6, s6, E.DECLINED, (declined, at(2026, 10, 10, 9)))  # declined in
    enrol(p6, s7, E.ENROLLED, (given, at(2026, 9, 25, 9)))  # before; s7 participates
    # b: given 0, declined 1; participants 1.

    # Complaints (filed in the period unless said).
    complaint(a1, "coercion", "received", at(2026, 11, 3, 10))  # a1 open
    complaint(a1, "fees", "closed", at(2026, 10, 20, 10))  # a1 closed
    complaint(a1, "fees", "in_progress", at(2026, 9, 10, 10))  # before: nothing
    complaint(b, "coercion", "received", at(2026, 12, 1, 10), activity=p6)  # b open; risk p6
    complaint(b, "quality", "closed", at(2027, 1, 5, 10))  # after: nothing

    # Inspections.
    i1 = inspection(a1, started=at(2026, 11, 5, 8), status="findings")  # a1, in
    finding(i1, ("open", days_from_today(-10)), ("answered", days_from_today(-10)))
    # ^ a1 finding; 2 actions not accepted, 1 overdue (the answered one waits for the team)
    finding(i1, ("accepted", days_from_today(-10)))  # a1 finding; accepted: not open
    inspection(  # a1, planned in the period, not started: counted (hidden from the school)
        a1, planned=datetime.date(2026, 12, 15), status="planned", kind="unannounced"
    )
    i3 = inspection(b, started=at(2026, 9, 20, 8), status="closed")  # before: nothing
    finding(i3, ("open", days_from_today(-10)))  # nothing
    i4 = inspection(b, started=at(2026, 10, 10, 8), status="closed")  # b, in, closed
    finding(i4, ("open", days_from_today(10)))  # b finding; 1 open, not overdue

    period = figures.Period(year, datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    return SimpleNamespace(**locals())


def everything():
    return School.objects.all()


def values(row, *names):
    return {name: getattr(row, name) for name in names}


ALL_FIELDS = [
    "schools",
    "classes",
    "classes_open",
    "programmes",
    "programmes_suspended",
    "programmes_pending",
    "participants",
    "consents_given",
    "consents_declined",
    "consents_withdrawn",
    "consent_rate",
    "decline_rate",
    "withdrawal_rate",
    "violations",
    "risk_signals",
    "complaints_open",
    "complaints_closed",
    "inspections",
    "inspections_closed",
    "findings",
    "actions_open",
    "actions_overdue",
]


# --- Every figure, counted by hand --------------------------------------------------------


def test_the_city_total_counts_every_figure_by_its_definition(city):
    total = figures.compute(everything(), city.period).total
    assert (total.key, total.label, total.area, total.level) == ("", "", "", "")
    assert values(total, *ALL_FIELDS) == {
        "schools": 3,
        "classes": 5,  # a1: open, approved, closed; a2: open; b: submitted
        "classes_open": 2,  # a1 c1, a2 c5
        "programmes": 4,  # a1 p1, p2; a2 p5; b p6
        "programmes_suspended": 1,  # p2
        "programmes_pending": 1,  # a1 submitted
        "participants": 5,  # a1 s1, s2, s4; a2 s5; b s7
        "consents_given": 6,  # a1 5, a2 1
        "consents_declined": 2,  # a1 s4 (31/12 23:30), b s6
        "consents_withdrawn": 1,  # a1 s3
        "consent_rate": 75.0,  # 6 / 8
        "decline_rate": 25.0,  # 2 / 8
        "withdrawal_rate": 16.7,  # 1 / 6
        "violations": 3,  # a1 c1, p2; b submitted class (not the draft)
        "risk_signals": 2,  # a2 c5 (no consent), b p6 (open complaint)
        "complaints_open": 2,  # a1 coercion, b coercion
        "complaints_closed": 1,  # a1 fees
        "inspections": 3,  # a1 started, a1 planned, b closed
        "inspections_closed": 1,  # b
        "findings": 3,  # a1 2, b 1
        "actions_open": 3,  # a1 open + answered, b open
        "actions_overdue": 1,  # a1 open, ten days late
    }


def test_an_area_holds_the_schools_recorded_under_the_units_merged_into_it(city):
    result = figures.compute(everything(), city.period)
    assert [row.key for row in result.by_area] == [city.area_a.pk, city.area_b.pk]
    area_a = result.by_area[0]
    assert area_a.label == "Phường Hồng Bàng"
    assert values(area_a, *ALL_FIELDS) == {
        "schools": 2,  # a1, a2 (under the old district)
        "classes": 4,
        "classes_open": 2,
        "programmes": 3,
        "programmes_suspended": 1,
        "programmes_pending": 1,
        "participants": 4,
        "consents_given": 6,
        "consents_declined": 1,
        "consents_withdrawn": 1,
        "consent_rate": 85.7,  # 6 / 7
        "decline_rate": 14.3,  # 1 / 7
        "withdrawal_rate": 16.7,  # 1 / 6
        "violations": 2,
        "risk_signals": 1,
        "complaints_open": 1,
        "complaints_closed": 1,
        "inspections": 2,
        "inspections_closed": 0,
        "findings": 2,
        "actions_open": 2,
        "actions_overdue": 1,
    }
    assert (area_a.area, area_a.level) == ("", "")


def test_a_level_row_adds_up_its_schools(city):
    result = figures.compute(everything(), city.period)
    assert [row.key for row in result.by_level] == ["primary", "lower_secondary"]
    lower = result.by_level[1]
    assert lower.label == str(SchoolLevel.LOWER_SECONDARY.label)
    assert values(lower, *ALL_FIELDS) == {
        "schools": 2,  # a1, b
        "classes": 4,  # a1 3, b 1
        "classes_open": 1,
        "programmes": 3,
        "programmes_suspended": 1,
        "programmes_pending": 1,
        "participants": 4,  # a1 3, b 1
        "consents_given": 5,
        "consents_declined": 2,
        "consents_withdrawn": 1,
        "consent_rate": 71.4,  # 5 / 7
        "decline_rate": 28.6,  # 2 / 7
        "withdrawal_rate": 20.0,  # 1 / 5
        "violations": 3,
        "risk_signals": 1,  # b p6
        "complaints_open": 2,
        "complaints_closed": 1,
        "inspections": 3,
        "inspections_closed": 1,
        "findings": 3,
        "actions_open": 3,
        "actions_overdue": 1,
    }


def test_the_annex_has_a_row_per_school_with_its_area_and_level(city):
    assert figures.compute(everything(), city.period).by_school == []
    rows = figures.compute(everything(), city.period, per_school=True).by_school
    # By area, then by name: Hồng Bàng (THCS, Tiểu học), then Lê Chân.
    assert [row.key for row in rows] == [city.a1.pk, city.a2.pk, city.b.pk]
    a1 = rows[0]
    assert (a1.label, a1.area, a1.level) == (
        "Trường THCS Hồng Bàng",
        "Phường Hồng Bàng",
        str(SchoolLevel.LOWER_SECONDARY.label),
    )
    assert rows[1].area == "Phường Hồng Bàng"  # recorded under the merged district
    assert values(a1, *ALL_FIELDS) == {
        "schools": 1,
        "classes": 3,
        "classes_open": 1,
        "programmes": 2,
        "programmes_suspended": 1,
        "programmes_pending": 1,
        "participants": 3,
        "consents_given": 5,
        "consents_declined": 1,
        "consents_withdrawn": 1,
        "consent_rate": 83.3,  # 5 / 6
        "decline_rate": 16.7,  # 1 / 6
        "withdrawal_rate": 20.0,  # 1 / 5
        "violations": 2,
        "risk_signals": 0,
        "complaints_open": 1,
        "complaints_closed": 1,
        "inspections": 2,
        "inspections_closed": 0,
        "findings": 2,
        "actions_open": 2,
        "actions_overdue": 1,
    }


def test_rates_are_none_when_nobody_answered_never_zero_over_zero(city):
    rows = {r.key: r for r in figures.compute(everything(), city.period, per_school=True).by_school}
    # b: nothing given, 1 declined: 0% agreed, and no withdrawal rate (nothing to withdraw).
    b = rows[city.b.pk]
    assert (b.consent_rate, b.decline_rate, b.withdrawal_rate) == (0.0, 100.0, None)
    # a2: 1 given, nothing declined or withdrawn.
    a2 = rows[city.a2.pk]
    assert (a2.consent_rate, a2.decline_rate, a2.withdrawal_rate) == (100.0, 0.0, 0.0)
    # March 2027: no answer at all.
    march = figures.period_from(city.year, datetime.date(2027, 3, 1), datetime.date(2027, 3, 31))
    total = figures.compute(everything(), march).total
    assert (total.consents_given, total.consents_declined, total.consents_withdrawn) == (0, 0, 0)
    assert (total.consent_rate, total.decline_rate, total.withdrawal_rate) == (None, None, None)
    # The activities are the year's whatever the dates; the dated events are not.
    assert (total.classes, total.programmes, total.participants) == (5, 4, 5)
    assert (total.complaints_open, total.complaints_closed, total.inspections) == (0, 0, 0)


def test_a_day_of_the_period_is_a_day_in_viet_nam(city):
    # The decline at 23:30 on 31/12 (16:30 UTC) is in; the consent at 00:30 on 1/1 (still
    # 31/12 in UTC) is not.
    last_day = figures.period_from(
        city.year, datetime.date(2026, 12, 31), datetime.date(2026, 12, 31)
    )
    total = figures.compute(everything(), last_day).total
    assert (total.consents_given, total.consents_declined) == (0, 1)
    new_year = figures.period_from(city.year, datetime.date(2027, 1, 1), datetime.date(2027, 1, 1))
    total = figures.compute(everything(), new_year).total
    assert (total.consents_given, total.consents_declined) == (1, 0)


def test_programmes_by_kind_with_their_participants_and_fees(city):
    rows = {row.kind: row for row in figures.compute(everything(), city.period).by_kind}
    assert list(rows) == ProgrammeKind.values  # every kind, even without a programme
    language = rows["language"]
    assert language.label == str(ProgrammeKind.FOREIGN_LANGUAGE.label)
    # p1 (300.000 ₫; s1, s2 on the roster, s3 withdrew, s4 declined) and p5 (free; s5).
    assert values(language, "programmes", "participants", "fee_min", "fee_median", "fee_max") == {
        "programmes": 2,
        "participants": 3,
        "fee_min": 0,
        "fee_median": 150_000,
        "fee_max": 300_000,
    }
    assert (rows["stem"].programmes, rows["stem"].participants, rows["stem"].fee_median) == (
        1,
        1,
        1_500_000,
    )  # p2, suspended, s2
    assert (rows["it"].programmes, rows["it"].participants, rows["it"].fee_max) == (
        1,
        1,
        2_000_000,
    )  # p6, s7
    career = rows["career"]
    assert (career.programmes, career.participants, career.fee_min, career.fee_median) == (
        0,
        0,
        None,
        None,
    )


def test_fee_bands_count_the_programmes_families_pay_for(city):
    bands = figures.compute(everything(), city.period).fee_bands
    assert [(b.low, b.high, b.programmes) for b in bands] == [
        (0, 1, 1),  # p5, free
        (1, 200_000, 0),
        (200_000, 500_000, 1),  # p1 (not the pending 250.000 nor the draft 100.000)
        (500_000, 1_000_000, 0),  # (not last year's 500.000)
        (1_000_000, 2_000_000, 1),  # p2, suspended
        (2_000_000, None, 1),  # p6
    ]
    assert bands[0].label == gettext("Free")
    assert "200.000" in bands[2].label and "500.000" in bands[2].label
    assert "2.000.000" in bands[-1].label
    with translation.override("en"):
        bands = figures.compute(everything(), city.period).fee_bands
    assert "200,000" in bands[2].label  # grouped as the reader's language writes numbers


def test_complaints_by_category_lists_every_category(city):
    rows = figures.compute(everything(), city.period).complaints_by_category
    assert [(r.category, r.open, r.closed) for r in rows] == [
        ("coercion", 2, 0),  # a1, b
        ("fees", 0, 1),  # a1 (the one of September is before the period)
        ("quality", 0, 0),  # (the one of January is after)
        ("other", 0, 0),
    ]
    assert rows[0].label == str(Complaint.Category.COERCION.label)


# --- Scopes ---------------------------------------------------------------------------


def test_one_school_sees_nothing_of_another(city):
    result = figures.compute(School.objects.filter(pk=city.b.pk), city.period, per_school=True)
    total = result.total
    assert values(total, *ALL_FIELDS) == {
        "schools": 1,
        "classes": 1,
        "classes_open": 0,
        "programmes": 1,
        "programmes_suspended": 0,
        "programmes_pending": 0,
        "participants": 1,
        "consents_given": 0,
        "consents_declined": 1,
        "consents_withdrawn": 0,
        "consent_rate": 0.0,
        "decline_rate": 100.0,
        "withdrawal_rate": None,
        "violations": 1,
        "risk_signals": 1,
        "complaints_open": 1,
        "complaints_closed": 0,
        "inspections": 1,
        "inspections_closed": 1,
        "findings": 1,
        "actions_open": 1,
        "actions_overdue": 0,
    }
    # One school in one unit: one area, that unit.
    assert [(r.key, r.label, r.schools) for r in result.by_area] == [
        (city.area_b.pk, "Phường Lê Chân", 1)
    ]
    assert [r.key for r in result.by_school] == [city.b.pk]
    assert {r.kind: r.programmes for r in result.by_kind if r.programmes} == {"it": 1}
    assert [b.programmes for b in result.fee_bands] == [0, 0, 0, 0, 0, 1]
    assert [(r.open, r.closed) for r in result.complaints_by_category] == [
        (1, 0),
        (0, 0),
        (0, 0),
        (0, 0),
    ]


def test_an_area_of_one_unit_is_one_row(city):
    scope = School.objects.filter(pk__in=[city.a1.pk, city.a2.pk])
    result = figures.compute(scope, city.period)
    assert [(r.key, r.schools, r.classes) for r in result.by_area] == [(city.area_a.pk, 2, 4)]
    assert result.total.participants == 4


def test_a_city_with_sub_units_is_broken_down_by_its_sub_units(city):
    # Wards of area B (a three-tier area): B's schools fall into them.
    ward_1 = UnitFactory(code="3100201", name="Khu 1", parent=city.area_b)
    ward_2 = UnitFactory(code="3100202", name="Khu 2", parent=city.area_b)
    city.b.unit = ward_1
    city.b.save()
    SchoolFactory(name="Trường THCS Khu 2", unit=ward_2)
    in_b = School.objects.filter(unit__path__startswith=city.area_b.path)
    result = figures.compute(in_b, city.period)
    assert [(r.label, r.schools, r.programmes) for r in result.by_area] == [
        ("Khu 1", 1, 1),
        ("Khu 2", 1, 0),
    ]
    # The whole city is still broken down by its communes.
    assert [r.key for r in figures.compute(everything(), city.period).by_area] == [
        city.area_a.pk,
        city.area_b.pk,
    ]


def test_a_school_s_head_counts_no_complaint_and_no_unannounced_inspection_to_come(city):
    head = UserFactory(username="hieutruong_a1")
    role_grant(actor=None, user=head, role=Role.PRINCIPAL, school=city.a1)
    total = figures.compute(School.objects.filter(pk=city.a1.pk), city.period, user=head).total
    assert (total.complaints_open, total.complaints_closed) == (0, 0)
    assert total.inspections == 1  # the one under way; not the unannounced one planned
    # The People's Committee handles the complaints about its lower-secondary school; the
    # Department, who ordered the unannounced inspection, knows of it, and counts the
    # complaints it may open (those of the schools it manages: none here), as its pages do.
    committee = UserFactory(username="ubnd_a")
    role_grant(actor=None, user=committee, role=Role.COMMITTEE, unit=city.area_a)
    total = figures.compute(School.objects.filter(pk=city.a1.pk), city.period, user=committee).total
    assert (total.complaints_open, total.complaints_closed, total.inspections) == (1, 1, 1)
    department = UserFactory(username="sogddt")
    role_grant(actor=None, user=department, role=Role.DEPARTMENT, unit=city.province)
    total = figures.compute(
        School.objects.filter(pk=city.a1.pk), city.period, user=department
    ).total
    assert (total.complaints_open, total.complaints_closed, total.inspections) == (0, 0, 2)


def test_a_closed_school_is_not_counted_but_what_it_ran_still_is(city):
    merged = SchoolFactory(name="Trường THCS cũ", unit=city.area_b, is_active=False)
    programme(merged, city.year, "approved", "career", 90_000, city.partner)
    SchoolFactory(name="Trường THCS đã đóng", unit=city.area_b, is_active=False)  # nothing
    result = figures.compute(everything(), city.period, per_school=True)
    assert (result.total.schools, result.total.programmes) == (3, 5)
    assert [
        (r.label, r.schools, r.programmes) for r in result.by_school if r.area == "Phường Lê Chân"
    ] == [
        ("Trường THCS cũ", 0, 1),
        ("Trường THCS Lê Chân", 1, 1),
    ]


def test_an_empty_scope_has_zeros_and_every_category(city):
    result = figures.compute(School.objects.none(), city.period, per_school=True)
    assert result.total.schools == 0 and result.total.consent_rate is None
    assert (result.by_area, result.by_level, result.by_school) == ([], [], [])
    assert len(result.by_kind) == len(ProgrammeKind.values)
    assert sum(b.programmes for b in result.fee_bands) == 0
    assert len(result.complaints_by_category) == len(Complaint.Category.values)


# --- Periods --------------------------------------------------------------------------


def test_the_default_period_is_the_school_year_of_today_or_the_latest(city):
    period = figures.default_period(datetime.date(2026, 3, 1))
    assert (period.school_year, period.date_from, period.date_to) == (
        city.last_year,
        datetime.date(2025, 9, 5),
        datetime.date(2026, 5, 31),
    )
    assert figures.default_period(datetime.date(2026, 11, 22)).school_year == city.year
    assert figures.default_period(datetime.date(2026, 7, 1)).school_year == city.year  # summer
    assert figures.default_period(datetime.date(2030, 1, 1)).school_year == city.year


def test_a_chosen_range_is_kept_within_its_school_year(city):
    year = city.year
    assert figures.period_from(year) == figures.Period(year, year.start, year.end)
    assert figures.period_from(
        year, datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    ) == figures.Period(year, year.start, year.end)
    assert figures.period_from(
        year, datetime.date(2026, 12, 31), datetime.date(2026, 10, 1)
    ) == figures.Period(year, datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    assert figures.period_from(year, date_to=datetime.date(2026, 10, 1)) == figures.Period(
        year, year.start, datetime.date(2026, 10, 1)
    )


# --- Queries ----------------------------------------------------------------------------


def _query_count(per_school=True) -> int:
    with CaptureQueriesContext(connection) as queries:
        figures.compute(
            everything(), figures.default_period(datetime.date(2026, 11, 1)), per_school=per_school
        )
    return len(queries)


def _more_schools(city, n):
    """``n`` more schools in a new area, each with classes, programmes, families' answers,
    a risk signal, a complaint and an inspection with a finding."""
    area = UnitFactory(code=f"3105{n}", name=f"Xã {n}", parent=city.province)
    for _ in range(n):
        school = SchoolFactory(
            unit=area, level=SchoolLevel.UPPER_SECONDARY, grade_min=10, grade_max=12
        )
        tc = tutoring(school, city.year, "open", rule_breaches=BREACH)
        p = programme(school, city.year, "approved", "stem", 700_000, city.partner)
        child, other = student(school), student(school)
        enrol(p, child, Enrollment.Status.ENROLLED, ("given", at(2026, 11, 2, 9)))
        enrol(tc, other, Enrollment.Status.ENROLLED)
        complaint(school, "other", "received", at(2026, 11, 3, 9), activity=p)
        finding(inspection(school, started=at(2026, 11, 4, 8)), ("open", days_from_today(-1)))


def test_the_number_of_queries_does_not_grow_with_the_schools(city, django_assert_num_queries):
    # Schools, units; activities; participants; answers; 6 risk signals (two for the
    # consents before approval: the first consent and the first approval of each activity;
    # a third only where some consent came first), the complaints' signal and the flagged
    # activities; complaints; inspections; by kind (fees, participants); fee bands.
    with django_assert_num_queries(19):
        figures.compute(everything(), city.period, per_school=True)
    before = _query_count()
    _more_schools(city, 6)
    assert _query_count() == before
    total = figures.compute(everything(), city.period).total
    assert (total.schools, total.classes, total.programmes, total.participants) == (9, 11, 10, 17)
    assert (total.risk_signals, total.complaints_open, total.inspections) == (14, 8, 9)
    assert len(figures.compute(everything(), city.period).by_area) == 3


def test_the_number_of_queries_for_a_user_does_not_grow_either(city):
    department = UserFactory(username="sogddt")
    role_grant(actor=None, user=department, role=Role.DEPARTMENT, unit=city.province)
    period = city.period

    def count():
        user = type(department).objects.get(pk=department.pk)  # as a request loads it
        with CaptureQueriesContext(connection) as queries:
            figures.compute(everything(), period, per_school=True, user=user)
        return len(queries)

    before = count()
    _more_schools(city, 4)
    assert count() == before


def test_a_scope_too_large_to_name_its_schools_gives_the_same_figures(city, monkeypatch):
    named = figures.compute(everything(), city.period, per_school=True)
    monkeypatch.setattr(figures, "IDS_UP_TO", 1)  # the scope's own query instead of ids
    assert figures.compute(everything(), city.period, per_school=True) == named

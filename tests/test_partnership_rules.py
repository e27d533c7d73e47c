"""Every rule a linked programme is checked against (REGULATIONS.md, P1-P4, and the
programme's own dates and grades), with a case that passes and a case that fails, each with
its rule code and its reference; and the flags the authority sees without them blocking."""

import datetime
import re

import pytest
from django.utils import timezone

from partnerships import rules
from partnerships.models import FeePolicy, Licence, Partner, Programme, ProgrammeTeacher
from schools.models import ActivitySlot, Enrollment
from tests.factories import GuardianshipFactory, StudentFactory

D = datetime.date
T = datetime.time

CIRCULAR_04 = "04/2014/TT-BGDĐT"
DECREE_152 = "152/2020/NĐ-CP"


def slot(day=2, start=(16, 45), end=(17, 30), periods=1):
    return ActivitySlot(weekday=day, start=T(*start), end=T(*end), periods=periods)


def teacher(**fields):
    values = {"full_name": "Đỗ Minh Khoa", "qualification": "Thạc sĩ Giáo dục STEM"}
    values.update(fields)
    return ProgrammeTeacher(**values)


def foreign_teacher(**fields):
    values = {
        "full_name": "John Smith",
        "nationality": "Anh",
        "is_foreign": True,
        "qualification": "CELTA",
        "work_permit_number": "GP-LĐ 7788/2026",
        "work_permit_expiry": D(2027, 12, 31),
    }
    values.update(fields)
    return ProgrammeTeacher(**values)


def proposal(world, **fields):
    """A STEM programme for school_a that keeps every rule (see the first test)."""
    values = {
        "school": world.school_a,
        "school_year": world.year,
        "title": "Robot và lập trình",
        "partner": world.partner,
        "programme_kind": "stem",
        "content_summary": "Lắp ráp và lập trình robot",
        "grade_min": 6,
        "grade_max": 9,
        "capacity": 30,
        "monthly_fee": 250_000,
        "start_date": D(2026, 9, 15),
        "end_date": D(2027, 5, 15),
    }
    values.update(fields)
    return Programme(**values)


def check(world, slots=None, teachers=None, **fields):
    found = rules.check_programme(
        proposal(world, **fields),
        [slot()] if slots is None else slots,
        [teacher()] if teachers is None else teachers,
    )
    return {(v.rule, v.field) for v in found}, found


def partner_with_licence(kinds, valid_from, valid_to, status="active", number="GP-99"):
    partner = Partner.objects.create(
        legal_name="Công ty CP Giáo dục Tương Lai",
        tax_code="0209999999",
        business_registration="0209999999",
        address="3 Lạch Tray, Hải Phòng",
        status=status,
    )
    if kinds:
        Licence.objects.create(
            partner=partner,
            issuer="Sở Giáo dục và Đào tạo Hải Phòng",
            number=number,
            kinds=kinds,
            valid_from=valid_from,
            valid_to=valid_to,
        )
    return partner


def test_a_lawful_proposal_breaks_no_rule(world):
    broken, _ = check(world)
    assert broken == set()


# --- P2: the partner, its licence and its status -------------------------------------


def test_p2_a_licence_that_expires_before_the_programme_ends_is_refused(world):
    partner = partner_with_licence(["stem"], D(2024, 1, 1), D(2026, 12, 31), number="GP-12/2024")
    broken, found = check(world, partner=partner)
    assert broken == {("P2", "partner")}
    assert CIRCULAR_04 in found[0].reference
    # The licence the user should look at is named, with the date it ends.
    assert "GP-12/2024" in found[0].message
    assert "31/12/2026" in found[0].message


def test_p2_a_licence_that_starts_after_the_programme_is_refused(world):
    partner = partner_with_licence(["stem"], D(2026, 10, 1), None)
    broken, found = check(world, partner=partner)
    assert broken == {("P2", "partner")}


def test_p2_a_licence_without_an_end_date_covers_the_programme(world):
    partner = partner_with_licence(["stem"], D(2020, 1, 1), None)
    broken, _ = check(world, partner=partner)
    assert broken == set()


def test_p2_a_licence_that_does_not_cover_the_kind_is_refused(world):
    # The fixture's partner is licensed for languages and STEM, not IT.
    broken, found = check(world, programme_kind="it")
    assert broken == {("P2", "partner")}
    assert CIRCULAR_04 in found[0].reference
    assert world.partner.legal_name in found[0].message
    assert "GP-" not in found[0].message  # no licence of that kind to name


def test_p2_a_partner_without_any_licence_is_refused(world):
    partner = partner_with_licence([], None, None)
    broken, found = check(world, partner=partner)
    assert broken == {("P2", "partner")}
    assert partner.legal_name in found[0].message


@pytest.mark.parametrize("status", ["suspended", "barred"])
def test_p2_a_suspended_or_barred_partner_may_not_run_a_programme(world, status):
    Partner.objects.filter(pk=world.partner.pk).update(status=status)
    world.partner.refresh_from_db()
    broken, found = check(world)
    assert broken == {("P2", "partner")}
    assert CIRCULAR_04 in found[0].reference
    assert world.partner.legal_name in found[0].message


def test_p2_the_teachers_must_be_listed(world):
    broken, found = check(world, teachers=[])
    assert broken == {("P2", "teachers")}
    assert CIRCULAR_04 in found[0].reference


# --- P4: foreign teachers and their work permits -------------------------------------


def test_p4_a_foreign_teacher_without_a_work_permit_is_refused(world):
    broken, found = check(
        world, teachers=[foreign_teacher(work_permit_number="", work_permit_expiry=None)]
    )
    assert broken == {("P4", "teachers")}
    assert DECREE_152 in found[0].reference
    assert "John Smith" in found[0].message


def test_p4_a_permit_expiring_before_the_programme_ends_is_refused(world):
    broken, found = check(world, teachers=[foreign_teacher(work_permit_expiry=D(2027, 3, 1))])
    assert broken == {("P4", "teachers")}
    assert DECREE_152 in found[0].reference
    assert "GP-LĐ 7788/2026" in found[0].message
    assert "01/03/2027" in found[0].message


def test_p4_a_permit_valid_until_the_last_day_is_enough(world):
    broken, _ = check(world, teachers=[foreign_teacher(work_permit_expiry=D(2027, 5, 15))])
    assert broken == set()


def test_p4_a_programme_with_foreign_teachers_must_list_one(world):
    broken, found = check(world, programme_kind="language_foreign", teachers=[teacher()])
    assert broken == {("P4", "teachers")}
    assert DECREE_152 in found[0].reference
    broken, _ = check(world, programme_kind="language_foreign", teachers=[foreign_teacher()])
    assert broken == set()


# --- P3 and the schedule: outside the main timetable, fixed before consent ---------------


def test_p3_a_session_inside_the_main_timetable_is_refused(world):
    # school_a's main session: Monday 07:00-11:15.
    broken, found = check(world, slots=[slot(day=0, start=(10, 0), end=(11, 30))])
    assert broken == {("P3", "slots")}
    assert found[0].reference == str(rules.CITY_DIRECTIVE)
    assert "10:00" in found[0].message and "11:15" in found[0].message


def test_p3_a_session_right_after_the_main_timetable_is_allowed(world):
    broken, _ = check(world, slots=[slot(day=0, start=(11, 15), end=(12, 0))])
    assert broken == set()


def test_two_sessions_that_overlap_are_refused(world):
    broken, found = check(
        world, slots=[slot(day=2, start=(16, 45), end=(17, 30)), slot(day=2, start=(17, 0))]
    )
    assert broken == {("SCHEDULE", "slots")}
    assert len(found) == 1


def test_a_session_ending_before_it_starts_is_refused(world):
    broken, _ = check(world, slots=[slot(start=(18, 0), end=(17, 0))])
    assert broken == {("SCHEDULE", "slots")}


def test_p1_a_programme_without_a_schedule_is_refused(world):
    broken, found = check(world, slots=[])
    assert broken == {("P1", "slots")}
    assert found[0].reference == str(rules.CITY_DIRECTIVE)


def test_p1_a_negative_fee_is_refused(world):
    broken, _ = check(world, monthly_fee=-1)
    assert broken == {("P1", "monthly_fee")}


def test_p1_consents_given_for_other_terms_are_reported(world):
    programme = world.programme_a  # one consent, given for its current terms
    assert (
        rules.check_programme(
            programme, list(programme.slots.all()), list(programme.teachers.all())
        )
        == []
    )
    programme.monthly_fee = 450_000
    programme.terms_hash = programme.compute_terms_hash()
    programme.save()
    found = rules.check_programme(
        programme, list(programme.slots.all()), list(programme.teachers.all())
    )
    assert [(v.rule, v.field) for v in found] == [("P1", None)]
    assert found[0].reference == str(rules.CITY_DIRECTIVE)


# --- The programme's own dates and grades ------------------------------------------


def test_dates_outside_the_school_year_are_refused(world):
    broken, found = check(world, end_date=D(2027, 6, 30))
    assert broken == {("DATES", "start_date")}
    assert world.year.name in found[0].message
    broken, _ = check(world, start_date=D(2026, 8, 15))
    assert broken == {("DATES", "start_date")}


def test_an_end_before_the_start_is_refused(world):
    broken, _ = check(world, start_date=D(2027, 1, 10), end_date=D(2026, 12, 1))
    assert ("DATES", "end_date") in broken


def test_grades_the_school_does_not_teach_are_refused(world):
    broken, found = check(world, grade_min=9, grade_max=10)
    assert broken == {("GRADES", "grade_min")}
    assert world.school_a.name in found[0].message
    broken, _ = check(world, grade_min=8, grade_max=7)
    assert broken == {("GRADES", "grade_max")}


# --- All at once ----------------------------------------------------------------------


def test_every_broken_rule_is_listed_at_once_with_its_reference(world):
    partner = partner_with_licence(["stem"], D(2024, 1, 1), D(2026, 12, 31))
    broken, found = check(
        world,
        partner=partner,
        monthly_fee=-5,
        grade_min=6,
        grade_max=11,
        slots=[slot(day=0, start=(8, 0), end=(9, 0))],
        teachers=[foreign_teacher(work_permit_expiry=D(2027, 1, 1))],
    )
    assert broken == {
        ("P2", "partner"),
        ("P1", "monthly_fee"),
        ("GRADES", "grade_min"),
        ("P3", "slots"),
        ("P4", "teachers"),
    }
    assert all(v.reference for v in found)
    assert all(f"({v.reference})" in str(v) for v in found)


def test_a_recheck_keeps_the_breaches_on_the_programme_and_clears_them_when_closed(world):
    programme = world.programme_a
    Partner.objects.filter(pk=world.partner.pk).update(status="barred")
    programme.refresh_from_db()
    rules.recheck(programme)
    programme.refresh_from_db()
    assert [b["rule"] for b in programme.rule_breaches] == ["P2"]
    assert CIRCULAR_04 in programme.rule_breaches[0]["reference"]
    assert programme.checked_at is not None
    Programme.objects.filter(pk=programme.pk).update(status="closed")
    programme.refresh_from_db()
    rules.recheck(programme)
    programme.refresh_from_db()
    assert programme.rule_breaches == []


# --- Flags: what the authority looks at, without it blocking anything -------------------


def test_a_second_programme_of_the_same_kind_in_a_school_is_flagged(world):
    # The draft and the approved programme are both English in school_a over the same year.
    flags = rules.programme_flags(world.programme_draft_a)
    assert [(f.rule, f.field) for f in flags] == [("P1", "programme_kind")]
    assert world.programme_a.title in flags[0].message
    # A draft is not live: it does not flag the approved one, nor does the same kind in
    # another school.
    assert rules.programme_flags(world.programme_a) == []


def test_the_same_kind_over_other_dates_is_not_flagged(world):
    Programme.objects.filter(pk=world.programme_draft_a.pk).update(
        start_date=D(2027, 6, 1), end_date=D(2027, 8, 31)
    )
    world.programme_draft_a.refresh_from_db()
    assert rules.programme_flags(world.programme_draft_a) == []


def paying(world, fee, status="approved", kind="stem", enrol="enrolled"):
    """Another programme of school_a with student_a on it."""
    programme = Programme.objects.create(
        school=world.school_a,
        school_year=world.year,
        title=f"Chương trình {fee}",
        partner=world.partner,
        programme_kind=kind,
        content_summary="…",
        grade_min=6,
        grade_max=9,
        capacity=30,
        monthly_fee=fee,
        start_date=world.year.start,
        end_date=world.year.end,
        status=status,
    )
    Enrollment.objects.create(
        activity=programme, student=world.student_a, basis="voluntary", status=enrol
    )
    return programme


def test_a_student_paying_more_than_the_threshold_across_programmes_is_flagged(world):
    # student_a pays 300.000 ₫ for programme_a; the default threshold is 1.500.000 ₫.
    assert rules.programme_flags(world.programme_a) == []
    paying(world, 1_300_000)
    assert rules.student_fee_totals([world.student_a.pk]) == {world.student_a.pk: 1_600_000}
    flags = rules.programme_flags(world.programme_a)
    assert [(f.rule, f.field) for f in flags] == [("P1", None)]
    assert "1.500.000" in flags[0].message


def test_only_programmes_a_student_is_on_the_roster_of_and_that_families_pay_count(world):
    paying(world, 1_300_000, status="draft")
    paying(world, 1_300_000, status="submitted", kind="language_foreign")
    paying(world, 900_000, enrol="proposed", kind="it")
    paying(world, 900_000, enrol="withdrawn", kind="career")
    assert rules.student_fee_totals([world.student_a.pk]) == {world.student_a.pk: 300_000}
    assert rules.programme_flags(world.programme_a) == []
    # A suspended programme is still paid for.
    paying(world, 1_300_000, status="suspended", kind="life_skills")
    assert rules.student_fee_totals([world.student_a.pk]) == {world.student_a.pk: 1_600_000}


def test_a_new_fee_policy_version_changes_the_threshold(world):
    paying(world, 1_300_000)
    today = timezone.localdate()
    FeePolicy.objects.create(in_force_from=today, student_monthly_total=2_000_000)
    assert FeePolicy.in_force().student_monthly_total == 2_000_000
    assert rules.programme_flags(world.programme_a) == []
    # A version not yet in force changes nothing today.
    FeePolicy.objects.create(
        in_force_from=today + datetime.timedelta(days=1), student_monthly_total=200_000
    )
    assert rules.programme_flags(world.programme_a) == []
    FeePolicy.objects.create(
        in_force_from=today - datetime.timedelta(days=30), student_monthly_total=100_000
    )
    assert rules.programme_flags(world.programme_a) == []  # the latest in force wins
    FeePolicy.objects.filter(in_force_from=today).update(student_monthly_total=250_000)
    flags = rules.programme_flags(world.programme_a)
    assert [(f.rule, f.field) for f in flags] == [("P1", None)]
    assert "250.000" in flags[0].message


def test_the_fee_flag_counts_each_student_over_the_threshold(world):
    other = StudentFactory(school=world.school_a, grade=8)
    GuardianshipFactory(student=other)
    Enrollment.objects.create(
        activity=world.programme_a, student=other, basis="voluntary", status="enrolled"
    )
    FeePolicy.objects.create(in_force_from=timezone.localdate(), student_monthly_total=250_000)
    flags = rules.programme_flags(world.programme_a)
    assert len(flags) == 1
    # Both students pay 300.000 ₫ a month, above 250.000 ₫.
    assert re.search(r"\b2\b", flags[0].message)
    assert "250.000" in flags[0].message


def test_a_teacher_of_another_nationality_not_marked_foreign_is_asked_for_a_permit(world):
    codes, found = check(world, teachers=[teacher(full_name="Anna Müller", nationality="Đức")])
    assert codes == {("P4", "teachers")}
    assert "Anna Müller" in found[0].message and DECREE_152 in found[0].reference
    assert check(world, teachers=[teacher(nationality=" việt nam ")])[0] == set()


def test_the_capacity_must_hold_at_least_one_student_and_the_roster(world):
    assert ("CAPACITY", "capacity") in check(world, capacity=0)[0]
    programme = world.programme_a  # student_a is on its roster
    programme.capacity = 0
    assert ("CAPACITY", "capacity") in {
        (v.rule, v.field)
        for v in rules.check_programme(
            programme, list(programme.slots.all()), list(programme.teachers.all())
        )
    }


def test_a_roster_totals_only_programmes_that_overlap_its_dates(world):
    later = paying(world, 1_300_000, kind="it")
    Programme.objects.filter(pk=later.pk).update(start_date=D(2027, 6, 1), end_date=D(2027, 8, 31))
    # programme_a runs over the school year; the summer programme does not overlap it.
    assert rules.student_fee_totals(
        [world.student_a.pk], world.programme_a.start_date, world.programme_a.end_date
    ) == {world.student_a.pk: 300_000}
    assert rules.programme_flags(world.programme_a) == []


def test_a_student_on_the_roster_without_consent_to_the_current_terms_breaks_p1(world):
    programme = world.programme_a
    assert check_saved(programme) == set()
    Programme.objects.filter(pk=programme.pk).update(monthly_fee=450_000)
    programme.refresh_from_db()
    programme.terms_hash = programme.compute_terms_hash()
    assert check_saved(programme) == {("P1", None)}


def check_saved(programme):
    return {
        (v.rule, v.field)
        for v in rules.check_programme(
            programme, list(programme.slots.all()), list(programme.teachers.all())
        )
    }

"""Every Circular 29/2024 rule, with a case that passes and a case that fails."""

import datetime

import pytest

from schools.models import ActivitySlot, Enrollment, MainSession, Subject, SubjectResult, Weekday
from tests.factories import StaffMemberFactory, StudentFactory, TermFactory
from tutoring import rules
from tutoring.models import Category, RulePolicy, TutoringClass

T = datetime.time


def slot(day=Weekday.MONDAY, start=(17, 0), end=(18, 30), periods=2):
    return ActivitySlot(weekday=day, start=T(*start), end=T(*end), periods=periods)


@pytest.fixture
def school(world):
    # Start from a school with no live class and a full main timetable.
    world.class_a.status = "closed"
    world.class_a.save()
    MainSession.objects.filter(school=world.school_a).delete()
    for day in range(5):
        MainSession.objects.create(school=world.school_a, weekday=day, start=T(7), end=T(11, 15))
        MainSession.objects.create(
            school=world.school_a, weekday=day, start=T(13, 30), end=T(16, 45)
        )
    return world.school_a


@pytest.fixture
def teacher(world):
    from schools.models import StaffMember

    return StaffMember.objects.get(user=world.staff, school=world.school_a)


def new_class(world, **fields):
    values = {
        "school": world.school_a,
        "school_year": world.year,
        "title": "Toán 7 – phụ đạo",
        "subject": Subject.objects.get(code="toan"),
        "grade": 7,
        "category": Category.REMEDIAL,
        "capacity": 30,
        "monthly_fee": 0,
        "start_date": datetime.date(2026, 9, 15),
        "end_date": datetime.date(2027, 1, 10),
    }
    values.update(fields)
    return TutoringClass(**values)


def rules_broken(world, teacher, slots=None, teachers=None, **fields):
    tc = new_class(world, **fields)
    found = rules.check_class(
        tc, [slot()] if slots is None else slots, [teacher] if teachers is None else teachers
    )
    return {(v.rule, v.field) for v in found}, found


def test_a_lawful_class_breaks_no_rule(world, school, teacher):
    broken, _ = rules_broken(world, teacher)
    assert broken == set()


def test_t4_a_fee_in_school_is_refused(world, school, teacher):
    broken, found = rules_broken(world, teacher, monthly_fee=200_000)
    assert ("T4", "monthly_fee") in broken
    assert "Thông tư 29/2024/TT-BGDĐT" in found[0].reference
    assert "Điều 5" in found[0].reference


def test_t1_primary_maths_is_refused_but_primary_arts_is_allowed(world, school, teacher):
    primary = world.school_a
    primary.grade_min, primary.grade_max = 1, 9
    broken, found = rules_broken(world, teacher, grade=4)
    assert ("T1", "category") in broken
    assert any("Điều 4" in v.reference for v in found)
    broken, _ = rules_broken(
        world,
        teacher,
        grade=4,
        category=Category.ARTS,
        subject=Subject.objects.get(code="am-nhac"),
    )
    assert broken == set()


def test_t5_primary_categories_are_not_for_secondary(world, school, teacher):
    broken, _ = rules_broken(world, teacher, category=Category.SPORT)
    assert ("T5", "category") in broken


def test_t5_exam_review_only_in_final_grades(world, school, teacher):
    broken, _ = rules_broken(world, teacher, category=Category.EXAM_REVIEW, grade=7)
    assert ("T5", "category") in broken
    broken, _ = rules_broken(world, teacher, category=Category.EXAM_REVIEW, grade=9)
    assert broken == set()


def test_t6_three_periods_a_week_is_refused(world, school, teacher):
    broken, found = rules_broken(
        world, teacher, slots=[slot(periods=2), slot(day=Weekday.WEDNESDAY, periods=1)]
    )
    assert ("T6", "slots") in broken
    assert "2" in found[0].message and "3" in found[0].message


def test_t7_a_capacity_above_the_limit_is_refused(world, school, teacher):
    assert rules_broken(world, teacher, capacity=45)[0] == set()
    assert ("T7", "capacity") in rules_broken(world, teacher, capacity=46)[0]


def test_t7_a_grade_the_school_does_not_teach_is_refused(world, school, teacher):
    assert ("T7", "grade") in rules_broken(world, teacher, grade=11)[0]


def test_t8_a_session_inside_the_main_timetable_is_refused(world, school, teacher):
    broken, found = rules_broken(world, teacher, slots=[slot(start=(9, 0), end=(10, 30))])
    assert ("T8", "slots") in broken
    assert "07:00–11:15" in found[0].message
    # Between the morning and the afternoon sessions is outside the main timetable.
    assert rules_broken(world, teacher, slots=[slot(start=(11, 30), end=(12, 45))])[0] == set()


def test_an_end_before_the_start_is_refused(world, school, teacher):
    broken, _ = rules_broken(world, teacher, end_date=datetime.date(2026, 9, 1))
    assert ("DATES", "end_date") in broken
    broken, _ = rules_broken(world, teacher, slots=[slot(start=(18, 0), end=(17, 0))])
    assert ("SCHEDULE", "slots") in broken


def test_dates_outside_the_school_year_are_refused(world, school, teacher):
    broken, _ = rules_broken(world, teacher, end_date=datetime.date(2027, 7, 1))
    assert ("DATES", "start_date") in broken


def test_a_class_needs_a_schedule_and_a_teacher_of_the_school(world, school, teacher):
    assert ("T9", "slots") in rules_broken(world, teacher, slots=[])[0]
    assert ("T9", "teachers") in rules_broken(world, teacher, teachers=[])[0]
    outsider = StaffMemberFactory(school=world.school_b)
    assert ("T9", "teachers") in rules_broken(world, teacher, teachers=[outsider])[0]


def test_a_teacher_cannot_take_two_classes_at_once(world, school, teacher):
    other = new_class(world, title="Toán 7 – lớp khác", status="approved")
    other.save()
    other.teachers.set([teacher])
    ActivitySlot.objects.create(activity=other, weekday=0, start=T(17, 30), end=T(19), periods=2)
    broken, found = rules_broken(world, teacher)
    assert ("CLASH", "slots") in broken
    assert "Toán 7 – lớp khác" in found[0].message
    assert rules_broken(world, teacher, slots=[slot(day=Weekday.TUESDAY)])[0] == set()


def test_the_capacity_cannot_fall_below_the_roster(world, school, teacher):
    tc = new_class(world, capacity=2)
    tc.save()
    for _ in range(2):
        Enrollment.objects.create(
            activity=tc, student=StudentFactory(school=world.school_a), basis="not_achieved"
        )
    tc.capacity = 1
    found = rules.check_class(tc, [slot()], [teacher])
    assert ("T7", "capacity") in {(v.rule, v.field) for v in found}


def test_every_violation_is_listed_at_once(world, school, teacher):
    broken, _ = rules_broken(
        world,
        teacher,
        monthly_fee=100_000,
        capacity=50,
        slots=[slot(start=(8, 0), end=(10, 0), periods=3)],
    )
    assert {"T4", "T6", "T7", "T8"} <= {rule for rule, _ in broken}


def test_the_version_in_force_on_the_start_date_applies(world, school, teacher):
    RulePolicy.objects.create(
        name="Sửa đổi 2027",
        legal_reference="Thông tư sửa đổi (dự thảo)",
        in_force_from=datetime.date(2027, 1, 1),
        weekly_period_cap=3,
        class_size_limit=40,
        final_grades=[9, 12],
        primary_categories=["arts", "sport", "life_skills"],
    )
    three = [slot(periods=2), slot(day=Weekday.WEDNESDAY, periods=1)]
    # A class starting in 2026 is under Circular 29/2024: 2 periods at most.
    assert ("T6", "slots") in rules_broken(world, teacher, slots=three)[0]
    # One starting in 2027 is under the new version: 3 periods, but only 40 students.
    later = {"start_date": datetime.date(2027, 1, 15), "end_date": datetime.date(2027, 5, 1)}
    broken, found = rules_broken(world, teacher, slots=three, capacity=42, **later)
    assert ("T6", "slots") not in broken
    assert ("T7", "capacity") in broken
    assert "Thông tư sửa đổi" in found[0].reference


def test_no_rule_version_before_the_first_is_an_explicit_error(world, school, teacher):
    with pytest.raises(rules.NoRulePolicy):
        rules.check_class(
            new_class(world, start_date=datetime.date(2024, 9, 5)), [slot()], [teacher]
        )


# --- Per student --------------------------------------------------------------------


@pytest.fixture
def saved_class(world, school, teacher):
    tc = new_class(world)
    tc.save()
    tc.teachers.set([teacher])
    ActivitySlot.objects.create(activity=tc, weekday=0, start=T(17), end=T(18, 30), periods=2)
    return tc


@pytest.fixture
def last_term(world):
    return TermFactory(
        school_year=world.year,
        number=0,
        start=datetime.date(2026, 1, 5),
        end=datetime.date(2026, 5, 25),
    )


def enrolment_broken(tc, student, basis="not_achieved"):
    return {(v.rule, v.field) for v in rules.check_enrollment(tc, student, basis)}


def test_a_student_who_did_not_achieve_the_subject_is_eligible(world, saved_class, last_term):
    toan = saved_class.subject
    SubjectResult.objects.create(
        student=world.student_a, term=last_term, subject=toan, achieved=False
    )
    assert enrolment_broken(saved_class, world.student_a) == set()


def test_a_student_without_an_eligible_basis_is_refused(world, saved_class, last_term):
    toan = saved_class.subject
    assert ("T5", "basis") in enrolment_broken(saved_class, world.student_a)  # no result
    SubjectResult.objects.create(
        student=world.student_a, term=last_term, subject=toan, achieved=True
    )
    assert ("T5", "basis") in enrolment_broken(saved_class, world.student_a)  # achieved
    assert ("T5", "basis") in enrolment_broken(saved_class, world.student_a, "gifted")


def test_a_student_of_another_grade_or_school_is_refused(world, saved_class, last_term):
    assert ("T5", "student") in enrolment_broken(saved_class, world.student_b)
    grade8 = StudentFactory(school=world.school_a, grade=8)
    assert ("T5", "student") in enrolment_broken(saved_class, grade8)


def test_the_46th_student_is_refused(world, saved_class, last_term):
    saved_class.capacity = 45
    saved_class.save()
    for _ in range(45):
        Enrollment.objects.create(
            activity=saved_class,
            student=StudentFactory(school=world.school_a),
            basis="not_achieved",
        )
    student = StudentFactory(school=world.school_a)
    SubjectResult.objects.create(
        student=student, term=last_term, subject=saved_class.subject, achieved=False
    )
    assert ("T7", "student") in enrolment_broken(saved_class, student)


def test_a_students_weekly_cap_counts_all_their_classes_in_the_subject(
    world, saved_class, last_term, teacher
):
    SubjectResult.objects.create(
        student=world.student_a, term=last_term, subject=saved_class.subject, achieved=False
    )
    other = new_class(world, title="Toán 7 – buổi thứ tư", status="approved")
    other.save()
    ActivitySlot.objects.create(activity=other, weekday=2, start=T(17), end=T(17, 45), periods=1)
    Enrollment.objects.create(activity=other, student=world.student_a, basis="not_achieved")
    broken = enrolment_broken(saved_class, world.student_a)
    assert ("T6", "student") in broken
    assert ("CLASH", "student") not in broken


def test_a_student_cannot_be_in_two_places_at_once(world, saved_class, last_term):
    SubjectResult.objects.create(
        student=world.student_a, term=last_term, subject=saved_class.subject, achieved=False
    )
    english = new_class(
        world,
        title="Tiếng Anh 7",
        subject=Subject.objects.get(code="tieng-anh"),
        status="open",
    )
    english.save()
    ActivitySlot.objects.create(activity=english, weekday=0, start=T(18), end=T(18, 45), periods=1)
    Enrollment.objects.create(activity=english, student=world.student_a, basis="not_achieved")
    assert ("CLASH", "student") in enrolment_broken(saved_class, world.student_a)

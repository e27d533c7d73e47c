"""A small, realistic Hải Phòng to try the portal with: ``manage.py seed_demo``.

Idempotent: every row is keyed on a code, a username or a phone number, the random choices
come from ``random.Random(2025)`` and the password hash from a fixed salt, so a second run
finds every row in place and writes nothing. The city is made in one transaction; the
reports are asked for after it commits (see below).

The name lists, school years and grade rules here are shared with ``seed_scale``.

The demo spans every app, so this command and ``seed_scale`` live in ``public``, the last app,
which may import from all the others. Tutoring classes are made through
``tutoring.services``, like a user would make them: each passes the rules and has its history.
Their consent scans are small generated PDFs written to MEDIA_ROOT. Teachers' declarations of
outside tutoring go through the services too, a few of them with the flags a head must see.
The partner registry and the linked programmes go through ``partnerships.services`` in the
same way: every programme passes the rules P1-P4, each authority decides for the schools it
manages, and the fees of one kind spread far enough for the fee comparison to flag one.

Families answer on every channel of the consent ledger, always through its single write
path ``schools.consent.record`` and once: an enrolment with an answer is left as it is. Most
answers are paper forms staff record; the mother with an account answers online for her
daughter and her son and leaves two offers waiting for her answer; other families agree
through their personal links, filling a small programme and leaving two on its waiting
list. Two programmes carry signs the risk page flags (nearly a whole class, all on paper
forms). The father has no account: the school printed him an activation code, published
here like the password (``FATHER_CODE``), and the command prints personal links to try.

Inspections and complaints go through ``inspections.services`` and ``inspections.complaints``
(``INSPECTIONS``, ``COMPLAINTS``). The Department's plan for the year holds a visit done and
closed (findings, actions answered and accepted, the conclusion signed) and two to come; the
ward committee's plan one visit of its lower-secondary school. Parents' complaints about the
life-skills programme of the demo head's school led the Department's inspector there
unannounced: the visit is under way, the checklist half answered, two findings recorded with
the team's photo and document, and of their corrective actions one is answered and awaits the
inspector's review, one is open and one is past its deadline; the Department suspended the
programme from the inspection. Seven complaints about seven schools reach the Department or
the committees; one anonymous complaint is closed with an answer, and the command prints its
tracking code. Dates count from the day the command runs, within the demo's school year.

Since then (``TIMETABLE_CHANGES``, ``WITHDRAWALS``): a school lengthened its Tuesday afternoons,
so the nightly recheck finds one of its tutoring classes inside the main timetable, the demo's
one rule breach; and a parent phoned the demo head's school to withdraw from the programme the
Department suspended. Then, once the city is committed, the reports (``REPORTS``) are asked for
through ``reports.services`` and made by the report task, as from the reports page: the
official PDF of the closed inspection's conclusion, the city's report by the Department (the
command prints its verification code), the ward's by its committee and the demo head's school's
by the head; and one request of the Department that failed, to retry. Each is a real PDF (about
a second each) and is made once.
"""

import datetime
import random
import struct
import textwrap
import unicodedata
import zlib
from collections import Counter
from importlib import import_module
from typing import NamedTuple

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.audit import audit_record
from accounts.models import Role
from inspections import complaints as complaining
from inspections import services as inspecting
from inspections.access import authority_of
from inspections.checklists import ensure_default_checklist, questions_for
from inspections.models import (
    ChecklistAnswer,
    Complaint,
    CorrectiveAction,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionSuspension,
    Scope,
)
from partnerships import rules as programme_rules
from partnerships import services as partnering
from partnerships.models import (
    Licence,
    Partner,
    PartnerDocument,
    Programme,
    ProgrammeDocument,
    ProgrammeKind,
    ProgrammeTeacher,
)
from public import opendata, rights
from public.models import RightsPage
from public.services import rights_page_update
from reports import services as reporting
from reports import tasks as report_tasks
from reports.models import DocumentKind, IssuedDocument, ReportJob
from schools import activation, consent, models, policy, risk
from schools.models import (
    Activity,
    ActivitySlot,
    AdministrativeUnit,
    ConsentEvent,
    Enrollment,
    Guardian,
    Guardianship,
    MainSession,
    ParentInvitation,
    School,
    SchoolLevel,
    SchoolUserObjectPermission,
    SchoolYear,
    StaffMember,
    Student,
    Subject,
    SubjectResult,
    TeachingAssignment,
    Term,
    UnitUserObjectPermission,
)
from schools.parent_views import link_for
from schools.selectors import offers_for
from schools.services import consent_record_paper, consent_record_staff, role_grant
from schools.uploads import validate_scan
from tutoring import rules as tutoring_rules
from tutoring import services
from tutoring.models import (
    CapException,
    Category,
    OutsideTutoringDeclaration,
    TutoringClass,
)

User = get_user_model()
SUBJECTS = import_module("schools.migrations.0002_subjects").SUBJECTS

DEMO_PASSWORD = "Demo@2026"


def refuse_in_production() -> None:
    """Demo accounts share a published password: never create them on a real site."""
    if not settings.DEMO_SEEDING_ALLOWED:
        raise CommandError(
            "Demo seeding is off (DEBUG is off): demo accounts have a published password. "
            "Set DEMO_SEEDING_ALLOWED=True only on a test or benchmark machine."
        )

# A fixed salt gives the same hash on every run, so a second run rewrites nothing. The
# password is printed on the screen anyway; the salt protects nothing here.
DEMO_SALT = "haiphongdemo2026"
# A reserved top-level domain (RFC 2606): mail to demo people and schools never leaves.
EMAIL_DOMAIN = "haiphong.edu.example"

REFORM_DAY = datetime.date(2025, 7, 1)
PROVINCE_CODE, PROVINCE_NAME = "31", "Thành phố Hải Phòng"


class Area(NamedTuple):
    key: str
    code: str  # commune-level unit since 1 July 2025 (5 digits)
    name: str
    district_code: str  # the district it succeeds (3 digits, until 30 June 2025)
    district_name: str


AREAS = [
    Area("hongbang", "31001", "Phường Hồng Bàng", "303", "Quận Hồng Bàng"),
    Area("lechan", "31002", "Phường Lê Chân", "305", "Quận Lê Chân"),
    Area("anduong", "31003", "Xã An Dương", "312", "Huyện An Dương"),
]

# (name, start, end, terms); the current year on 22/11/2026 is 2026-2027.
SCHOOL_YEARS = [
    ("2025-2026", datetime.date(2025, 9, 5), datetime.date(2026, 5, 31), [
        (1, datetime.date(2025, 9, 5), datetime.date(2026, 1, 17)),
        (2, datetime.date(2026, 1, 18), datetime.date(2026, 5, 31)),
    ]),
    ("2026-2027", datetime.date(2026, 9, 5), datetime.date(2027, 5, 31), [
        (1, datetime.date(2026, 9, 5), datetime.date(2027, 1, 16)),
        (2, datetime.date(2027, 1, 17), datetime.date(2027, 5, 31)),
    ]),
]
CURRENT_YEAR = "2026-2027"

# The demo's continuing-education centre teaches the upper-secondary programme only.
LEVEL_GRADES = {
    **models.LEVEL_GRADES,
    SchoolLevel.CONTINUING: (10, 12),
    SchoolLevel.MULTI_LEVEL: (6, 12),
}

# Surnames with rough frequencies in the north; Mạc and Phí are Hải Phòng–Hải Dương names.
SURNAMES = {
    "Nguyễn": 30, "Trần": 11, "Lê": 9, "Phạm": 8, "Hoàng": 5, "Vũ": 6, "Đặng": 3, "Bùi": 4,
    "Đỗ": 3, "Hồ": 1, "Ngô": 2, "Dương": 2, "Đinh": 2, "Đào": 2, "Trịnh": 1, "Lương": 1,
    "Mạc": 1, "Phí": 1, "Lý": 1, "Phan": 2,
}
CHILD_NAMES = {
    "F": ["Minh Anh", "Bảo Ngọc", "Thu Hà", "Khánh Linh", "Phương Thảo", "Hà My", "Gia Hân",
          "An Nhiên", "Ngọc Diệp", "Bảo Châu", "Quỳnh Chi", "Diệu Linh", "Hoài An", "Mai Anh",
          "Tú Anh", "Khánh Ngân", "Thảo Nguyên", "Ngọc Hân", "Tuệ Lâm", "Thanh Trúc"],
    "M": ["Gia Huy", "Minh Khôi", "Đức Anh", "Hoàng Nam", "Quang Minh", "Tuấn Kiệt", "Bảo Long",
          "Đăng Khoa", "Minh Đức", "Hải Đăng", "Trung Kiên", "Phúc An", "Nhật Minh",
          "Việt Hoàng", "Tiến Đạt", "Quốc Bảo", "Duy Khánh", "Gia Bảo", "Anh Dũng", "Khôi Nguyên"],
}
ADULT_NAMES = {
    "F": ["Thị Hương", "Thị Lan", "Thị Thu Trang", "Thị Hồng Nhung", "Thị Ngọc Ánh", "Thị Mai",
          "Thanh Hằng", "Thị Thanh Huyền", "Thị Phương Loan", "Thu Thủy", "Thị Hải Yến",
          "Minh Nguyệt", "Thị Kim Oanh", "Thị Bích Ngọc", "Thị Thúy Hằng", "Thị Hòa"],
    "M": ["Văn Hùng", "Văn Thắng", "Quang Huy", "Đức Thành", "Minh Tuấn", "Văn Nam",
          "Mạnh Cường", "Xuân Trường", "Hữu Phước", "Thanh Tùng", "Văn Hải", "Đình Khánh",
          "Ngọc Sơn", "Văn Long", "Quốc Việt", "Đức Toàn"],
}
# Mobile prefixes of Viettel, VinaPhone and MobiFone.
PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035",
                  "036", "037", "038", "039", "081", "082", "083", "084", "085", "086", "088",
                  "089"]

PRESCHOOL_SUBJECTS = ["am-nhac", "my-thuat", "ky-nang-song", "tieng-anh"]
PRIMARY_LOW = ["tieng-viet", "toan", "dao-duc", "tu-nhien-xa-hoi", "am-nhac", "my-thuat", "gdtc",
               "hdtn", "tieng-anh"]
PRIMARY_HIGH = ["tieng-viet", "toan", "tieng-anh", "dao-duc", "khoa-hoc", "lich-su-dia-ly",
                "tin-hoc", "cong-nghe", "am-nhac", "my-thuat", "gdtc", "hdtn"]
LOWER_SECONDARY = ["toan", "ngu-van", "tieng-anh", "khtn", "lich-su-dia-ly", "gdcd", "tin-hoc",
                   "cong-nghe", "gdtc", "hdtn", "am-nhac", "my-thuat"]
UPPER_SECONDARY = ["toan", "ngu-van", "tieng-anh", "lich-su", "vat-ly", "hoa-hoc", "sinh-hoc",
                   "dia-ly", "gdktpl", "tin-hoc", "cong-nghe", "gdtc", "hdtn"]


def subjects_for_grade(grade: int) -> list[str]:
    """Subject codes taught in a grade under the 2018 general education programme."""
    if grade == 0:
        return PRESCHOOL_SUBJECTS
    if grade <= 3:
        return PRIMARY_LOW + (["tin-hoc", "cong-nghe"] if grade == 3 else [])
    if grade <= 5:
        return PRIMARY_HIGH
    if grade <= 9:
        return LOWER_SECONDARY
    return UPPER_SECONDARY


def birth_year(grade: int, homeroom: str = "") -> int:
    """Children start grade 1 in the year they turn 6, so in 2026-2027 grade g was born in
    2021 - g; preschool classes are named by age ("5 tuổi A1")."""
    if grade == 0:
        return 2026 - int(homeroom.split()[0])
    return 2021 - grade


def personal_id(rng: random.Random, born: datetime.date, sex: str) -> str:
    """A 12-digit personal ID number: birthplace code 031, century and sex, year, serial."""
    century_sex = (0 if sex == "M" else 1) + (2 if born.year >= 2000 else 0)
    return f"031{century_sex}{born.year % 100:02d}{rng.randrange(10**6):06d}"


def ensure_school_years() -> dict[str, SchoolYear]:
    years = {}
    for name, start, end, terms in SCHOOL_YEARS:
        year = upsert(SchoolYear, {"name": name}, start=start, end=end)
        for number, term_start, term_end in terms:
            upsert(Term, {"school_year_id": year.pk, "number": number},
                   start=term_start, end=term_end)
        years[name] = year
    return years


def ensure_subjects() -> dict[str, Subject]:
    """The subjects migration 0002 adds, put back if the database was flushed since (as
    ``flush`` and the live-server tests do)."""
    subjects = {s.code: s for s in Subject.objects.all()}
    missing = [Subject(code=code, name=name) for code, name in SUBJECTS if code not in subjects]
    if missing:
        Subject.objects.bulk_create(missing)
        subjects = {s.code: s for s in Subject.objects.all()}
    return subjects


def upsert(model, lookup: dict, **values):
    """Like ``update_or_create``, but saves only when a value differs, so that a second run
    leaves rows (and their ``updated_at``) untouched."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=[model._meta.get_field(name).name for name in changed])
    return obj


class SchoolSpec(NamedTuple):
    slug: str  # in usernames: hieutruong.<slug>, giaovien.<slug>
    moet_code: str
    name: str
    level: str
    area: str
    address: str
    phone: str
    homerooms: tuple[str, ...] = ()
    merged_into: str = ""  # slug; a merged school keeps its old district as its unit


SCHOOLS = [
    SchoolSpec("mn.hoaphuong", "31000101", "Trường Mầm non Hoa Phượng", SchoolLevel.PRESCHOOL,
               "hongbang", "Số 12 Hoàng Văn Thụ, phường Hồng Bàng", "02253842117"),
    SchoolSpec("th.quangtrung", "31000102", "Trường Tiểu học Quang Trung", SchoolLevel.PRIMARY,
               "hongbang", "Số 3 Quang Trung, phường Hồng Bàng", "02253745210"),
    SchoolSpec("thcs.hongbang", "31000103", "Trường THCS Hồng Bàng",
               SchoolLevel.LOWER_SECONDARY, "hongbang", "Số 45 Phan Bội Châu, phường Hồng Bàng",
               "02253823561", ("6A2", "7A1", "8A3", "9A1")),
    SchoolSpec("thpt.hongbang", "31000104", "Trường THPT Hồng Bàng",
               SchoolLevel.UPPER_SECONDARY, "hongbang", "Số 8 Hùng Vương, phường Hồng Bàng",
               "02253798120", ("10A1", "11A2", "12A4")),
    SchoolSpec("mn.hoasen", "31000201", "Trường Mầm non Hoa Sen", SchoolLevel.PRESCHOOL,
               "lechan", "Số 86 Lam Sơn, phường Lê Chân", "02253857342"),
    SchoolSpec("th.tranquoctoan", "31000202", "Trường Tiểu học Trần Quốc Toản",
               SchoolLevel.PRIMARY, "lechan", "Số 120 Tô Hiệu, phường Lê Chân", "02253856904"),
    SchoolSpec("thcs.ngoquyen", "31000203", "Trường THCS Ngô Quyền",
               SchoolLevel.LOWER_SECONDARY, "lechan", "Số 25 Hai Bà Trưng, phường Lê Chân",
               "02253846233"),
    SchoolSpec("thpt.lechan", "31000204", "Trường THPT Lê Chân", SchoolLevel.UPPER_SECONDARY,
               "lechan", "Số 2 Nguyễn Công Trứ, phường Lê Chân", "02253700615"),
    SchoolSpec("gdtx.haiphong", "31000205", "Trung tâm Giáo dục thường xuyên thành phố Hải Phòng",
               SchoolLevel.CONTINUING, "lechan", "Số 16 Nguyễn Đức Cảnh, phường Lê Chân",
               "02253835478"),
    SchoolSpec("mn.andong", "31000301", "Trường Mầm non An Đồng", SchoolLevel.PRESCHOOL,
               "anduong", "Thôn Vân Tra, xã An Dương", "02253871526"),
    SchoolSpec("th.anduong", "31000302", "Trường Tiểu học An Dương", SchoolLevel.PRIMARY,
               "anduong", "Thôn Lương Quán, xã An Dương", "02253871830"),
    SchoolSpec("thcs.anduong", "31000303", "Trường THCS An Dương", SchoolLevel.LOWER_SECONDARY,
               "anduong", "Đường 208, xã An Dương", "02253872047"),
    SchoolSpec("thpt.anduong", "31000304", "Trường THPT An Dương", SchoolLevel.UPPER_SECONDARY,
               "anduong", "Số 1 đường 351, xã An Dương", "02253871105"),
    SchoolSpec("thcs-thpt.nbk", "31000305", "Trường THCS và THPT Nguyễn Bỉnh Khiêm",
               SchoolLevel.MULTI_LEVEL, "anduong", "Thôn Nam Sơn, xã An Dương", "02253589266"),
    SchoolSpec("thcs.anhong", "31000399", "Trường THCS An Hồng", SchoolLevel.LOWER_SECONDARY,
               "anduong", "Thôn An Phong, xã An Hồng, huyện An Dương", "02253850331",
               merged_into="thcs.anduong"),
]

# Department, inspector and one committee user per current ward or commune, with the
# position their official documents are signed under.
OFFICIALS = [
    ("so.gddt", "Nguyễn Thị Thanh Hương", Role.DEPARTMENT, PROVINCE_CODE, "Phó Giám đốc"),
    ("thanhtra", "Trần Văn Dũng", Role.INSPECTOR, PROVINCE_CODE, "Thanh tra viên"),
    ("ubnd.hongbang", "Đỗ Thị Mai", Role.COMMITTEE, "31001", "Phó Chủ tịch"),
    ("ubnd.lechan", "Phạm Quốc Việt", Role.COMMITTEE, "31002", "Phó Chủ tịch"),
    ("ubnd.anduong", "Bùi Văn Toàn", Role.COMMITTEE, "31003", "Chủ tịch"),
]

# The parent with an account: a mother whose two children are in two schools.
FAMILY = {
    "mother": ("Phạm Thị Lan", "0904123456"),
    "father": ("Vũ Đức Thành", "0983456712"),
    "children": [
        ("3101234567", "Vũ Minh Anh", "F", datetime.date(2014, 3, 12), "thcs.hongbang", 7, "7A1"),
        ("3101234568", "Vũ Gia Huy", "M", datetime.date(2011, 8, 25), "thpt.hongbang", 10,
         "10A1"),
    ],
}

FAMILY_CODES = {code for code, *_ in FAMILY["children"]}

# The mother answers online, signed in (student, programme of the child's school and grade,
# answer). Her son's English with foreign teachers and her daughter's remedial maths wait for
# her answer.
FAMILY_ANSWERS = [
    ("3101234567", "Tiếng Anh giao tiếp", ConsentEvent.Kind.GIVEN),
    ("3101234568", "Tin học văn phòng theo chuẩn quốc tế", ConsentEvent.Kind.DECLINED),
]
# The father has no account: his activation code, published for testers. Only its keyed
# hash is stored, as for every code.
FATHER_CODE = "PHHS-2526"

# The main timetable by level: the morning and afternoon sessions of every weekday, and
# Saturday morning where grades 10-12 are taught. Extra tutoring and linked programmes are
# never scheduled inside them (Circular 29/2024, Art. 5(3)).
T = datetime.time
MAIN_TIMES = {
    SchoolLevel.PRESCHOOL: [(T(7, 30), T(10, 30)), (T(14, 30), T(16, 30))],
    SchoolLevel.PRIMARY: [(T(7, 15), T(10, 45)), (T(14, 0), T(16, 15))],
}
SECONDARY_TIMES = [(T(7, 0), T(11, 15)), (T(13, 30), T(16, 45))]


def main_sessions(level: str, grade_max: int) -> list[tuple[int, datetime.time, datetime.time]]:
    """(weekday, start, end) of each session of a school's main timetable."""
    times = MAIN_TIMES.get(level, SECONDARY_TIMES)
    sessions = [(day, start, end) for day in range(5) for start, end in times]
    if grade_max >= 10:
        sessions.append((5, *times[0]))
    return sessions


# Last term's results, the basis of remedial classes: mostly achieved; "not achieved" only in
# the core subjects, for about one student in twenty, and for a share of each remedial
# class's grade in its subject.
RESULTS_YEAR, RESULTS_TERM = "2025-2026", 2
CORE_SUBJECTS = ("toan", "ngu-van", "tieng-anh")
NOT_ACHIEVED_RATE = 0.05
REMEDIAL_SHARE = 0.4


class Slot(NamedTuple):
    weekday: int
    start: datetime.time
    end: datetime.time
    periods: int
    room: str


def evening(weekday: int, room: str) -> tuple[Slot, ...]:
    """One 90-minute session after the afternoon lessons: 2 periods, the weekly cap."""
    return (Slot(weekday, T(17), T(18, 30), 2, room),)


def two_evenings(room: str, start: str = "17:00", end: str = "17:45") -> tuple[Slot, ...]:
    """One period on Tuesday and one on Thursday."""
    start_time, end_time = T.fromisoformat(start), T.fromisoformat(end)
    return (Slot(1, start_time, end_time, 1, room), Slot(3, start_time, end_time, 1, room))


TERM_ONE = (datetime.date(2026, 9, 14), datetime.date(2027, 1, 9))
WHOLE_YEAR = (datetime.date(2026, 9, 14), datetime.date(2027, 5, 22))
GIFTED_SEASON = (datetime.date(2026, 9, 14), datetime.date(2027, 3, 13))
FROM_DECEMBER = (datetime.date(2026, 12, 7), datetime.date(2027, 5, 22))


class ClassSpec(NamedTuple):
    school: str  # slug
    title: str  # with the school, what a second run finds the class by
    subject: str
    grade: int
    category: str
    slots: tuple[Slot, ...]
    status: str = Activity.Status.OPEN
    dates: tuple[datetime.date, datetime.date] = TERM_ONE
    capacity: int = 25
    reason: str = ""  # why the head returned it or the authority suspended it
    reference: str = ""
    cap_exception: tuple[str, datetime.date, int] | None = None  # decision, date, periods
    # The remedial roster: every student who did not achieve the subject last term is
    # proposed; the parents of the last ``pending`` have not answered, of the last
    # ``declined`` said no, of the others said yes on the paper form.
    pending: int = 0
    declined: int = 0


Status = Activity.Status
TUTORING_CLASSES = [
    # The demo head's school: a class waiting for approval, the demo teacher's draft, and the
    # parent's daughter proposed for remedial maths, her parents yet to answer.
    ClassSpec("thcs.hongbang", "Phụ đạo Toán 7", "toan", 7, Category.REMEDIAL,
              evening(0, "Phòng 7A1")),
    ClassSpec("thcs.hongbang", "Ôn thi vào lớp 10 môn Toán", "toan", 9, Category.EXAM_REVIEW,
              evening(2, "Phòng 9A1"), status=Status.SUBMITTED, dates=FROM_DECEMBER,
              capacity=40),
    ClassSpec("thcs.hongbang", "Bồi dưỡng học sinh giỏi Khoa học tự nhiên 9", "khtn", 9,
              Category.GIFTED, two_evenings("Phòng thí nghiệm"), status=Status.DRAFT,
              dates=FROM_DECEMBER, capacity=15),
    ClassSpec("thpt.hongbang", "Phụ đạo Ngữ văn 11", "ngu-van", 11, Category.REMEDIAL,
              evening(0, "Phòng 11A2")),
    ClassSpec("thpt.hongbang", "Ôn thi tốt nghiệp THPT môn Hóa học", "hoa-hoc", 12,
              Category.EXAM_REVIEW, evening(2, "Phòng Hóa học"), dates=WHOLE_YEAR, capacity=40),
    # Three periods a week: more than the cap, by the Department's decision.
    ClassSpec("thpt.hongbang", "Bồi dưỡng học sinh giỏi Vật lý 11", "vat-ly", 11,
              Category.GIFTED,
              (Slot(5, T(14), T(15, 30), 2, "Phòng Vật lý"), Slot(3, T(17), T(17, 45), 1,
                                                                 "Phòng Vật lý")),
              dates=GIFTED_SEASON, capacity=15,
              cap_exception=("125/QĐ-SGDĐT", datetime.date(2026, 9, 8), 3)),
    ClassSpec("thcs.ngoquyen", "Phụ đạo Toán 8", "toan", 8, Category.REMEDIAL,
              evening(0, "Phòng 8A2")),
    ClassSpec("thcs.ngoquyen", "Bồi dưỡng học sinh giỏi Lịch sử và Địa lý 9", "lich-su-dia-ly",
              9, Category.GIFTED, evening(2, "Phòng 9A4"), status=Status.SUSPENDED,
              dates=GIFTED_SEASON, capacity=15,
              reason="Tạm dừng để kiểm tra theo phản ánh của phụ huynh về việc vận động học "
                     "sinh tham gia lớp bồi dưỡng.",
              reference="Công văn 412/UBND-VHXH ngày 16/11/2026"),
    ClassSpec("thpt.lechan", "Phụ đạo Tiếng Anh 11", "tieng-anh", 11, Category.REMEDIAL,
              evening(0, "Phòng 11A1")),
    ClassSpec("thpt.lechan", "Ôn thi tốt nghiệp THPT môn Hóa học", "hoa-hoc", 12,
              Category.EXAM_REVIEW, evening(2, "Phòng 12A2"), status=Status.RETURNED,
              dates=FROM_DECEMBER, capacity=40,
              reason="Đề nghị bổ sung kế hoạch ôn tập theo tuần và danh sách học sinh tự nguyện "
                     "đăng ký trước khi trình lại."),
    ClassSpec("thcs.anduong", "Phụ đạo Ngữ văn 7", "ngu-van", 7, Category.REMEDIAL,
              evening(0, "Phòng 7A4"), pending=1),
    ClassSpec("thcs.anduong", "Bồi dưỡng học sinh giỏi Ngữ văn 8", "ngu-van", 8,
              Category.GIFTED, two_evenings("Phòng 8A2"), dates=GIFTED_SEASON, capacity=15),
    ClassSpec("thpt.anduong", "Phụ đạo Toán 11", "toan", 11, Category.REMEDIAL,
              evening(0, "Phòng 11A1"), declined=1),
    ClassSpec("thpt.anduong", "Ôn thi tốt nghiệp THPT môn Toán", "toan", 12,
              Category.EXAM_REVIEW, evening(2, "Phòng 12A1"), dates=WHOLE_YEAR, capacity=40),
    ClassSpec("thpt.anduong", "Ôn thi tốt nghiệp THPT môn Tiếng Anh", "tieng-anh", 12,
              Category.EXAM_REVIEW, evening(4, "Phòng 12A1"), dates=WHOLE_YEAR, capacity=40),
    ClassSpec("thcs-thpt.nbk", "Phụ đạo Ngữ văn 8", "ngu-van", 8, Category.REMEDIAL,
              evening(0, "Phòng 8A4")),
    ClassSpec("thcs-thpt.nbk", "Ôn thi vào lớp 10 môn Tiếng Anh", "tieng-anh", 9,
              Category.EXAM_REVIEW, evening(2, "Phòng 9A3"), dates=WHOLE_YEAR, capacity=40),
    # Primary pupils: arts only (Art. 4(1)), after the afternoon lessons, 35-minute periods.
    ClassSpec("th.quangtrung", "Câu lạc bộ Âm nhạc lớp 4", "am-nhac", 4, Category.ARTS,
              two_evenings("Phòng Âm nhạc", "16:30", "17:05"), dates=WHOLE_YEAR),
]

# Where the demo's few teachers include none of a class's subject, it goes to a teacher of a
# neighbouring subject (teachers train in pairs such as Toán–Tin, Văn–Sử), who is then
# assigned the subject in a class of that grade as well.
NEIGHBOUR_SUBJECTS = {
    "toan": ["tin-hoc", "vat-ly", "khtn", "cong-nghe", "hoa-hoc"],
    "ngu-van": ["lich-su", "dia-ly", "lich-su-dia-ly", "gdcd", "gdktpl"],
}


class DeclarationSpec(NamedTuple):
    """A teacher's declaration of outside tutoring (form 03). ``students``: "taught" lists
    the first student of a class the teacher teaches (the rule T2 flags it), "untaught" one
    of a class they do not teach, "" none."""

    teacher: str  # username
    subject: str
    establishment: str
    registration: str  # with the teacher and the year, what a second run finds it by
    location: str
    schedule: str
    students: str = ""
    manages: bool = False  # a public-school teacher running it: the rule T3 flags it
    relationship: str = ""
    acknowledged: bool = False


DECLARATIONS = [
    # The demo head's school: the demo teacher's lawful declaration, acknowledged, and a
    # colleague's listing a student of their own class, waiting for the head.
    DeclarationSpec("giaovien.thcs.hongbang", "toan", "Trung tâm Văn hóa Tri Thức",
                    "0201987654", "Số 27 Điện Biên Phủ, phường Hồng Bàng",
                    "Thứ Bảy 08:00–09:30", students="untaught", acknowledged=True),
    DeclarationSpec("giaovien2.thcs.hongbang", "tieng-anh", "Trung tâm Ngoại ngữ Ánh Dương",
                    "0201456789", "Số 15 Lạch Tray, phường Lê Chân",
                    "Thứ Ba, Thứ Năm 18:00–19:30", students="taught"),
    # A teacher of a public school who runs the establishment (the licence is her husband's).
    DeclarationSpec("giaovien2.thpt.lechan", "toan", "Trung tâm Bồi dưỡng Kiến thức Tương Lai",
                    "0202345678", "Số 40 Tô Hiệu, phường Lê Chân",
                    "Thứ Hai, Thứ Tư 19:00–20:30", manages=True,
                    relationship="Vợ của người đứng tên đăng ký kinh doanh"),
]


# --- Linked programmes ----------------------------------------------------------------

SO_GDDT = "Sở Giáo dục và Đào tạo thành phố Hải Phòng"
BUSINESS_REGISTRY = "Phòng Đăng ký kinh doanh, Sở Kế hoạch và Đầu tư thành phố Hải Phòng"
Kind = ProgrammeKind


class PartnerSpec(NamedTuple):
    """A partner in the Department's registry, with its licence from the Department."""

    key: str  # how the programmes below name it
    tax_code: str  # also its enterprise registration number; what a second run finds it by
    legal_name: str
    registered_on: datetime.date
    address: str
    representative: str
    contact: tuple[str, str, str]  # name, phone, e-mail
    licence: tuple[str, datetime.date, datetime.date | None]  # number, valid from, valid to
    kinds: tuple[str, ...]
    is_foreign: bool = False
    status: str = Partner.Status.ACTIVE
    reason: str = ""  # why the Department suspended or barred it
    reference: str = ""


PARTNERS = [
    PartnerSpec("haiau", "0201734582", "Công ty Cổ phần Giáo dục Hải Âu",
                datetime.date(2015, 3, 12), "Số 18 Lạch Tray, phường Lê Chân", "Nguyễn Văn Thắng",
                ("Trần Thị Hồng Nhung", "0912345078", "lienhe@haiau.example"),
                ("1204/QĐ-SGDĐT", datetime.date(2024, 8, 15), None),
                (Kind.FOREIGN_LANGUAGE, Kind.THINKING_MATHS)),
    # Foreign-invested: the only partner licensed for programmes with foreign teachers.
    PartnerSpec("seabridge", "0202158834", "Công ty TNHH Giáo dục Quốc tế Seabridge Việt Nam",
                datetime.date(2019, 9, 20), "Tầng 6, số 12 Lê Hồng Phong, phường Gia Viên",
                "Andrew Collins", ("Lê Thị Mai Anh", "0936214587", "contact@seabridge.example"),
                ("845/QĐ-SGDĐT", datetime.date(2025, 6, 10), datetime.date(2030, 6, 9)),
                (Kind.FOREIGN_TEACHERS, Kind.FOREIGN_LANGUAGE), is_foreign=True),
    PartnerSpec("duyenhai", "0201892317", "Công ty TNHH Công nghệ Giáo dục STEM Duyên Hải",
                datetime.date(2018, 5, 7), "Số 210 Văn Cao, phường Hải An", "Hoàng Minh Tuấn",
                ("Bùi Thị Thanh Huyền", "0983652140", "stem@duyenhai.example"),
                ("1377/QĐ-SGDĐT", datetime.date(2025, 8, 20), datetime.date(2028, 8, 19)),
                (Kind.STEM, Kind.IT)),
    PartnerSpec("hatgiong", "0201945563", "Công ty TNHH Giáo dục Kỹ năng Hạt Giống Việt",
                datetime.date(2017, 11, 2), "Số 35 Tô Hiệu, phường Lê Chân", "Đặng Văn Hải",
                ("Phạm Thị Kim Oanh", "0904718263", "kynang@hatgiongviet.example"),
                ("962/QĐ-SGDĐT", datetime.date(2024, 7, 1), datetime.date(2029, 6, 30)),
                (Kind.LIFE_SKILLS, Kind.EXPERIENTIAL, Kind.CAREER)),
    # Its licence ended on 30/06/2026 and was not renewed: the rules refuse a programme with
    # it this school year.
    PartnerSpec("tuonglaiso", "0201687720", "Công ty TNHH Tin học Tương Lai Số",
                datetime.date(2016, 4, 18), "Số 7 Trần Nguyên Hãn, phường Lê Chân", "Vũ Quốc Việt",
                ("Vũ Thị Mai", "0978123604", "daotao@tuonglaiso.example"),
                ("715/QĐ-SGDĐT", datetime.date(2023, 7, 1), datetime.date(2026, 6, 30)),
                (Kind.IT,)),
    PartnerSpec("tiasang", "0202034471", "Công ty Cổ phần Giáo dục Tư duy Tia Sáng",
                datetime.date(2021, 2, 24), "Số 56 Điện Biên Phủ, phường Hồng Bàng",
                "Lê Đức Thành", ("Ngô Thị Hòa", "0345127896", "hotro@tiasang.example"),
                ("1109/QĐ-SGDĐT", datetime.date(2025, 7, 25), None),
                (Kind.THINKING_MATHS, Kind.STEM), status=Partner.Status.SUSPENDED,
                reason="Chưa bổ sung lý lịch, văn bằng của giáo viên theo Thông tư "
                       "04/2014/TT-BGDĐT dù đã được nhắc hai lần; tạm đình chỉ đến khi bổ sung "
                       "đủ hồ sơ.",
                reference="Công văn 1875/SGDĐT-GDPT ngày 03/11/2026"),
    PartnerSpec("ngoisao", "0201578896", "Công ty TNHH Anh ngữ Ngôi Sao Phương Đông",
                datetime.date(2014, 10, 9), "Số 88 Cầu Đất, phường Ngô Quyền", "Trịnh Văn Nam",
                ("Đinh Thị Lan", "0868342115", "info@ngoisaophuongdong.example"),
                ("530/QĐ-SGDĐT", datetime.date(2024, 5, 2), None),
                (Kind.FOREIGN_LANGUAGE,), status=Partner.Status.BARRED,
                reason="Thu tiền của cha mẹ học sinh ngoài hợp đồng liên kết và xếp lịch học "
                       "trong giờ chính khóa (Kết luận thanh tra 08/KL-TTr ngày 20/10/2026).",
                reference="Quyết định 98/QĐ-SGDĐT ngày 28/10/2026"),
]
PARTNER_TAX_CODES = {spec.key: spec.tax_code for spec in PARTNERS}


class TeacherSpec(NamedTuple):
    full_name: str
    qualification: str
    nationality: str = "Việt Nam"
    work_permit_number: str = ""  # a foreign teacher's, valid beyond the programme's end
    work_permit_expiry: datetime.date | None = None

    def build(self) -> ProgrammeTeacher:
        return ProgrammeTeacher(**self._asdict(), is_foreign=self.nationality != "Việt Nam")


THU_HA = TeacherSpec("Nguyễn Thị Thu Hà",
                     "Cử nhân Sư phạm Tiếng Anh, Trường Đại học Hải Phòng; IELTS 7.5")
MINH_KHOA = TeacherSpec("Lê Minh Khoa", "Thạc sĩ Lý luận và phương pháp dạy học bộ môn "
                                        "Tiếng Anh, Trường Đại học Ngoại ngữ – ĐHQG Hà Nội")
THANH_TAM = TeacherSpec("Phạm Thanh Tâm",
                        "Cử nhân Ngôn ngữ Anh, Trường Đại học Hàng hải Việt Nam; chứng chỉ TESOL")
VAN_HUNG = TeacherSpec("Đào Văn Hưng", "Cử nhân Sư phạm Toán, Trường Đại học Hải Phòng")
NGOC_LAN = TeacherSpec("Vũ Thị Ngọc Lan", "Cử nhân Giáo dục Tiểu học, Trường Đại học Hải Phòng")
THU_TRANG = TeacherSpec("Trần Thu Trang", "Cử nhân Sư phạm Tiếng Anh, Trường Đại học Ngoại ngữ "
                                          "– ĐHQG Hà Nội")
HUGHES = TeacherSpec("Daniel Hughes", "Cử nhân Ngôn ngữ học, Đại học Leeds; chứng chỉ CELTA",
                     "Vương quốc Anh", "HP-2026-00412", datetime.date(2027, 9, 30))
MITCHELL = TeacherSpec("Sarah Mitchell", "Cử nhân Giáo dục, Đại học Queensland; chứng chỉ TESOL",
                       "Úc", "HP-2025-01187", datetime.date(2027, 12, 31))
SANTOS = TeacherSpec("Maria Santos", "Cử nhân Sư phạm Tiếng Anh, Đại học Philippines; chứng "
                                     "chỉ TESOL", "Philippines", "HP-2026-00655",
                     datetime.date(2028, 3, 15))
WALKER = TeacherSpec("James Walker", "Thạc sĩ Giảng dạy tiếng Anh (TESOL), Đại học Arizona",
                     "Hoa Kỳ", "HP-2026-00871", datetime.date(2028, 6, 30))
DUC_ANH = TeacherSpec("Hoàng Đức Anh",
                      "Kỹ sư Điện tử – Viễn thông, Trường Đại học Hàng hải Việt Nam")
HAI_YEN = TeacherSpec("Bùi Thị Hải Yến", "Cử nhân Sư phạm Vật lý; chứng chỉ bồi dưỡng giáo dục "
                                         "STEM của Bộ Giáo dục và Đào tạo")
QUANG_VINH = TeacherSpec("Ngô Quang Vinh", "Kỹ sư Công nghệ thông tin, Đại học Bách khoa Hà Nội")
PHUONG_THAO = TeacherSpec("Đặng Thị Phương Thảo",
                          "Cử nhân Tâm lý học giáo dục, Trường Đại học Sư phạm Hà Nội")
VAN_TUNG = TeacherSpec("Lương Văn Tùng",
                       "Cử nhân Công tác xã hội; chứng chỉ huấn luyện kỹ năng sống")
THI_HONG = TeacherSpec("Mạc Thị Hồng", "Thạc sĩ Tâm lý học; chứng chỉ tư vấn hướng nghiệp")
DUC_LONG = TeacherSpec("Phí Đức Long", "Cử nhân Lịch sử, Trường Đại học Khoa học Xã hội và "
                                       "Nhân văn; thẻ hướng dẫn viên du lịch")


def weekly(days: tuple[int, ...], start: str, end: str, periods: int, room: str):
    """The same session on each of ``days``, after the school's main timetable."""
    start_time, end_time = T.fromisoformat(start), T.fromisoformat(end)
    return tuple(Slot(day, start_time, end_time, periods, room) for day in days)


PROGRAMME_YEAR = (datetime.date(2026, 10, 5), datetime.date(2027, 5, 22))
TERM_TWO = (datetime.date(2027, 1, 18), datetime.date(2027, 5, 22))
MON, TUE, WED, THU, FRI, SAT = range(6)


class ProgrammeSpec(NamedTuple):
    school: str  # slug
    title: str  # with the school, what a second run finds the programme by
    partner: str  # key of the partner
    kind: str
    grades: tuple[int, int]
    monthly_fee: int
    slots: tuple[Slot, ...]
    teachers: tuple[TeacherSpec, ...]
    summary: str
    status: str = Status.APPROVED
    decision: str = ""  # the managing authority's approval decision
    dates: tuple[datetime.date, datetime.date] = PROGRAMME_YEAR
    capacity: int = 35
    reason: str = ""  # why the authority returned, refused or suspended it
    reference: str = ""  # of the suspension
    # The decision number of the inspection the Department suspends it from (INSPECTIONS),
    # once that inspection is under way, rather than straight after its approval.
    suspended_from: str = ""
    # Students put forward and the parents' answers on the paper form: the last ``declined``
    # of them said no, the others yes.
    roster: int = 0
    declined: int = 0
    # The roster drawn from a single class (the largest of the grades), as when a homeroom
    # teacher hands the forms out to the whole class and collects them signed.
    one_class: bool = False
    # Families who then agreed themselves, through their personal link, one after the other:
    # the first take the places left, the others wait on the waiting list in order.
    by_link: int = 0


# The same kind costs 120.000 ₫ a month in a rural primary school and 2.000.000 ₫ in a
# multi-level school: the fee comparison flags the dearest, far above the median.
PROGRAMMES = [
    # The demo head's school: one of each stage of a programme's life.
    ProgrammeSpec("thcs.hongbang", "Tiếng Anh giao tiếp", "haiau", Kind.FOREIGN_LANGUAGE, (6, 9),
                  350_000, weekly((SAT,), "08:00", "09:30", 2, "Phòng Tiếng Anh"),
                  (THU_HA, THANH_TAM),
                  "Luyện nghe, nói tiếng Anh theo chủ đề gần gũi (gia đình, trường học, thành "
                  "phố cảng), theo giáo trình của đơn vị liên kết đã được thẩm định; không dạy "
                  "trước chương trình, không dùng kết quả để đánh giá môn Tiếng Anh.",
                  decision="45/QĐ-UBND", capacity=30, roster=10, declined=2),
    # Nearly every student of grades 6 and 7 was put forward, with paper forms the teachers
    # collected (the risk page shows it); parents complained, and the Department suspends it
    # from the unannounced inspection that followed (INSPECTIONS).
    ProgrammeSpec("thcs.hongbang", "Kỹ năng sống: Tự tin và an toàn", "hatgiong", Kind.LIFE_SKILLS,
                  (6, 7), 180_000, weekly((THU,), "16:50", "17:35", 1, "Phòng đa năng"),
                  (PHUONG_THAO, VAN_TUNG),
                  "Kỹ năng tự bảo vệ, phòng chống đuối nước và xâm hại, làm việc nhóm, "
                  "thuyết trình trước lớp theo Thông tư 04/2014/TT-BGDĐT.",
                  status=Status.SUSPENDED, decision="38/QĐ-UBND", capacity=25,
                  reason="Tạm dừng theo kết quả thanh tra đột xuất: phiếu đăng ký của học sinh "
                         "lớp 6, 7 do giáo viên chủ nhiệm phát và thu hộ, cha mẹ học sinh phản "
                         "ánh bị vận động tham gia; tạm dừng đến khi nhà trường tổ chức lại việc "
                         "đăng ký tự nguyện.",
                  suspended_from="231/QĐ-SGDĐT", roster=12),
    ProgrammeSpec("thcs.hongbang", "Giáo dục STEM: Robot và cảm biến", "duyenhai", Kind.STEM,
                  (7, 9), 320_000, weekly((FRI,), "17:00", "18:30", 2, "Phòng Công nghệ"),
                  (DUC_ANH, HAI_YEN),
                  "Lắp ráp và lập trình robot giáo dục, cảm biến ánh sáng, nhiệt độ; dự án "
                  "nhóm cuối mỗi học kỳ.",
                  status=Status.SUBMITTED, dates=FROM_DECEMBER, capacity=24),
    ProgrammeSpec("thcs.hongbang", "Lập trình Scratch và Python cơ bản", "duyenhai", Kind.IT,
                  (6, 8), 280_000, weekly((SAT,), "14:00", "15:30", 2, "Phòng Tin học"),
                  (QUANG_VINH,),
                  "Tư duy lập trình qua Scratch, sau đó làm quen với Python: biến, vòng lặp, "
                  "trò chơi nhỏ.",
                  status=Status.DRAFT, dates=TERM_TWO, capacity=24),
    # Elsewhere in the city. A small group, full, with two families on the waiting list.
    ProgrammeSpec("th.quangtrung", "Làm quen với tiếng Anh lớp 1, 2", "haiau",
                  Kind.FOREIGN_LANGUAGE, (1, 2), 250_000,
                  weekly((TUE, THU), "16:30", "17:05", 1, "Phòng Tiếng Anh"), (MINH_KHOA,),
                  "Làm quen với tiếng Anh qua bài hát, trò chơi và truyện tranh theo nhóm nhỏ; "
                  "không đánh giá bằng điểm số.",
                  decision="52/QĐ-UBND", capacity=5, by_link=7),
    # Almost a whole class on paper forms: the risk page flags the class's share.
    ProgrammeSpec("th.quangtrung", "Kỹ năng sống cho học sinh tiểu học", "hatgiong",
                  Kind.LIFE_SKILLS, (1, 5), 100_000,
                  weekly((FRI,), "16:30", "17:05", 1, "Phòng đa năng"), (VAN_TUNG,),
                  "Kỹ năng tự phục vụ, an toàn giao thông, ứng xử với bạn bè và thầy cô.",
                  decision="53/QĐ-UBND", roster=11, one_class=True),
    ProgrammeSpec("th.tranquoctoan", "Tiếng Anh với giáo viên nước ngoài", "seabridge",
                  Kind.FOREIGN_TEACHERS, (1, 5), 600_000,
                  weekly((MON, WED), "16:30", "17:05", 1, "Phòng Tiếng Anh"), (HUGHES, THU_TRANG),
                  "Nghe, nói tiếng Anh với giáo viên bản ngữ, có trợ giảng người Việt; bổ trợ, "
                  "không thay thế môn Tiếng Anh chính khóa.",
                  decision="118/QĐ-UBND"),
    ProgrammeSpec("th.tranquoctoan", "Toán tư duy", "haiau", Kind.THINKING_MATHS, (1, 5), 300_000,
                  weekly((THU,), "16:30", "17:05", 1, "Phòng 5A2"), (NGOC_LAN,),
                  "Phát triển tư duy logic qua trò chơi, đồ dùng trực quan và bài toán thực tế; "
                  "không dạy trước chương trình Toán.",
                  decision="119/QĐ-UBND"),
    ProgrammeSpec("thcs.ngoquyen", "Giáo dục STEM: Khoa học ứng dụng", "duyenhai", Kind.STEM,
                  (6, 9), 250_000, weekly((TUE,), "17:00", "18:30", 2, "Phòng thí nghiệm"),
                  (HAI_YEN,),
                  "Thí nghiệm và dự án khoa học nhỏ: lọc nước, năng lượng mặt trời, mô hình "
                  "cảng biển.",
                  decision="121/QĐ-UBND"),
    ProgrammeSpec("thpt.lechan", "Tiếng Anh luyện kỹ năng", "haiau", Kind.FOREIGN_LANGUAGE,
                  (10, 11), 450_000, weekly((TUE,), "17:00", "18:30", 2, "Phòng 11A1"),
                  (MINH_KHOA, THANH_TAM),
                  "Luyện bốn kỹ năng nghe, nói, đọc, viết theo khung năng lực ngoại ngữ 6 bậc.",
                  decision="112/QĐ-SGDĐT"),
    ProgrammeSpec("thpt.lechan", "Tiếng Anh với giáo viên nước ngoài", "seabridge",
                  Kind.FOREIGN_TEACHERS, (10, 12), 1_200_000,
                  weekly((SAT,), "14:00", "15:30", 2, "Phòng Tiếng Anh"), (MITCHELL,),
                  "Giao tiếp và thuyết trình tiếng Anh với giáo viên nước ngoài.",
                  status=Status.RETURNED,
                  reason="Đề nghị bổ sung bản sao giấy phép lao động, văn bằng của giáo viên "
                         "nước ngoài và kế hoạch dạy học theo tuần; giải trình mức thu "
                         "1.200.000 đồng/tháng, cao hơn nhiều so với chương trình cùng loại."),
    ProgrammeSpec("thpt.hongbang", "Tin học văn phòng theo chuẩn quốc tế", "duyenhai", Kind.IT,
                  (10, 11), 300_000, weekly((TUE,), "17:00", "18:30", 2, "Phòng Tin học"),
                  (QUANG_VINH,),
                  "Soạn thảo văn bản, bảng tính, trình chiếu; ôn luyện chứng chỉ tin học quốc "
                  "tế cho học sinh có nhu cầu.",
                  decision="113/QĐ-SGDĐT"),
    ProgrammeSpec("thpt.hongbang", "Tiếng Anh giao tiếp với giáo viên nước ngoài", "seabridge",
                  Kind.FOREIGN_TEACHERS, (10, 12), 800_000,
                  weekly((FRI,), "17:00", "18:30", 2, "Phòng Tiếng Anh"), (MITCHELL, SANTOS),
                  "Giao tiếp, tranh biện và thuyết trình tiếng Anh với giáo viên nước ngoài.",
                  decision="114/QĐ-SGDĐT"),
    ProgrammeSpec("th.anduong", "Tiếng Anh bổ trợ", "haiau", Kind.FOREIGN_LANGUAGE, (1, 5),
                  120_000, weekly((TUE, THU), "16:30", "17:05", 1, "Phòng 3A1"), (NGOC_LAN,),
                  "Củng cố từ vựng và phát âm qua bài hát, trò chơi; lớp ít học sinh.",
                  decision="27/QĐ-UBND"),
    ProgrammeSpec("thcs.anduong", "Tiếng Anh giao tiếp", "haiau", Kind.FOREIGN_LANGUAGE, (6, 8),
                  180_000, weekly((SAT,), "08:00", "09:30", 2, "Phòng 7A1"), (THANH_TAM,),
                  "Luyện nghe, nói tiếng Anh theo chủ đề, câu lạc bộ tiếng Anh cuối tháng.",
                  decision="29/QĐ-UBND"),
    ProgrammeSpec("thcs.anduong", "Toán tư duy nâng cao", "haiau", Kind.THINKING_MATHS, (8, 9),
                  400_000, weekly((FRI,), "17:00", "18:30", 2, "Phòng 8A2"), (VAN_HUNG,),
                  "Chuyên đề Toán nâng cao lớp 9 và luyện đề thi vào lớp 10.",
                  status=Status.REFUSED,
                  reason="Nội dung là Toán lớp 9 và luyện thi vào lớp 10: dạy trước chương "
                         "trình, không phải liên kết giáo dục theo nhu cầu người học. Ôn thi "
                         "vào lớp 10 do nhà trường tổ chức miễn phí theo quy định về dạy thêm."),
    ProgrammeSpec("thpt.anduong", "Trải nghiệm di sản và làng nghề Hải Phòng", "hatgiong",
                  Kind.EXPERIENTIAL, (10, 11), 200_000,
                  weekly((SAT,), "14:00", "15:30", 2, "Hội trường"), (DUC_LONG, VAN_TUNG),
                  "Tìm hiểu di tích Bạch Đằng Giang, đình Hàng Kênh, làng nghề tạc tượng Bảo "
                  "Hà; dự án nhóm giới thiệu di sản địa phương.",
                  decision="115/QĐ-SGDĐT"),
    ProgrammeSpec("thcs-thpt.nbk", "Luyện thi IELTS", "seabridge", Kind.FOREIGN_LANGUAGE, (9, 12),
                  2_000_000, weekly((TUE, THU), "17:15", "18:45", 2, "Phòng Tiếng Anh"),
                  (WALKER, THU_TRANG),
                  "Luyện thi IELTS học thuật, mục tiêu 6.0–6.5; thi thử mỗi tháng.",
                  decision="116/QĐ-SGDĐT", capacity=20),
    ProgrammeSpec("gdtx.haiphong", "Hướng nghiệp và kỹ năng chọn nghề", "hatgiong", Kind.CAREER,
                  (10, 12), 100_000, weekly((SAT,), "14:00", "15:30", 2, "Hội trường"),
                  (THI_HONG,),
                  "Khám phá bản thân, tìm hiểu ngành nghề của thành phố cảng, tham quan doanh "
                  "nghiệp và trường nghề.",
                  decision="117/QĐ-SGDĐT"),
]

# Vietnamese names of the kinds, for the generated documents.
KIND_WORDS = {
    Kind.FOREIGN_LANGUAGE: "ngoại ngữ",
    Kind.FOREIGN_TEACHERS: "ngoại ngữ có giáo viên nước ngoài",
    Kind.IT: "tin học",
    Kind.LIFE_SKILLS: "kỹ năng sống",
    Kind.STEM: "giáo dục STEM",
    Kind.THINKING_MATHS: "toán tư duy",
    Kind.EXPERIENTIAL: "trải nghiệm",
    Kind.CAREER: "hướng nghiệp",
    Kind.OTHER: "khác",
}
WEEKDAY_WORDS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
DECLINE_NOTES = [
    "Gia đình không có điều kiện đưa đón con vào giờ học của chương trình.",
    "Con đã học ở trung tâm gần nhà.",
]

# The summary's words for the statuses of a programme, in the order printed.
PROGRAMME_STATUS_WORDS = {
    Status.APPROVED: "đã phê duyệt",
    Status.SUBMITTED: "chờ phê duyệt",
    Status.RETURNED: "trả lại để hoàn thiện",
    Status.REFUSED: "không phê duyệt",
    Status.SUSPENDED: "tạm dừng",
    Status.CLOSED: "đã kết thúc",
    Status.DRAFT: "dự thảo",
}


KIN = {"father": "Cha", "mother": "Mẹ", "guardian": "Người giám hộ"}


# --- Inspections and complaints --------------------------------------------------------
# Made through ``inspections.services`` and ``inspections.complaints`` by the demo's
# officials, heads and families, so that their history and audit are the real ones. The demo
# runs on any day: inspection dates and deadlines count from the day it runs, kept within the
# demo's school year; a plan is found again by its authority, year and number, an inspection
# by its decision number, a complaint by its school and text, and each is left as it is.


class PlanSpec(NamedTuple):
    official: str  # username; the plan is their authority's
    unit: str  # code of the unit it covers
    reference: str  # with the authority and the year, what a second run finds it by
    title: str
    scopes: tuple[str, ...]


INSPECTION_PLANS = [
    PlanSpec("so.gddt", PROVINCE_CODE, "12/KH-SGDĐT",
             "Kế hoạch thanh tra, kiểm tra dạy thêm, học thêm và liên kết giáo dục năm học "
             f"{CURRENT_YEAR}",
             (Scope.TUTORING, Scope.PROGRAMMES, Scope.FEES, Scope.CONSENT)),
    PlanSpec("ubnd.hongbang", "31001", "05/KH-UBND",
             "Kế hoạch kiểm tra dạy thêm, học thêm và liên kết giáo dục trên địa bàn phường "
             f"Hồng Bàng năm học {CURRENT_YEAR}",
             (Scope.TUTORING, Scope.PROGRAMMES, Scope.CONSENT)),
]


class ActionSpec(NamedTuple):
    """A corrective action: set ``due`` days from the day the demo runs; ``outcome`` is what
    became of it: "open", "overdue" (its deadline passed), "answered" by the head and
    awaiting the team's review, or "accepted"."""

    description: str
    due: int
    responsible: str
    outcome: str = "open"
    response: str = ""
    response_file: str = ""  # a photo (.png) or document (.pdf) the head attaches


class FindingSpec(NamedTuple):
    category: str
    severity: str
    title: str
    description: str
    legal_basis: str
    responsible: str
    actions: tuple[ActionSpec, ...]
    question: int = 0  # the order of the checklist question it comes from
    activity: str = ""  # title of the activity concerned, of the inspected school
    responsible_user: str = ""  # username of a staff member of the school
    files: tuple[str, ...] = ()  # the team's evidence: .pdf or .png names


class InspectionSpec(NamedTuple):
    reference: str  # the decision number; what a second run finds the inspection by
    school: str  # slug
    ordered_by: str  # username of the official of the inspecting authority
    team: tuple[str, ...]  # usernames, the head of the team first
    scopes: tuple[str, ...]
    start: int  # days from the day the demo runs
    days: int  # how long the visit lasts
    kind: str = Inspection.Kind.PERIODIC
    trigger: str = Inspection.Trigger.PLAN
    plan: str = ""  # the plan's number, for an inspection of a plan
    # How far it went: "planned", "started" (the team at work) or "closed" (concluded, its
    # actions answered and accepted).
    stage: str = "planned"
    answers: tuple[tuple[int, str, str], ...] = ()  # (question order, answer, note)
    findings: tuple[FindingSpec, ...] = ()
    conclusion: str = ""
    sanctions: str = ""


Answer = ChecklistAnswer.Answer
YES, NO, NA = Answer.YES, Answer.NO, Answer.NOT_APPLICABLE
CIRCULAR_29 = "Thông tư 29/2024/TT-BGDĐT"
CITY_DIRECTIVE = "Chỉ thị của UBND thành phố về dạy thêm, học thêm và liên kết giáo dục"
ALL_SCOPES = (Scope.TUTORING, Scope.PROGRAMMES, Scope.FEES, Scope.CONSENT)

INSPECTIONS = [
    # The Department's plan: a visit done, its actions accepted and the inspection closed…
    InspectionSpec(
        "198/QĐ-SGDĐT", "thpt.lechan", "so.gddt", ("thanhtra", "so.gddt"), ALL_SCOPES,
        start=-42, days=3, plan="12/KH-SGDĐT", stage="closed",
        answers=(
            (1, YES, ""), (2, YES, ""), (3, YES, ""), (4, YES, ""),
            (5, NA, "Trường không có học sinh tiểu học."),
            (6, NO, "Một giáo viên Toán đã báo cáo dạy thêm ngoài nhà trường nhưng đồng thời "
                    "điều hành cơ sở dạy thêm do chồng đứng tên đăng ký kinh doanh."),
            (7, YES, ""),
            (8, NO, "Mức thu của chương trình Tiếng Anh luyện kỹ năng đúng quyết định phê duyệt "
                    "nhưng chưa được niêm yết tại trường."),
            (9, YES, ""), (10, YES, ""),
            (11, NA, "Chương trình đang thực hiện không có giáo viên nước ngoài."),
            (12, YES, ""), (13, YES, ""),
        ),
        findings=(
            FindingSpec(
                Finding.Category.TUTORING, "serious",
                "Giáo viên tham gia điều hành cơ sở dạy thêm ngoài nhà trường",
                "Giáo viên Toán của trường đã nộp báo cáo dạy thêm ngoài nhà trường (mẫu 03) "
                "nhưng đồng thời trực tiếp điều hành Trung tâm Bồi dưỡng Kiến thức Tương Lai, "
                "cơ sở do chồng đứng tên đăng ký kinh doanh.",
                f"{CIRCULAR_29}, Điều 4 khoản 2", "Giáo viên Toán; Hiệu trưởng nhà trường",
                (ActionSpec("Giáo viên chấm dứt việc tham gia điều hành cơ sở dạy thêm; Hiệu "
                            "trưởng báo cáo bằng văn bản kèm cam kết của giáo viên.", 14,
                            "Hiệu trưởng", "accepted",
                            "Giáo viên đã thôi tham gia điều hành cơ sở, có xác nhận của cơ sở; "
                            "nhà trường đã họp tổ chuyên môn quán triệt Thông tư 29/2024.",
                            "bao-cao-khac-phuc-giao-vien.pdf"),),
                question=6, responsible_user="giaovien2.thpt.lechan"),
            FindingSpec(
                Finding.Category.FEES, "minor",
                "Chưa niêm yết công khai mức thu của chương trình liên kết",
                "Mức thu 450.000 đồng/tháng của chương trình Tiếng Anh luyện kỹ năng đúng quyết "
                "định phê duyệt nhưng chưa được niêm yết tại bảng tin và trên trang thông tin "
                "điện tử của trường.",
                f"{CITY_DIRECTIVE}; công khai, giải trình (P6)", "Hiệu trưởng nhà trường",
                (ActionSpec("Niêm yết mức thu, lịch học và đơn vị liên kết của chương trình tại "
                            "bảng tin và trên trang thông tin điện tử của trường.", 10,
                            "Hiệu trưởng", "accepted",
                            "Đã niêm yết tại bảng tin tầng 1 và đăng trên trang thông tin điện "
                            "tử của trường."),),
                question=8, activity="Tiếng Anh luyện kỹ năng"),
        ),
        conclusion="Nhà trường tổ chức dạy thêm trong trường đúng quy định: không thu tiền, "
                   "đúng đối tượng, không quá 2 tiết mỗi tuần. Chương trình liên kết đã được Sở "
                   "phê duyệt, tổ chức ngoài giờ chính khóa, có đơn tự nguyện của cha mẹ học "
                   "sinh. Tồn tại: một giáo viên tham gia điều hành cơ sở dạy thêm ngoài nhà "
                   "trường; mức thu của chương trình liên kết chưa được niêm yết.",
        sanctions="Yêu cầu Hiệu trưởng khắc phục các tồn tại và báo cáo kết quả; nhắc nhở "
                  "giáo viên có liên quan."),
    # … and two visits to come.
    InspectionSpec("236/QĐ-SGDĐT", "thpt.hongbang", "so.gddt", ("thanhtra",),
                   (Scope.PROGRAMMES, Scope.FEES, Scope.CONSENT), start=30, days=2,
                   plan="12/KH-SGDĐT"),
    InspectionSpec("241/QĐ-SGDĐT", "gdtx.haiphong", "so.gddt", ("thanhtra", "so.gddt"),
                   (Scope.TUTORING, Scope.FEES), start=58, days=2, plan="12/KH-SGDĐT"),
    # The ward's committee inspects the lower-secondary school it manages.
    InspectionSpec("77/QĐ-UBND", "thcs.hongbang", "ubnd.hongbang", ("ubnd.hongbang",),
                   (Scope.TUTORING, Scope.PROGRAMMES, Scope.CONSENT), start=21, days=1,
                   plan="05/KH-UBND"),
    # Parents complained that their children were pushed into a life-skills programme: the
    # Department's inspector arrives unannounced at the demo head's school. The checklist is
    # half done, two findings are recorded, and of their corrective actions the head answered
    # one (the inspector reviews it), one is open and one is past its deadline. The
    # Department suspends the programme from the inspection.
    InspectionSpec(
        "231/QĐ-SGDĐT", "thcs.hongbang", "so.gddt", ("thanhtra",), ALL_SCOPES,
        start=0, days=3, kind=Inspection.Kind.UNANNOUNCED, trigger=Inspection.Trigger.COMPLAINT,
        stage="started",
        answers=(
            (1, NO, "Kế hoạch dạy thêm năm học đã được Hiệu trưởng duyệt nhưng chưa niêm yết, "
                    "chưa đăng trên trang thông tin điện tử của trường."),
            (2, YES, "Lớp phụ đạo Toán 7: đúng danh sách học sinh chưa đạt học kỳ II."),
            (3, YES, ""),
            (7, YES, "Lớp phụ đạo không thu tiền."),
            (9, YES, ""), (10, YES, ""),
            (12, YES, "Có phiếu đăng ký của cha mẹ, nhưng toàn bộ phiếu của chương trình kỹ năng "
                      "sống do giáo viên chủ nhiệm phát và thu hộ."),
            (13, NO, "Ba phụ huynh lớp 6A2, 7A1 cho biết đã ký vì giáo viên nhắc tên học sinh "
                     "chưa nộp phiếu trước lớp."),
        ),
        findings=(
            FindingSpec(
                Finding.Category.CONSENT, "serious",
                "Vận động học sinh lớp 6, 7 tham gia chương trình liên kết kỹ năng sống",
                "Phiếu đăng ký chương trình do giáo viên chủ nhiệm phát và thu hộ tại lớp; gần "
                "như toàn bộ học sinh lớp 6, 7 được đưa vào danh sách; cha mẹ học sinh phản ánh "
                "giáo viên nhắc tên học sinh chưa nộp phiếu trước lớp.",
                f"{CIRCULAR_29}, Điều 3; {CITY_DIRECTIVE} (P1)",
                "Hiệu trưởng; giáo viên chủ nhiệm các lớp 6A2, 7A1",
                (ActionSpec("Tổ chức lại việc đăng ký: thông báo cho cha mẹ học sinh lớp 6, 7 "
                            "quyền tự nguyện tham gia, chỉ nhận đăng ký trực tuyến hoặc phiếu do "
                            "cha mẹ tự nộp.", 30, "Hiệu trưởng"),
                 ActionSpec("Hiệu trưởng báo cáo giải trình bằng văn bản việc giáo viên chủ "
                            "nhiệm phát và thu hộ phiếu đăng ký.", -3, "Hiệu trưởng", "overdue")),
                question=13, activity="Kỹ năng sống: Tự tin và an toàn",
                responsible_user="hieutruong.thcs.hongbang",
                files=("bien-ban-lam-viec-voi-cha-me-hoc-sinh.pdf", "anh-phieu-dang-ky.png")),
            FindingSpec(
                Finding.Category.TUTORING, "minor",
                "Chưa công khai kế hoạch dạy thêm trong nhà trường",
                "Kế hoạch dạy thêm năm học đã được Hiệu trưởng duyệt nhưng chưa niêm yết tại "
                "trường, chưa đăng trên trang thông tin điện tử của trường.",
                f"{CIRCULAR_29}, Điều 5 khoản 3", "Hiệu trưởng nhà trường",
                (ActionSpec("Niêm yết kế hoạch dạy thêm tại bảng tin và đăng trên trang thông tin "
                            "điện tử của trường.", 7, "Hiệu trưởng", "answered",
                            "Đã niêm yết kế hoạch dạy thêm tại bảng tin tầng 1 và đăng trên "
                            "trang thông tin điện tử của trường; gửi kèm ảnh chụp bảng tin.",
                            "anh-bang-tin.png"),),
                question=1),
        ),
    ),
]
# The programme the Department suspends from an inspection, with the spec's reason.
SUSPENDED_FROM_INSPECTION = [spec for spec in PROGRAMMES if spec.suspended_from]


class ComplaintSpec(NamedTuple):
    """A complaint as its author filed it (anonymous when ``name`` is empty; ``parent``: the
    demo mother signed in) and what the authority did since: ``handling`` is a list of
    (step, username, argument) with step "assign" (argument: the assignee's username),
    "answer", "close" (the answer) or "link" (the inspection's decision number)."""

    school: str  # slug
    category: str
    description: str  # with the school, what a second run finds the complaint by
    activity: str = ""  # title
    name: str = ""
    phone: str = ""
    email: str = ""
    parent: bool = False
    handling: tuple[tuple[str, str, str], ...] = ()


LIFE_SKILLS_COMPLAINT = (
    "Con tôi học lớp 6A2. Cô chủ nhiệm phát phiếu đăng ký chương trình kỹ năng sống ngay tại "
    "lớp, hôm sau nhắc tên những bạn chưa nộp phiếu trước cả lớp. Tôi không muốn cho con học "
    "nhưng sợ con bị để ý nên đã ký. Đề nghị kiểm tra việc vận động học sinh tham gia."
)
COMPLAINTS = [
    # The complaint that led to the unannounced inspection: anonymous, handled by the ward
    # committee (the school's managing authority), linked to the Department's inspection
    # once under way, and closed with an answer once the Department suspended the programme.
    # Its tracking code is printed for testers.
    ComplaintSpec(
        "thcs.hongbang", Complaint.Category.COERCION, LIFE_SKILLS_COMPLAINT,
        activity="Kỹ năng sống: Tự tin và an toàn",
        handling=(("assign", "ubnd.hongbang", "ubnd.hongbang"),
                  ("link", "ubnd.hongbang", "231/QĐ-SGDĐT"),
                  ("close", "ubnd.hongbang",
                   "UBND phường đã chuyển phản ánh tới Sở Giáo dục và Đào tạo. Đoàn thanh tra "
                   "của Sở đã kiểm tra đột xuất nhà trường, xác định việc giáo viên phát và thu "
                   "hộ phiếu đăng ký, và Sở đã tạm dừng chương trình. Nhà trường phải tổ chức "
                   "lại việc đăng ký theo nguyện vọng của cha mẹ học sinh."))),
    # A named parent, about fees at a school the Department manages: assigned to its inspector.
    ComplaintSpec(
        "thpt.lechan", Complaint.Category.FEES,
        "Ngoài học phí 450.000 đồng/tháng, lớp Tiếng Anh luyện kỹ năng thu thêm 600.000 đồng "
        "tiền giáo trình và đề thi thử, không có biên lai. Đề nghị Sở kiểm tra khoản thu này.",
        activity="Tiếng Anh luyện kỹ năng", name="Lương Thị Hải Yến", phone="0912468357",
        handling=(("assign", "so.gddt", "thanhtra"),)),
    # The demo mother, signed in, about her son's school: linked to the inspection planned
    # there next month.
    ComplaintSpec(
        "thpt.hongbang", Complaint.Category.OTHER,
        "Giáo viên bộ môn gợi ý học sinh lớp 10 đăng ký học thêm tại nhà cô vào buổi tối, "
        "nói rằng đề kiểm tra sẽ có dạng bài đã học ở đó. Tôi đề nghị nhà trường và Sở làm rõ.",
        parent=True, handling=(("link", "so.gddt", "236/QĐ-SGDĐT"),)),
    # Just received, in the ward committee's queue.
    ComplaintSpec(
        "mn.hoaphuong", Complaint.Category.FEES,
        "Lớp 5 tuổi thu mỗi tháng 150.000 đồng gọi là tiền làm quen tiếng Anh, nhà trường không "
        "thông báo văn bản nào và không có biên lai. Đề nghị công khai khoản thu này."),
    # Answered by the commune's committee, still being handled.
    ComplaintSpec(
        "thcs.anduong", Complaint.Category.QUALITY,
        "Lớp phụ đạo Ngữ văn 7 nhiều buổi đổi lịch sát giờ, có buổi học sinh chờ mà không có "
        "giáo viên. Gia đình ở xa nên đưa đón rất vất vả.",
        name="Đinh Văn Long", phone="0389215746", email="dinhvanlong@example.com",
        handling=(("answer", "ubnd.anduong",
                   "UBND xã đã đề nghị nhà trường giữ lịch học đã công bố và báo trước ít nhất "
                   "một ngày khi phải đổi buổi; nhà trường sẽ trả lời gia đình trong tuần."),)),
    ComplaintSpec(
        "th.tranquoctoan", Complaint.Category.QUALITY,
        "Lớp tiếng Anh với giáo viên nước ngoài có 40 học sinh, giáo viên nước ngoài chỉ dạy "
        "nửa buổi, còn lại trợ giảng cho học sinh xem video."),
    ComplaintSpec(
        "thcs-thpt.nbk", Complaint.Category.FEES,
        "Học phí luyện thi IELTS 2.000.000 đồng/tháng, phải nộp trước cả học kỳ, không được "
        "hoàn lại nếu học sinh nghỉ giữa chừng."),
]
# The complaint whose tracking code the command prints, for a tester to follow it.
TRACKED_COMPLAINT = COMPLAINTS[0]
INSPECTION_STATUS_WORDS = {
    Inspection.Status.PLANNED: "đã lên kế hoạch",
    Inspection.Status.IN_PROGRESS: "đang tiến hành",
    Inspection.Status.FINDINGS_RECORDED: "đã ghi nhận phát hiện",
    Inspection.Status.CONCLUDED: "đã kết luận",
    Inspection.Status.FOLLOW_UP: "đang theo dõi khắc phục",
    Inspection.Status.CLOSED: "đã kết thúc",
}
COMPLAINT_STATUS_WORDS = {
    Complaint.Status.RECEIVED: "mới nhận",
    Complaint.Status.IN_PROGRESS: "đang xử lý",
    Complaint.Status.CLOSED: "đã trả lời và đóng",
}


# --- Since then --------------------------------------------------------------------------
# What happened after the activities were set up, so that a report on the city has a rule
# breach and a withdrawal to show, as a real city's would.


class TimetableChange(NamedTuple):
    """A session of a school's main timetable that its head changed (``end``) since the
    school's activities were registered."""

    school: str  # slug
    weekday: int
    start: datetime.time
    end: datetime.time


# THCS An Dương added a ninth period on Tuesday afternoons (a science lab period for grades 8
# and 9). The head saved the new timetable; the nightly recheck (``tutoring_recheck``) then
# found the gifted Ngữ văn 8 class, on Tuesdays at 17:00, inside the main timetable. It
# breaks the rule until the school moves it: the demo's one activity on the breaches page.
TIMETABLE_CHANGES = [TimetableChange("thcs.anduong", TUE, T(13, 30), T(17, 30))]


class WithdrawalSpec(NamedTuple):
    """A parent who withdrew a consent given on a paper form, by phoning the school; a
    teacher of the school records the call."""

    school: str  # slug
    activity: str  # title
    reason: str  # what the parent said, after who called and from which number (the whole
    # note within ConsentEvent.note's 200 characters)


# Once the Department suspended the life-skills programme of the demo head's school, a parent
# who had signed the form the homeroom teacher handed out called to withdraw.
WITHDRAWALS = [
    WithdrawalSpec("thcs.hongbang", "Kỹ năng sống: Tự tin và an toàn",
                   "xin cho con thôi tham gia; đã ký phiếu vì con bị nhắc tên trước lớp."),
]


# --- Reports and official documents -------------------------------------------------------
# Asked for through ``reports.services`` as the pages ask, once the city is committed, and
# made by the task each request queues: real PDFs with their verification codes.


class ReportSpec(NamedTuple):
    requester: str  # username
    kind: str
    area: str = ""  # key of AREAS, for an area report
    school: str = ""  # slug, for a school report
    period: tuple[datetime.date, datetime.date] | None = None  # the whole school year if None


# The periodic reports on the current school year: the city's by the Department (its code is
# printed), the ward's by its People's Committee, the demo head's school's by the head.
REPORTS = [
    ReportSpec("so.gddt", DocumentKind.CITY),
    ReportSpec("ubnd.hongbang", DocumentKind.AREA, area="hongbang"),
    ReportSpec("hieutruong.thcs.hongbang", DocumentKind.SCHOOL, school="thcs.hongbang"),
]
# The report whose printed verification code a tester tries on the public page.
VERIFIED_REPORT = REPORTS[0]
# A request of the Department that failed (the database connection dropped while counting):
# written as the task leaves a failure, so that its retry button can be tried.
FAILED_REPORT = ReportSpec("so.gddt", DocumentKind.SCHOOL, school="thpt.lechan",
                           period=(datetime.date(2026, 9, 5), datetime.date(2026, 10, 31)))
FAILED_ERROR = "OperationalError"
# The inspection whose conclusion is issued as an official PDF: the one concluded and closed.
CONCLUDED_INSPECTION = next(spec for spec in INSPECTIONS if spec.stage == "closed")
# The summary's words for the kinds of document, in the order printed.
DOCUMENT_WORDS = {
    DocumentKind.CITY: "báo cáo của thành phố",
    DocumentKind.AREA: "báo cáo của địa bàn",
    DocumentKind.SCHOOL: "báo cáo của trường",
    DocumentKind.CONCLUSION: "kết luận thanh tra",
}


def ensure_rule_policy() -> None:
    """The Circular 29/2024 rule version that migration tutoring 0002 adds, put back after a
    flush (the function itself skips it when present)."""
    import_module("tutoring.migrations.0002_circular_29_2024").add_circular_29(django_apps, None)


def ascii_text(text: str) -> str:
    """For the PDF's built-in font, which has no Vietnamese letters."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def consent_form_pdf(lines: list[str]) -> bytes:
    """A one-page PDF standing in for the scan of a signed paper form."""
    def escape(line):
        return ascii_text(line).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = " ".join(f"({escape(line)}) Tj 0 -22 Td" for line in lines)
    content = f"BT /F1 13 Tf 60 780 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def pdf_file(lines: list[str], name: str) -> ContentFile:
    """A generated one-page PDF standing in for a scanned document, checked as an upload
    is (by its content, not its name)."""
    wrapped = [part for line in lines
               for part in textwrap.wrap(line.replace("–", "-"), 72) or [""]]
    scan = ContentFile(consent_form_pdf(wrapped), name=name)
    validate_scan(scan)
    return scan


def png_image(width: int = 64, height: int = 48) -> bytes:
    """A small grey photo of a page: light paper with a few dark lines of "text"."""
    paper, ink = b"\xee\xea\xe0", b"\x3a\x3a\x48"
    rows = []
    for y in range(height):
        text = y % 8 in (5, 6) and 6 <= y < height - 6
        line = [ink if text and 6 <= x < width - 6 - (y * 7) % 17 else paper
                for x in range(width)]
        rows.append(b"\x00" + b"".join(line))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def evidence_file(name: str, lines: list[str]) -> ContentFile:
    """A photo (``.png``) or a scanned document (``.pdf``, with ``lines``), checked as an
    upload is."""
    if name.endswith(".png"):
        photo = ContentFile(png_image(), name=name)
        validate_scan(photo)
        return photo
    return pdf_file(lines, name)


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def schedule_words(slots) -> str:
    return ", ".join(f"{WEEKDAY_WORDS[s.weekday]} {s.start:%H:%M}–{s.end:%H:%M}" for s in slots)


# The logins printed at the end, in this order; the tests read this list.
DEMO_LOGINS = [
    ("Sở GD&ĐT (lãnh đạo, chuyên viên)", "so.gddt"),
    ("Thanh tra Sở", "thanhtra"),
    ("UBND phường", "ubnd.hongbang"),
    ("Hiệu trưởng", "hieutruong.thcs.hongbang"),
    ("Giáo viên", "giaovien.thcs.hongbang"),
    ("Cha mẹ học sinh", "phuhuynh"),
]
ADMIN_LOGIN = ("Quản trị hệ thống", "admin")
# The programmes (school, title) of the personal links printed after the logins: the demo
# head's school's, and the small English group that is full.
PERSONAL_LINKS = [
    ("thcs.hongbang", "Tiếng Anh giao tiếp"),
    ("th.quangtrung", "Làm quen với tiếng Anh lớp 1, 2"),
]


class Names:
    """Vietnamese names drawn from a seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._surnames = list(SURNAMES)
        self._weights = list(SURNAMES.values())

    def surname(self) -> str:
        return self.rng.choices(self._surnames, self._weights)[0]

    def child(self, sex: str, surname: str | None = None) -> str:
        return f"{surname or self.surname()} {self.rng.choice(CHILD_NAMES[sex])}"

    def adult(self, sex: str, surname: str | None = None) -> str:
        return f"{surname or self.surname()} {self.rng.choice(ADULT_NAMES[sex])}"


class DemoCity:
    def __init__(self, with_admin: bool):
        self.rng = random.Random(2025)
        self.names = Names(self.rng)
        self.with_admin = with_admin
        self.password = make_password(DEMO_PASSWORD, salt=DEMO_SALT)
        self.phones = {FAMILY["mother"][1], FAMILY["father"][1]}
        self.codes = {code for code, *_ in FAMILY["children"]}

    # Identifiers, unique within the demo and the same on every run.
    def phone(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**7):07d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def code(self) -> str:
        while True:
            code = f"31{self.rng.randrange(10**8):08d}"
            if code not in self.codes:
                self.codes.add(code)
                return code

    def build(self):
        self.units()
        self.years = ensure_school_years()
        self.subjects = ensure_subjects()
        self.schools()
        self.officials()
        for spec in SCHOOLS:
            if not spec.merged_into:
                self.school_people(spec)
        self.family()
        if self.with_admin:
            self.user("admin", "Quản trị hệ thống", is_staff=True, is_superuser=True)
        self.timetables()
        self.results()
        self.tutoring()
        self.partnerships()
        self.family_answers()
        self.father_invitation()
        self.inspections()
        self.withdrawals()
        self.timetable_changes()
        self.rights_page()

    def rights_page(self):
        """The Department's own version of the rights page: the portal's text with the
        city's hotline added, so the page shows who changed it and when."""
        if RightsPage.objects.filter(language="vi").exists():
            return
        with translation.override("vi"):
            text = rights.default_text()
        text += (
            "\n\n## Đường dây nóng\n\n"
            "Trong giờ hành chính, gọi đường dây nóng của Sở Giáo dục và Đào tạo (số điện "
            "thoại ở cuối trang web của Sở), hoặc gửi phản ánh trực tuyến trên cổng thông "
            "tin này."
        )
        rights_page_update(actor=User.objects.get(username="so.gddt"), language="vi", body=text)

    def units(self):
        self.province = upsert(
            AdministrativeUnit, {"code": PROVINCE_CODE}, name=PROVINCE_NAME,
            level=AdministrativeUnit.Level.PROVINCE, parent_id=None,
        )
        self.areas, self.districts = {}, {}
        for area in AREAS:
            commune = upsert(
                AdministrativeUnit, {"code": area.code}, name=area.name,
                level=AdministrativeUnit.Level.COMMUNE, parent_id=self.province.pk,
                valid_from=REFORM_DAY, valid_to=None,
            )
            self.areas[area.key] = commune
            self.districts[area.key] = upsert(
                AdministrativeUnit, {"code": area.district_code}, name=area.district_name,
                level=AdministrativeUnit.Level.DISTRICT, parent_id=self.province.pk,
                valid_to=REFORM_DAY - datetime.timedelta(days=1), successor_id=commune.pk,
            )

    def schools(self):
        self.school_by_slug = {}
        for spec in SCHOOLS:  # a merged school comes after the one it merged into
            grade_min, grade_max = LEVEL_GRADES[spec.level]
            merged_into = self.school_by_slug[spec.merged_into] if spec.merged_into else None
            unit = self.districts[spec.area] if merged_into else self.areas[spec.area]
            self.school_by_slug[spec.slug] = upsert(
                School, {"moet_code": spec.moet_code}, name=spec.name, level=spec.level,
                ownership=School.Ownership.PUBLIC, grade_min=grade_min, grade_max=grade_max,
                unit_id=unit.pk, address=f"{spec.address}, thành phố Hải Phòng",
                phone=spec.phone, email=f"{spec.slug.replace('.', '')}@{EMAIL_DOMAIN}",
                is_active=merged_into is None,
                merged_into_id=merged_into.pk if merged_into else None,
            )

    def user(self, username, full_name, *, phone="", is_staff=False, is_superuser=False,
             position=""):
        return upsert(
            User, {"username": username}, full_name=full_name,
            email=f"{username}@{EMAIL_DOMAIN}", phone=phone, password=self.password,
            is_active=True, is_staff=is_staff, is_superuser=is_superuser, position=position,
        )

    def grant(self, user, role, *, unit=None, school=None, position=""):
        """``role_grant`` once: a second run finds the scope in place and records no new
        audit event."""
        if user.role != role or not self.has_scope(user, role, unit, school):
            role_grant(actor=None, user=user, role=role, unit=unit, school=school,
                       position=position)

    @staticmethod
    def has_scope(user, role, unit, school) -> bool:
        if unit is not None:
            return UnitUserObjectPermission.objects.filter(
                user=user, content_object=unit, permission__codename="oversee_unit"
            ).exists()
        if school is not None:
            codename = policy.SCHOOL_PERMISSION[role].split(".")[1]
            return (
                SchoolUserObjectPermission.objects.filter(
                    user=user, content_object=school, permission__codename=codename
                ).exists()
                and StaffMember.objects.filter(user=user, school=school).exists()
                and (role != Role.PRINCIPAL
                     or School.objects.filter(pk=school.pk, head=user).exists())
            )
        return True

    def officials(self):
        units = {u.code: u for u in [self.province, *self.areas.values()]}
        for username, full_name, role, unit_code, position in OFFICIALS:
            user = self.user(username, full_name, phone=self.phone(),
                             is_staff=role == Role.DEPARTMENT, position=position)
            # role_grant gives department officials the admin and its model permissions.
            self.grant(user, role, unit=units[unit_code])

    def school_people(self, spec: SchoolSpec):
        rng, names = self.rng, self.names
        school = self.school_by_slug[spec.slug]
        year = self.years[CURRENT_YEAR]

        principal_sex = rng.choice("FM")
        principal = self.user(f"hieutruong.{spec.slug}", names.adult(principal_sex),
                              phone=self.phone())
        head_title = "Giám đốc" if spec.level == SchoolLevel.CONTINUING else "Hiệu trưởng"
        self.grant(principal, Role.PRINCIPAL, school=school, position=head_title)
        upsert(StaffMember, {"user_id": principal.pk, "school_id": school.pk},
               staff_code=self.code(), position=head_title, is_active=True)

        homerooms = spec.homerooms or self.homerooms(school)
        for k in range(rng.randint(3, 5)):
            username = f"giaovien.{spec.slug}" if k == 0 else f"giaovien{k + 1}.{spec.slug}"
            teacher = self.user(username, names.adult(rng.choice("FFFM")), phone=self.phone())
            position = "Tổ trưởng chuyên môn" if k == 1 else "Giáo viên"
            self.grant(teacher, Role.STAFF, school=school, position=position)
            member = upsert(StaffMember, {"user_id": teacher.pk, "school_id": school.pk},
                            staff_code=self.code(), position=position, is_active=True)
            # Homeroom teacher of one class, teaching one subject there and maybe in another.
            classes = [homerooms[k % len(homerooms)]]
            if len(homerooms) > 1 and rng.random() < 0.5:
                classes.append(rng.choice([h for h in homerooms if h != classes[0]]))
            subject = rng.choice(subjects_for_grade(self.grade_of(school, classes[0])))
            for i, homeroom in enumerate(classes):
                if subject not in subjects_for_grade(self.grade_of(school, homeroom)):
                    continue
                TeachingAssignment.objects.get_or_create(
                    staff=member, school_year=year, subject=self.subjects[subject],
                    homeroom=homeroom,
                    defaults={"is_homeroom_teacher": i == 0 and k < len(homerooms)},
                )

        for i in range(rng.randint(20, 40)):
            homeroom = homerooms[i % len(homerooms)]
            self.student_with_guardians(school, homeroom)

    def homerooms(self, school: School) -> tuple[str, ...]:
        rng = self.rng
        if school.grade_max == 0:
            return tuple(f"{age} tuổi {letter}{rng.randint(1, 3)}"
                         for age, letter in ((5, "A"), (4, "B"), (3, "C")))
        grades = range(school.grade_min, school.grade_max + 1)
        chosen = sorted(rng.sample(grades, min(len(grades), 4 if len(grades) > 5 else 3)))
        return tuple(f"{grade}A{rng.randint(1, 4)}" for grade in chosen)

    @staticmethod
    def grade_of(school: School, homeroom: str) -> int:
        return 0 if school.grade_max == 0 else int(homeroom.split("A")[0])

    def student_with_guardians(self, school: School, homeroom: str):
        rng, names = self.rng, self.names
        sex = "M" if rng.random() < 0.51 else "F"
        surname = names.surname()
        grade = self.grade_of(school, homeroom)
        # A few students are a year older than their class (late start, a repeated year).
        year = birth_year(grade, homeroom) - (1 if rng.random() < 0.03 else 0)
        born = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        student = upsert(
            Student, {"national_id": self.code()}, school_id=school.pk,
            full_name=names.child(sex, surname), date_of_birth=born, sex=sex, grade=grade,
            homeroom=homeroom, status=Student.Status.STUDYING,
            ethnicity="Hoa" if rng.random() < 0.01 else "Kinh",
            personal_id=personal_id(rng, born, sex),
        )
        r = rng.random()
        if r < 0.55:
            kin = [("father", names.adult("M", surname)), ("mother", names.adult("F"))]
        elif r < 0.85:
            kin = [("mother", names.adult("F"))]
        elif r < 0.97:
            kin = [("father", names.adult("M", surname))]
        else:  # a grandparent brings the child up
            kin = [("guardian", names.adult(rng.choice("FM")))]
        for relationship, full_name in kin:
            guardian = upsert(Guardian, {"phone": self.phone()}, full_name=full_name)
            Guardianship.objects.get_or_create(
                student=student, guardian=guardian, defaults={"relationship": relationship}
            )

    def family(self):
        mother_name, mother_phone = FAMILY["mother"]
        father_name, father_phone = FAMILY["father"]
        user = self.user("phuhuynh", mother_name, phone=mother_phone)
        self.grant(user, Role.PARENT)
        mother = upsert(Guardian, {"phone": mother_phone}, full_name=mother_name,
                        user_id=user.pk, email=user.email)
        father = upsert(Guardian, {"phone": father_phone}, full_name=father_name)
        for code, full_name, sex, born, slug, grade, homeroom in FAMILY["children"]:
            child = upsert(
                Student, {"national_id": code}, school_id=self.school_by_slug[slug].pk,
                full_name=full_name, date_of_birth=born, sex=sex, grade=grade,
                homeroom=homeroom, status=Student.Status.STUDYING, ethnicity="Kinh",
                personal_id=f"031{'2' if sex == 'M' else '3'}{born.year % 100:02d}004517",
            )
            for guardian, relationship in ((mother, "mother"), (father, "father")):
                Guardianship.objects.get_or_create(
                    student=child, guardian=guardian, defaults={"relationship": relationship}
                )

    def active_schools(self):
        return [(spec, self.school_by_slug[spec.slug]) for spec in SCHOOLS if not spec.merged_into]

    def timetables(self):
        changed = {(c.school, c.weekday, c.start) for c in TIMETABLE_CHANGES}
        for spec, school in self.active_schools():
            for weekday, start, end in main_sessions(school.level, school.grade_max):
                lookup = {"school_id": school.pk, "weekday": weekday, "start": start}
                if (spec.slug, weekday, start) in changed and \
                        MainSession.objects.filter(**lookup).exists():
                    continue  # its head changed it since (``timetable_changes``)
                upsert(MainSession, lookup, end=end)

    def results(self):
        """Last term's results of the students of secondary schools, by the subjects of the
        grade they were in. A school's own random stream keeps every school's results the
        same whatever else changes."""
        term = Term.objects.get(school_year=self.years[RESULTS_YEAR], number=RESULTS_TERM)
        remedial = sorted((spec.school, spec.grade, spec.subject) for spec in TUTORING_CLASSES
                          if spec.category == Category.REMEDIAL)
        existing = set(SubjectResult.objects.filter(term=term)
                       .values_list("student_id", "subject_id"))
        new = []
        for spec, school in self.active_schools():
            if school.grade_min < 6:
                continue
            rng = random.Random(f"results-{spec.slug}")
            students = list(school.students.order_by("national_id"))
            failing = set()
            for slug, grade, code in remedial:
                if slug == spec.slug:
                    in_grade = [s for s in students if s.grade == grade]
                    share = min(len(in_grade), max(3, round(REMEDIAL_SHARE * len(in_grade))))
                    failing |= {(s.pk, code) for s in rng.sample(in_grade, share)}
                    failing |= {(s.pk, code) for s in in_grade if s.national_id in FAMILY_CODES}
            for student in students:
                for code in subjects_for_grade(student.grade - 1):
                    achieved = (student.pk, code) not in failing and not (
                        code in CORE_SUBJECTS and rng.random() < NOT_ACHIEVED_RATE
                    )
                    if (student.pk, self.subjects[code].pk) not in existing:
                        new.append(SubjectResult(student=student, term=term,
                                                 subject=self.subjects[code], achieved=achieved))
        SubjectResult.objects.bulk_create(new)

    def tutoring(self):
        """Each class through the services, as staff, the head and the authority would make
        it. A class found by its school and title is left as it is, whatever became of it."""
        ensure_rule_policy()
        for spec in TUTORING_CLASSES:
            school = self.school_by_slug[spec.school]
            if not TutoringClass.objects.filter(school=school, title=spec.title).exists():
                self.tutoring_class(spec, school)
        for spec in DECLARATIONS:
            self.declaration(spec)

    def teacher_for(self, school: School, subject: str, grade: int) -> StaffMember:
        """A teacher of the school who teaches the subject, in the class's grade if any."""
        year = self.years[CURRENT_YEAR]
        assignments = list(
            TeachingAssignment.objects.filter(
                staff__school=school, staff__user__role=Role.STAFF, school_year=year
            ).select_related("staff__user", "subject").order_by("staff__user__username", "homeroom")
        )
        teaching = [a for a in assignments if a.subject.code == subject]
        if teaching:
            in_grade = [a for a in teaching if self.grade_of(school, a.homeroom) == grade]
            return (in_grade or teaching)[0].staff
        neighbours = NEIGHBOUR_SUBJECTS.get(subject, [])
        staff = min(assignments, key=lambda a: (a.subject.code not in neighbours,
                                                a.staff.user.username)).staff
        homeroom = (school.students.filter(grade=grade).order_by("homeroom")
                    .values_list("homeroom", flat=True).first()) or f"{grade}A1"
        TeachingAssignment.objects.get_or_create(
            staff=staff, school_year=year, subject=self.subjects[subject], homeroom=homeroom
        )
        return staff

    def tutoring_class(self, spec: ClassSpec, school: School):
        teacher = self.teacher_for(school, spec.subject, spec.grade)
        staff, head = teacher.user, User.objects.get(username=f"hieutruong.{spec.school}")
        start, end = spec.dates
        tc = TutoringClass(
            school=school, school_year=self.years[CURRENT_YEAR], title=spec.title,
            subject=self.subjects[spec.subject], grade=spec.grade, category=spec.category,
            capacity=spec.capacity, monthly_fee=0, start_date=start, end_date=end,
        )
        slots = [ActivitySlot(**slot._asdict()) for slot in spec.slots]
        if spec.cap_exception:
            # Registered within the cap; the Department's decision then allows more.
            tc = services.tutoring_class_save(actor=staff, tutoring_class=tc, slots=slots[:1],
                                              teachers=[teacher])
            number, decided_on, periods = spec.cap_exception
            CapException.objects.create(
                tutoring_class=tc, decision_number=number, decided_on=decided_on,
                periods_allowed=periods, recorded_by=User.objects.get(username="so.gddt"),
            )
        tc = services.tutoring_class_save(actor=staff, tutoring_class=tc, slots=slots,
                                          teachers=[teacher])
        if spec.status == Status.DRAFT:
            return
        tc = services.tutoring_class_submit(actor=staff, tutoring_class=tc)
        if spec.status == Status.RETURNED:
            services.tutoring_class_return(actor=head, tutoring_class=tc, reason=spec.reason)
            return
        if spec.status == Status.SUBMITTED:
            return
        tc = services.tutoring_class_approve(actor=head, tutoring_class=tc)
        tc = services.tutoring_class_open(actor=head, tutoring_class=tc)
        if spec.category == Category.REMEDIAL:
            self.roster(spec, tc, staff)
        if spec.status == Status.SUSPENDED:
            area = next(s.area for s in SCHOOLS if s.slug == spec.school)
            authority = "so.gddt" if school.managed_by_department else f"ubnd.{area}"
            services.tutoring_class_suspend(
                actor=User.objects.get(username=authority), tutoring_class=tc,
                reason=spec.reason, reference=spec.reference,
            )

    def roster(self, spec: ClassSpec, tc: TutoringClass, staff):
        """Propose every student who did not achieve the subject last term, and record the
        parents' paper forms. The parent with an account answers online (a later issue)."""
        term = Term.objects.get(school_year=self.years[RESULTS_YEAR], number=RESULTS_TERM)
        students = list(
            Student.objects.filter(
                school=tc.school, grade=tc.grade, status=Student.Status.STUDYING,
                results__term=term, results__subject=tc.subject, results__achieved=False,
            ).order_by("full_name", "national_id")
        )
        on_paper = [s for s in students if s.national_id not in FAMILY_CODES]
        answered = len(on_paper) - spec.pending - spec.declined
        for student in students:
            enrollment = services.enrollment_propose(
                actor=staff, tutoring_class=tc, student=student,
                basis=Enrollment.Basis.NOT_ACHIEVED,
                basis_note=f"{tc.subject.name} chưa đạt, học kỳ II năm học {RESULTS_YEAR}",
            )
            if student not in on_paper:
                continue
            position = on_paper.index(student)
            if answered <= position < answered + spec.pending:
                continue
            declined = position >= answered + spec.pending
            guardianship = student.guardianships.select_related("guardian").order_by("id").first()
            consent_record_paper(
                actor=staff, enrollment=enrollment, guardian=guardianship.guardian,
                kind=ConsentEvent.Kind.DECLINED if declined else ConsentEvent.Kind.GIVEN,
                scan=self.consent_scan(student, tc, guardianship, declined),
                note="Gia đình tự kèm cặp ở nhà." if declined else "",
            )

    def declaration(self, spec: DeclarationSpec):
        """A teacher's declaration, found again by teacher, year and registration number."""
        year = self.years[CURRENT_YEAR]
        teacher = StaffMember.objects.select_related("school", "user").get(
            user__username=spec.teacher
        )
        if OutsideTutoringDeclaration.objects.filter(
            teacher=teacher, school_year=year, establishment_registration=spec.registration
        ).exists():
            return
        taught = set(teacher.assignments.filter(school_year=year)
                     .values_list("homeroom", flat=True))
        students = teacher.school.students.filter(status=Student.Status.STUDYING).exclude(
            national_id__in=FAMILY_CODES
        ).order_by("national_id")
        if spec.students == "taught":
            students = students.filter(homeroom__in=taught)[:1]
        elif spec.students == "untaught":
            students = students.exclude(homeroom__in=taught)[:1]
        else:
            students = students.none()
        declaration = services.declaration_submit(
            actor=teacher.user,
            declaration=OutsideTutoringDeclaration(
                teacher=teacher, school_year=year, subject=self.subjects[spec.subject],
                location=f"{spec.location}, thành phố Hải Phòng",
                form=OutsideTutoringDeclaration.Form.IN_PERSON, schedule=spec.schedule,
                establishment_name=spec.establishment,
                establishment_registration=spec.registration,
                manages_establishment=spec.manages, relationship_to_holder=spec.relationship,
            ),
            students=list(students),
        )
        if spec.acknowledged:
            slug = spec.teacher.split(".", 1)[1]
            head = User.objects.get(username=f"hieutruong.{slug}")
            services.declaration_acknowledge(actor=head, declaration=declaration)

    def partnerships(self):
        """The Department's registry of partners and the schools' linked programmes, through
        the services as the Department, the heads, staff and the authorities would make
        them. A partner found by its tax code, a programme by its school and title, is left
        as it is, whatever became of it."""
        department = User.objects.get(username="so.gddt")
        for spec in PARTNERS:
            if not Partner.objects.filter(tax_code=spec.tax_code).exists():
                self.partner(spec, department)
        for number, spec in enumerate(PROGRAMMES, 1):
            school = self.school_by_slug[spec.school]
            # Drawn on every run, so that the draws stay the same whatever exists already.
            students = self.programme_students(spec, school)
            by_link = self.link_families(spec, school, students)
            if not Programme.objects.filter(school=school, title=spec.title).exists():
                self.programme(number, spec, school, students)
            self.link_answers(spec, school, by_link)

    def family_answers(self):
        """The mother answers online, signed in: yes to one programme, no to another."""
        user = User.objects.get(username="phuhuynh")
        mother = Guardian.objects.get(phone=FAMILY["mother"][1])
        for code, title, kind in FAMILY_ANSWERS:
            child = Student.objects.get(national_id=code)
            programme = Programme.objects.get(school_id=child.school_id, title=title)
            self.answer(programme, child, mother, kind, ConsentEvent.Channel.ONLINE, actor=user)

    def father_invitation(self):
        """The father has no account: the head of his daughter's school printed him a code
        (the demo's is published, so a tester can open his account). Left alone once he has
        an account or a code not used yet."""
        father = Guardian.objects.get(phone=FAMILY["father"][1])
        if father.user_id is not None or father.invitations.filter(
            used_at__isnull=True, voided_at__isnull=True
        ).exists():
            return
        slug = FAMILY["children"][0][4]
        school, head = self.school_by_slug[slug], User.objects.get(username=f"hieutruong.{slug}")
        now = timezone.now()
        invitation = ParentInvitation.objects.create(
            guardian=father, channel=ParentInvitation.Channel.PRINTED,
            code_hash=activation.code_hash(activation.clean_code(FATHER_CODE)),
            created_by=head, created_at=now, expires_at=now + datetime.timedelta(days=365),
        )
        audit_record(
            actor=head, action="parent_invitations_issue", obj=school,
            summary="1 activation code printed (the demo's published code)",
            guardians=[father.pk], invitations=[invitation.pk],
        )

    def inspections(self):
        """The authorities' plans and inspections, the complaints of families and the
        public, and what the officials did with them (``INSPECTIONS``, ``COMPLAINTS``). The
        complaints come first, as one of them led to an inspection; the authorities handle
        them once the inspections are made."""
        ensure_default_checklist()
        year = self.years[CURRENT_YEAR]
        plans = {spec.reference: self.inspection_plan(spec, year) for spec in INSPECTION_PLANS}
        filed = [(spec, self.complaint(spec)) for spec in COMPLAINTS]
        for spec in INSPECTIONS:
            school = self.school_by_slug[spec.school]
            if not Inspection.objects.filter(school=school, reference=spec.reference).exists():
                self.inspection(spec, school, plans, year)
        for spec, complaint in filed:
            if complaint is not None:
                self.complaint_handling(spec, complaint)

    @staticmethod
    def inspection_day(year: SchoolYear, days: int) -> datetime.date:
        """``days`` from the day the demo runs, kept within the school year: the demo runs on
        any day, its school year is fixed."""
        day = timezone.localdate() + datetime.timedelta(days=days)
        return min(max(day, year.start), year.end)

    def inspection_plan(self, spec: PlanSpec, year: SchoolYear) -> InspectionPlan:
        official = User.objects.get(username=spec.official)
        unit = AdministrativeUnit.objects.get(code=spec.unit)
        plan = InspectionPlan.objects.filter(
            authority=authority_of(official), unit=unit, school_year=year,
            reference=spec.reference,
        ).first()
        if plan is not None:
            return plan
        return inspecting.plan_save(actor=official, plan=InspectionPlan(
            unit=unit, school_year=year, title=spec.title, reference=spec.reference,
            scopes=list(spec.scopes),
        ))

    def inspection(self, spec: InspectionSpec, school: School, plans, year: SchoolYear):
        """Ordered by the authority; started by its team, who answer the checklist, record the
        findings and set corrective actions; the head answers them; the team reviews, the
        head of the team signs the conclusion and the authority closes it."""
        officials = User.objects.in_bulk([spec.ordered_by, *spec.team], field_name="username")
        authority, team = officials[spec.ordered_by], [officials[u] for u in spec.team]
        lead = team[0]
        inspection = inspecting.inspection_save(
            actor=authority,
            inspection=Inspection(
                plan=plans.get(spec.plan), school=school, kind=spec.kind, trigger=spec.trigger,
                scopes=list(spec.scopes), reference=spec.reference,
                planned_start=self.inspection_day(year, spec.start),
                planned_end=self.inspection_day(year, spec.start + spec.days - 1),
            ),
            team=team, lead=lead,
        )
        if spec.stage == "planned":
            return
        inspection = inspecting.inspection_transition(actor=lead, inspection=inspection,
                                                      name="start")
        questions = {q.order: q for q in questions_for(inspection)}
        answers = {
            order: inspecting.checklist_answer(actor=lead, inspection=inspection,
                                               question=questions[order], answer=answer,
                                               note=note)
            for order, answer, note in spec.answers if order in questions
        }
        actions = []
        for finding_spec in spec.findings:
            finding = self.finding(finding_spec, inspection, lead,
                                   answers.get(finding_spec.question))
            actions += [(action_spec, self.corrective_action(action_spec, finding, lead))
                        for action_spec in finding_spec.actions]
        if spec.stage == "closed":
            for name in ("record", "conclude", "follow_up"):
                inspection = inspecting.inspection_transition(
                    actor=lead, inspection=inspection, name=name, conclusion=spec.conclusion,
                    sanctions=spec.sanctions,
                )
        head = User.objects.get(username=f"hieutruong.{spec.school}")
        for action_spec, action in actions:
            self.action_outcome(action_spec, action, head, lead)
        for programme_spec in SUSPENDED_FROM_INSPECTION:
            if programme_spec.suspended_from == spec.reference:
                self.suspend_from(inspection, programme_spec, authority)
        if spec.stage == "closed":
            inspecting.inspection_transition(actor=authority, inspection=inspection, name="close")

    def finding(self, spec: FindingSpec, inspection: Inspection, lead, answer) -> Finding:
        school = inspection.school
        activity = Activity.objects.get(school=school, title=spec.activity) if spec.activity \
            else None
        responsible_user = (User.objects.get(username=spec.responsible_user)
                            if spec.responsible_user else None)
        files = [evidence_file(name, [
            "BIÊN BẢN LÀM VIỆC CỦA ĐOÀN THANH TRA, KIỂM TRA",
            f"Quyết định số {inspection.reference}", school.name, spec.title, spec.description,
        ]) for name in spec.files]
        return inspecting.finding_save(actor=lead, files=files, finding=Finding(
            inspection=inspection, category=spec.category, severity=spec.severity,
            activity=activity, answer=answer, title=spec.title, description=spec.description,
            legal_basis=spec.legal_basis, responsible=spec.responsible,
            responsible_user=responsible_user,
        ))

    @staticmethod
    def corrective_action(spec: ActionSpec, finding: Finding, lead) -> CorrectiveAction:
        # An overdue action is set with a deadline ahead (the service refuses one in the past)
        # and moved back once set: see ``action_outcome``.
        due = timezone.localdate() + datetime.timedelta(days=max(spec.due, 1))
        return inspecting.action_add(actor=lead, action=CorrectiveAction(
            finding=finding, description=spec.description, due_date=due,
            responsible=spec.responsible,
        ))

    @staticmethod
    def action_outcome(spec: ActionSpec, action: CorrectiveAction, head, reviewer) -> None:
        if spec.outcome == "overdue":
            # A deadline that passed with no answer is what the authority must see flagged.
            # The demo is made in one go, so no deadline can have passed yet: the action was
            # set through the service with a deadline ahead (it refuses past ones, as it
            # should), and only its date is moved back here, with nothing else to update.
            CorrectiveAction.objects.filter(pk=action.pk).update(
                due_date=timezone.localdate() + datetime.timedelta(days=spec.due)
            )
            return
        if spec.outcome not in ("answered", "accepted"):
            return
        files = [evidence_file(spec.response_file, [
            "BÁO CÁO KẾT QUẢ KHẮC PHỤC", action.finding.inspection.school.name,
            f"Yêu cầu: {action.description}", f"Kết quả: {spec.response}",
        ])] if spec.response_file else []
        inspecting.action_answer(actor=head, action=action, response=spec.response, files=files)
        if spec.outcome == "accepted":
            inspecting.action_review(actor=reviewer, action=action, accept=True,
                                     note="Đã kiểm tra minh chứng, đạt yêu cầu.")

    @staticmethod
    def suspend_from(inspection: Inspection, spec: ProgrammeSpec, authority) -> None:
        """The authority suspends the programme from the inspection; left alone if it is not
        running (a database seeded before the demo had inspections holds it suspended
        already, without the inspection)."""
        programme = Programme.objects.get(school=inspection.school, title=spec.title)
        if programme.status in (Status.APPROVED, Status.OPEN):
            inspecting.suspend_from_inspection(actor=authority, inspection=inspection,
                                               activity=programme, reason=spec.reason)

    def complaint(self, spec: ComplaintSpec) -> Complaint | None:
        """Filed as the public form files it (the demo mother signed in); None when it is
        there already."""
        school = self.school_by_slug[spec.school]
        if Complaint.objects.filter(school=school, description=spec.description).exists():
            return None
        activity = Activity.objects.get(school=school, title=spec.activity) if spec.activity \
            else None
        name, phone, email, user = spec.name, spec.phone, spec.email, None
        if spec.parent:
            user = User.objects.get(username="phuhuynh")
            name, phone, email = user.full_name, user.phone, user.email
        return complaining.complaint_file(
            school=school, activity=activity, category=spec.category,
            description=spec.description, is_anonymous=not name, name=name, phone=phone,
            email=email, user=user,
        )

    @staticmethod
    def complaint_handling(spec: ComplaintSpec, complaint: Complaint) -> None:
        for step, username, argument in spec.handling:
            actor = User.objects.get(username=username)
            if step == "assign":
                complaining.complaint_assign(actor=actor, complaint=complaint,
                                             assignee=User.objects.get(username=argument))
            elif step == "answer":
                complaining.complaint_answer(actor=actor, complaint=complaint, answer=argument)
            elif step == "close":
                complaining.complaint_close(actor=actor, complaint=complaint, answer=argument)
            elif step == "link":
                inspection = Inspection.objects.get(school=complaint.school, reference=argument)
                complaining.complaint_link(actor=actor, complaint=complaint,
                                           inspection=inspection)

    def partner(self, spec: PartnerSpec, department):
        contact_name, contact_phone, contact_email = spec.contact
        partner = partnering.partner_save(actor=department, partner=Partner(
            legal_name=spec.legal_name, tax_code=spec.tax_code,
            business_registration=spec.tax_code, registration_issuer=BUSINESS_REGISTRY,
            address=f"{spec.address}, thành phố Hải Phòng", representative=spec.representative,
            contact_name=contact_name, contact_phone=contact_phone, contact_email=contact_email,
            is_foreign=spec.is_foreign,
        ))
        registration = "Giấy chứng nhận đăng ký doanh nghiệp" + (
            " có vốn đầu tư nước ngoài" if spec.is_foreign else "")
        partnering.partner_document_add(
            actor=department, partner=partner, kind=PartnerDocument.Kind.REGISTRATION,
            title=f"{registration}, mã số {spec.tax_code}",
            file=pdf_file([
                registration.upper(), f"Mã số doanh nghiệp: {spec.tax_code}",
                f"Tên doanh nghiệp: {spec.legal_name}", f"Địa chỉ trụ sở: {partner.address}",
                f"Người đại diện theo pháp luật: {spec.representative}",
                f"Đăng ký lần đầu ngày {spec.registered_on:%d/%m/%Y}", BUSINESS_REGISTRY,
            ], f"dang-ky-doanh-nghiep-{spec.tax_code}.pdf"),
        )
        number, valid_from, valid_to = spec.licence
        kinds = [ProgrammeKind(kind) for kind in spec.kinds]
        partnering.licence_add(
            actor=department,
            licence=Licence(partner=partner, issuer=SO_GDDT, number=number, kinds=list(kinds),
                            valid_from=valid_from, valid_to=valid_to),
            document=pdf_file([
                "QUYẾT ĐỊNH CHO PHÉP TỔ CHỨC HOẠT ĐỘNG GIÁO DỤC", f"Số: {number}", SO_GDDT,
                f"Đơn vị: {spec.legal_name} (mã số {spec.tax_code})",
                "Lĩnh vực: " + "; ".join(KIND_WORDS[kind] for kind in kinds),
                f"Hiệu lực từ ngày {valid_from:%d/%m/%Y}"
                + (f" đến ngày {valid_to:%d/%m/%Y}" if valid_to else ""),
            ], f"giay-phep-{spec.tax_code}.pdf"),
        )
        if spec.status != Partner.Status.ACTIVE:
            partnering.partner_set_status(actor=department, partner=partner,
                                          status=spec.status, reason=spec.reason,
                                          reference=spec.reference)

    @staticmethod
    def offered_to(spec: ProgrammeSpec, school: School) -> list[Student]:
        """The students of the programme's grades, but the demo family's: the mother
        answers online (``FAMILY_ANSWERS``)."""
        low, high = spec.grades
        return list(
            school.students.filter(status=Student.Status.STUDYING, grade__gte=low,
                                   grade__lte=high)
            .exclude(national_id__in=FAMILY_CODES).order_by("national_id")
        )

    def programme_students(self, spec: ProgrammeSpec, school: School) -> list[Student]:
        """The students whose parents answered the paper form, in the order they answered."""
        if not spec.roster:
            return []
        candidates = self.offered_to(spec, school)
        if spec.one_class:
            sizes = Counter(student.homeroom for student in candidates)
            largest = max(sorted(sizes), key=sizes.__getitem__)
            candidates = [student for student in candidates if student.homeroom == largest]
        return self.rng.sample(candidates, min(spec.roster, len(candidates)))

    def link_families(self, spec: ProgrammeSpec, school: School, roster) -> list[Student]:
        """The students whose parents agree through their personal link, in that order."""
        if not spec.by_link:
            return []
        candidates = [s for s in self.offered_to(spec, school) if s not in roster]
        return self.rng.sample(candidates, min(spec.by_link, len(candidates)))

    def link_answers(self, spec: ProgrammeSpec, school: School, students):
        """Each family's consent through its personal link (no account, no staff), as the
        link's page records it; a family that answered already is left as it is."""
        if not students:
            return
        programme = Programme.objects.get(school=school, title=spec.title)
        for student in students:
            guardianship = student.guardianships.select_related("guardian").order_by("id").first()
            self.answer(programme, student, guardianship.guardian, ConsentEvent.Kind.GIVEN,
                        ConsentEvent.Channel.LINK, actor=None)

    @staticmethod
    def answer(activity: Activity, student: Student, guardian: Guardian, kind: str,
               channel: str, actor) -> None:
        """A family's own answer through the ledger's single write path, as the parent's
        page gives it: once. An enrolment with an answer already, whatever it is, is left
        as it is, and so is an activity that takes no answers now."""
        enrollment = Enrollment.objects.filter(activity=activity, student=student).first()
        if enrollment is not None and (enrollment.status != Enrollment.Status.PROPOSED
                                       or consent.latest_event(enrollment) is not None):
            return
        if not activity.accepts_consent():
            return
        if enrollment is None:
            enrollment = consent.offer_enrollment(activity=activity, student=student)
        # What the page sends: the ledger as it showed it (no answer yet) and the terms read.
        consent.record(enrollment=enrollment, guardian=guardian, kind=kind, channel=channel,
                       actor=actor, expected_last=0, expected_terms=activity.terms_hash)

    def programme(self, number: int, spec: ProgrammeSpec, school: School, students):
        """The head proposes and submits; the school's managing authority decides; staff put
        students forward and record their parents' paper forms; the Department suspends."""
        head = User.objects.get(username=f"hieutruong.{spec.school}")
        partner = Partner.objects.get(tax_code=PARTNER_TAX_CODES[spec.partner])
        (start, end), (low, high) = spec.dates, spec.grades
        programme = Programme(
            school=school, school_year=self.years[CURRENT_YEAR], title=spec.title,
            partner=partner, programme_kind=spec.kind, content_summary=spec.summary,
            grade_min=low, grade_max=high, capacity=spec.capacity, monthly_fee=spec.monthly_fee,
            start_date=start, end_date=end,
        )
        contract = f"{number:02d}/2026/HĐLK"
        terms = [
            f"Chương trình: {spec.title} ({KIND_WORDS[spec.kind]}), lớp {low}–{high}",
            f"Bên A: {school.name}", f"Bên B: {partner.legal_name} (mã số {partner.tax_code})",
            f"Thời gian: {start:%d/%m/%Y} – {end:%d/%m/%Y}; {schedule_words(spec.slots)}",
            f"Học phí: {money(spec.monthly_fee)}/tháng, thu theo tháng, không thu trước",
        ]
        documents = [
            (ProgrammeDocument.Kind.CONTRACT, f"Hợp đồng liên kết giáo dục số {contract}",
             pdf_file(["HỢP ĐỒNG LIÊN KẾT GIÁO DỤC", f"Số: {contract}", *terms],
                      f"hop-dong-{school.moet_code}-{number:02d}.pdf")),
            (ProgrammeDocument.Kind.MATERIALS, f"Kế hoạch dạy học và tài liệu: {spec.title}",
             pdf_file(["KẾ HOẠCH DẠY HỌC VÀ TÀI LIỆU", spec.title, spec.summary,
                       "Giáo viên: " + "; ".join(
                           f"{t.full_name} ({t.qualification})" for t in spec.teachers)],
                      f"ke-hoach-{school.moet_code}-{number:02d}.pdf")),
        ]
        programme = partnering.programme_save(
            actor=head, programme=programme,
            slots=[ActivitySlot(**slot._asdict()) for slot in spec.slots],
            teachers=[teacher.build() for teacher in spec.teachers], documents=documents,
        )
        if spec.status == Status.DRAFT:
            return
        programme = partnering.programme_transition(actor=head, programme=programme,
                                                    name="submit")
        if spec.status == Status.SUBMITTED:
            return
        area = next(s.area for s in SCHOOLS if s.slug == spec.school)
        authority = User.objects.get(
            username="so.gddt" if school.managed_by_department else f"ubnd.{area}"
        )
        if spec.status in (Status.RETURNED, Status.REFUSED):
            name = "return" if spec.status == Status.RETURNED else "refuse"
            partnering.programme_transition(actor=authority, programme=programme, name=name,
                                            reason=spec.reason)
            return
        programme = partnering.programme_transition(actor=authority, programme=programme,
                                                    name="approve", reference=spec.decision)
        self.programme_roster(spec, programme, students)
        if spec.status == Status.SUSPENDED and not spec.suspended_from:
            partnering.programme_transition(
                actor=User.objects.get(username="so.gddt"), programme=programme,
                name="suspend", reason=spec.reason, reference=spec.reference,
            )

    def programme_roster(self, spec: ProgrammeSpec, programme: Programme, students):
        """A teacher puts each student forward and records the parent's signed form."""
        staff = User.objects.get(username=f"giaovien.{spec.school}")
        declined_from = len(students) - spec.declined
        for position, student in enumerate(students):
            enrollment = partnering.programme_enrollment_propose(
                actor=staff, programme=programme, student=student
            )
            declined = position >= declined_from
            guardianship = student.guardianships.select_related("guardian").order_by("id").first()
            consent_record_paper(
                actor=staff, enrollment=enrollment, guardian=guardianship.guardian,
                kind=ConsentEvent.Kind.DECLINED if declined else ConsentEvent.Kind.GIVEN,
                scan=self.programme_consent_scan(student, programme, guardianship, declined),
                note=DECLINE_NOTES[position % len(DECLINE_NOTES)] if declined else "",
            )

    @staticmethod
    def programme_consent_scan(student, programme, guardianship, declined: bool) -> ContentFile:
        return pdf_file([
            "PHIẾU ĐĂNG KÝ THAM GIA CHƯƠNG TRÌNH LIÊN KẾT GIÁO DỤC",
            programme.school.name,
            f"Chương trình: {programme.title}; đơn vị liên kết: {programme.partner.legal_name}",
            f"Học phí: {money(programme.monthly_fee)}/tháng; "
            + schedule_words(list(programme.slots.all())),
            f"Học sinh: {student.full_name}, mã {student.national_id}, lớp {student.homeroom}",
            f"{KIN[guardianship.relationship]}: {guardianship.guardian.full_name}",
            "Ý kiến: " + ("Không đồng ý" if declined else "Đồng ý, tự nguyện cho con tham gia"),
        ], f"phieu-lien-ket-{student.national_id}.pdf")

    @staticmethod
    def consent_scan(student, tc, guardianship, declined: bool) -> ContentFile:
        answer = "Khong dong y" if declined else "Dong y"
        scan = ContentFile(
            consent_form_pdf([
                "PHIEU DANG KY HOC THEM TRONG NHA TRUONG",
                tc.school.name,
                f"Lop: {tc.title} (mien phi)",
                f"Hoc sinh: {student.full_name}, ma {student.national_id}, lop {student.homeroom}",
                f"{KIN[guardianship.relationship]}: {guardianship.guardian.full_name}",
                f"Y kien: {answer}",
            ]),
            name=f"phieu-dong-y-{student.national_id}.pdf",
        )
        validate_scan(scan)  # what the paper-consent form checks: the content, not the name
        return scan

    def withdrawals(self):
        """Each of ``WITHDRAWALS``: the first student on the roster (by code) withdrawn by the
        parent who signed the form, on the phone, through the ledger's staff path. Once: an
        activity with a withdrawal already is left as it is."""
        for spec in WITHDRAWALS:
            activity = Activity.objects.get(school=self.school_by_slug[spec.school],
                                            title=spec.activity)
            if ConsentEvent.objects.filter(enrollment__activity=activity,
                                           kind=ConsentEvent.Kind.WITHDRAWN).exists():
                continue
            enrollment = (activity.enrollments.filter(status=Enrollment.Status.ENROLLED)
                          .exclude(student__national_id__in=FAMILY_CODES)
                          .select_related("student").order_by("student__national_id").first())
            signed = enrollment.consent_events.filter(kind=ConsentEvent.Kind.GIVEN) \
                .select_related("guardian").order_by("id").first()
            guardian, student = signed.guardian, enrollment.student
            relationship = student.guardianships.get(guardian=guardian).relationship
            consent_record_staff(
                actor=User.objects.get(username=f"giaovien.{spec.school}"),
                enrollment=enrollment, guardian=guardian, kind=ConsentEvent.Kind.WITHDRAWN,
                channel=ConsentEvent.Channel.PHONE,
                note=f"{guardian.full_name} ({KIN[relationship].lower()} của em "
                     f"{student.full_name}, lớp {student.homeroom}) gọi từ số {guardian.phone}: "
                     f"{spec.reason}",
            )

    def timetable_changes(self):
        """Each of ``TIMETABLE_CHANGES`` as the head's timetable page saves it, then what the
        nightly rechecks of tutoring and programmes find (``tutoring_recheck``,
        ``partnerships_recheck``). A session changed already is left as it is."""
        for change in TIMETABLE_CHANGES:
            school = self.school_by_slug[change.school]
            session = MainSession.objects.get(school=school, weekday=change.weekday,
                                              start=change.start)
            if session.end == change.end:
                continue
            session.end = change.end
            session.save(update_fields=["end"])
            sessions = MainSession.objects.filter(school=school).order_by("weekday", "start")
            audit_record(actor=User.objects.get(username=f"hieutruong.{change.school}"),
                         action="timetable_edit", obj=school,
                         summary="; ".join(str(s) for s in sessions))
            live = Activity.objects.filter(school=school).exclude(
                status__in=[Status.CLOSED, Status.REFUSED])
            for tc in TutoringClass.objects.filter(pk__in=live):
                tutoring_rules.recheck(tc)
            for programme in Programme.objects.filter(pk__in=live):
                programme_rules.recheck(programme)

    def reports(self):
        """The official PDF of the closed inspection's conclusion, signed by the head of its
        team; the periodic reports of ``REPORTS``; and ``FAILED_REPORT``. Run once the city is
        committed, as a request comes from a page. A document issued, or a request made
        already, is left as it is."""
        spec = CONCLUDED_INSPECTION
        inspection = Inspection.objects.select_related("signed_by").get(
            school=self.school_by_slug[spec.school], reference=spec.reference)
        if not IssuedDocument.objects.filter(kind=DocumentKind.CONCLUSION,
                                             jobs__inspection=inspection).exists():
            self.report(inspection.signed_by,
                        ReportJob(kind=DocumentKind.CONCLUSION, inspection=inspection))
        for spec in REPORTS:
            job = self.report_job(spec)
            if not self.same_jobs(job).filter(status=ReportJob.Status.DONE).exists():
                self.report(job.requested_by, job)
        self.failed_report()

    def report_job(self, spec: ReportSpec) -> ReportJob:
        year = self.years[CURRENT_YEAR]
        start, end = spec.period or (year.start, year.end)
        return ReportJob(
            kind=spec.kind, requested_by=User.objects.get(username=spec.requester),
            unit=self.areas[spec.area] if spec.area else None,
            school=self.school_by_slug[spec.school] if spec.school else None,
            school_year=year, date_from=start, date_to=end,
        )

    @staticmethod
    def same_jobs(job: ReportJob):
        return ReportJob.objects.filter(
            requested_by=job.requested_by, kind=job.kind, unit=job.unit, school=job.school,
            school_year=job.school_year, date_from=job.date_from, date_to=job.date_to,
        )

    @staticmethod
    def report(actor, job: ReportJob) -> ReportJob:
        """Ask for the report as its page does. With the in-process task backend the
        request's commit has made it; where a transaction around the command holds the
        commit back (the tests'), or a worker would, it is made here: a job done is not made
        twice."""
        job = reporting.report_request(actor=actor, job=job)
        report_tasks.run(job.pk)
        job.refresh_from_db()
        if job.status != ReportJob.Status.DONE:
            raise CommandError(f"Không tạo được {job}: {job.error}")
        return job

    def failed_report(self):
        """``FAILED_REPORT`` as a failed task leaves it: its message in the portal's
        language, the step it stopped at, one attempt, the audit of the request."""
        job = self.report_job(FAILED_REPORT)
        if self.same_jobs(job).exists():
            return
        now = timezone.now()
        with translation.override(settings.LANGUAGE_CODE):
            job.step = gettext("Counting")
            job.error = gettext(
                "The report could not be made (%(error)s). Try again; if it fails again, "
                "tell the portal's administrators."
            ) % {"error": FAILED_ERROR}
        job.status, job.progress, job.attempts = ReportJob.Status.FAILED, 10, 1
        job.started_at = now - datetime.timedelta(seconds=3)
        job.finished_at = now
        job.save()
        audit_record(actor=job.requested_by, action="report_request", obj=job,
                     summary=str(job))


def what_they_see(user) -> str:
    """One line per demo login, worked out through the policy like every page."""
    if user.is_superuser:
        return "Toàn bộ hệ thống, trang quản trị /admin/"
    schools = policy.visible(user, School)
    if user.role == Role.DEPARTMENT:
        return (f"Toàn thành phố: {schools.count()} trường, "
                f"{policy.visible(user, Student).count()} học sinh; trang quản trị /admin/"
                + risk_words(user) + inspection_words(user))
    if user.role == Role.INSPECTOR:
        return (f"{schools.count()} trường toàn thành phố để thanh tra, kiểm tra "
                "(không xem hồ sơ học sinh)" + inspection_words(user))
    if user.role == Role.COMMITTEE:
        unit = policy.scope_units(user).first()
        managed = schools.filter(policy.committee_managed())
        # What waits for its decision: the programmes of the schools it manages.
        waiting = Programme.objects.filter(school__in=managed, status=Status.SUBMITTED).count()
        return (f"{schools.count()} trường của {unit.name}; hồ sơ học sinh của "
                f"{managed.count()} trường do UBND quản lý (mầm non, tiểu học, THCS)"
                + risk_words(user) + inspection_words(user)
                + (f"; {waiting} chương trình liên kết chờ phê duyệt" if waiting else ""))
    if user.role == Role.PRINCIPAL:
        school = schools.first()
        waiting = TutoringClass.objects.filter(school=school, status=Status.SUBMITTED).count()
        declared = OutsideTutoringDeclaration.objects.filter(
            teacher__school=school, status=OutsideTutoringDeclaration.Status.SUBMITTED
        ).count()
        proposed = Programme.objects.filter(school=school, status=Status.SUBMITTED).count()
        authority = "Sở GD&ĐT" if school.managed_by_department else (
            "UBND " + school.unit.name[:1].lower() + school.unit.name[1:])
        return (f"{school.name}: {school.staff.count()} cán bộ, giáo viên, "
                f"{school.students.count()} học sinh"
                + (f"; {waiting} lớp dạy thêm chờ duyệt" if waiting else "")
                + (f"; {declared} báo cáo dạy thêm ngoài nhà trường chờ xác nhận"
                   if declared else "")
                + (f"; {proposed} chương trình liên kết chờ {authority} phê duyệt"
                   if proposed else "")
                + risk_words(user) + inspection_words(user))
    if user.role == Role.STAFF:
        school = schools.first()
        classes = sorted(set(policy.visible(user, TeachingAssignment).filter(
            staff__user=user, school_year__name=CURRENT_YEAR).values_list("homeroom", flat=True)))
        return f"{school.name}: dạy lớp {', '.join(classes)}; học sinh của trường"
    if user.role == Role.PARENT:
        children = policy.visible(user, Student).select_related("school")
        to_answer = sum(o.awaits_answer for c in children for o in offers_for(c))
        return f"{len(children)} con: " + "; ".join(
            f"{c.full_name} ({c.homeroom}, {c.school.name})" for c in children
        ) + (f"; {to_answer} hoạt động chờ trả lời" if to_answer else "")
    return ""


def risk_words(user) -> str:
    flagged = len(risk.flagged_activities(user))
    return f"; {flagged} hoạt động có dấu hiệu ép buộc (/risk/)" if flagged else ""


def inspection_words(user) -> str:
    """What waits for ``user`` in inspections and complaints, as their home page lists it."""
    team = Inspection.objects.filter(team__user=user)
    visit = "cuộc kiểm tra" if user.role == Role.COMMITTEE else "cuộc thanh tra"
    running = team.filter(status__in=[Inspection.Status.IN_PROGRESS,
                                      Inspection.Status.FINDINGS_RECORDED]).count()
    to_start = team.filter(status=Inspection.Status.PLANNED).count()
    to_review = CorrectiveAction.objects.filter(
        finding__inspection__in=team, status=CorrectiveAction.Status.ANSWERED).count()
    actions = policy.visible(user, CorrectiveAction).filter(status=CorrectiveAction.Status.OPEN)
    complaints = policy.visible(user, Complaint).exclude(status=Complaint.Status.CLOSED).count()
    words = [
        (running, f"{running} {visit} đang tiến hành (/inspections/)"),
        (to_start, f"{to_start} {visit} chờ bắt đầu"),
        (to_review, f"{to_review} trả lời khắc phục chờ xem xét"),
    ]
    if user.role in (Role.DEPARTMENT, Role.COMMITTEE):
        overdue = actions.filter(due_date__lt=timezone.localdate()).count()
        words.append((overdue, f"{overdue} biện pháp khắc phục quá hạn"))
    if user.role == Role.PRINCIPAL:
        n = actions.count()
        words.append((n, f"{n} biện pháp khắc phục phải trả lời (/corrective-actions/)"))
    assigned = "được giao" if user.role == Role.INSPECTOR else "chờ xử lý"
    words.append((complaints, f"{complaints} phản ánh {assigned} (/complaints/)"))
    return "".join(f"; {text}" for n, text in words if n)


class Command(BaseCommand):
    help = (
        "Create a small, realistic Hải Phòng with demo accounts for every role "
        "(idempotent). Not for a database with real people in it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-admin", action="store_true",
            help=f"Also create the superuser 'admin' (password {DEMO_PASSWORD}).",
        )

    def handle(self, *args, with_admin=False, **options):
        refuse_in_production()
        city = DemoCity(with_admin)
        with transaction.atomic():
            city.build()
        # Reports are asked for once the city is committed, each in its own request: a
        # report that cannot be made leaves the city in place.
        city.reports()
        # This month's open data, as the first visitor would make it.
        opendata.release_all()
        if options["verbosity"] == 0:
            return
        self.stdout.write(self.summary())
        self.stdout.write(self.logins_table(with_admin))
        self.stdout.write(self.personal_links())

    @staticmethod
    def summary() -> str:
        schools = School.objects.filter(unit__path__startswith=f"{PROVINCE_CODE}/")
        merged = schools.filter(merged_into__isnull=False).count()
        classes = TutoringClass.objects.filter(school__in=schools)
        roster = Enrollment.objects.filter(activity__in=classes)
        return (
            f"Dữ liệu mẫu {PROVINCE_NAME}: "
            f"{AdministrativeUnit.objects.filter(path__startswith=f'{PROVINCE_CODE}/').count()}"
            f" đơn vị hành chính, {schools.count()} trường ({merged} đã sáp nhập), "
            f"{Student.objects.filter(school__in=schools).count()} học sinh, "
            f"{SchoolYear.objects.count()} năm học (hiện tại {CURRENT_YEAR}).\n"
            f"Dạy thêm trong trường: {classes.count()} lớp "
            f"({classes.filter(status=Status.OPEN).count()} đang học), "
            f"{roster.filter(status=Enrollment.Status.ENROLLED).count()} học sinh có phiếu đồng ý "
            f"của cha mẹ, {roster.filter(status=Enrollment.Status.PROPOSED).count()} chờ cha mẹ "
            "trả lời.\n"
            + Command.programmes_line(schools)
            + Command.consents_line(schools)
            + Command.inspections_line(schools)
            + Command.reports_line()
        )

    @staticmethod
    def reports_line() -> str:
        documents = Counter(IssuedDocument.objects.values_list("kind", flat=True))
        failed = ReportJob.objects.filter(status=ReportJob.Status.FAILED).count()
        kinds = ", ".join(f"{documents[kind]} {words}" for kind, words in DOCUMENT_WORDS.items()
                          if documents[kind])
        return (
            f"Báo cáo, văn bản đã phát hành: {sum(documents.values())} ({kinds}), mỗi văn bản "
            f"có mã xác thực; {failed} yêu cầu báo cáo bị lỗi chờ thử lại (/reports/).\n"
        )

    @staticmethod
    def consents_line(schools) -> str:
        events = ConsentEvent.objects.filter(enrollment__activity__school__in=schools)
        channels = Counter(events.values_list("channel", flat=True))
        waiting = Enrollment.objects.filter(activity__school__in=schools,
                                            status=Enrollment.Status.WAITING)
        lists = waiting.values("activity").distinct().count()
        return (
            f"Ý kiến của cha mẹ trong sổ đồng ý: {channels[ConsentEvent.Channel.ONLINE]} trực "
            f"tuyến, {channels[ConsentEvent.Channel.LINK]} qua đường dẫn cá nhân, "
            f"{channels[ConsentEvent.Channel.PAPER]} trên phiếu giấy, "
            f"{channels[ConsentEvent.Channel.PHONE]} qua điện thoại; {waiting.count()} học sinh "
            f"trong danh sách chờ của {lists} hoạt động đã hết chỗ.\n"
        )

    @staticmethod
    def inspections_line(schools) -> str:
        inspections = Inspection.objects.filter(school__in=schools)
        statuses = Counter(inspections.values_list("status", flat=True))
        by_status = ", ".join(f"{statuses[status]} {words}"
                              for status, words in INSPECTION_STATUS_WORDS.items()
                              if statuses[status])
        actions = CorrectiveAction.objects.filter(finding__inspection__in=inspections)
        overdue = actions.filter(status=CorrectiveAction.Status.OPEN,
                                 due_date__lt=timezone.localdate()).count()
        answered = actions.filter(status=CorrectiveAction.Status.ANSWERED).count()
        suspended = InspectionSuspension.objects.filter(inspection__in=inspections).count()
        complaints = Complaint.objects.filter(school__in=schools)
        received = Counter(complaints.values_list("status", flat=True))
        complaint_words = ", ".join(f"{received[status]} {words}"
                                    for status, words in COMPLAINT_STATUS_WORDS.items()
                                    if received[status])
        plans = InspectionPlan.objects.filter(unit__path__startswith=f"{PROVINCE_CODE}/")
        return (
            f"Thanh tra, kiểm tra: {plans.count()} kế hoạch, {inspections.count()} cuộc "
            f"({by_status}); "
            f"{Finding.objects.filter(inspection__in=inspections).count()} phát hiện, "
            f"{actions.count()} biện pháp khắc phục ({overdue} quá hạn, {answered} chờ đoàn "
            f"xem xét); {suspended} hoạt động bị tạm dừng từ thanh tra. Phản ánh: "
            f"{complaints.count()} ({complaint_words}), "
            f"{complaints.filter(is_anonymous=True).count()} ẩn danh.\n"
        )

    @staticmethod
    def programmes_line(schools) -> str:
        programmes = Programme.objects.filter(school__in=schools)
        statuses = Counter(programmes.values_list("status", flat=True))
        by_status = ", ".join(f"{statuses[status]} {words}"
                              for status, words in PROGRAMME_STATUS_WORDS.items()
                              if statuses[status])
        partners = Counter(Partner.objects.values_list("status", flat=True))
        enrolled = Enrollment.objects.filter(activity__in=programmes,
                                             status=Enrollment.Status.ENROLLED).count()
        return (
            f"Liên kết giáo dục: {programmes.count()} chương trình ({by_status}) ở "
            f"{programmes.values('school').distinct().count()} trường; "
            f"{sum(partners.values())} đơn vị liên kết trong danh bạ của Sở "
            f"({partners[Partner.Status.SUSPENDED]} bị tạm đình chỉ, "
            f"{partners[Partner.Status.BARRED]} bị cấm); {enrolled} học sinh có phiếu đồng ý "
            "của cha mẹ.\n"
        )

    @staticmethod
    def logins_table(with_admin: bool) -> str:
        logins = DEMO_LOGINS + ([ADMIN_LOGIN] if with_admin else [])
        users = User.objects.in_bulk([username for _, username in logins], field_name="username")
        header = ("Vai trò", "Tên đăng nhập", "Mật khẩu", "Nhìn thấy")
        rows = [
            (label, username, DEMO_PASSWORD, what_they_see(users[username]))
            for label, username in logins
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]

        def line(cells):
            return "  ".join(
                cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(cells)
            )

        out = ["Tài khoản dùng thử:", "", line(header),
               "  ".join("-" * w for w in [*widths, len(header[3])])]
        out += [line(row) for row in rows]
        out += [
            "",
            "Tài khoản khác, cùng mật khẩu: ubnd.lechan, ubnd.anduong; hieutruong.<trường>, "
            "giaovien.<trường>, giaovien2.<trường>… với <trường> là mn.hoaphuong, "
            "th.quangtrung, thpt.lechan, gdtx.haiphong, thcs-thpt.nbk…",
            "Đăng nhập được bằng tên đăng nhập, e-mail hoặc số điện thoại.",
            Command.father_line(),
            Command.complaint_line(),
            Command.verify_line(),
        ]
        return "\n".join(out) + "\n"

    @staticmethod
    def complaint_line() -> str:
        """The tracking code of ``TRACKED_COMPLAINT``, with which anyone follows it without
        an account."""
        spec = TRACKED_COMPLAINT
        moet_code = next(s.moet_code for s in SCHOOLS if s.slug == spec.school)
        complaint = Complaint.objects.filter(school__moet_code=moet_code,
                                             description=spec.description).first()
        if complaint is None:
            return ""
        return (f"Theo dõi phản ánh không cần tài khoản: /complaints/track/ — mã "
                f"{complaint.code} (phản ánh {'ẩn danh ' if complaint.is_anonymous else ''}về "
                f"{complaint.school.name}, {COMPLAINT_STATUS_WORDS[complaint.status]})")

    @staticmethod
    def verify_line() -> str:
        """The verification code of ``VERIFIED_REPORT``'s latest document, with which anyone
        checks it on the public page."""
        spec = VERIFIED_REPORT
        job = (ReportJob.objects.filter(requested_by__username=spec.requester, kind=spec.kind,
                                        school_year__name=CURRENT_YEAR,
                                        status=ReportJob.Status.DONE)
               .select_related("document", "requested_by").order_by("-finished_at", "-id")
               .first())
        if job is None:
            return ""
        document = job.document
        return (f"Kiểm tra văn bản không cần tài khoản: "
                f"{reverse('public:verify', args=[document.code])} — mã {document.code} "
                f"(báo cáo số {document.reference} của {job.requested_by.username})")

    @staticmethod
    def father_line() -> str:
        phone = FAMILY["father"][1]
        if Guardian.objects.filter(phone=phone, user__isnull=False).exists():
            return (f"Tài khoản cha mẹ đã kích hoạt bằng mã {FATHER_CODE}: đăng nhập bằng số "
                    f"điện thoại {phone} và mật khẩu đã chọn khi kích hoạt.")
        return f"Kích hoạt tài khoản cha mẹ: /activate/ — số điện thoại {phone}, mã {FATHER_CODE}"

    @staticmethod
    def personal_links() -> str:
        """A personal link for a family without an account, for each of ``PERSONAL_LINKS``,
        to a child whose answer the programme waits for. Signed now, valid for
        ``CONSENT_LINK_MAX_AGE``."""
        days = settings.CONSENT_LINK_MAX_AGE // 86400
        out = []
        for slug, title in PERSONAL_LINKS:
            moet_code = next(spec.moet_code for spec in SCHOOLS if spec.slug == slug)
            programme = Programme.objects.filter(school__moet_code=moet_code,
                                                 title=title).first()
            guardianship = programme and Command.family_to_ask(programme)
            if not guardianship:
                continue
            student, guardian = guardianship.student, guardianship.guardian
            full = programme.enrollments.filter(
                status=Enrollment.Status.ENROLLED).count() >= programme.capacity
            out.append(
                f"  {guardian.full_name}, {KIN[guardianship.relationship].lower()} của "
                f"{student.full_name} ({student.homeroom}, {student.school.name}), "
                f"\"{programme.title}\"" + (" (đã hết chỗ: đồng ý thì vào danh sách chờ)"
                                              if full else "")
                + f": {settings.SITE_URL.rstrip('/')}{link_for(guardian, student)}"
            )
        if not out:
            return ""
        return "\n".join([f"Đường dẫn cá nhân (không cần tài khoản), hiệu lực {days} ngày:",
                          *out]) + "\n"

    @staticmethod
    def family_to_ask(programme: Programme) -> Guardianship | None:
        """The first student of the programme's grades (by code) whose answer it waits for,
        with a guardian who has no account."""
        students = (programme.school.students
                    .filter(status=Student.Status.STUDYING, grade__gte=programme.grade_min,
                            grade__lte=programme.grade_max)
                    .exclude(national_id__in=FAMILY_CODES).order_by("national_id"))
        for student in students:
            if not any(o.activity.pk == programme.pk and o.awaits_answer
                       for o in offers_for(student)):
                continue
            guardianship = (student.guardianships.filter(guardian__user__isnull=True)
                            .select_related("guardian", "student__school").order_by("id")
                            .first())
            if guardianship is not None:
                return guardianship
        return None

"""City-sized data for load tests: ``manage.py seed_scale --preset city`` gives 1,000 schools
and 1,000,000 students with the same shape as ``seed_demo``.

Every table is filled with ``bulk_create`` in batches: no per-row save, no per-row query, one
password hash for every account. Role scopes are written straight into django-guardian's
table (``SchoolUserObjectPermission``) rather than through ``role_grant``, which works one
user at a time. Codes, usernames and phone numbers carry a prefix or range of their own, so the
command runs on a database that already holds ``seed_demo`` data or an earlier run with
another ``--prefix``. Everything happens in one transaction.

To add a model: write a ``step_<table>`` method that bulk-creates its rows (reading the ids
earlier steps left on ``self``) and returns how many it wrote, and add it to ``STEPS``.

Tutoring: each school gets its main timetable; each secondary school eight tutoring classes and
each primary school two (arts, life skills), mostly open, with their weekly slots, a teacher,
their status history and rosters of about twenty students whose parents answered on paper.
The classes are lawful by construction: free, within the weekly cap, after the main sessions,
no two of a school's classes at the same time, each subject and grade once per school (so no
student goes over the cap), and a "not achieved" result for every remedial student.

Linked programmes: a registry of partner organisations (one per five schools, at least 20),
each with a licence for several kinds of programme valid over the school year, one in ten
suspended; then ``--programmes-per-school`` programmes in every school, each with a licensed
partner, a teacher (a foreign one with a work permit where the kind needs it), the contract and
plan for those that reached the authority, weekly slots outside the main sessions, its status
history and terms fingerprint. Fees are drawn per kind from a wide, skewed distribution: most
near the kind's typical fee, a few far below, one in sixteen five to fifteen times above, as the
press found (the same programme at 120.000 ₫ in one school and 2.000.000 ₫ in another). Most are
approved; the programmes of a suspended partner are suspended. With ``--programme-offers N``
each approved (or since suspended) programme is offered to N students of its grades and their
parents' answers go into the consent ledger (agreed by personal link, declined, withdrawn by
phone, changed their mind, not answered yet), the roster filled while places last and the rest
on the waiting list; these millions of rows are written with COPY on PostgreSQL. One family in
ten has a parent's account (the phone number as username). ``scripts/bench_fees.py`` times the
fee comparison over 100,000 programmes.

Presets: ``--preset city`` is the issue's city (1,000 schools, 1,000,000 students and their
parents, 106,000 activities, about 5,000,000 consent events), ``--preset small`` the same shape
over 20 schools for quick runs; options given beside a preset override it.

Inspections and complaints: the officials (one of the Department, an inspector per fifty
schools, one of the People's Committee per commune) with their unit scopes; a plan per authority
and school year; about one school in twenty inspected each school year, by its managing
authority or the Department, most from the plan, some unannounced, each standing where its
dates put it today (planned, the team at work, concluded, followed up, closed); the default
checklist answered, none to three findings each, one or two corrective actions per finding
(all accepted once closed, some past their deadline before), with the history of each. About
two complaints per school a year up to today, two in five anonymous, older ones closed with an
answer, some assigned or linked to an inspection of the school, each with its tracking code and
its history. No evidence files (their scans would be paths, as for the consent forms, and the
team's photos say nothing to a benchmark).

Reports: a few hundred report requests (the Department's 45, two per commune's committee, one
per ten schools' heads), waiting for a worker or failed with the message a failed task leaves,
asked for over the last weeks, for the report lists and their pages; and a handful of real
documents (a head's school report, a committee's area report), asked for and made through
``reports.services`` and the report task, since a document is a real PDF with its checksum.
The city's report over the whole data is ``scripts/bench_report.py``'s to make and time.
"""

import datetime
import hashlib
import math
import random
import re
import time
from array import array
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Role
from inspections.checklists import ensure_default_checklist
from inspections.complaints import ALPHABET, CODE_LENGTH
from inspections.complaints import EVENT_LABELS as COMPLAINT_EVENT_LABELS
from inspections.complaints import PUBLIC_EVENTS as PUBLIC_COMPLAINT_EVENTS
from inspections.models import (
    Authority,
    ChecklistAnswer,
    Complaint,
    ComplaintEvent,
    CorrectiveAction,
    Finding,
    Inspection,
    InspectionEvent,
    InspectionPlan,
    Scope,
    Severity,
    TeamMember,
)
from inspections.services import EVENT_LABELS as INSPECTION_EVENT_LABELS
from partnerships.models import (
    Licence,
    Partner,
    PartnerEvent,
    Programme,
    ProgrammeDocument,
    ProgrammeKind,
    ProgrammeTeacher,
)
from public import opendata, rights
from public.models import RightsPage
from reports import services as reporting
from reports import tasks as report_tasks
from reports.models import DocumentKind, IssuedDocument, ReportJob
from schools.models import (
    Activity,
    ActivityEvent,
    ActivitySlot,
    AdministrativeUnit,
    ConsentEvent,
    Enrollment,
    Guardian,
    Guardianship,
    MainSession,
    School,
    SchoolLevel,
    SchoolUserObjectPermission,
    StaffMember,
    Student,
    SubjectResult,
    TeachingAssignment,
    Term,
    UnitUserObjectPermission,
)
from schools.services import department_group
from tutoring.models import Category, TutoringClass
from tutoring.rules import BASIS_FOR_CATEGORY

from .seed_demo import (
    ADULT_NAMES,
    CHILD_NAMES,
    CURRENT_YEAR,
    DEMO_PASSWORD,
    LEVEL_GRADES,
    REFORM_DAY,
    RESULTS_TERM,
    RESULTS_YEAR,
    SURNAMES,
    TERM_ONE,
    WHOLE_YEAR,
    birth_year,
    ensure_rule_policy,
    ensure_school_years,
    ensure_subjects,
    main_sessions,
    refuse_in_production,
    subjects_for_grade,
)

User = get_user_model()

# Roughly the national mix of public schools by level.
LEVEL_MIX = {
    SchoolLevel.PRESCHOOL: 35,
    SchoolLevel.PRIMARY: 31,
    SchoolLevel.LOWER_SECONDARY: 23,
    SchoolLevel.UPPER_SECONDARY: 7,
    SchoolLevel.CONTINUING: 2,
    SchoolLevel.MULTI_LEVEL: 2,
}
LEVEL_WORD = {
    SchoolLevel.PRESCHOOL: "Trường Mầm non",
    SchoolLevel.PRIMARY: "Trường Tiểu học",
    SchoolLevel.LOWER_SECONDARY: "Trường THCS",
    SchoolLevel.UPPER_SECONDARY: "Trường THPT",
    SchoolLevel.CONTINUING: "Trung tâm GDTX",
    SchoolLevel.MULTI_LEVEL: "Trường THCS và THPT",
}
PLACE_WORDS = ["An", "Hòa", "Tân", "Phú", "Vĩnh", "Đông", "Tây", "Nam", "Bắc", "Hưng", "Thịnh",
               "Lợi", "Thành", "Bình", "Minh", "Quang", "Hải", "Sơn", "Lạc", "Thủy"]
# Phones of bulk-created guardians: 07xxxxxxxx, a range seed_demo (09/03/08) never uses.
PHONE_PREFIX = "07"
CLASS_SIZE = 35
SCALE_SEED = 2025

# Tutoring classes per school: (category, subject, grade); for secondary schools the grade is
# counted back from the level's final grade (9 or 12). Each subject and grade once.
SECONDARY_CLASSES = [
    (Category.REMEDIAL, "toan", 2),
    (Category.REMEDIAL, "ngu-van", 2),
    (Category.REMEDIAL, "ngu-van", 1),
    (Category.GIFTED, "toan", 1),
    (Category.GIFTED, "tieng-anh", 1),
    (Category.EXAM_REVIEW, "toan", 0),
    (Category.EXAM_REVIEW, "ngu-van", 0),
    (Category.EXAM_REVIEW, "tieng-anh", 0),
]
PRIMARY_CLASSES = [(Category.ARTS, "am-nhac", 4), (Category.LIFE_SKILLS, "ky-nang-song", 3)]
T = datetime.time
# Weekly slots, one set per class of a school, none overlapping another or the main sessions
# (secondary afternoons end at 16:45, primary at 16:15).
EVENINGS = [
    *[((day, T(17), T(18, 30), 2),) for day in range(5)],
    ((0, T(18, 40), T(19, 25), 1), (2, T(18, 40), T(19, 25), 1)),
    ((1, T(18, 40), T(19, 25), 1), (3, T(18, 40), T(19, 25), 1)),
    ((4, T(18, 40), T(20, 10), 2),),
]
AFTER_PRIMARY = [
    ((1, T(16, 30), T(17, 5), 1), (3, T(16, 30), T(17, 5), 1)),
    ((2, T(16, 30), T(17, 5), 1), (4, T(16, 30), T(17, 5), 1)),
]
TITLES = {
    Category.REMEDIAL: "Phụ đạo {subject} {grade}",
    Category.GIFTED: "Bồi dưỡng học sinh giỏi {subject} {grade}",
    Category.ARTS: "Câu lạc bộ {subject} lớp {grade}",
    Category.LIFE_SKILLS: "{subject} lớp {grade}",
}
CLASS_CAPACITY = 35
ROSTER_SIZE = 20
# The statuses a class went through, in order; most classes are open, and of every 20 one is
# a draft, one submitted, one approved but not yet open, and one suspended.
S = Activity.Status
STATUS_PATH = [S.DRAFT, S.SUBMITTED, S.APPROVED, S.OPEN, S.SUSPENDED]
RARE_STATUSES = {7: S.DRAFT, 13: S.SUBMITTED, 17: S.SUSPENDED, 19: S.APPROVED}
SUSPENSION_REASON = "Tạm dừng để kiểm tra theo kế hoạch kiểm tra đột xuất."
# Paper forms whose scans are not written to disk: a path, never opened.
SCALE_SCAN = "consent/scale.pdf"

# Parents' own accounts: one family in ten signs in to answer (the rest use their personal
# link or a paper form); the username is the phone number, as an activated account's is.
PARENT_ACCOUNT_EVERY = 10

# Linked programmes.
K = ProgrammeKind
MIN_PARTNERS = 20
SCHOOLS_PER_PARTNER = 5
# Partners' tax codes: 0990xxxxxx, a range neither the demo nor real Hải Phòng codes use.
TAX_PREFIX = "0990"
PARTNER_WORDS = {
    K.FOREIGN_LANGUAGE: "Trung tâm Ngoại ngữ",
    K.FOREIGN_TEACHERS: "Công ty TNHH Giáo dục Quốc tế",
    K.IT: "Công ty Cổ phần Công nghệ Giáo dục",
    K.LIFE_SKILLS: "Công ty TNHH Kỹ năng sống",
    K.STEM: "Công ty TNHH Giáo dục STEM",
    K.THINKING_MATHS: "Công ty TNHH Toán tư duy",
    K.EXPERIENTIAL: "Công ty TNHH Du lịch và Trải nghiệm",
    K.CAREER: "Công ty Cổ phần Tư vấn Hướng nghiệp",
    K.OTHER: "Công ty TNHH Giáo dục",
}
LICENCE_ISSUER = "Sở Giáo dục và Đào tạo"
# Every licence covers the current school year (and programmes from TERM_ONE to WHOLE_YEAR);
# one in three runs until revoked.
LICENCE_FROM = (datetime.date(2024, 8, 1), datetime.date(2026, 8, 1))
LICENCE_TO = datetime.date(2028, 7, 31)
PARTNER_SUSPENSION = ("Tạm dừng hoạt động liên kết do thu phí vượt mức đã công khai.",
                      "QĐ-SGDĐT")
# The kinds each level's schools choose from, with weights.
LEVEL_KINDS = {
    SchoolLevel.PRESCHOOL: {K.FOREIGN_LANGUAGE: 30, K.FOREIGN_TEACHERS: 15, K.LIFE_SKILLS: 20,
                            K.STEM: 5, K.THINKING_MATHS: 10, K.EXPERIENTIAL: 10, K.OTHER: 10},
    SchoolLevel.PRIMARY: {K.FOREIGN_LANGUAGE: 25, K.FOREIGN_TEACHERS: 15, K.IT: 12,
                          K.LIFE_SKILLS: 12, K.STEM: 10, K.THINKING_MATHS: 12, K.EXPERIENTIAL: 8,
                          K.OTHER: 6},
    SchoolLevel.LOWER_SECONDARY: {K.FOREIGN_LANGUAGE: 25, K.FOREIGN_TEACHERS: 12, K.IT: 12,
                                  K.LIFE_SKILLS: 10, K.STEM: 12, K.THINKING_MATHS: 6,
                                  K.EXPERIENTIAL: 8, K.CAREER: 10, K.OTHER: 5},
}
UPPER_KINDS = {K.FOREIGN_LANGUAGE: 25, K.FOREIGN_TEACHERS: 10, K.IT: 12, K.LIFE_SKILLS: 8,
               K.STEM: 12, K.EXPERIENTIAL: 8, K.CAREER: 20, K.OTHER: 5}
# (title, content summary, teacher's qualification) per kind.
PROGRAMME_TEXTS = {
    K.FOREIGN_LANGUAGE: ("Tiếng Anh tăng cường", "Tiếng Anh giao tiếp theo giáo trình của đơn "
                         "vị, bổ trợ chương trình chính khóa; kiểm tra cuối mỗi học kỳ.",
                         "Cử nhân Sư phạm tiếng Anh"),
    K.FOREIGN_TEACHERS: ("Tiếng Anh với giáo viên nước ngoài", "Luyện nghe, nói với giáo viên "
                         "bản ngữ, trợ giảng Việt Nam; sĩ số tối đa theo hợp đồng.",
                         "Cử nhân ngôn ngữ, chứng chỉ TESOL"),
    K.IT: ("Tin học quốc tế", "Tin học ứng dụng và lập trình cơ bản, thi chứng chỉ tin học "
           "quốc tế khi học sinh có nguyện vọng.", "Kỹ sư Công nghệ thông tin"),
    K.LIFE_SKILLS: ("Giáo dục kỹ năng sống", "Kỹ năng tự phục vụ, an toàn, giao tiếp và làm "
                    "việc nhóm qua hoạt động thực hành.", "Cử nhân Tâm lý học giáo dục"),
    K.STEM: ("Giáo dục STEM – Robotics", "Dự án STEM, lắp ráp và lập trình robot theo chủ đề "
             "của chương trình môn Khoa học, Công nghệ.", "Kỹ sư Cơ điện tử"),
    K.THINKING_MATHS: ("Toán tư duy", "Phát triển tư duy logic qua trò chơi và bài toán mở; "
                       "không dạy trước chương trình.", "Cử nhân Sư phạm Toán"),
    K.EXPERIENTIAL: ("Học tập trải nghiệm", "Tham quan, trải nghiệm thực tế ngoài nhà trường "
                     "theo chủ đề từng tháng, có giáo viên của trường đi cùng.",
                     "Cử nhân Quản lý giáo dục"),
    K.CAREER: ("Tư vấn hướng nghiệp", "Trắc nghiệm sở thích nghề, gặp gỡ doanh nghiệp, tư vấn "
               "chọn ngành, chọn trường.", "Thạc sĩ Tâm lý học"),
    K.OTHER: ("Câu lạc bộ cờ vua", "Cờ vua cơ bản và nâng cao, thi đấu giao hữu giữa các lớp.",
              "Huấn luyện viên cờ vua cấp quốc gia"),
}
FOREIGN_TEACHERS = [("James Walker", "Vương quốc Anh"), ("Emily Johnson", "Hoa Kỳ"),
                    ("Liam O'Brien", "Ai-len"), ("Chloe Martin", "Ca-na-đa"),
                    ("Jack Wilson", "Ô-xtrây-li-a"), ("Maria Santos", "Phi-líp-pin"),
                    ("Pieter van Wyk", "Nam Phi")]
WORK_PERMIT_UNTIL = datetime.date(2028, 6, 30)
# The monthly fee a family typically pays per kind (₫); each programme's fee is this times a
# log-normal factor, with a tail far below (subsidised) and one far above (5-15 times).
TYPICAL_FEE = {
    K.FOREIGN_LANGUAGE: 350_000, K.FOREIGN_TEACHERS: 500_000, K.IT: 250_000,
    K.LIFE_SKILLS: 150_000, K.STEM: 300_000, K.THINKING_MATHS: 400_000,
    K.EXPERIENTIAL: 200_000, K.CAREER: 150_000, K.OTHER: 200_000,
}
FEE_SPREAD = 0.35  # sigma of the log-normal factor
FEE_STEP = 10_000
FAR_ABOVE_SHARE, CHEAP_SHARE = 1 / 16, 1 / 20
PERIODS_WEIGHTS = {1: 25, 2: 45, 3: 15, 4: 15}
# Weekly periods split into sessions of one or two periods, on different days.
SESSIONS = {1: (1,), 2: (2,), 3: (2, 1), 4: (2, 2)}
# Where a programme's sessions may start: weekday afternoons and evenings, the weekend. Only
# those clear of a school's main sessions are used (checked per level), and no evening for
# preschool and primary children. A period lasts 35 minutes in preschool and primary, 45
# later, with five minutes between two.
PROGRAMME_STARTS = [
    *[(day, T(17)) for day in range(5)],
    *[(day, T(18, 45)) for day in range(5)],
    (5, T(8)), (5, T(9, 45)), (5, T(14)), (5, T(15, 45)), (6, T(8)), (6, T(9, 45)), (6, T(14)),
]
YOUNG = {SchoolLevel.PRESCHOOL, SchoolLevel.PRIMARY}
# Of every 20 programmes: one a draft, two awaiting the authority, one suspended; the rest
# approved. A suspended partner's programmes are all suspended.
PROGRAMME_PATH = [S.DRAFT, S.SUBMITTED, S.APPROVED, S.SUSPENDED]
RARE_PROGRAMME_STATUSES = {3: S.DRAFT, 8: S.SUBMITTED, 13: S.SUBMITTED, 18: S.SUSPENDED}
PROGRAMME_SUSPENSION = "Tạm dừng do phụ huynh phản ánh thu phí ngoài hợp đồng; chờ kết luận."
# With --programme-offers N, each approved (or later suspended) programme is offered to N
# students of its grades, and their parents answered in one of these ways (weights out of
# 20): most agreed, by their personal link; some declined; some withdrew later, by phone to
# the school; some changed their mind; one in twenty has not answered yet. 1.35 ledger
# events per offer: the city preset's 45 offers give about five events per student.
ANSWER_PATTERNS = [
    (("given",), 11), (("declined",), 2), (("given", "withdrawn"), 2),
    (("declined", "given"), 2), (("given", "withdrawn", "given"), 2), ((), 1),
]
OFFERS_SEED = 29
SCALE_DOCUMENT = "programmes/scale.pdf"

# Inspections and complaints.
IN = Inspection.Status
INSPECTED_SHARE = 0.05  # of the schools, each school year
UNANNOUNCED_SHARE = 0.15
# A committee-managed school is inspected by its People's Committee, one in five by the
# Department; the Department inspects the schools it manages.
DEPARTMENT_INSPECTS_SHARE = 0.2
SCHOOLS_PER_INSPECTOR = 50
FINDINGS_PER_INSPECTION = (0, 1, 1, 2, 2, 3)
ACTIONS_PER_FINDING = (1, 1, 2)
ANSWER_WEIGHTS = {ChecklistAnswer.Answer.YES: 80, ChecklistAnswer.Answer.NO: 12,
                  ChecklistAnswer.Answer.NOT_APPLICABLE: 8}
SEVERITY_WEIGHTS = {Severity.MINOR: 60, Severity.SERIOUS: 30, Severity.VERY_SERIOUS: 10}
# (finding, its legal basis, the corrective action, the school's answer) per category.
FINDING_TEXTS = {
    Finding.Category.TUTORING: (
        "Danh sách học sinh học thêm có học sinh không thuộc đối tượng được phép",
        "Thông tư 29/2024/TT-BGDĐT, Điều 5 khoản 1",
        "Rà soát danh sách, chỉ giữ học sinh thuộc ba đối tượng được phép; báo cáo kết quả.",
        "Đã rà soát, đưa học sinh không thuộc đối tượng ra khỏi danh sách."),
    Finding.Category.PROGRAMMES: (
        "Chương trình liên kết có buổi học trùng giờ học chính khóa",
        "Chỉ thị của UBND thành phố về dạy thêm, học thêm và liên kết giáo dục (P3)",
        "Xếp lại lịch chương trình ngoài giờ chính khóa, thông báo cho cha mẹ học sinh.",
        "Đã xếp lại lịch vào chiều thứ Bảy và thông báo cho cha mẹ học sinh."),
    Finding.Category.FEES: (
        "Chưa niêm yết công khai mức thu của chương trình liên kết",
        "Chỉ thị của UBND thành phố; công khai, giải trình (P6)",
        "Niêm yết mức thu tại bảng tin và trên trang thông tin điện tử của trường.",
        "Đã niêm yết tại bảng tin và trên trang thông tin điện tử."),
    Finding.Category.CONSENT: (
        "Phiếu đăng ký do giáo viên chủ nhiệm thu hộ, thiếu chữ ký của cha mẹ học sinh",
        "Thông tư 29/2024/TT-BGDĐT, Điều 3 (P1)",
        "Tổ chức lại việc đăng ký tự nguyện, chỉ nhận phiếu do cha mẹ học sinh ký.",
        "Đã gửi lại phiếu cho cha mẹ học sinh và nhận lại phiếu có chữ ký."),
    Finding.Category.STUDENTS: (
        "Không lưu danh sách học sinh xin rút khỏi chương trình",
        "Thông tư 29/2024/TT-BGDĐT, Điều 5",
        "Lập và lưu danh sách học sinh tham gia, học sinh xin rút theo từng chương trình.",
        "Đã lập sổ theo dõi học sinh tham gia và xin rút."),
    Finding.Category.OTHER: (
        "Hồ sơ quản lý hoạt động dạy thêm, liên kết chưa đầy đủ",
        "Thông tư 29/2024/TT-BGDĐT, Điều 8",
        "Bổ sung hồ sơ quản lý theo quy định, báo cáo đoàn kiểm tra.",
        "Đã bổ sung đầy đủ hồ sơ."),
}
CONCLUSION = ("Nhà trường cơ bản thực hiện đúng quy định về dạy thêm, học thêm và liên kết giáo "
              "dục; yêu cầu khắc phục các tồn tại đã nêu và báo cáo kết quả.")
COMPLAINTS_PER_SCHOOL = (1, 2, 2, 3)  # a year
ANONYMOUS_SHARE = 0.4
COMPLAINT_WEIGHTS = {Complaint.Category.COERCION: 25, Complaint.Category.FEES: 35,
                     Complaint.Category.QUALITY: 25, Complaint.Category.OTHER: 15}
COMPLAINT_TEXTS = {
    Complaint.Category.COERCION: "Giáo viên chủ nhiệm phát phiếu đăng ký tại lớp và nhắc tên "
                                 "học sinh chưa nộp; gia đình không muốn cho con tham gia.",
    Complaint.Category.FEES: "Ngoài học phí đã công khai, lớp thu thêm tiền tài liệu, không có "
                             "biên lai.",
    Complaint.Category.QUALITY: "Lớp thường xuyên đổi lịch sát giờ, có buổi không có giáo viên.",
    Complaint.Category.OTHER: "Đề nghị nhà trường công khai kế hoạch và danh sách lớp học thêm.",
}
# Report requests: the Department's many (pages of them), two per commune's committee, one
# per ten schools' heads; each waiting for a worker or failed, one in three failed. The
# PDFs are made for real, so only a handful: a head's school report and a committee's area
# report, through the request and the task as a page would make them.
DEPARTMENT_JOBS = 45
JOBS_PER_COMMITTEE = 2
SCHOOLS_PER_HEAD_JOB = 10
FAILED_JOB_SHARE = 1 / 3
JOB_ERRORS = ["OperationalError", "InterfaceError", "MemoryError"]
COMPLAINT_ANSWER = ("Cơ quan quản lý đã làm việc với nhà trường; nhà trường đã khắc phục và "
                    "trả lời gia đình.")

STEPS = [
    ("units", "Đơn vị hành chính"),
    ("school_years", "Năm học, học kỳ"),
    ("users", "Tài khoản hiệu trưởng, giáo viên"),
    ("schools", "Trường"),
    ("staff", "Cán bộ, giáo viên"),
    ("school_scopes", "Phạm vi quyền theo trường"),
    ("assignments", "Phân công giảng dạy"),
    ("students", "Học sinh"),
    ("guardians", "Cha mẹ, người giám hộ"),
    ("guardianships", "Quan hệ phụ huynh – học sinh"),
    ("parent_accounts", "Tài khoản phụ huynh"),
    ("main_sessions", "Buổi học chính khóa"),
    ("tutoring_classes", "Lớp dạy thêm trong trường"),
    ("tutoring_slots", "Lịch học hằng tuần"),
    ("tutoring_teachers", "Giáo viên dạy lớp"),
    ("tutoring_events", "Lịch sử trạng thái lớp"),
    ("subject_results", "Kết quả học kỳ trước (chưa đạt)"),
    ("enrollments", "Học sinh trong danh sách lớp"),
    ("consent_events", "Phiếu đồng ý của cha mẹ"),
    ("partners", "Đơn vị liên kết"),
    ("partner_events", "Lịch sử đơn vị liên kết"),
    ("licences", "Giấy phép của đơn vị liên kết"),
    ("programmes", "Chương trình liên kết"),
    ("programme_slots", "Lịch chương trình liên kết"),
    ("programme_teachers", "Giáo viên chương trình liên kết"),
    ("programme_documents", "Hợp đồng, kế hoạch chương trình"),
    ("programme_terms", "Dấu vân tay điều khoản"),
    ("programme_events", "Lịch sử trạng thái chương trình"),
    ("programme_enrollments", "Lời mời tham gia chương trình"),
    ("programme_consents", "Ý kiến cha mẹ (chương trình)"),
    ("officials", "Tài khoản Sở, thanh tra, UBND"),
    ("official_scopes", "Phạm vi quyền theo đơn vị"),
    ("inspection_plans", "Kế hoạch thanh tra, kiểm tra"),
    ("inspections", "Cuộc thanh tra, kiểm tra"),
    ("team_members", "Thành viên đoàn thanh tra"),
    ("checklist_answers", "Trả lời danh mục kiểm tra"),
    ("findings", "Phát hiện"),
    ("corrective_actions", "Biện pháp khắc phục"),
    ("inspection_events", "Lịch sử cuộc thanh tra"),
    ("complaints", "Phản ánh"),
    ("complaint_events", "Lịch sử phản ánh"),
    ("report_jobs", "Yêu cầu báo cáo"),
    ("statistics", "Thống kê bảng (ANALYZE)"),
    ("issued_documents", "Báo cáo đã phát hành (PDF)"),
    ("rights_pages", "Trang quyền của gia đình"),
    ("open_data", "Dữ liệu mở tháng này"),
]


# The tables whose statistics step_statistics refreshes (those the steps fill).
ANALYSED = [
    User, School, StaffMember, SchoolUserObjectPermission, TeachingAssignment, Student,
    Guardian, Guardianship, MainSession, Activity, TutoringClass, TutoringClass.teachers.through,
    ActivitySlot, ActivityEvent, SubjectResult, Enrollment, ConsentEvent, Partner, PartnerEvent,
    Licence, Programme, ProgrammeTeacher, ProgrammeDocument, UnitUserObjectPermission,
    InspectionPlan, Inspection, TeamMember, ChecklistAnswer, Finding, CorrectiveAction,
    InspectionEvent, Complaint, ComplaintEvent, ReportJob,
]


def chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def is_mother(student: int, k: int) -> bool:
    """The k-th guardian of the student-th student: mothers and fathers alternate."""
    return (student + k) % 2 == 0


def answered_at(first: datetime.datetime, k: int, now: datetime.datetime) -> datetime.datetime:
    """When a family gave its k-th answer to an offer: nine days apart, none in the future."""
    return min(first + datetime.timedelta(days=9 * k), now)


def number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def spread_levels(n: int):
    """School levels in the national mix, spread evenly (smooth weighted round-robin): the
    mix is exact at any size, and three schools already have a primary and a secondary one."""
    total = sum(LEVEL_MIX.values())
    credit = dict.fromkeys(LEVEL_MIX, 0)
    for _ in range(n):
        for level, weight in LEVEL_MIX.items():
            credit[level] += weight
        level = max(credit, key=credit.get)
        credit[level] -= total
        yield level


class ScaleClass(NamedTuple):
    pk: int
    school: int  # index into the school lists
    category: str
    subject: str  # code
    grade: int
    slots: tuple
    status: str
    teacher: int  # staff member id
    teacher_user: int
    roster: list[int]  # indexes into ``student_ids``


class ScaleProgramme(NamedTuple):
    pk: int
    school: int  # index into the school lists
    kind: str
    partner: int  # index into the partner lists
    sessions: tuple  # (weekday, start, end, periods)
    status: str
    reference: str  # the approval decision, for those approved


def add_minutes(start: datetime.time, minutes: int) -> datetime.time:
    total = start.hour * 60 + start.minute + minutes
    return T(total // 60, total % 60)


def programme_starts(level: str, grade_max: int) -> list[tuple[int, datetime.time]]:
    """The session starts open to a school's programmes: a two-period session from each is
    clear of every main session."""
    length = 35 if level in YOUNG else 45
    sessions = main_sessions(level, grade_max)
    return [
        (day, start) for day, start in PROGRAMME_STARTS
        if not (level in YOUNG and start >= T(18))
        and not any(day == d and start < end and s < add_minutes(start, 2 * length + 5)
                    for d, s, end in sessions)
    ]


DEFAULTS = {
    "students_per_school": 1000, "guardians_per_student": 1, "staff_per_school": 40,
    "programmes_per_school": 3, "programme_offers": 0,
}
PRESETS = {
    # The issue's city: 1,000 schools, 1,000,000 students and their parents, 106,000
    # activities (100,000 of them linked programmes), 5,000,000 consent events.
    "city": {"schools": 1000, "students_per_school": 1000, "programmes_per_school": 100,
             "programme_offers": 45},
    # The same shape in a minute's seeding (20,000 students, 400 consent events a school).
    "small": {"schools": 20, "students_per_school": 1000, "programmes_per_school": 10,
              "programme_offers": 30},
}


class Command(BaseCommand):
    help = "Create city-scale load-test data with bulk inserts (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS),
                            help="city: 1,000 schools, 1,000,000 students, 106,000 activities, "
                                 "5,000,000 consent events (about ten minutes on PostgreSQL); "
                                 "small: 20 schools for quick runs. Other options override it.")
        parser.add_argument("--schools", type=int)
        parser.add_argument("--students-per-school", type=int,
                            help=f"Default {DEFAULTS['students_per_school']}.")
        parser.add_argument("--guardians-per-student", type=int, choices=[1, 2],
                            help=f"Default {DEFAULTS['guardians_per_student']}.")
        parser.add_argument("--staff-per-school", type=int,
                            help="Teachers and employees besides the principal "
                                 f"(default {DEFAULTS['staff_per_school']}).")
        parser.add_argument("--programmes-per-school", type=int,
                            help="Linked programmes in every school (default "
                                 f"{DEFAULTS['programmes_per_school']}; 100 with --schools "
                                 "1000: the 100,000 of scripts/bench_fees.py).")
        parser.add_argument("--programme-offers", type=int,
                            help="Students each approved programme was offered to, with their "
                                 "parents' answers in the consent ledger (default 0: none).")
        parser.add_argument("--prefix", default="S",
                            help="Starts every code and username; 1-3 capital letters or digits.")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, **options):
        refuse_in_production()
        # The preset's values, then the defaults, for the options not given.
        for key, value in {**DEFAULTS, **PRESETS.get(options["preset"], {})}.items():
            if options[key] is None:
                options[key] = value
        if options["schools"] is None:
            raise CommandError("Cần --schools hoặc --preset (city, small).")
        self.n_schools = options["schools"]
        self.per_school = options["students_per_school"]
        self.guardians_per_student = options["guardians_per_student"]
        self.staff_per_school = options["staff_per_school"]
        self.programmes_per_school = options["programmes_per_school"]
        self.programme_offers = options["programme_offers"]
        self.batch_size = options["batch_size"]
        self.prefix = options["prefix"]
        self.login = self.prefix.lower()
        self.verbosity = options["verbosity"]
        if (self.n_schools < 1 or self.per_school < 0 or self.staff_per_school < 0
                or self.programmes_per_school < 0 or self.programme_offers < 0):
            raise CommandError(
                "--schools phải ≥ 1; số học sinh, giáo viên, chương trình không được âm.")
        if not re.fullmatch(r"[A-Z][A-Z0-9]{0,2}", self.prefix):
            raise CommandError("--prefix: 1-3 chữ cái in hoa hoặc chữ số, bắt đầu bằng chữ cái.")
        self.province_code = f"{self.prefix}31"
        if AdministrativeUnit.objects.filter(code=self.province_code).exists():
            raise CommandError(
                f"Tiền tố «{self.prefix}» đã được dùng trong cơ sở dữ liệu này; "
                "chọn --prefix khác."
            )
        self.rng = random.Random(SCALE_SEED)
        self.password = make_password(DEMO_PASSWORD)  # hashed once, reused for every account

        started = time.perf_counter()
        self.say(
            f"Tạo {number(self.n_schools)} trường × {number(self.per_school)} học sinh, "
            f"{number(self.staff_per_school)} giáo viên, "
            f"{number(self.programmes_per_school)} chương trình liên kết mỗi trường "
            f"(tiền tố {self.prefix}, {connection.vendor})"
        )
        with transaction.atomic():
            for name, label in STEPS:
                t0 = time.perf_counter()
                rows = getattr(self, f"step_{name}")()
                seconds = time.perf_counter() - t0
                rate = f"{number(int(rows / seconds))} hàng/s" if seconds > 0 and rows else ""
                self.say(f"  {label:<34} {number(rows):>12} hàng {seconds:8.1f} s  {rate}")
        self.say(
            f"Xong trong {time.perf_counter() - started:.1f} s. Đăng nhập thử: "
            f"{self.login}.ht00000 (hiệu trưởng), {self.login}.gv0000000 (giáo viên), "
            f"mật khẩu {DEMO_PASSWORD}."
        )

    def say(self, message):
        if self.verbosity:
            self.stdout.write(message)
            self.stdout.flush()

    def progress(self, label, done, total):
        if self.verbosity > 1 or (self.verbosity and total >= 200_000):
            self.say(f"    {label}: {number(done)}/{number(total)}")

    def bulk(self, model, objects, total=None, label=""):
        """Insert in batches; return the new primary keys in order."""
        ids = array("q")
        step = self.batch_size * 20
        for chunk in chunks(objects, step):
            model.objects.bulk_create(chunk, batch_size=self.batch_size)
            ids.extend(obj.pk for obj in chunk)
            if total:
                self.progress(label, len(ids), total)
        return ids

    # Steps. Each writes one table (or two closely tied ones) and returns the row count.

    def step_units(self):
        province = AdministrativeUnit(
            code=self.province_code, name=f"Thành phố thử tải {self.prefix}",
            level=AdministrativeUnit.Level.PROVINCE, path=f"{self.province_code}/",
        )
        AdministrativeUnit.objects.bulk_create([province])
        self.province = province
        rng = self.rng
        communes = []
        for i in range(math.ceil(self.n_schools / 10)):
            code = f"{self.province_code}{i:05d}"
            kind = "Phường" if rng.random() < 0.4 else "Xã"
            name = f"{kind} {rng.choice(PLACE_WORDS)} {rng.choice(PLACE_WORDS)} {i + 1}"
            communes.append(AdministrativeUnit(
                code=code, name=name,
                level=AdministrativeUnit.Level.COMMUNE, parent=province,
                valid_from=REFORM_DAY, path=f"{province.path}{code}/",
            ))
        self.commune_ids = self.bulk(AdministrativeUnit, communes)
        return 1 + len(communes)

    def step_school_years(self):
        self.years = ensure_school_years()  # shared with seed_demo; a handful of rows
        self.year = self.years[CURRENT_YEAR]
        return len(self.years)

    def step_users(self):
        """One principal and ``--staff-per-school`` staff per school, all with one hash."""
        rng = self.rng
        surnames, weights = list(SURNAMES), list(SURNAMES.values())
        per = 1 + self.staff_per_school
        total = self.n_schools * per

        def users():
            for i in range(total):
                school, k = divmod(i, per)
                sex = "F" if rng.random() < 0.7 else "M"
                if k == 0:
                    username, role = f"{self.login}.ht{school:05d}", Role.PRINCIPAL
                else:
                    n = school * self.staff_per_school + k - 1
                    username, role = f"{self.login}.gv{n:07d}", Role.STAFF
                yield User(
                    username=username, password=self.password, role=role,
                    full_name=f"{rng.choices(surnames, weights)[0]} {rng.choice(ADULT_NAMES[sex])}",
                )

        ids = self.bulk(User, users(), total, "tài khoản")
        self.principal_ids = ids[::per]
        self.staff_ids = [ids[s * per + 1:(s + 1) * per] for s in range(self.n_schools)]
        return len(ids)

    def step_schools(self):
        self.levels = list(spread_levels(self.n_schools))
        self.grades = [LEVEL_GRADES[level] for level in self.levels]
        schools = []
        for i, level in enumerate(self.levels):
            grade_min, grade_max = self.grades[i]
            schools.append(School(
                moet_code=f"{self.prefix}{i:07d}",
                name=f"{LEVEL_WORD[level]} {self.rng.choice(PLACE_WORDS)} số {i + 1}",
                level=level, grade_min=grade_min, grade_max=grade_max,
                unit_id=self.commune_ids[i // 10], head_id=self.principal_ids[i],
                address=f"Số {i % 200 + 1}, {self.province.name}",
                phone=f"0225{3000000 + i % 7000000:07d}",
            ))
        self.school_ids = self.bulk(School, schools)
        return len(schools)

    def step_staff(self):
        def members():
            n = 0
            for s, school_id in enumerate(self.school_ids):
                head = "Giám đốc" if self.levels[s] == SchoolLevel.CONTINUING else "Hiệu trưởng"
                for k, user_id in enumerate([self.principal_ids[s], *self.staff_ids[s]]):
                    yield StaffMember(
                        user_id=user_id, school_id=school_id,
                        staff_code=f"{self.prefix}{n:09d}",
                        position=head if k == 0 else "Giáo viên",
                    )
                    n += 1

        total = self.n_schools * (1 + self.staff_per_school)
        self.member_ids = self.bulk(StaffMember, members(), total, "cán bộ")
        return len(self.member_ids)

    def step_school_scopes(self):
        """What ``role_grant`` writes per user, for all of them at once."""
        head = Permission.objects.get(content_type__app_label="schools", codename="head_school")
        work = Permission.objects.get(content_type__app_label="schools", codename="work_in_school")

        def scopes():
            for s, school_id in enumerate(self.school_ids):
                yield SchoolUserObjectPermission(
                    permission_id=head.pk, user_id=self.principal_ids[s],
                    content_object_id=school_id,
                )
                for user_id in self.staff_ids[s]:
                    yield SchoolUserObjectPermission(
                        permission_id=work.pk, user_id=user_id, content_object_id=school_id,
                    )

        total = self.n_schools * (1 + self.staff_per_school)
        return len(self.bulk(SchoolUserObjectPermission, scopes(), total, "phạm vi quyền"))

    @staticmethod
    def homeroom(grade: int, index_in_grade: int) -> str:
        section = index_in_grade // CLASS_SIZE + 1
        if grade == 0:  # preschool classes go by age: "5 tuổi A1"
            return f"{5 - index_in_grade % 3} tuổi A{section}"
        return f"{grade}A{section}"

    def step_assignments(self):
        """Each teacher takes one subject in one class; the first pass over a school's
        classes gives every class its homeroom teacher."""
        subjects = {code: subject.pk for code, subject in ensure_subjects().items()}
        per = 1 + self.staff_per_school

        def assignments():
            for s in range(self.n_schools):
                grade_min, grade_max = self.grades[s]
                span = grade_max - grade_min + 1
                sections = max(1, math.ceil(self.per_school / span / CLASS_SIZE))
                for k in range(1, per):  # k = 0 is the principal
                    grade, round_ = grade_min + (k - 1) % span, (k - 1) // span
                    codes = subjects_for_grade(grade)
                    yield TeachingAssignment(
                        staff_id=self.member_ids[s * per + k], school_year_id=self.year.pk,
                        subject_id=subjects[codes[round_ // sections % len(codes)]],
                        homeroom=self.homeroom(grade, round_ % sections * CLASS_SIZE),
                        is_homeroom_teacher=round_ < sections,
                    )

        total = self.n_schools * self.staff_per_school
        return len(self.bulk(TeachingAssignment, assignments(), total, "phân công"))

    def step_students(self):
        rng = self.rng
        surnames, weights = list(SURNAMES), list(SURNAMES.values())
        total = self.n_schools * self.per_school
        self.student_surnames = array("B")  # index into ``surnames``, for the parents' names
        self.surname_list = surnames
        first_day = {}

        def students():
            n = 0
            for s, school_id in enumerate(self.school_ids):
                grade_min, grade_max = self.grades[s]
                span = grade_max - grade_min + 1
                picks = rng.choices(range(len(surnames)), weights, k=self.per_school)
                for j in range(self.per_school):
                    grade, index_in_grade = grade_min + j % span, j // span
                    homeroom = self.homeroom(grade, index_in_grade)
                    year = birth_year(grade, homeroom)
                    if year not in first_day:
                        first_day[year] = datetime.date(year, 1, 1)
                    sex = "M" if rng.random() < 0.51 else "F"
                    born = first_day[year] + datetime.timedelta(days=rng.randrange(365))
                    self.student_surnames.append(picks[j])
                    yield Student(
                        school_id=school_id, national_id=f"{self.prefix}31{n:08d}",
                        full_name=f"{surnames[picks[j]]} {rng.choice(CHILD_NAMES[sex])}",
                        date_of_birth=born, sex=sex, grade=grade, homeroom=homeroom,
                        ethnicity="Kinh",
                        personal_id=f"031{2 if sex == 'M' else 3}{year % 100:02d}{n % 10**6:06d}",
                    )
                    n += 1

        self.student_ids = self.bulk(Student, students(), total, "học sinh")
        return len(self.student_ids)

    def step_guardians(self):
        rng = self.rng
        total = len(self.student_ids) * self.guardians_per_student
        existing = (
            Guardian.objects.filter(phone__startswith=PHONE_PREFIX, phone__regex=r"^\d{10}$")
            .aggregate(top=Max("phone"))["top"]
        )
        first = int(existing[len(PHONE_PREFIX):]) + 1 if existing else 0
        if first + total > 10**8:
            raise CommandError("Hết dải số điện thoại 07xxxxxxxx cho phụ huynh thử tải.")

        self.account_holders = []  # (phone, name) of the parents who sign in

        def guardians():
            n = first
            for s, surname in enumerate(self.student_surnames):
                for k in range(self.guardians_per_student):
                    if is_mother(s, k):
                        name = f"{rng.choices(self.surname_list)[0]} {rng.choice(ADULT_NAMES['F'])}"
                    else:  # children take their father's surname
                        name = f"{self.surname_list[surname]} {rng.choice(ADULT_NAMES['M'])}"
                    phone = f"{PHONE_PREFIX}{n:08d}"
                    if k == 0 and s % PARENT_ACCOUNT_EVERY == 0:
                        self.account_holders.append((phone, name))
                    yield Guardian(full_name=name, phone=phone)
                    n += 1

        self.guardian_ids = self.bulk(Guardian, guardians(), total, "phụ huynh")
        return len(self.guardian_ids)

    def step_guardianships(self):
        g = self.guardians_per_student

        def links():
            for s, student_id in enumerate(self.student_ids):
                for k in range(g):
                    yield Guardianship(
                        student_id=student_id, guardian_id=self.guardian_ids[s * g + k],
                        relationship="mother" if is_mother(s, k) else "father",
                    )

        total = len(self.guardian_ids)
        return len(self.bulk(Guardianship, links(), total, "quan hệ"))

    def step_parent_accounts(self):
        """The accounts of one family in ten (its first parent), signed in with the phone
        number as an activated account is; linked to their Guardian rows in one UPDATE per
        batch joined to a VALUES list, as the programmes' terms fingerprints are."""
        ids = self.bulk(User, (
            User(username=phone, password=self.password, role=Role.PARENT, full_name=name)
            for phone, name in self.account_holders
        ), len(self.account_holders), "tài khoản phụ huynh")
        g = self.guardians_per_student
        links = ((user_id, self.guardian_ids[s * PARENT_ACCOUNT_EVERY * g])
                 for s, user_id in enumerate(ids))
        self.update_from_values(Guardian, "user_id", links)
        self.parent_user_ids = ids
        return len(ids)

    def update_from_values(self, model, column, pairs):
        """``UPDATE table SET column = v.column1 FROM (VALUES (value, id), ...) WHERE id``,
        a batch at a time: one statement per row, or bulk_update's CASE, takes tens of
        seconds for 100,000 rows (PostgreSQL, SQLite ≥ 3.33)."""
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(column)
        size = max(1, min(self.batch_size, connection.ops.bulk_batch_size(["v", "id"],
                                                                          [None] * 10**6)))
        with connection.cursor() as cursor:
            for chunk in chunks(pairs, size):
                cursor.execute(
                    f"UPDATE {table} SET {column} = v.column1 "
                    f"FROM (VALUES {', '.join(['(%s, %s)'] * len(chunk))}) AS v "
                    f"WHERE {table}.id = v.column2",
                    [value for pair in chunk for value in pair],
                )

    def step_main_sessions(self):
        def sessions():
            for s, school_id in enumerate(self.school_ids):
                for weekday, start, end in main_sessions(self.levels[s], self.grades[s][1]):
                    yield MainSession(school_id=school_id, weekday=weekday, start=start, end=end)

        return len(self.bulk(MainSession, sessions()))

    def class_plan(self, s: int) -> list[tuple[str, str, int, tuple]]:
        """(category, subject, grade, slots) of the s-th school's tutoring classes."""
        grade_min, grade_max = self.grades[s]
        if self.levels[s] == SchoolLevel.PRIMARY:
            return [(*spec, slots)
                    for spec, slots in zip(PRIMARY_CLASSES, AFTER_PRIMARY, strict=True)]
        if grade_min >= 6:
            return [(category, code, grade_max - back, slots) for (category, code, back), slots
                    in zip(SECONDARY_CLASSES, EVENINGS, strict=True)]
        return []

    def roster(self, s: int, grade: int, c: int) -> list[int]:
        """About twenty students of the grade, a different run of them for each class."""
        grade_min, grade_max = self.grades[s]
        span = grade_max - grade_min + 1
        in_grade = range(grade - grade_min, self.per_school, span)
        take = min(ROSTER_SIZE, len(in_grade))
        first = c * 7 % len(in_grade) if in_grade else 0
        return [s * self.per_school + in_grade[(first + t) % len(in_grade)] for t in range(take)]

    def step_tutoring_classes(self):
        """The Activity rows with ``bulk_create``, then TutoringClass's own table, which
        ``bulk_create`` refuses to fill (multi-table inheritance)."""
        ensure_rule_policy()
        subjects = ensure_subjects()
        per = 1 + self.staff_per_school
        plans, activities, n = [], [], 0
        for s, school_id in enumerate(self.school_ids):
            if not self.staff_per_school:
                break  # a class needs a teacher
            for c, (category, code, grade, slots) in enumerate(self.class_plan(s)):
                status = RARE_STATUSES.get(n % 20, S.OPEN)
                n += 1
                k = c % self.staff_per_school
                start, end = TERM_ONE if category == Category.REMEDIAL else WHOLE_YEAR
                title = TITLES.get(category, "")
                if category == Category.EXAM_REVIEW:
                    title = ("Ôn thi vào lớp 10 môn {subject}" if grade == 9
                             else "Ôn thi tốt nghiệp THPT môn {subject}")
                activities.append(Activity(
                    school_id=school_id, school_year_id=self.year.pk,
                    kind=Activity.Kind.TUTORING,
                    title=title.format(subject=subjects[code].name, grade=grade),
                    grade_min=grade, grade_max=grade, monthly_fee=0, capacity=CLASS_CAPACITY,
                    start_date=start, end_date=end, status=status,
                    created_by_id=self.staff_ids[s][k],
                ))
                teacher, teacher_user = self.member_ids[s * per + 1 + k], self.staff_ids[s][k]
                roster = (self.roster(s, grade, c)
                          if STATUS_PATH.index(status) >= STATUS_PATH.index(S.APPROVED) else [])
                plans.append((s, category, code, grade, slots, status, teacher, teacher_user,
                              roster))
        ids = self.bulk(Activity, activities)
        self.classes = [ScaleClass(pk, *plan) for pk, plan in zip(ids, plans, strict=True)]
        self.insert_child_rows(TutoringClass, (
            TutoringClass(activity_ptr_id=c.pk, subject_id=subjects[c.subject].pk,
                          grade=c.grade, category=c.category)
            for c in self.classes
        ))
        return len(self.classes)

    def insert_child_rows(self, model, objects):
        """Write a multi-table-inheritance child's own columns (the parent rows exist) with
        the insert ``save()`` uses for them, many rows at a time as ``bulk_create`` does (one
        INSERT per row took 12 s for 100,000 programmes on PostgreSQL)."""
        fields = model._meta.local_concrete_fields
        size = max(1, min(self.batch_size, 65535 // len(fields),  # PostgreSQL's cap on params
                          connection.ops.bulk_batch_size(fields, [None] * 10**6)))
        for chunk in chunks(objects, size):
            model._base_manager._insert(chunk, fields=fields, raw=True, using=connection.alias)

    def step_tutoring_slots(self):
        """The weekly slots, then each class's terms fingerprint, which covers them, from
        ``compute_terms_hash`` itself."""
        rows = len(self.bulk(ActivitySlot, (
            ActivitySlot(activity_id=c.pk, weekday=weekday, start=start, end=end,
                         periods=periods, room=f"Phòng {101 + i}")
            for i, c in enumerate(self.classes)
            for weekday, start, end, periods in c.slots
        )))
        self.terms_hashes = {}
        for chunk in chunks((c.pk for c in self.classes), 500):
            classes = TutoringClass.objects.filter(pk__in=chunk).order_by().prefetch_related(
                "slots")
            hashes = [Activity(pk=tc.pk, terms_hash=tc.compute_terms_hash()) for tc in classes]
            Activity.objects.bulk_update(hashes, ["terms_hash"])
            self.terms_hashes.update((a.pk, a.terms_hash) for a in hashes)
        return rows

    def step_tutoring_teachers(self):
        through = TutoringClass.teachers.through
        return len(self.bulk(through, (
            through(tutoringclass_id=c.pk, staffmember_id=c.teacher) for c in self.classes
        )))

    def step_tutoring_events(self):
        """Each class's way to its status: the teacher drafts and submits, the head approves
        and opens, the managing authority suspends (no official accounts here)."""
        def events():
            for c in self.classes:
                reached = STATUS_PATH[:STATUS_PATH.index(c.status) + 1]
                for before, status in zip(["", *reached[:-1]], reached, strict=True):
                    actor = {S.DRAFT: c.teacher_user, S.SUBMITTED: c.teacher_user,
                             S.SUSPENDED: None}.get(status, self.principal_ids[c.school])
                    yield ActivityEvent(
                        activity_id=c.pk, actor_id=actor, from_status=before, to_status=status,
                        reason=SUSPENSION_REASON if status == S.SUSPENDED else "",
                    )

        return len(self.bulk(ActivityEvent, events()))

    def step_subject_results(self):
        """A "not achieved" last term for every student on a remedial roster: their basis."""
        term = Term.objects.get(school_year__name=RESULTS_YEAR, number=RESULTS_TERM)
        subjects = ensure_subjects()
        return len(self.bulk(SubjectResult, (
            SubjectResult(student_id=self.student_ids[i], term_id=term.pk,
                          subject_id=subjects[c.subject].pk, achieved=False)
            for c in self.classes if c.category == Category.REMEDIAL
            for i in c.roster
        )))

    def step_enrollments(self):
        """Most on the roster; one in ten awaiting the parents' answer, one in 25 declined."""
        self.answered = []  # (enrolment, class, student index) of the parents who answered
        enrollments = []
        subjects = ensure_subjects()
        for c in self.classes:
            basis = BASIS_FOR_CATEGORY[c.category]
            note = (f"{subjects[c.subject].name} chưa đạt, học kỳ II năm học {RESULTS_YEAR}"
                    if c.category == Category.REMEDIAL else "")
            for i in c.roster:
                n = len(enrollments)
                status = (Enrollment.Status.PROPOSED if n % 10 == 9
                          else Enrollment.Status.DECLINED if n % 25 == 12
                          else Enrollment.Status.ENROLLED)
                enrollment = Enrollment(
                    activity_id=c.pk, student_id=self.student_ids[i], basis=basis,
                    basis_note=note, status=status, proposed_by_id=c.teacher_user,
                )
                enrollments.append(enrollment)
                if status != Enrollment.Status.PROPOSED:
                    self.answered.append((enrollment, c, i))
        return len(self.bulk(Enrollment, enrollments))  # sets each enrolment's pk

    def step_consent_events(self):
        g = self.guardians_per_student
        return len(self.bulk(ConsentEvent, (
            ConsentEvent(
                enrollment_id=enrollment.pk, guardian_id=self.guardian_ids[i * g],
                kind=(ConsentEvent.Kind.GIVEN if enrollment.status == Enrollment.Status.ENROLLED
                      else ConsentEvent.Kind.DECLINED),
                channel=ConsentEvent.Channel.PAPER, actor_id=c.teacher_user,
                terms_hash=self.terms_hashes[c.pk], scan=SCALE_SCAN,
            )
            for enrollment, c, i in self.answered
        )))

    # Linked programmes.

    def step_partners(self):
        """The Department's registry: one partner per five schools, at least 20; each known
        for a kind of programme (its licence adds others); one in ten suspended."""
        rng = self.rng
        total = max(MIN_PARTNERS, math.ceil(self.n_schools / SCHOOLS_PER_PARTNER))
        existing = (
            Partner.objects.filter(tax_code__regex=rf"^{TAX_PREFIX}\d{{6}}$")
            .aggregate(top=Max("tax_code"))["top"]
        )
        first = int(existing[len(TAX_PREFIX):]) + 1 if existing else 0
        if first + total > 10**6:
            raise CommandError(
                f"Hết dải mã số thuế {TAX_PREFIX}xxxxxx cho đơn vị liên kết thử tải.")
        kinds = list(ProgrammeKind.values)
        surnames = list(SURNAMES)
        self.partner_kinds, self.partner_suspended, self.partner_names = [], [], []
        partners = []
        for i in range(total):
            main = kinds[i % len(kinds)]
            others = rng.sample([k for k in kinds if k != main], rng.randint(1, 3))
            self.partner_kinds.append([main, *others])
            self.partner_suspended.append(i % 10 == 7)
            name = (f"{PARTNER_WORDS[main]} {rng.choice(PLACE_WORDS)} {rng.choice(PLACE_WORDS)} "
                    f"{self.prefix}{i + 1}")
            self.partner_names.append(name)
            tax_code = f"{TAX_PREFIX}{first + i:06d}"
            sex = "F" if rng.random() < 0.5 else "M"
            partners.append(Partner(
                legal_name=name, tax_code=tax_code, business_registration=tax_code,
                registration_issuer=f"Sở Tài chính {self.province.name}",
                address=f"Số {rng.randint(1, 300)} phố {rng.choice(PLACE_WORDS)}, "
                        f"{self.province.name}",
                representative=f"{rng.choice(surnames)} {rng.choice(ADULT_NAMES[sex])}",
                contact_name=f"{rng.choice(surnames)} {rng.choice(ADULT_NAMES['F'])}",
                contact_phone=f"0225{3500000 + first + i:07d}",
                contact_email=f"lienhe{first + i}@lienket.example",
                is_foreign=main == K.FOREIGN_TEACHERS and i % 2 == 0,
                status=Partner.Status.SUSPENDED if i % 10 == 7 else Partner.Status.ACTIVE,
            ))
        self.partner_ids = self.bulk(Partner, partners)
        self.partners = partners
        # The partners a programme of each kind may have: those licensed for it (every kind
        # is the main one of at least two partners, one of them active).
        self.partners_for_kind = {
            kind: [i for i, covered in enumerate(self.partner_kinds) if kind in covered]
            for kind in kinds
        }
        return len(partners)

    def step_partner_events(self):
        reason, reference = PARTNER_SUSPENSION

        def events():
            for i, partner_id in enumerate(self.partner_ids):
                yield PartnerEvent(partner_id=partner_id, to_status=Partner.Status.ACTIVE)
                if self.partner_suspended[i]:
                    yield PartnerEvent(
                        partner_id=partner_id, from_status=Partner.Status.ACTIVE,
                        to_status=Partner.Status.SUSPENDED, reason=reason,
                        reference=f"{100 + i}/{reference}",
                    )

        return len(self.bulk(PartnerEvent, events()))

    def step_licences(self):
        """One licence per partner for its kinds, valid over the whole school year."""
        rng = self.rng
        start, end = LICENCE_FROM
        days = (end - start).days
        return len(self.bulk(Licence, (
            Licence(
                partner_id=partner_id, issuer=f"{LICENCE_ISSUER} {self.province.name}",
                number=f"{i + 1:04d}/GP-SGDĐT-{self.prefix}", kinds=self.partner_kinds[i],
                valid_from=start + datetime.timedelta(days=rng.randrange(days)),
                valid_to=None if i % 3 == 2 else LICENCE_TO,
            )
            for i, partner_id in enumerate(self.partner_ids)
        )))

    def programme_fee(self, kind: str) -> int:
        """The kind's typical fee times a log-normal factor; some far below, some 5-15 times
        above; in steps of 10.000 ₫."""
        rng = self.rng
        fee = TYPICAL_FEE[kind] * rng.lognormvariate(0, FEE_SPREAD)
        draw = rng.random()
        if draw < FAR_ABOVE_SHARE:
            fee *= rng.uniform(5, 15)
        elif draw < FAR_ABOVE_SHARE + CHEAP_SHARE:
            fee *= rng.uniform(0.25, 0.5)
        return max(FEE_STEP, round(fee / FEE_STEP) * FEE_STEP)

    def programme_sessions(self, starts, periods: int, length: int) -> tuple:
        """The weekly sessions of ``periods`` periods, each on its own day."""
        rng = self.rng
        sessions, days = [], set()
        for part in SESSIONS[periods]:
            choices = [start for start in starts if start[0] not in days] or starts
            day, start = rng.choice(choices)
            days.add(day)
            sessions.append((day, start, add_minutes(start, part * length + 5 * (part - 1)),
                             part))
        return tuple(sessions)

    def step_programmes(self):
        """The Activity rows with ``bulk_create``, then Programme's own columns (multi-table
        inheritance, as for the tutoring classes)."""
        rng = self.rng
        plans, activities, n = [], [], 0
        periods_choices, periods_weights = list(PERIODS_WEIGHTS), list(PERIODS_WEIGHTS.values())
        kind_pairs = {}
        for s, school_id in enumerate(self.school_ids):
            level, (grade_min, grade_max) = self.levels[s], self.grades[s]
            if level not in kind_pairs:
                weights = LEVEL_KINDS.get(level, UPPER_KINDS)
                kind_pairs[level] = (list(weights), list(weights.values()))
            kinds, weights = kind_pairs[level]
            starts = programme_starts(level, grade_max)
            length = 35 if level in YOUNG else 45
            authority = ("SGDĐT" if School(level=level, grade_max=grade_max).managed_by_department
                         else "UBND")
            for kind in rng.choices(kinds, weights, k=self.programmes_per_school):
                partner = rng.choice(self.partners_for_kind[kind])
                status = (S.SUSPENDED if self.partner_suspended[partner]
                          else RARE_PROGRAMME_STATUSES.get(n % 20, S.APPROVED))
                approved = PROGRAMME_PATH.index(status) >= PROGRAMME_PATH.index(S.APPROVED)
                reference = f"{n % 9000 + 1}/QĐ-{authority}" if approved else ""
                n += 1
                low = rng.randint(grade_min, grade_max)
                high = min(grade_max, low + rng.choice((0, 0, 1, 2)))
                grades = (("mẫu giáo" if grade_max == 0 else f"lớp {low}") if low == high
                          else f"lớp {low}–{high}")
                periods = rng.choices(periods_choices, periods_weights)[0]
                title, summary, _qualification = PROGRAMME_TEXTS[kind]
                start, end = TERM_ONE if rng.random() < 0.1 else WHOLE_YEAR
                activities.append(Activity(
                    school_id=school_id, school_year_id=self.year.pk,
                    kind=Activity.Kind.PROGRAMME, title=f"{title} {grades}",
                    grade_min=low, grade_max=high, monthly_fee=self.programme_fee(kind),
                    capacity=rng.choice((20, 25, 30, 35, 40)), start_date=start, end_date=end,
                    status=status, created_by_id=self.principal_ids[s],
                ))
                plans.append((s, kind, partner, self.programme_sessions(starts, periods, length),
                              status, reference))
        ids = self.bulk(Activity, activities, len(activities), "chương trình")
        self.programme_activities = activities
        self.programmes = [ScaleProgramme(pk, *plan) for pk, plan in zip(ids, plans, strict=True)]
        self.insert_child_rows(Programme, (
            Programme(
                activity_ptr_id=p.pk, partner_id=self.partner_ids[p.partner],
                programme_kind=p.kind, content_summary=PROGRAMME_TEXTS[p.kind][1],
                weekly_periods=sum(session[3] for session in p.sessions),
                approval_reference=p.reference,
            )
            for p in self.programmes
        ))
        return len(self.programmes)

    def step_programme_slots(self):
        self.programme_slots = [
            [ActivitySlot(activity_id=p.pk, weekday=weekday, start=start, end=end,
                          periods=periods, room=f"Phòng chức năng {p.pk % 40 + 1}")
             for weekday, start, end, periods in p.sessions]
            for p in self.programmes
        ]
        return len(self.bulk(ActivitySlot, (
            slot for slots in self.programme_slots for slot in slots
        ), label="buổi học"))

    def step_programme_teachers(self):
        """One teacher each, named by the partner; a foreign one, with a work permit valid
        past the programme, where the kind says foreign teachers."""
        rng = self.rng
        surnames = list(SURNAMES)

        def teachers():
            for n, p in enumerate(self.programmes):
                qualification = PROGRAMME_TEXTS[p.kind][2]
                if p.kind == K.FOREIGN_TEACHERS:
                    name, nationality = FOREIGN_TEACHERS[n % len(FOREIGN_TEACHERS)]
                    yield ProgrammeTeacher(
                        programme_id=p.pk, full_name=name, nationality=nationality,
                        is_foreign=True, qualification=qualification,
                        work_permit_number=f"{self.prefix}{n:07d}/GPLĐ",
                        work_permit_expiry=WORK_PERMIT_UNTIL,
                    )
                else:
                    sex = "F" if rng.random() < 0.6 else "M"
                    yield ProgrammeTeacher(
                        programme_id=p.pk,
                        full_name=f"{rng.choice(surnames)} {rng.choice(ADULT_NAMES[sex])}",
                        qualification=qualification,
                    )

        self.programme_teachers = list(teachers())
        return len(self.bulk(ProgrammeTeacher, self.programme_teachers))

    def step_programme_documents(self):
        """The contract and the plan every programme submitted to the authority carries
        (paths only, as for the paper consent forms)."""
        kinds = [(ProgrammeDocument.Kind.CONTRACT, "Hợp đồng liên kết"),
                 (ProgrammeDocument.Kind.MATERIALS, "Kế hoạch và tài liệu")]
        return len(self.bulk(ProgrammeDocument, (
            ProgrammeDocument(programme_id=p.pk, kind=kind, title=title, file=SCALE_DOCUMENT,
                              uploaded_by_id=self.principal_ids[p.school])
            for p in self.programmes if p.status != S.DRAFT
            for kind, title in kinds
        )))

    def step_programme_terms(self):
        """Each programme's terms fingerprint, from ``compute_terms_hash`` itself (fee,
        dates, slots, partner, content, teachers), over the objects just written: their
        slots and teachers handed to it as if prefetched, rather than read back (which took
        a minute for 100,000 programmes); written with ``update_from_values``.
        tests/test_seed.py checks it against the rows."""
        def hashes():
            for p, activity, slots, teacher in zip(
                self.programmes, self.programme_activities, self.programme_slots,
                self.programme_teachers, strict=True,
            ):
                programme = Programme(
                    pk=p.pk, monthly_fee=activity.monthly_fee, start_date=activity.start_date,
                    end_date=activity.end_date, title=activity.title, programme_kind=p.kind,
                    content_summary=PROGRAMME_TEXTS[p.kind][1],
                    partner=self.partners[p.partner],
                )
                programme._prefetched_objects_cache = {"slots": slots, "teachers": [teacher]}
                terms_hash = programme.compute_terms_hash()
                self.programme_hashes[p.pk] = terms_hash  # what the parents agreed to
                yield terms_hash, p.pk

        self.programme_hashes = {}
        self.update_from_values(Activity, "terms_hash", hashes())
        return len(self.programme_hashes)

    def step_programme_events(self):
        """Each programme's way to its status: the head drafts and submits, the managing
        authority approves (with its decision) and suspends (no official accounts here)."""
        def events():
            for p in self.programmes:
                reached = PROGRAMME_PATH[:PROGRAMME_PATH.index(p.status) + 1]
                head = self.principal_ids[p.school]
                reason = (PARTNER_SUSPENSION[0] if self.partner_suspended[p.partner]
                          else PROGRAMME_SUSPENSION)
                for before, status in zip(["", *reached[:-1]], reached, strict=True):
                    yield ActivityEvent(
                        activity_id=p.pk,
                        actor_id=head if status in (S.DRAFT, S.SUBMITTED) else None,
                        from_status=before, to_status=status,
                        reason=reason if status == S.SUSPENDED else "",
                        reference=p.reference if status == S.APPROVED else "",
                    )

        total = sum(PROGRAMME_PATH.index(p.status) + 1 for p in self.programmes)
        ids = self.bulk(ActivityEvent, events(), total, "sự kiện")
        # Dated as they happened, not today: drafted, submitted and approved in the weeks
        # before the school year (the parents answer from its first day), suspended weeks
        # into it. Dated today, every answer would be "given before the approval".
        year_start = timezone.make_aware(datetime.datetime.combine(WHOLE_YEAR[0], T(9)))
        offsets = {S.DRAFT: -40, S.SUBMITTED: -30, S.APPROVED: -20, S.SUSPENDED: 45}
        times = (
            year_start + datetime.timedelta(days=offsets[status], minutes=p.pk % 480)
            for p in self.programmes
            for status in PROGRAMME_PATH[:PROGRAMME_PATH.index(p.status) + 1]
        )
        self.set_times(ActivityEvent, "at", zip(ids, times, strict=True))
        return len(ids)

    # The programmes' rosters and the parents' answers: millions of rows, written with COPY
    # on PostgreSQL (``copy_rows``), in two passes over the same offers.

    def offers(self):
        """Each approved or suspended programme's offers: (enrolment id, programme, student
        index, answers, first answer's time), the same on every call (its own generator):
        ``--programme-offers`` students of the programme's grades, the first parent's
        answers drawn from ANSWER_PATTERNS."""
        rng = random.Random(OFFERS_SEED)
        patterns, weights = zip(*ANSWER_PATTERNS, strict=True)
        opened = timezone.make_aware(datetime.datetime.combine(WHOLE_YEAR[0], T(8)))
        span_seconds = 30 * 24 * 3600
        enrollment_id = self.first_enrollment_id
        for p, activity in zip(self.programmes, self.programme_activities, strict=True):
            if PROGRAMME_PATH.index(p.status) < PROGRAMME_PATH.index(S.APPROVED):
                continue
            grade_min, grade_max = self.grades[p.school]
            span = grade_max - grade_min + 1
            # The students of grades low..high are the indexes j ≡ grade - grade_min (mod
            # span): draw positions in that union without building it.
            sizes = [len(range(g - grade_min, self.per_school, span))
                     for g in range(activity.grade_min, activity.grade_max + 1)]
            positions = rng.sample(range(sum(sizes)), min(self.programme_offers, sum(sizes)))
            first = p.school * self.per_school
            offers = []
            for position in positions:
                grade = activity.grade_min
                while position >= sizes[grade - activity.grade_min]:
                    position -= sizes[grade - activity.grade_min]
                    grade += 1
                student = first + grade - grade_min + position * span
                answers = rng.choices(patterns, weights)[0]
                at = opened + datetime.timedelta(seconds=rng.randrange(span_seconds))
                offers.append((at, student, answers))
            offers.sort()  # the places go in the order of the offers (and first answers)
            for at, student, answers in offers:
                yield enrollment_id, p, activity, student, answers, at
                enrollment_id += 1

    def step_programme_enrollments(self):
        """The final status each offer's answers lead to: on the roster while places last,
        then on the waiting list; declined; withdrawn; proposed while unanswered."""
        self.first_enrollment_id = self.next_id(Enrollment)
        now = timezone.now()
        taken = {}  # programme pk -> places taken
        basis = Enrollment.Basis.VOLUNTARY

        def rows():
            for pk, p, activity, student, answers, at in self.offers():
                waiting_since = None
                if not answers:
                    status = Enrollment.Status.PROPOSED
                elif answers[-1] == "declined":
                    status = Enrollment.Status.DECLINED
                elif answers[-1] == "withdrawn":
                    status = Enrollment.Status.WITHDRAWN
                elif taken.get(p.pk, 0) < activity.capacity:
                    status = Enrollment.Status.ENROLLED
                    taken[p.pk] = taken.get(p.pk, 0) + 1
                else:
                    status = Enrollment.Status.WAITING
                    waiting_since = answered_at(at, len(answers) - 1, now)
                yield (pk, p.pk, self.student_ids[student], basis, "", status,
                       self.principal_ids[p.school], min(at - datetime.timedelta(days=1), now),
                       waiting_since)

        return self.copy_rows(Enrollment, (
            "id", "activity_id", "student_id", "basis", "basis_note", "status",
            "proposed_by_id", "created_at", "waiting_since",
        ), rows(), label="lời mời")

    def step_programme_consents(self):
        """Each answer in the ledger: the first parent's, by personal link; a withdrawal by
        phone to the school, recorded by the head; a change of mind days later."""
        g = self.guardians_per_student
        now = timezone.now()
        channel = ConsentEvent.Channel

        def rows():
            event_id = self.next_id(ConsentEvent)
            for pk, p, _activity, student, answers, at in self.offers():
                guardian = self.guardian_ids[student * g]
                terms_hash = self.programme_hashes[p.pk]
                for k, kind in enumerate(answers):
                    by_phone = kind == "withdrawn"
                    yield (event_id, pk, kind, guardian,
                           channel.PHONE if by_phone else channel.LINK,
                           self.principal_ids[p.school] if by_phone else None,
                           answered_at(at, k, now), terms_hash, "",
                           "Phụ huynh gọi điện cho nhà trường" if by_phone else "")
                    event_id += 1

        return self.copy_rows(ConsentEvent, (
            "id", "enrollment_id", "kind", "guardian_id", "channel", "actor_id", "at",
            "terms_hash", "scan", "note",
        ), rows(), label="sự kiện đồng ý")

    def next_id(self, model) -> int:
        """The next primary key of an empty or filled table (rows are written with their ids,
        and the sequence moved past them by ``copy_rows``)."""
        return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def copy_rows(self, model, columns, rows, label=""):
        """Write tuples in the order of ``columns`` (every concrete column, the id first) and
        return how many. PostgreSQL: ``COPY ... FROM STDIN``, several times faster than
        ``bulk_create`` for millions of rows, then the id sequence moved past the last id.
        Elsewhere: ``bulk_create`` of the same rows."""
        names = {field.attname for field in model._meta.concrete_fields}
        if set(columns) != names or columns[0] != "id":
            raise CommandError(f"copy_rows({model.__name__}): the columns are {sorted(names)}")
        step = self.batch_size * 20
        done, last_id = 0, None
        if connection.vendor != "postgresql":
            for chunk in chunks(rows, step):
                model.objects.bulk_create(
                    [model(**dict(zip(columns, row, strict=True))) for row in chunk],
                    batch_size=self.batch_size,
                )
                done += len(chunk)
                self.progress(label, done, done)
            return done
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            for chunk in chunks(rows, step):
                with cursor.cursor.copy(
                    f"COPY {table} ({', '.join(map(connection.ops.quote_name, columns))}) "
                    "FROM STDIN"
                ) as copy:
                    for row in chunk:
                        copy.write_row(row)
                done += len(chunk)
                last_id = chunk[-1][0]
                self.progress(label, done, done)
            if last_id is not None:
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                               [model._meta.db_table, last_id])
        return done

    # Inspections and complaints. The officials are what ``role_grant`` gives the
    # Department, its inspectors and the communes' committees, written at once.

    def step_officials(self):
        """One Department official, an inspector per fifty schools (at least two), one
        official of the People's Committee per commune."""
        rng = self.rng
        surnames = list(SURNAMES)
        n_inspectors = max(2, math.ceil(self.n_schools / SCHOOLS_PER_INSPECTOR))

        def name():
            return f"{rng.choice(surnames)} {rng.choice(ADULT_NAMES[rng.choice('FM')])}"

        accounts = [User(username=f"{self.login}.so", role=Role.DEPARTMENT, is_staff=True,
                         password=self.password, full_name=name())]
        accounts += [User(username=f"{self.login}.tt{i:03d}", role=Role.INSPECTOR,
                          password=self.password, full_name=name())
                     for i in range(n_inspectors)]
        accounts += [User(username=f"{self.login}.ub{i:05d}", role=Role.COMMITTEE,
                          password=self.password, full_name=name())
                     for i in range(len(self.commune_ids))]
        ids = self.bulk(User, accounts)
        self.department_id, self.inspector_ids = ids[0], list(ids[1:1 + n_inspectors])
        self.committee_ids = list(ids[1 + n_inspectors:])
        department_group().user_set.add(self.department_id)
        return len(ids)

    def step_official_scopes(self):
        oversee = Permission.objects.get(content_type__app_label="schools",
                                         codename="oversee_unit")
        scopes = [(user_id, self.province.pk)
                  for user_id in [self.department_id, *self.inspector_ids]]
        scopes += list(zip(self.committee_ids, self.commune_ids, strict=True))
        return len(self.bulk(UnitUserObjectPermission, (
            UnitUserObjectPermission(permission_id=oversee.pk, user_id=user_id,
                                     content_object_id=unit_id)
            for user_id, unit_id in scopes
        )))

    def step_inspection_plans(self):
        """A plan per authority and school year: the Department's, each committee's."""
        self.school_years = sorted(self.years.values(), key=lambda year: year.start)
        plans = []
        for year in self.school_years:
            plans.append(InspectionPlan(
                authority=Authority.DEPARTMENT, unit_id=self.province.pk, school_year=year,
                title=f"Kế hoạch thanh tra dạy thêm, học thêm và liên kết giáo dục năm học "
                      f"{year.name}",
                reference=f"{len(plans) + 1}/KH-SGDĐT", scopes=list(Scope.values),
                created_by_id=self.department_id,
            ))
            for c, (unit_id, user_id) in enumerate(zip(self.commune_ids, self.committee_ids,
                                                       strict=True)):
                plans.append(InspectionPlan(
                    authority=Authority.COMMITTEE, unit_id=unit_id, school_year=year,
                    title=f"Kế hoạch kiểm tra dạy thêm, học thêm năm học {year.name}",
                    reference=f"{c + 1}/KH-UBND",
                    scopes=[Scope.TUTORING, Scope.PROGRAMMES, Scope.CONSENT],
                    created_by_id=user_id,
                ))
        ids = self.bulk(InspectionPlan, plans)
        per_year = 1 + len(self.commune_ids)
        self.plan_ids = {
            (year.pk, commune): ids[y * per_year + 1 + commune] if commune is not None
            else ids[y * per_year]
            for y, year in enumerate(self.school_years)
            for commune in [None, *range(len(self.commune_ids))]
        }
        return len(ids)

    def inspection_status(self, start: datetime.date) -> str:
        """Where an inspection that starts on ``start`` stands today."""
        days = (self.today - start).days
        if days < 0:
            return IN.PLANNED
        if days < 7:
            return IN.IN_PROGRESS
        if days < 14:
            return IN.FINDINGS_RECORDED
        if days < 45:
            return IN.CONCLUDED
        # One in five of those done is still following up its corrective actions.
        self.done += 1
        return IN.FOLLOW_UP if self.done % 5 == 1 else IN.CLOSED

    def at(self, day: datetime.date, hour: int = 8) -> datetime.datetime:
        """A time on ``day``, never after now."""
        moment = timezone.make_aware(datetime.datetime.combine(day, T(hour)))
        return min(moment, self.now)

    def step_inspections(self):
        """About one school in twenty a school year: inspected by its managing authority (or
        the Department), most from the authority's plan, some unannounced; where each stands
        follows from its dates and today's."""
        rng = self.rng
        self.today, self.now = timezone.localdate(), timezone.now()
        self.checklist = ensure_default_checklist()
        inspections, self.visits = [], []
        n = self.done = 0
        for year in self.school_years:
            count = max(1, round(INSPECTED_SHARE * self.n_schools))
            for s in sorted(rng.sample(range(self.n_schools), min(count, self.n_schools))):
                level, grade_max = self.levels[s], self.grades[s][1]
                by_department = (School(level=level, grade_max=grade_max).managed_by_department
                                 or rng.random() < DEPARTMENT_INSPECTS_SHARE)
                unannounced = rng.random() < UNANNOUNCED_SHARE
                commune = s // 10
                if by_department:
                    lead = self.inspector_ids[n % len(self.inspector_ids)]
                    others = [i for i in self.inspector_ids if i != lead]
                    team = [lead, rng.choice([*others, self.department_id])]
                    creator, plan = self.department_id, self.plan_ids[(year.pk, None)]
                else:
                    team = [self.committee_ids[commune]]
                    creator, plan = team[0], self.plan_ids[(year.pk, commune)]
                start = year.start + datetime.timedelta(
                    days=rng.randrange((year.end - year.start).days - 5))
                end = start + datetime.timedelta(days=rng.randint(0, 4))
                status = self.inspection_status(start)
                reached = IN.values.index(status)
                concluded = start + datetime.timedelta(days=10)
                closed = concluded + datetime.timedelta(days=rng.randint(20, 40))
                n += 1
                inspections.append(Inspection(
                    plan_id=None if unannounced else plan,
                    authority=Authority.DEPARTMENT if by_department else Authority.COMMITTEE,
                    school_id=self.school_ids[s],
                    kind=Inspection.Kind.UNANNOUNCED if unannounced else Inspection.Kind.PERIODIC,
                    trigger=(rng.choice([Inspection.Trigger.COMPLAINT,
                                         Inspection.Trigger.PUBLIC_OPINION])
                             if unannounced else Inspection.Trigger.PLAN),
                    scopes=sorted(rng.sample(Scope.values, rng.randint(2, len(Scope.values))),
                                  key=Scope.values.index),
                    reference=f"{n}/QĐ-{'SGDĐT' if by_department else 'UBND'}",
                    planned_start=start, planned_end=end, status=status,
                    checklist_id=self.checklist.pk,
                    started_at=self.at(start) if reached >= 1 else None,
                    concluded_at=self.at(concluded, 16) if reached >= 3 else None,
                    closed_at=self.at(closed, 16) if status == IN.CLOSED else None,
                    conclusion=CONCLUSION if reached >= 3 else "",
                    signed_by_id=team[0] if reached >= 3 else None,
                    created_by_id=creator,
                ))
                self.visits.append((s, team, reached))
        self.inspection_ids = self.bulk(Inspection, inspections)
        self.inspections = inspections
        # The inspections of each school, for the complaints linked to them.
        self.inspections_of = {}
        for i, (s, _team, _reached) in enumerate(self.visits):
            self.inspections_of.setdefault(s, []).append(i)
        return len(inspections)

    def step_team_members(self):
        return len(self.bulk(TeamMember, (
            TeamMember(inspection_id=self.inspection_ids[i], user_id=user_id, is_lead=k == 0)
            for i, (_s, team, _reached) in enumerate(self.visits)
            for k, user_id in enumerate(team)
        )))

    def step_checklist_answers(self):
        """The questions within each started inspection's scope: all of them once the
        findings are recorded, some while the team is at work."""
        rng = self.rng
        questions = list(self.checklist.questions.order_by("order").values_list("pk", "scope"))
        kinds, weights = list(ANSWER_WEIGHTS), list(ANSWER_WEIGHTS.values())
        answers, self.noes = [], {}
        for i, inspection in enumerate(self.inspections):
            s, team, reached = self.visits[i]
            if reached < 1:
                continue
            asked = [pk for pk, scope in questions if scope in inspection.scopes]
            if reached == 1:
                asked = asked[:rng.randint(0, len(asked))]
            for question_id in asked:
                answer = rng.choices(kinds, weights)[0]
                answers.append(ChecklistAnswer(
                    inspection_id=self.inspection_ids[i], question_id=question_id, answer=answer,
                    note="Chưa đạt, xem phát hiện của đoàn." if answer == "no" else "",
                    answered_by_id=team[0],
                ))
        ids = self.bulk(ChecklistAnswer, answers)
        for answer_id, answer in zip(ids, answers, strict=True):
            if answer.answer == ChecklistAnswer.Answer.NO:
                self.noes.setdefault(answer.inspection_id, []).append(answer_id)
        return len(ids)

    def step_findings(self):
        """None to three per inspection with findings recorded (fewer while the team is at
        work; at least one where corrective actions are followed up), about an activity of
        the school where the category has one; the head of the school is responsible."""
        rng = self.rng
        live = (S.APPROVED, S.OPEN, S.SUSPENDED)
        self.school_activities = {}
        for p in self.programmes:
            if p.status in live:
                self.school_activities.setdefault(p.school, {}).setdefault(
                    "programme", []).append(p.pk)
        for c in self.classes:
            if c.status in live:
                self.school_activities.setdefault(c.school, {}).setdefault(
                    "tutoring", []).append(c.pk)
        severities, weights = list(SEVERITY_WEIGHTS), list(SEVERITY_WEIGHTS.values())
        findings, self.finding_visits = [], []
        for i, inspection in enumerate(self.inspections):
            s, team, reached = self.visits[i]
            if reached < 1:
                continue
            count = (rng.choice((0, 0, 1)) if reached == 1
                     else rng.choice(FINDINGS_PER_INSPECTION))
            if inspection.status == IN.FOLLOW_UP:
                count = max(1, count)
            noes = list(self.noes.get(self.inspection_ids[i], []))
            for _ in range(count):
                category = (Finding.Category.OTHER if rng.random() < 0.1
                            else rng.choice(inspection.scopes))
                kind = ("tutoring" if category == Finding.Category.TUTORING
                        else "programme" if category != Finding.Category.OTHER else "")
                activities = self.school_activities.get(s, {}).get(kind, [])
                title, basis, _action, _response = FINDING_TEXTS[category]
                findings.append(Finding(
                    inspection_id=self.inspection_ids[i], category=category,
                    severity=rng.choices(severities, weights)[0],
                    activity_id=rng.choice(activities) if activities else None,
                    answer_id=noes.pop(0) if noes else None, title=title,
                    description=f"{title}. Đoàn đã lập biên bản làm việc với nhà trường.",
                    legal_basis=basis, responsible="Hiệu trưởng nhà trường",
                    responsible_user_id=self.principal_ids[s], created_by_id=team[0],
                ))
                self.finding_visits.append(i)
        self.finding_ids = self.bulk(Finding, findings)
        self.findings = findings
        return len(findings)

    def step_corrective_actions(self):
        """One or two per finding. Once the inspection is closed every action is accepted;
        before, some are answered and awaiting review, some accepted, some open, and of the
        open ones of a concluded inspection about half are past their deadline (the first
        action of an inspection followed up always is)."""
        rng = self.rng
        actions = []
        followed = set()
        for f, finding in enumerate(self.findings):
            i = self.finding_visits[f]
            inspection, (s, team, reached) = self.inspections[i], self.visits[i]
            _title, _basis, description, response = FINDING_TEXTS[finding.category]
            started = inspection.planned_start
            for _ in range(rng.choice(ACTIONS_PER_FINDING)):
                first = i not in followed
                followed.add(i)
                if inspection.status == IN.CLOSED:
                    status = CorrectiveAction.Status.ACCEPTED
                elif inspection.status == IN.FOLLOW_UP and first:
                    status = CorrectiveAction.Status.OPEN
                elif reached < 3:
                    status = rng.choice([CorrectiveAction.Status.OPEN] * 4
                                        + [CorrectiveAction.Status.ANSWERED])
                else:
                    status = rng.choice(CorrectiveAction.Status.values)
                days = (self.today - started).days
                if status == CorrectiveAction.Status.OPEN:
                    overdue = reached >= 3 and (
                        (first and inspection.status == IN.FOLLOW_UP) or rng.random() < 0.5)
                    due = (self.today - datetime.timedelta(days=rng.randint(1, max(1, days - 11)))
                           if overdue else self.today + datetime.timedelta(
                               days=rng.randint(5, 45)))
                else:
                    due = started + datetime.timedelta(days=rng.randint(20, 40))
                answered_at = reviewed_at = None
                if status != CorrectiveAction.Status.OPEN:
                    # Within 20 days of the start: reviewed before a closing 30 days on.
                    answered_at = self.at(started + datetime.timedelta(
                        days=rng.randint(1, max(1, min(days, 20)))), 10)
                if status == CorrectiveAction.Status.ACCEPTED:
                    reviewed_at = min(answered_at + datetime.timedelta(days=2), self.now)
                actions.append(CorrectiveAction(
                    finding_id=self.finding_ids[f], description=description, due_date=due,
                    responsible="Hiệu trưởng", status=status,
                    response=response if answered_at else "",
                    answered_by_id=self.principal_ids[s] if answered_at else None,
                    answered_at=answered_at,
                    review_note="Đạt yêu cầu." if reviewed_at else "",
                    reviewed_by_id=team[0] if reviewed_at else None, reviewed_at=reviewed_at,
                    created_by_id=team[0],
                ))
        return len(self.bulk(CorrectiveAction, actions))

    def step_inspection_events(self):
        """Each inspection's way to its status, at the times its dates say."""
        names = [("create", None), ("start", IN.IN_PROGRESS), ("record", IN.FINDINGS_RECORDED),
                 ("conclude", IN.CONCLUDED), ("follow_up", IN.FOLLOW_UP), ("close", IN.CLOSED)]
        events, times = [], []
        for i, inspection in enumerate(self.inspections):
            _s, team, reached = self.visits[i]
            for name, status in names:
                if status is not None and (IN.values.index(status) > reached or (
                        status == IN.FOLLOW_UP and inspection.status != IN.FOLLOW_UP)):
                    continue
                when = {"create": self.at(inspection.planned_start - datetime.timedelta(
                            days=14)),
                        "start": inspection.started_at,
                        "record": self.at(inspection.planned_end, 17),
                        "conclude": inspection.concluded_at,
                        "follow_up": inspection.concluded_at,
                        "close": inspection.closed_at}[name]
                events.append(InspectionEvent(
                    inspection_id=self.inspection_ids[i],
                    actor_id=inspection.created_by_id if name in ("create", "close") else team[0],
                    action=name,
                    summary=(f"Quyết định {inspection.reference}" if name == "create"
                             else str(INSPECTION_EVENT_LABELS[name])),
                ))
                times.append(when)
        ids = self.bulk(InspectionEvent, events)
        self.set_times(InspectionEvent, "at", zip(ids, times, strict=True))
        return len(ids)

    def step_complaints(self):
        """About two a school a year, filed on days up to today: older ones mostly closed with
        an answer, recent ones received or being handled, some assigned to an official of the
        managing authority, some linked to an inspection of the school; two in five
        anonymous. Tracking codes are derived from the prefix and a counter, so they are
        the same on every run and differ between prefixes."""
        rng = self.rng
        categories, weights = list(COMPLAINT_WEIGHTS), list(COMPLAINT_WEIGHTS.values())
        surnames = list(SURNAMES)
        complaints, times, self.complaint_steps = [], [], []
        codes = set()
        for year in self.school_years:
            span = (year.end - year.start).days
            for s, school_id in enumerate(self.school_ids):
                by_department = School(level=self.levels[s],
                                       grade_max=self.grades[s][1]).managed_by_department
                officials = ([self.department_id, *self.inspector_ids] if by_department
                             else [self.committee_ids[s // 10]])
                for _ in range(rng.choice(COMPLAINTS_PER_SCHOOL)):
                    submitted = self.at(year.start + datetime.timedelta(
                        days=rng.randrange(span)), rng.randint(7, 21))
                    if submitted >= self.now:
                        continue
                    age = (self.now - submitted).days
                    draw = rng.random()
                    if age > 30:
                        status = "closed" if draw < 0.85 else "in_progress"
                    elif age >= 7:
                        status = ("in_progress" if draw < 0.6 else
                                  "closed" if draw < 0.8 else "received")
                    else:
                        status = "received" if draw < 0.7 else "in_progress"
                    category = rng.choices(categories, weights)[0]
                    anonymous = rng.random() < ANONYMOUS_SHARE
                    activities = [pk for kind in ("programme", "tutoring")
                                  for pk in self.school_activities.get(s, {}).get(kind, [])]
                    assigned = (rng.choice(officials)
                                if status != "received" and rng.random() < 0.7 else None)
                    linked = [i for i in self.inspections_of.get(s, [])
                              if (self.inspections[i].authority == Authority.DEPARTMENT)
                              == by_department]
                    inspection = (self.inspection_ids[rng.choice(linked)]
                                  if linked and status != "received" and rng.random() < 0.5
                                  else None)
                    closed_at = (min(submitted + datetime.timedelta(days=rng.randint(3, 30)),
                                     self.now) if status == "closed" else None)
                    answered_at = closed_at or (
                        min(submitted + datetime.timedelta(days=rng.randint(1, 7)), self.now)
                        if status == "in_progress" and rng.random() < 0.3 else None)
                    code = self.complaint_code(len(complaints), codes)
                    complaints.append(Complaint(
                        code=code, school_id=school_id,
                        activity_id=(rng.choice(activities) if activities and rng.random() < 0.5
                                     else None),
                        category=category, description=COMPLAINT_TEXTS[category],
                        is_anonymous=anonymous,
                        name="" if anonymous else (f"{rng.choice(surnames)} "
                                                   f"{rng.choice(ADULT_NAMES[rng.choice('FM')])}"),
                        phone="" if anonymous else f"09{rng.randrange(10**8):08d}",
                        status=status, assigned_to_id=assigned, inspection_id=inspection,
                        answer=COMPLAINT_ANSWER if answered_at else "",
                        answered_at=answered_at, closed_at=closed_at,
                    ))
                    times.append(submitted)
                    self.complaint_steps.append((submitted, answered_at, closed_at))
        self.complaint_ids = self.bulk(Complaint, complaints)
        self.complaints = complaints
        self.set_times(Complaint, "submitted_at", zip(self.complaint_ids, times, strict=True))
        return len(complaints)

    def complaint_code(self, n: int, taken: set) -> str:
        """A tracking code in the form the portal gives (``ABCD-EFGH-JKLM``), drawn from a
        hash of the prefix and ``n``: the same on every run, different for every prefix."""
        salt = 0
        while True:
            digest = int.from_bytes(hashlib.sha256(
                f"{self.prefix}:{n}:{salt}".encode()).digest()[:8], "big")
            raw = "".join(ALPHABET[(digest >> (5 * k)) & 31] for k in range(CODE_LENGTH))
            code = "-".join(raw[k:k + 4] for k in range(0, CODE_LENGTH, 4))
            if code not in taken:
                taken.add(code)
                return code
            salt += 1

    def step_complaint_events(self):
        """What the author follows with the code (received, being handled, answered, closed)
        and the authority's own steps (assigned, linked)."""
        events, times = [], []
        for pk, complaint, (submitted, answered_at, closed_at) in zip(
                self.complaint_ids, self.complaints, self.complaint_steps, strict=True):
            handled = submitted + datetime.timedelta(hours=20)
            steps = [("received", None, submitted)]
            if complaint.status != "received":
                actor = complaint.assigned_to_id
                steps.append(("in_progress", actor, min(handled, closed_at or self.now)))
                if complaint.assigned_to_id:
                    steps.append(("assigned", actor, min(handled, closed_at or self.now)))
                if complaint.inspection_id:
                    steps.append(("linked", actor, min(handled, closed_at or self.now)))
            if closed_at:
                steps.append(("closed", complaint.assigned_to_id, closed_at))
            elif answered_at:
                steps.append(("answered", complaint.assigned_to_id, answered_at))
            for action, actor, when in steps:
                events.append(ComplaintEvent(
                    complaint_id=pk, actor_id=actor, action=action,
                    summary=str(COMPLAINT_EVENT_LABELS[action]),
                    is_public=action in PUBLIC_COMPLAINT_EVENTS,
                ))
                times.append(max(when, submitted))
        ids = self.bulk(ComplaintEvent, events)
        self.set_times(ComplaintEvent, "at", zip(ids, times, strict=True))
        return len(ids)

    # Reports.

    def report_periods(self) -> list[tuple[datetime.date, datetime.date]]:
        """The months of the current school year up to today (each within the year), and the
        whole year."""
        year, periods = self.year, []
        start = year.start
        while start <= min(self.today, year.end):
            following = (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
            periods.append((start, min(following - datetime.timedelta(days=1), year.end)))
            start = following
        return [*periods, (year.start, year.end)]

    def job_specs(self):
        """(requester, kind, unit, school) of each request: the Department's over the city,
        an area or a school (never the whole city over the whole year, which the benchmark
        asks for); each committee's over its commune or one of its schools; the heads'."""
        rng = self.rng
        for n in range(DEPARTMENT_JOBS):
            kind = (DocumentKind.CITY, DocumentKind.AREA, DocumentKind.SCHOOL)[n % 3]
            yield (self.department_id, kind,
                   rng.choice(self.commune_ids) if kind == DocumentKind.AREA else None,
                   rng.choice(self.school_ids) if kind == DocumentKind.SCHOOL else None)
        for c, (user_id, unit_id) in enumerate(zip(self.committee_ids, self.commune_ids,
                                                   strict=True)):
            schools = self.school_ids[c * 10:(c + 1) * 10]
            for k in range(JOBS_PER_COMMITTEE):
                if k % 2 == 0:
                    yield user_id, DocumentKind.AREA, unit_id, None
                else:
                    yield user_id, DocumentKind.SCHOOL, None, rng.choice(schools)
        for s in range(0, self.n_schools, SCHOOLS_PER_HEAD_JOB):
            yield self.principal_ids[s], DocumentKind.SCHOOL, None, self.school_ids[s]

    def step_report_jobs(self):
        """Requests waiting for a worker or failed with the message a failed task leaves,
        asked for over the last weeks: the report lists and their pages at scale."""
        rng = self.rng
        periods = self.report_periods()
        with translation.override(settings.LANGUAGE_CODE):
            counting = gettext("Counting")
            laying_out = gettext("Laying out the pages")
            messages = [gettext(
                "The report could not be made (%(error)s). Try again; if it fails again, "
                "tell the portal's administrators."
            ) % {"error": error} for error in JOB_ERRORS]
            too_long = gettext("Laying out the document took more than %(cap)s seconds.") % {
                "cap": settings.REPORT_PDF_MAX_SECONDS}
        jobs, times = [], []
        for user_id, kind, unit_id, school_id in self.job_specs():
            date_from, date_to = rng.choice(periods[:-1] if kind == DocumentKind.CITY
                                            else periods)
            requested = self.now - datetime.timedelta(minutes=rng.randint(5, 60 * 24 * 45))
            job = ReportJob(kind=kind, requested_by_id=user_id, unit_id=unit_id,
                            school_id=school_id, school_year=self.year, date_from=date_from,
                            date_to=date_to)
            if rng.random() < FAILED_JOB_SHARE:
                job.status, job.attempts = ReportJob.Status.FAILED, 1
                job.started_at = requested + datetime.timedelta(seconds=rng.randint(1, 30))
                if kind == DocumentKind.CITY and rng.random() < 0.5:
                    job.progress, job.step, job.error = 40, laying_out, too_long
                    seconds = settings.REPORT_PDF_MAX_SECONDS + rng.randint(5, 20)
                else:
                    job.progress, job.step, job.error = 10, counting, rng.choice(messages)
                    seconds = rng.randint(1, 10)
                job.finished_at = job.started_at + datetime.timedelta(seconds=seconds)
            jobs.append(job)
            times.append(requested)
        ids = self.bulk(ReportJob, jobs)
        self.set_times(ReportJob, "requested_at", zip(ids, times, strict=True))
        return len(ids)

    def step_rights_pages(self):
        """The rights page as the Department wrote it, in each language: a version each."""
        pages = []
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                pages.append(RightsPage(language=language, body=rights.default_text(),
                                        changed_by_id=self.department_id))
        RightsPage.objects.bulk_create(pages)
        return len(pages)

    def step_statistics(self):
        """PostgreSQL's statistics of the tables just filled (ANALYZE sees this transaction's
        rows), before the reports and open data query them: planned on the statistics of
        empty tables, a report's query over millions of consent events ran for minutes.
        Returns the number of tables analysed."""
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            for model in ANALYSED:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        return len(ANALYSED)

    def step_open_data(self):
        """This month's open data files, made anew with the city just loaded."""
        return opendata.release_all(remake=True)

    def step_issued_documents(self):
        """A head's report on their school (the first secondary one, which has tutoring) and
        a committee's on its commune, asked for and made as on the reports page: real PDFs,
        with their numbers and verification codes."""
        s = next((i for i, level in enumerate(self.levels) if level not in YOUNG), 0)
        requests = [
            (self.principal_ids[s], ReportJob(kind=DocumentKind.SCHOOL,
                                              school_id=self.school_ids[s],
                                              school_year=self.year)),
            (self.committee_ids[s // 10], ReportJob(kind=DocumentKind.AREA,
                                                    unit_id=self.commune_ids[s // 10],
                                              school_year=self.year)),
        ]
        users = User.objects.in_bulk([user_id for user_id, _job in requests])
        for user_id, job in requests:
            job = reporting.report_request(actor=users[user_id], job=job)
            # Inside this command's transaction the request's commit is still to come: the
            # task is run here, as a worker would (and is not run twice).
            report_tasks.run(job.pk)
            job.refresh_from_db()
            if job.status != ReportJob.Status.DONE:
                raise CommandError(f"Không tạo được {job}: {job.error}")
        return IssuedDocument.objects.filter(
            jobs__requested_by__in=[user_id for user_id, _job in requests]).count()

    def set_times(self, model, field: str, pairs) -> None:
        """Set a time column that ``auto_now_add`` filled with now: one UPDATE per batch
        joined to its VALUES list, as for the programmes' terms."""
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(model._meta.get_field(field).column)
        size = max(1, min(self.batch_size, connection.ops.bulk_batch_size(
            ["id", field], [None] * 10**6)))
        cast = "::timestamptz" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            for chunk in chunks(pairs, size):
                cursor.execute(
                    f"UPDATE {table} SET {column} = v.column2{cast} "
                    f"FROM (VALUES {', '.join(['(%s, %s)'] * len(chunk))}) AS v "
                    f"WHERE {table}.id = v.column1",
                    [value for pk, when in chunk
                     for value in (pk, connection.ops.adapt_datetimefield_value(when))],
                )

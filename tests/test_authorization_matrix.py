"""Every URL pattern, requested as every role against an object inside and outside the
role's scope, and anonymously.

The rows are keyed by URL name (or by route for unnamed patterns). A pattern the resolver
knows without a row here fails ``test_every_url_pattern_has_a_row``: a new page cannot
ship without saying who may open it.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from tests.conftest import client_for

ALL = frozenset(Role)
DEPT, INSP, COMM, PRIN, STAFF, PARENT = (
    Role.DEPARTMENT,
    Role.INSPECTOR,
    Role.COMMITTEE,
    Role.PRINCIPAL,
    Role.STAFF,
    Role.PARENT,
)


def school(w, role, inside):
    if inside:
        return {"pk": w.school_a.pk}
    return {"pk": (w.school_far if role in (DEPT, INSP) else w.school_b).pk}


def student(w, role, inside):
    if inside:
        return {"pk": w.student_a.pk}
    if role == DEPT:
        return {"pk": w.student_far.pk}
    if role == COMM:
        # In the committee's ward but an upper-secondary school: the Department's.
        return {"pk": w.student_upper_a.pk}
    return {"pk": w.student_b.pk}


def import_batch(w, role, inside):
    if inside:
        return {"pk": w.import_a.pk}
    return {"pk": (w.import_far if role == DEPT else w.import_b).pk}


def tutoring_class(w, role, inside):
    return {"pk": (w.class_a if inside else w.class_far).pk}


def draft_class(w, role, inside):
    return {"pk": (w.draft_a if inside else w.class_far).pk}


def enrollment(w, role, inside):
    return {"pk": (w.class_a if inside else w.class_far).enrollments.get().pk}


def declaration(w, role, inside):
    return {"pk": (w.declaration_a if inside else w.declaration_far).pk}


def programme(w, role, inside):
    return {"pk": (w.programme_a if inside else w.programme_far).pk}


def draft_programme(w, role, inside):
    return {"pk": (w.programme_draft_a if inside else w.programme_far).pk}


def programme_document(w, role, inside):
    p = w.programme_a if inside else w.programme_far
    return {"pk": p.pk, "document_pk": p.documents.get().pk}


def partner(w, role, inside):
    return {"pk": w.partner.pk}


def partner_document(w, role, inside):
    return {"pk": w.partner.pk, "document_pk": w.partner.documents.get().pk}


REGISTRY = frozenset({DEPT, COMM, INSP, PRIN})


def consent_link(w, role, inside):
    """guardian_a's personal link for student_a (a link is its own scope)."""
    from django.core import signing

    from schools.parent_views import LINK_SALT

    token = signing.TimestampSigner(salt=LINK_SALT).sign_object(
        {"g": w.guardian_a.pk, "s": w.student_a.pk}
    )
    return {"token": token}


def activation_link(w, role, inside):
    """An e-mailed activation link for student_b's guardian, who has no account."""
    import datetime

    from django.utils import timezone

    from schools.activation import activation_token
    from schools.models import ParentInvitation

    guardian = w.student_b.guardians.get()
    invitation = ParentInvitation.objects.filter(
        guardian=guardian, used_at=None, voided_at=None
    ).first() or ParentInvitation.objects.create(
        guardian=guardian,
        channel="email",
        code_hash="-",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return {"token": activation_token(invitation)}


# --- Inspections and complaints ------------------------------------------------------------


def _inspection_objects(w):
    """What the inspections' and complaints' rows open, made once per test on first use.

    For the Department (its team: the inspector), for the People's Committee of ward A (its
    own team) and for another city's committee (at its school): a plan; an inspection under
    way in it, with a checklist answer and its photo, a finding with its photo and a
    corrective action; a concluded one; a periodic one planned. The Department's unannounced
    inspection of school A, planned: hidden from the school. Complaints, each with a PDF:
    about school A (its committee's), about the upper-secondary school of ward A (the
    Department's, assigned to the inspector) and about the far school."""
    if hasattr(w, "inspection_objects"):
        return w.inspection_objects
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from inspections import complaints, services
    from inspections.checklists import questions_for
    from inspections.models import Inspection, InspectionPlan, Scope
    from tests.test_inspections import action_on, finding_in, order, photo

    today = timezone.localdate()
    teams = {
        "department": (w.department, w.inspector, w.province, w.school_a),
        "committee": (w.committee, w.committee, w.area_a, w.school_a),
        "far": (w.far_committee, w.far_committee, w.area_far, w.school_far),
    }

    def step(inspection, lead, name):
        services.inspection_transition(
            actor=lead, inspection=inspection, name=name, conclusion="Kết luận kiểm tra."
        )

    def with_papers(inspection, lead):
        step(inspection, lead, "start")
        answer = services.checklist_answer(
            actor=lead,
            inspection=inspection,
            question=questions_for(inspection).first(),
            answer="no",
            photos=[photo("kiem-tra.png")],
        )
        finding = finding_in(inspection, lead)
        return SimpleNamespace(
            inspection=inspection,
            finding=finding,
            action=action_on(finding, lead),
            evidence=finding.evidence.get(),
            photo=answer.photos.get(),
        )

    def of(authority):
        actor, lead, unit, school = teams[authority]
        plan = services.plan_save(
            actor=actor,
            plan=InspectionPlan(
                unit=unit, school_year=w.year, title="Kế hoạch kiểm tra", scopes=[Scope.TUTORING]
            ),
        )
        running = services.inspection_save(
            actor=actor,
            inspection=Inspection(
                plan=plan,
                school=school,
                kind=Inspection.Kind.UNANNOUNCED,
                trigger=Inspection.Trigger.PLAN,
                planned_start=today,
                planned_end=today + datetime.timedelta(days=2),
                scopes=[Scope.TUTORING, Scope.CONSENT],
            ),
            team=[lead],
            lead=lead,
        )
        found = with_papers(running, lead)
        concluded = with_papers(order(w, actor=actor, team=[lead], school=school), lead)
        step(concluded.inspection, lead, "record")
        step(concluded.inspection, lead, "conclude")
        found.plan = plan
        found.concluded = concluded.inspection
        found.planned = order(w, actor=actor, team=[lead], school=school, kind="periodic")
        return found

    def file_complaint(school):
        return complaints.complaint_file(
            school=school,
            activity=None,
            category="coercion",
            description="Cô giáo yêu cầu cả lớp đăng ký học thêm buổi tối.",
            is_anonymous=True,
            files=[SimpleUploadedFile("don.pdf", b"%PDF-1.7 don", "application/pdf")],
        )

    upper = file_complaint(w.upper_a)
    complaints.complaint_assign(actor=w.department, complaint=upper, assignee=w.inspector)
    w.inspection_objects = SimpleNamespace(
        department=of("department"),
        committee=of("committee"),
        far=of("far"),
        hidden=order(w),
        complaint_a=file_complaint(w.school_a),
        complaint_upper=upper,
        complaint_far=file_complaint(w.school_far),
    )
    return w.inspection_objects


def with_inspections(w, role, inside):
    """A list page, once there is something to list: no kwargs."""
    _inspection_objects(w)
    return {}


def _inspection_of(w, role, inside, state="running"):
    """Inside: the Department's inspection, or the committee's own for a committee. Outside:
    the committee's for the inspector (not on its team), the unannounced one still planned
    for the head and for the committee (which reads the Department's inspections of its
    schools once started, as the school does), another city's for the others."""
    objects = _inspection_objects(w)
    ours = objects.committee if role == COMM else objects.department
    if inside:
        return ours
    if role == INSP:
        return objects.committee
    if role in (PRIN, COMM) and state != "concluded":
        return SimpleNamespace(inspection=objects.hidden, planned=objects.hidden)
    return objects.far


def inspection(w, role, inside):
    return {"pk": _inspection_of(w, role, inside).inspection.pk}


def planned_inspection(w, role, inside):
    return {"pk": _inspection_of(w, role, inside, "planned").planned.pk}


def concluded_inspection(w, role, inside):
    return {"pk": _inspection_of(w, role, inside, "concluded").concluded.pk}


def inspection_plan(w, role, inside):
    """The plan of the role's authority (the inspector's: the one their inspection is in);
    outside, the other authority's, or another city's."""
    objects = _inspection_objects(w)
    if inside:
        return {"pk": (objects.committee if role == COMM else objects.department).plan.pk}
    other = {INSP: objects.committee, COMM: objects.department}.get(role, objects.far)
    return {"pk": other.plan.pk}


def _papers(w, role, inside):
    objects = _inspection_objects(w)
    if inside:
        return objects.committee if role == COMM else objects.department
    return {INSP: objects.committee}.get(role, objects.far)


def finding(w, role, inside):
    return {"pk": _papers(w, role, inside).finding.pk}


def corrective_action(w, role, inside):
    return {"pk": _papers(w, role, inside).action.pk}


def evidence(w, role, inside):
    """A finding's photo; outside, for the school, the photo of the team's checklist."""
    if not inside and role in (PRIN, STAFF):
        return {"pk": _inspection_objects(w).department.photo.pk}
    return {"pk": _papers(w, role, inside).evidence.pk}


def complaint(w, role, inside):
    """Inside: a complaint about a school whose managing authority the role is (the
    inspector's: the one assigned to them). Outside: the other authority's complaint about a
    school of ward A, or one about the far school."""
    objects = _inspection_objects(w)
    if inside:
        return {"pk": (objects.complaint_a if role == COMM else objects.complaint_upper).pk}
    other = {DEPT: objects.complaint_a, INSP: objects.complaint_a, COMM: objects.complaint_upper}
    return {"pk": other.get(role, objects.complaint_far).pk}


def complaint_attachment(w, role, inside):
    from inspections.models import ComplaintAttachment

    found = complaint(w, role, inside)
    attachment = ComplaintAttachment.objects.get(complaint_id=found["pk"])
    return {**found, "attachment_pk": attachment.pk}


# --- Reports and official documents ---------------------------------------------------------

# Who sees dashboards and asks for reports: the authorities and the schools' heads.
REPORTERS = frozenset({DEPT, COMM, PRIN})


def _report_objects(w):
    """What the reports' rows open, made once per test on first use: for the Department, the
    committee of ward A and the head of school A, a report each asked for, made, with its
    issued document (a few bytes, no layout)."""
    if hasattr(w, "report_objects"):
        return w.report_objects
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports.documents import new_code
    from reports.models import IssuedDocument, ReportJob

    def made(user, kind, **scope):
        data = f"%PDF-1.7 {user.username}".encode()
        now = timezone.now()
        document = IssuedDocument(
            code=new_code(),
            kind=kind,
            number=1,
            symbol="BC-TEST",
            year=now.year,
            issuer="SỞ GIÁO DỤC VÀ ĐÀO TẠO",
            issuer_key=f"user:{user.pk}",
            title="Báo cáo",
            issued_at=now,
            issued_by=user,
            checksum=hashlib.sha256(data).hexdigest(),
            size=len(data),
        )
        document.file.save(f"{document.code}.pdf", ContentFile(data), save=False)
        document.save()
        return ReportJob.objects.create(
            kind=kind,
            requested_by=user,
            school_year=w.year,
            date_from=w.year.start,
            date_to=w.year.end,
            status=ReportJob.Status.DONE,
            progress=100,
            document=document,
            **scope,
        )

    w.report_objects = SimpleNamespace(
        jobs={
            DEPT: made(w.department, "city"),
            COMM: made(w.committee, "area", unit=w.area_a),
            PRIN: made(w.principal, "school", school=w.school_a),
        }
    )
    return w.report_objects


def report_job(w, role, inside):
    """Inside: the role's own report (the Department's for roles that ask for none).
    Outside: another user's report (a job is its requester's alone)."""
    jobs = _report_objects(w).jobs
    if inside:
        return {"pk": jobs.get(role, jobs[DEPT]).pk}
    return {"pk": (jobs[COMM] if role == DEPT else jobs[DEPT]).pk}


def issued_document(w, role, inside):
    return {"code": _report_objects(w).jobs[DEPT].document.code}


def dashboard_period(w):
    """Every parameter the dashboard understands, within every reporter's scope."""
    return {
        "year": w.year.pk,
        "date_from": w.year.start.isoformat(),
        "date_to": w.year.end.isoformat(),
        "area": w.area_a.pk,
        "level": "lower_secondary",
    }


OFFICIALS = frozenset({DEPT, INSP, COMM})
# Who sees an inspection: its authority, its team, the school's head.
SEE_INSPECTION = frozenset({DEPT, INSP, COMM, PRIN})
# The team: the inspector on the Department's, the committee on its own.
TEAM = frozenset({INSP, COMM})
AUTHORITIES = frozenset({DEPT, COMM})

# Agreeing again to what is already agreed: recorded once, answered with the receipt page.
AGAIN = {"kind": "given", "expected_last": "0"}


def outgoing_email(w, role, inside):
    from schools.models import OutgoingEmail

    email = OutgoingEmail.objects.first() or OutgoingEmail.objects.create(
        recipient="cha@example.vn", subject="Thư", status="failed", attempts=6
    )
    return {"pk": email.pk}


@dataclass
class Row:
    allowed: frozenset = ALL  # roles that may open it (inside their scope)
    kwargs: object = None  # (world, role, inside) -> URL kwargs
    public: bool = False  # anonymous users may open it too
    method: str = "get"
    ok: tuple = (200,)  # statuses that mean "let in"
    data: object = field(default_factory=dict)  # or (world) -> dict
    # False where no object lies outside a scope: the city-wide registry, a list page.
    scoped: bool = True


ROWS = {
    "schools:home": Row(),
    "schools:unit_list": Row(allowed=frozenset({DEPT, INSP, COMM})),
    "schools:audit_list": Row(allowed=frozenset({DEPT})),
    "schools:school_list": Row(),
    "schools:school_import": Row(allowed=frozenset({DEPT})),
    "schools:school_detail": Row(kwargs=school),
    "schools:student_list": Row(allowed=frozenset({DEPT, COMM, PRIN, STAFF}), kwargs=school),
    "schools:student_import": Row(allowed=frozenset({PRIN}), kwargs=school),
    "schools:results_import": Row(allowed=frozenset({PRIN, STAFF}), kwargs=school),
    "schools:timetable": Row(allowed=frozenset({PRIN}), kwargs=school),
    "schools:staff_list": Row(allowed=ALL - {PARENT}, kwargs=school),
    "schools:student_detail": Row(allowed=ALL - {INSP}, kwargs=student),
    "schools:import_detail": Row(allowed=frozenset({DEPT, PRIN}), kwargs=import_batch),
    "tutoring:class_list": Row(allowed=ALL - {PARENT}, kwargs=school),
    "tutoring:class_create": Row(allowed=frozenset({PRIN, STAFF}), kwargs=school),
    "tutoring:class_check": Row(allowed=frozenset({PRIN, STAFF}), kwargs=school, method="post"),
    "tutoring:class_detail": Row(allowed=ALL - {PARENT}, kwargs=tutoring_class),
    "tutoring:class_edit": Row(allowed=frozenset({PRIN, STAFF}), kwargs=draft_class),
    "tutoring:roster_add": Row(allowed=frozenset({PRIN, STAFF}), kwargs=tutoring_class),
    "tutoring:class_transition": Row(
        allowed=frozenset({DEPT, COMM}),
        method="post",
        ok=(302,),
        data={"reason": "Kiểm tra"},
        kwargs=lambda w, r, inside: {**tutoring_class(w, r, inside), "action": "suspend"},
    ),
    "schools:consent_paper": Row(allowed=frozenset({PRIN, STAFF}), kwargs=enrollment),
    "tutoring:breaches": Row(allowed=frozenset({DEPT, INSP, COMM, PRIN})),
    # Coercion-risk signals over the scope: heads and authorities, not staff or inspectors.
    "schools:risk": Row(allowed=frozenset({DEPT, COMM, PRIN})),
    "public:school": Row(public=True, kwargs=school),
    "tutoring:declaration_school_list": Row(allowed=frozenset({PRIN, STAFF}), kwargs=school),
    "tutoring:declaration_create": Row(allowed=frozenset({PRIN, STAFF}), kwargs=school),
    "tutoring:declaration_publish": Row(
        allowed=frozenset({PRIN}), kwargs=school, method="post", ok=(302,), data={"published": "1"}
    ),
    "tutoring:declaration_area_list": Row(allowed=frozenset({DEPT, COMM})),
    "tutoring:declaration_detail": Row(allowed=ALL - {INSP, PARENT}, kwargs=declaration),
    "tutoring:declaration_acknowledge": Row(
        allowed=frozenset({PRIN}), kwargs=declaration, method="post", ok=(302,)
    ),
    "partnerships:programme_list": Row(allowed=ALL - {PARENT}, kwargs=school),
    "partnerships:programme_create": Row(allowed=frozenset({PRIN}), kwargs=school),
    "partnerships:programme_area_list": Row(allowed=frozenset({DEPT, INSP, COMM})),
    "partnerships:fee_comparison": Row(allowed=frozenset({DEPT, COMM, PRIN})),
    "partnerships:programme_detail": Row(allowed=ALL - {PARENT}, kwargs=programme),
    "partnerships:programme_edit": Row(allowed=frozenset({PRIN}), kwargs=draft_programme),
    "partnerships:roster_add": Row(allowed=frozenset({PRIN, STAFF}), kwargs=programme),
    "partnerships:programme_transition": Row(
        allowed=frozenset({DEPT, COMM}),
        method="post",
        ok=(302,),
        data={"reason": "Tạm dừng để thanh tra"},
        kwargs=lambda w, r, inside: {**programme(w, r, inside), "action": "suspend"},
    ),
    "partnerships:programme_document": Row(allowed=ALL - {PARENT}, kwargs=programme_document),
    "partnerships:partner_list": Row(allowed=REGISTRY),
    "partnerships:partner_create": Row(allowed=frozenset({DEPT})),
    "partnerships:partner_detail": Row(allowed=REGISTRY, kwargs=partner, scoped=False),
    "partnerships:partner_edit": Row(allowed=frozenset({DEPT}), kwargs=partner, scoped=False),
    "partnerships:partner_status": Row(
        allowed=frozenset({DEPT}),
        kwargs=partner,
        scoped=False,
        method="post",
        ok=(302,),
        data={"status": "suspended", "reason": "Giấy phép bị thu hồi"},
    ),
    "partnerships:licence_add": Row(allowed=frozenset({DEPT}), kwargs=partner, scoped=False),
    "partnerships:partner_document_add": Row(
        allowed=frozenset({DEPT}), kwargs=partner, scoped=False
    ),
    "partnerships:partner_document": Row(allowed=REGISTRY, kwargs=partner_document, scoped=False),
    "schools:activity_answers": Row(
        allowed=frozenset({DEPT, COMM, PRIN, STAFF}), kwargs=tutoring_class
    ),
    "schools:activity_remind": Row(
        allowed=frozenset({PRIN, STAFF}), kwargs=tutoring_class, method="post", ok=(302,)
    ),
    "schools:activity_export": Row(
        allowed=frozenset({DEPT, COMM, PRIN, STAFF}),
        kwargs=lambda w, r, i: {**tutoring_class(w, r, i), "fmt": "csv"},
    ),
    "schools:child": Row(allowed=frozenset({PARENT}), kwargs=student),
    "schools:consent_decide": Row(
        allowed=frozenset({PARENT}),
        method="post",
        ok=(302,),
        data=AGAIN,
        kwargs=lambda w, r, i: {**student(w, r, i), "activity_pk": w.programme_a.pk},
    ),
    # Without a decision just made, the receipt page sends the parent back.
    "schools:consent_done": Row(allowed=frozenset({PARENT}), kwargs=student, ok=(302,)),
    "schools:link_child": Row(public=True, kwargs=consent_link),
    # Anonymous, or the family itself: anyone else signed in is refused (not recorded as them).
    "schools:link_decide": Row(
        allowed=frozenset({PARENT}),
        public=True,
        method="post",
        ok=(302,),
        data=AGAIN,
        kwargs=lambda w, r, i: {**consent_link(w, r, i), "activity_pk": w.programme_a.pk},
    ),
    "schools:link_done": Row(public=True, kwargs=consent_link, ok=(302,)),
    # Parents' accounts: the school prints codes and e-mails links; a parent activates.
    # Posting nothing chosen, or a link for a guardian who has an account (guardian_a),
    # answers with the list page again.
    "schools:parent_accounts": Row(allowed=frozenset({PRIN, STAFF}), kwargs=school),
    "schools:parent_codes_issue": Row(
        allowed=frozenset({PRIN, STAFF}), kwargs=school, method="post", ok=(302,)
    ),
    "schools:parent_link_send": Row(
        allowed=frozenset({PRIN, STAFF}),
        method="post",
        ok=(302,),
        kwargs=lambda w, r, i: {**school(w, r, i), "guardian_pk": w.guardian_a.pk},
    ),
    "schools:activate": Row(public=True),
    "schools:activate_link": Row(public=True, kwargs=activation_link),
    # Inspections: see the builders above for who is inside and who is outside.
    "inspections:inspection_list": Row(
        allowed=SEE_INSPECTION, kwargs=with_inspections, scoped=False
    ),
    "inspections:inspection_new": Row(allowed=AUTHORITIES),
    "inspections:inspection_detail": Row(allowed=SEE_INSPECTION, kwargs=inspection),
    "inspections:inspection_edit": Row(allowed=AUTHORITIES, kwargs=planned_inspection),
    "inspections:inspection_transition": Row(
        allowed=TEAM,
        method="post",
        ok=(302,),
        kwargs=lambda w, r, i: {**planned_inspection(w, r, i), "name": "start"},
    ),
    "inspections:inspection_conclude": Row(allowed=TEAM, kwargs=inspection),
    "inspections:conclusion_print": Row(allowed=SEE_INSPECTION, kwargs=concluded_inspection),
    # Suspending from an inspection: its authority.
    "inspections:inspection_suspend": Row(
        allowed=AUTHORITIES,
        method="post",
        ok=(302,),
        data=lambda w: {"activity": w.programme_a.pk, "reason": "Thu tiền sai quy định"},
        kwargs=inspection,
    ),
    # The checklist: the team and the inspection's authority; never the school.
    "inspections:checklist": Row(allowed=OFFICIALS, kwargs=inspection),
    "inspections:finding_new": Row(allowed=TEAM, kwargs=inspection),
    "inspections:plan_list": Row(allowed=OFFICIALS, kwargs=with_inspections, scoped=False),
    "inspections:plan_new": Row(allowed=AUTHORITIES),
    "inspections:plan_detail": Row(allowed=OFFICIALS, kwargs=inspection_plan),
    "inspections:plan_edit": Row(allowed=AUTHORITIES, kwargs=inspection_plan),
    "inspections:finding_detail": Row(allowed=SEE_INSPECTION, kwargs=finding),
    "inspections:finding_edit": Row(allowed=TEAM, kwargs=finding),
    "inspections:action_list": Row(allowed=SEE_INSPECTION, kwargs=with_inspections, scoped=False),
    "inspections:action_detail": Row(allowed=SEE_INSPECTION, kwargs=corrective_action),
    "inspections:evidence": Row(allowed=SEE_INSPECTION, kwargs=evidence),
    # Complaints: anyone files and follows one by its code; the managing authority (and the
    # official it is assigned to) handles it; the school never sees it.
    "inspections:complaint_new": Row(public=True),
    # Without a complaint just filed, the receipt page sends on to the lookup.
    "inspections:complaint_filed": Row(public=True, ok=(302,)),
    "inspections:complaint_track": Row(public=True),
    "inspections:complaint_list": Row(allowed=OFFICIALS, kwargs=with_inspections, scoped=False),
    "inspections:complaint_detail": Row(allowed=OFFICIALS, kwargs=complaint),
    "inspections:complaint_attachment": Row(allowed=OFFICIALS, kwargs=complaint_attachment),
    # Reports: dashboards and report requests for the authorities and heads; a job is its
    # requester's own. The official PDF of a conclusion: its authority and its team (the
    # head of school A only once it is issued, which no row here does). Anyone verifies.
    "reports:dashboard": Row(allowed=REPORTERS, data=dashboard_period),
    "reports:job_list": Row(allowed=REPORTERS),
    "reports:job_detail": Row(allowed=REPORTERS, kwargs=report_job),
    "reports:job_download": Row(allowed=REPORTERS, kwargs=report_job),
    # Retrying a report that did not fail: refused with a message, back to the report.
    "reports:job_retry": Row(allowed=REPORTERS, kwargs=report_job, method="post", ok=(302,)),
    "reports:conclusion_pdf": Row(
        allowed=OFFICIALS, kwargs=concluded_inspection, method="post", ok=(302,)
    ),
    "public:verify_lookup": Row(public=True),
    "public:verify": Row(public=True, kwargs=issued_document),
    # The public pages: anyone reads them; only the Department changes the rights page.
    "public:search": Row(public=True),
    "public:programme": Row(public=True, kwargs=programme),
    "public:rights": Row(public=True),
    "public:rights_edit": Row(allowed=frozenset({DEPT})),
    "public:open_data": Row(public=True),
    "public:open_data_file": Row(
        public=True, kwargs=lambda w, r, i: {"dataset": "schools", "fmt": "csv"}
    ),
    "public:sitemap": Row(public=True),
    "public:sitemap_section": Row(public=True, kwargs=lambda w, r, i: {"section": "schools"}),
    "robots": Row(public=True),
    "healthz": Row(public=True),
    # Signed-in users are sent on from the login page.
    "login": Row(public=True, ok=(200, 302)),
    "logout": Row(public=True, method="post", ok=(302,)),
    "password_change": Row(),
    "password_change_done": Row(),
    "password_reset": Row(public=True),
    "password_reset_done": Row(public=True),
    "password_reset_confirm": Row(
        public=True, kwargs=lambda w, r, i: {"uidb64": "MQ", "token": "bad-token"}
    ),
    "password_reset_complete": Row(public=True),
    # Two-step verification: the code page without a pending sign-in sends on; every
    # account may set it up; the pages that need a device (or codes just made) send a user
    # without one back to the two-step page.
    "login_code": Row(public=True, ok=(302,)),
    "reauth": Row(),
    "two_factor": Row(),
    "two_factor_setup": Row(),
    "two_factor_backup_codes": Row(ok=(302,)),
    "two_factor_backup_codes_new": Row(method="post", ok=(302,)),
    "two_factor_remove": Row(ok=(302,)),
    "set_language": Row(public=True, method="post", ok=(302,), data={"language": "en"}),
    # The Department's outbox, and sending again an e-mail given up on (back to the list).
    "schools:outbox_list": Row(allowed=frozenset({DEPT})),
    "schools:outbox_retry": Row(
        allowed=frozenset({DEPT}), method="post", ok=(302,), scoped=False, kwargs=outgoing_email
    ),
}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}{p.name}" if p.name else None
            yield name, prefix + str(p.pattern)


def all_patterns():
    return list(_walk(get_resolver().url_patterns))


def is_admin(name, route):
    return route.startswith("admin/")


def test_every_url_pattern_has_a_row():
    missing = [
        (name, route)
        for name, route in all_patterns()
        if not is_admin(name, route) and name not in ROWS
    ]
    assert missing == [], f"URL patterns without a row in the matrix: {missing}"
    admin_missing = [
        (name, route)
        for name, route in all_patterns()
        if is_admin(name, route) and admin_row_for(name, route) is None
    ]
    assert admin_missing == [], f"Admin URL patterns without a row: {admin_missing}"


def _request(client, row, url, world):
    data = row.data(world) if callable(row.data) else row.data
    return getattr(client, row.method)(url, data)


def _assert_sent_to_login(response, login_path):
    assert response.status_code == 302, response.status_code
    assert response.url.startswith(login_path), response.url


@pytest.mark.parametrize("name", sorted(ROWS))
def test_matrix(world, name):
    row = ROWS[name]
    login_url = reverse("login")

    def url_for(role, inside):
        kwargs = row.kwargs(world, role, inside) if row.kwargs else {}
        return reverse(name, kwargs=kwargs)

    # Anonymous.
    response = _request(Client(), row, url_for(None, True), world)
    if row.public:
        assert response.status_code in row.ok, (name, "anonymous", response.status_code)
    else:
        _assert_sent_to_login(response, login_url)

    for role, user in world.users.items():
        inside = _request(client_for(user), row, url_for(role, True), world)
        if role in row.allowed:
            assert inside.status_code in row.ok, (name, role, "inside", inside.status_code)
        else:
            assert inside.status_code in (403, 404), (name, role, "inside", inside.status_code)
        if row.kwargs and row.scoped and not row.public:
            outside = _request(client_for(user), row, url_for(role, False), world)
            assert outside.status_code in (403, 404), (name, role, "outside", outside.status_code)


# --- The admin: rows generated from the registry, one per model view. -----------------

ADMIN_MODEL_VIEWS = {
    "changelist": ("view", False),
    "add": ("add", False),
    "history": ("view", True),
    "delete": ("delete", True),
    "change": ("view", True),
    "password_change": ("change", True),  # the user admin's own extra view
}
ADMIN_SITE_ROWS = {
    "admin:index": "staff",
    "admin:login": "public",
    "admin:logout": "post",
    "admin:password_change": "staff",
    "admin:password_change_done": "staff",
    "admin:jsi18n": "staff",
    "admin:autocomplete": "staff-bad-request",
    "admin:view_on_site": "staff-object",
    "admin:app_list": "staff-app",
}


def admin_row_for(name, route):
    if name in ADMIN_SITE_ROWS:
        return ADMIN_SITE_ROWS[name]
    if name == "admin:auth_user_password_change":
        # Django's user admin names this view after auth.User whatever the user model.
        return (get_user_model(), "password_change")
    if name is None:
        # The "<object_id>/" redirect to the change view, and the final catch-all.
        return "unnamed"
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix) and name[len(prefix) :] in ADMIN_MODEL_VIEWS:
            return (model, name[len(prefix) :])
    return None


def admin_model_rows():
    for name, route in all_patterns():
        row = admin_row_for(name, route) if is_admin(name, route) else None
        if isinstance(row, tuple):
            yield pytest.param(name, *row, id=name)


def _admin_may(model_admin, request, action):
    return {
        "view": model_admin.has_view_or_change_permission,
        "add": model_admin.has_add_permission,
        "delete": model_admin.has_delete_permission,
        "change": model_admin.has_change_permission,
    }[action](request)


@pytest.mark.parametrize(("name", "model", "view"), list(admin_model_rows()))
def test_admin_model_views(world, rf, name, model, view):
    action, needs_object = ADMIN_MODEL_VIEWS[view]
    dept = world.department
    request = rf.get("/admin/")
    request.user = dept
    model_admin = admin.site._registry[model]
    may = _admin_may(model_admin, request, action)
    visible = model_admin.get_queryset(request) if may else model.objects.none()
    inside = visible.first()
    outside = model.objects.exclude(pk__in=visible.values("pk")).first()

    fake = False
    target = inside or model.objects.first()
    if target is None:
        if may and needs_object:
            pytest.fail(f"The test world has no {model.__name__} to open")
        target, fake = model(pk=999999), True  # a page the department may not open anyway

    def url(obj):
        return reverse(name, args=[obj.pk] if needs_object else [])

    admin_login = reverse("admin:login")
    # Anonymous users and every role without admin access go to the admin's login.
    _assert_sent_to_login(Client().get(url(target)), admin_login)
    for role, user in world.users.items():
        if role != DEPT:
            _assert_sent_to_login(client_for(user).get(url(target)), admin_login)

    client = client_for(dept)
    response = client.get(url(target))
    if may and (inside is not None or not needs_object):
        assert response.status_code == 200, (name, response.status_code)
    elif fake and needs_object:
        # No such row at all: the admin answers "does not exist" (to its index) or refuses.
        assert response.status_code in (302, 403, 404), (name, response.status_code)
    else:
        assert response.status_code in (403, 404), (name, response.status_code)
    if needs_object and outside is not None:
        assert client.get(url(outside)).status_code in (403, 404), name


def test_admin_site_views(world):
    admin_login = reverse("admin:login")
    dept = client_for(world.department)
    parent = client_for(world.parent)
    for name, kind in ADMIN_SITE_ROWS.items():
        if kind == "public":
            assert Client().get(reverse(name)).status_code == 200
            assert dept.get(reverse(name)).status_code == 302  # already signed in
            continue
        if kind == "post":
            assert Client().post(reverse(name)).status_code in (200, 302)
            continue
        if kind == "staff-object":
            from django.contrib.contenttypes.models import ContentType

            content_type = ContentType.objects.get_for_model(world.school_a)
            url = reverse(name, args=[content_type.pk, world.school_a.pk])
            _assert_sent_to_login(Client().get(url), admin_login)
            # Schools have no public page of their own yet: the shortcut answers 404.
            assert dept.get(url).status_code == 404
            continue
        if kind == "staff-app":
            url = reverse(name, kwargs={"app_label": "schools"})
            assert dept.get(url).status_code == 200
            assert dept.get(reverse(name, kwargs={"app_label": "accounts"})).status_code == 404
        else:
            url = reverse(name)
            expected = (403,) if kind == "staff-bad-request" else (200,)
            assert dept.get(url).status_code in expected, name
        _assert_sent_to_login(Client().get(url), admin_login)
        _assert_sent_to_login(parent.get(url), admin_login)


def test_admin_unnamed_patterns(world):
    dept = client_for(world.department)
    # "<object_id>/" redirects to the change view; outside the scope it must not.
    response = dept.get(f"/admin/schools/school/{world.school_a.pk}/")
    assert response.status_code == 302
    assert dept.get(response.url).status_code == 200
    assert dept.get(f"/admin/schools/school/{world.school_far.pk}/change/").status_code == 404
    _assert_sent_to_login(Client().get("/admin/no-such-page/"), reverse("admin:login"))
    assert dept.get("/admin/no-such-page/").status_code == 404


# --- The admin's most sensitive pages, role by role ------------------------------------
# The rows above are generated from the registry; these say plainly, for the records that
# matter most, who reaches them: superusers, and Department staff within what their
# permissions give (students, families and the consent ledger of their province, read-only
# for the ledger); never the audit log or the accounts, and never any other role.

SENSITIVE_ADMIN = {
    # model: (the object to open, whether Department staff may read it in the admin)
    "accounts.User": (lambda w: w.staff, False),
    "accounts.AuditEvent": (lambda w: _any_audit_event(w), False),
    "schools.Student": (lambda w: w.student_a, True),
    "schools.Guardian": (lambda w: w.guardian_a, True),
    "schools.ConsentEvent": (
        lambda w: w.class_a.enrollments.get().consent_events.order_by("pk").first(),
        True,
    ),
}


def _any_audit_event(w):
    from accounts.models import AuditEvent

    return AuditEvent.objects.order_by("pk").first()


def sensitive_admin_pages(w):
    from django.apps import apps

    yield "admin:index", [], True
    for label, (target, department_reads) in SENSITIVE_ADMIN.items():
        meta = apps.get_model(label)._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        yield f"{prefix}_changelist", [], department_reads
        yield f"{prefix}_change", [target(w).pk], department_reads


def _assert_not_reached(response, who, name):
    assert response.status_code in (302, 403, 404), (who, name, response.status_code)
    if response.status_code == 302:
        assert response.url.startswith((reverse("admin:login"), reverse("login"))), (
            who,
            name,
            response.url,
        )


def test_sensitive_admin_pages_only_for_superusers_and_department_staff(world):
    root = get_user_model().objects.create_superuser("root", "root@example.vn", "x")
    disabled = get_user_model().objects.create_user("old.staff", password="x", is_staff=True)
    disabled.is_active = False
    disabled.save()
    pages = list(sensitive_admin_pages(world))
    assert len(pages) == 1 + 2 * len(SENSITIVE_ADMIN)
    for name, args, department_reads in pages:
        url = reverse(name, args=args)
        assert client_for(root).get(url).status_code == 200, name
        response = client_for(world.department).get(url)
        if department_reads:
            assert response.status_code == 200, (name, response.status_code)
        else:
            assert response.status_code == 403, (name, response.status_code)
        _assert_not_reached(Client().get(url), "anonymous", name)
        _assert_not_reached(client_for(disabled).get(url), "disabled staff", name)
        for role, user in world.users.items():
            if role != DEPT:
                _assert_not_reached(client_for(user).get(url), role, name)


def test_the_consent_ledger_and_audit_log_cannot_be_changed_in_the_admin(world):
    """Even a superuser only reads them: the change form refuses a post, and there is no
    add or delete."""
    from accounts.models import AuditEvent
    from schools.models import ConsentEvent

    root = client_for(get_user_model().objects.create_superuser("root", "root@example.vn", "x"))
    event = world.class_a.enrollments.get().consent_events.order_by("pk").first()
    audit = AuditEvent.objects.order_by("pk").first()
    for obj, data in ((event, {"kind": "withdrawn"}), (audit, {"summary": "rewritten"})):
        meta = obj._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        before = type(obj).objects.filter(pk=obj.pk).values().get()
        assert root.post(reverse(f"{prefix}_change", args=[obj.pk]), data).status_code == 403
        deleted = root.post(reverse(f"{prefix}_delete", args=[obj.pk]), {"post": "yes"})
        assert deleted.status_code in (403, 404)
        assert root.get(reverse(f"{prefix}_add")).status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).values().get() == before
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


# --- Exports: each list that gives a file has its row ----------------------------------
# A list page answers ``?export=csv|xlsx`` with its rows as a file (schools/exports.py).
# The same row decides who may take the file; tests/test_exports.py checks what is in it.
# A list that starts exporting without being named here fails test_every_export_is_known.

EXPORT_ROWS = frozenset(
    {
        "schools:unit_list",
        "schools:audit_list",
        "schools:school_list",
        "schools:student_list",
        "schools:staff_list",
        "schools:parent_accounts",
        "schools:risk",
        "tutoring:class_list",
        "tutoring:breaches",
        "tutoring:declaration_school_list",
        "tutoring:declaration_area_list",
        "partnerships:programme_list",
        "partnerships:programme_area_list",
        "partnerships:fee_comparison",
        "partnerships:partner_list",
        "inspections:inspection_list",
        "inspections:plan_list",
        "inspections:plan_detail",
        "inspections:action_list",
        "inspections:complaint_list",
    }
)
# Addresses that are files themselves (CSV, XLSX, PDF, documents) have rows of their own
# above: schools:activity_export, reports:job_download, public:open_data_file,
# partnerships:programme_document, partnerships:partner_document, inspections:evidence,
# inspections:complaint_attachment; and the conclusion PDF is made by reports:conclusion_pdf.
FILE_ROWS = frozenset(
    {
        "schools:activity_export",
        "reports:job_download",
        "public:open_data_file",
        "partnerships:programme_document",
        "partnerships:partner_document",
        "inspections:evidence",
        "inspections:complaint_attachment",
    }
)
# The roles tried first to open a list, the widest scope first.
_OPENERS = (DEPT, COMM, PRIN, STAFF, INSP, PARENT)


def _export(client, name, row, world, role, inside, fmt):
    kwargs = row.kwargs(world, role, inside) if row.kwargs else {}
    data = row.data(world) if callable(row.data) else dict(row.data)
    return client.get(reverse(name, kwargs=kwargs), {**data, "export": fmt})


def _is_file(response) -> bool:
    return response.status_code == 200 and response.get("Content-Disposition", "").startswith(
        "attachment"
    )


def test_every_export_is_known(world):
    found = set()
    for name, row in ROWS.items():
        if row.method != "get" or name in FILE_ROWS:
            continue
        role = next((r for r in _OPENERS if r in row.allowed), None)
        client = client_for(world.users[role]) if role else Client()
        if _is_file(_export(client, name, row, world, role, True, "csv")):
            found.add(name)
    assert found == EXPORT_ROWS


def test_every_file_address_has_a_row():
    assert set(ROWS) >= FILE_ROWS


@pytest.mark.parametrize("name", sorted(EXPORT_ROWS))
def test_export_matrix(world, name):
    row = ROWS[name]
    response = _export(Client(), name, row, world, None, True, "xlsx")
    _assert_sent_to_login(response, reverse("login"))
    for role, user in world.users.items():
        client = client_for(user)
        inside = _export(client, name, row, world, role, True, "xlsx")
        if role in row.allowed:
            assert _is_file(inside), (name, role, inside.status_code)
        else:
            assert inside.status_code in (403, 404), (name, role, inside.status_code)
        if row.kwargs and row.scoped:
            outside = _export(client, name, row, world, role, False, "xlsx")
            assert outside.status_code in (403, 404), (name, role, outside.status_code)

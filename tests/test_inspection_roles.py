"""Who may do what to an inspection, role by role: ordering and planning it, each step of its
life, the team's checklist, findings, evidence and corrective actions, the school's answer
and the team's review, suspension from it; through the services and through the pages
(404 for what lies outside a user's scope, 403 for what they see but may not do, and the
database unchanged either way). Then the status machine, the wrong status, bad input, who
sees which inspection, and the query count of the lists.

Every role of the test world tries every action from the same state: each attempt runs in a
savepoint rolled back afterwards, and the outcomes are compared as one table per action."""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from inspections import services
from inspections.checklists import questions_for
from inspections.models import (
    ChecklistAnswer,
    CorrectiveAction,
    Evidence,
    Finding,
    Inspection,
    InspectionEvent,
    InspectionPlan,
    InspectionSuspension,
    Scope,
    TeamMember,
)
from schools import policy, uploads
from schools.models import Activity
from schools.services import role_grant

from .conftest import client_for
from .factories import UserFactory
from .test_inspections import action_on, finding_in, order, photo, started

Status = Inspection.Status
PERIODIC, UNANNOUNCED = Inspection.Kind.PERIODIC, Inspection.Kind.UNANNOUNCED
CONCLUSION = "Nhà trường thực hiện chưa đầy đủ quy định về sự đồng ý của cha mẹ học sinh."

# The Department (not on the team unless named), the inspector on the team, an inspector of
# the same city not on it, the People's Committee of the school's ward and one of another
# city, the school's head and a teacher, a parent of one of its students, another head.
ROLES = (
    "department",
    "inspector",
    "outsider",
    "committee",
    "far_committee",
    "principal",
    "staff",
    "parent",
    "far_principal",
)


@pytest.fixture
def people(world):
    outsider = UserFactory(username="thanhtra_ngoai_doan")
    role_grant(actor=None, user=outsider, role=Role.INSPECTOR, unit=world.province)
    return {
        "department": world.department,
        "inspector": world.inspector,
        "outsider": outsider,
        "committee": world.committee,
        "far_committee": world.far_committee,
        "principal": world.principal,
        "staff": world.staff,
        "parent": world.parent,
        "far_principal": world.far_principal,
    }


def today(days=0):
    return timezone.localdate() + datetime.timedelta(days=days)


def text_file(name="ghi-chu.png"):
    """Named like a photo, but not one."""
    return SimpleUploadedFile(name, b"MZ\x90\x00 not an image", content_type="image/png")


def at(world, step, *, authority="department", kind=UNANNOUNCED):
    """An inspection of school_a ordered by ``authority`` (the Department with the
    inspector as its team, or the ward's People's Committee as its own team) and taken by
    its team to ``step``:

    * ``planned``, ``in_progress``;
    * ``action``: in progress, with a finding and an open corrective action;
    * ``answered``: the school has answered the action;
    * ``findings``: findings recorded, the action still open;
    * ``concluded``: the conclusion signed, the action still open;
    * ``done``: concluded with the action accepted."""
    if authority == "committee":
        inspection = order(world, actor=world.committee, team=[world.committee], kind=kind)
    else:
        inspection = order(world, kind=kind)
    lead = inspection.team.get(is_lead=True).user
    ctx = SimpleNamespace(inspection=inspection, lead=lead, finding=None, action=None)

    def go(name, **kwargs):
        services.inspection_transition(actor=lead, inspection=inspection, name=name, **kwargs)

    if step == "planned":
        return ctx
    go("start")
    if step == "in_progress":
        return ctx
    ctx.finding = finding_in(inspection, lead)
    ctx.action = action_on(ctx.finding, lead)
    if step in ("answered", "done"):
        services.action_answer(actor=world.principal, action=ctx.action, response="Đã thu đủ đơn.")
    if step == "done":
        services.action_review(actor=lead, action=ctx.action, accept=True)
    if step in ("findings", "concluded", "done"):
        go("record")
    if step in ("concluded", "done"):
        go("conclude", conclusion=CONCLUSION)
    return ctx


def snapshot():
    """Everything the inspections' services and pages may change."""
    return (
        list(
            Inspection.objects.order_by("pk").values_list(
                "pk", "status", "reference", "signed_by", "closed_at"
            )
        ),
        list(TeamMember.objects.order_by("pk").values_list("pk", "user", "is_lead")),
        list(InspectionPlan.objects.order_by("pk").values_list("pk", "title")),
        list(Finding.objects.order_by("pk").values_list("pk", "title")),
        list(CorrectiveAction.objects.order_by("pk").values_list("pk", "status", "due_date")),
        list(ChecklistAnswer.objects.order_by("pk").values_list("pk", "answer")),
        Evidence.objects.count(),
        InspectionEvent.objects.count(),
        InspectionSuspension.objects.count(),
        list(Activity.objects.order_by("pk").values_list("pk", "status")),
    )


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Run the block in a savepoint that is rolled back: the next role starts afresh."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def attempt(run, done):
    """What happens when ``run()`` is tried, rolled back afterwards: "allowed" (and
    ``done()`` then holds), "denied" (PermissionDenied, nothing changed), or the fields of a
    ValidationError."""
    with undone():
        before = snapshot()
        try:
            run()
        except PermissionDenied:
            return "denied" if snapshot() == before else "denied, but something changed"
        except ValidationError as error:
            if snapshot() != before:
                return "invalid, but something changed"
            if not hasattr(error, "error_dict"):
                return "invalid"
            return "invalid: " + ",".join(sorted(error.message_dict))
        return "allowed" if done() else "allowed, but nothing was done"


def only(*roles, others="denied", among=ROLES):
    return {role: ("allowed" if role in roles else others) for role in among}


# --- Every role on every action, through the services -------------------------------------


def _reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def _status_is(status):
    return lambda world, ctx: _reload(ctx.inspection).status == status


def _transition(name):
    def run(world, user, ctx):
        services.inspection_transition(
            actor=user, inspection=ctx.inspection, name=name, conclusion=CONCLUSION
        )

    return run


def _edit(world, user, ctx):
    inspection = _reload(ctx.inspection)
    inspection.reference = "99/QĐ-TTr"
    services.inspection_save(actor=user, inspection=inspection, team=[ctx.lead], lead=ctx.lead)


def _answer_checklist(world, user, ctx):
    services.checklist_answer(
        actor=user,
        inspection=ctx.inspection,
        question=questions_for(ctx.inspection).first(),
        answer=ChecklistAnswer.Answer.NO,
        note="Không có kế hoạch dạy thêm công khai.",
        photos=[photo()],
    )


def _correct_finding(world, user, ctx):
    finding = _reload(ctx.finding)
    finding.title = "Thu tiền học thêm trong trường"
    services.finding_save(actor=user, finding=finding)


def _suspend(world, user, ctx):
    services.suspend_from_inspection(
        actor=user,
        inspection=ctx.inspection,
        activity=world.programme_a,
        reason="Thu tiền chưa đúng quy định.",
    )


@dataclass(frozen=True)
class Act:
    step: str
    run: object  # (world, user, ctx) -> None
    done: object  # (world, ctx) -> bool, once allowed
    on_department: frozenset  # who may, on the Department's inspection
    on_committee: frozenset  # who may, on the People's Committee's own


TEAM = {"on_department": frozenset({"inspector"}), "on_committee": frozenset({"committee"})}
LEAD_OR_AUTHORITY = {
    "on_department": frozenset({"inspector", "department"}),
    "on_committee": frozenset({"committee"}),
}
HEAD = {"on_department": frozenset({"principal"}), "on_committee": frozenset({"principal"})}

ACTS = {
    "edit": Act(
        "planned",
        _edit,
        lambda w, ctx: _reload(ctx.inspection).reference == "99/QĐ-TTr",
        on_department=frozenset({"department"}),
        on_committee=frozenset({"committee"}),
    ),
    "start": Act("planned", _transition("start"), _status_is(Status.IN_PROGRESS), **TEAM),
    "record": Act(
        "in_progress", _transition("record"), _status_is(Status.FINDINGS_RECORDED), **TEAM
    ),
    "resume_work": Act(
        "findings", _transition("resume_work"), _status_is(Status.IN_PROGRESS), **TEAM
    ),
    # The head of the team signs: here the inspector, or the committee's official.
    "conclude": Act("findings", _transition("conclude"), _status_is(Status.CONCLUDED), **TEAM),
    "follow_up": Act(
        "concluded", _transition("follow_up"), _status_is(Status.FOLLOW_UP), **LEAD_OR_AUTHORITY
    ),
    "close": Act("done", _transition("close"), _status_is(Status.CLOSED), **LEAD_OR_AUTHORITY),
    "checklist_answer": Act(
        "in_progress",
        _answer_checklist,
        lambda w, ctx: ctx.inspection.answers.filter(answer="no").exists(),
        **TEAM,
    ),
    "finding_new": Act(
        "in_progress",
        lambda w, user, ctx: finding_in(ctx.inspection, user),
        lambda w, ctx: ctx.inspection.findings.count() == 1,
        **TEAM,
    ),
    "finding_edit": Act(
        "action",
        _correct_finding,
        lambda w, ctx: _reload(ctx.finding).title == "Thu tiền học thêm trong trường",
        **TEAM,
    ),
    "evidence_add": Act(
        "action",
        lambda w, user, ctx: services.evidence_add(
            actor=user, finding=ctx.finding, files=[photo("bien-lai.png")]
        ),
        lambda w, ctx: ctx.finding.evidence.filter(title="bien-lai.png").exists(),
        **TEAM,
    ),
    "action_add": Act(
        "action",
        lambda w, user, ctx: action_on(ctx.finding, user, days=30),
        lambda w, ctx: ctx.finding.actions.count() == 2,
        **TEAM,
    ),
    "action_answer": Act(
        "action",
        lambda w, user, ctx: services.action_answer(
            actor=user, action=ctx.action, response="Đã thu đủ đơn.", files=[photo()]
        ),
        lambda w, ctx: _reload(ctx.action).status == CorrectiveAction.Status.ANSWERED,
        **HEAD,
    ),
    "action_accept": Act(
        "answered",
        lambda w, user, ctx: services.action_review(actor=user, action=ctx.action, accept=True),
        lambda w, ctx: _reload(ctx.action).status == CorrectiveAction.Status.ACCEPTED,
        **TEAM,
    ),
    "action_reopen": Act(
        "answered",
        lambda w, user, ctx: services.action_review(
            actor=user, action=ctx.action, accept=False, note="Thiếu 1 đơn.", due_date=today(14)
        ),
        lambda w, ctx: (
            _reload(ctx.action).status == CorrectiveAction.Status.OPEN
            and _reload(ctx.action).due_date == today(14)
        ),
        **TEAM,
    ),
    # The authority suspends, not its inspectors.
    "suspend": Act(
        "in_progress",
        _suspend,
        lambda w, ctx: InspectionSuspension.objects.filter(inspection=ctx.inspection).exists(),
        on_department=frozenset({"department"}),
        on_committee=frozenset({"committee"}),
    ),
}


@pytest.mark.parametrize("act", list(ACTS))
def test_each_role_on_the_departments_inspection(world, people, act):
    """The inspector on the team does the team's work and signs; the Department, which is
    not on the team, orders, edits, follows up, closes and suspends; the school's head
    answers; everyone else is refused with nothing changed."""
    spec = ACTS[act]
    ctx = at(world, spec.step)
    outcomes = {
        role: attempt(lambda u=user: spec.run(world, u, ctx), lambda: spec.done(world, ctx))
        for role, user in people.items()
    }
    assert outcomes == only(*spec.on_department)


COMMITTEE_ROLES = ("department", "inspector", "committee", "far_committee", "principal")


def _try_on_committees(world, people, act, roles):
    spec = ACTS[act]
    ctx = at(world, spec.step, authority="committee")
    return {
        role: attempt(lambda u=people[role]: spec.run(world, u, ctx), lambda: spec.done(world, ctx))
        for role in roles
    }


@pytest.mark.parametrize("act", [act for act in ACTS if act != "suspend"])
def test_each_role_on_a_committees_own_inspection(world, people, act):
    """A People's Committee is the team and the authority of its own inspection; the
    Department sees it but neither works on it nor manages it; the Department's inspector and
    another city's committee are refused."""
    outcomes = _try_on_committees(world, people, act, COMMITTEE_ROLES)
    assert outcomes == only(*ACTS[act].on_committee, among=COMMITTEE_ROLES)


def test_the_committee_suspends_from_its_own_inspection(world, people):
    roles = ("inspector", "committee", "far_committee", "principal")
    assert _try_on_committees(world, people, "suspend", roles) == only("committee", among=roles)


def _new_inspection(world, school=None, **fields):
    values = {
        "school": school or world.school_a,
        "kind": UNANNOUNCED,
        "trigger": Inspection.Trigger.PUBLIC_OPINION,
        "planned_start": today(),
        "planned_end": today(2),
        "scopes": [Scope.TUTORING, Scope.FEES],
    }
    values.update(fields)
    return Inspection(**values)


def test_who_may_order_an_inspection_of_the_school(world, people):
    """Only an authority orders, and only of a school it may inspect: the Department and the
    ward's committee; for everyone else the school is not one they may choose."""
    teams = {"department": [world.inspector]}

    def run(role):
        team = teams.get(role, [people[role]])
        services.inspection_save(
            actor=people[role], inspection=_new_inspection(world), team=team, lead=team[0]
        )

    def done(role):
        return Inspection.objects.filter(created_by=people[role]).exists()

    outcomes = {role: attempt(lambda r=role: run(r), lambda r=role: done(r)) for role in ROLES}
    assert outcomes == only("department", "committee", others="invalid: school")


PLAN_UNITS = {"department": "province", "committee": "area_a", "far_committee": "area_far"}


def test_who_may_plan(world, people):
    """An authority plans for the unit it oversees (another city's committee for its own);
    inspectors, schools and parents do not plan."""

    def run(role):
        plan = InspectionPlan(
            unit=getattr(world, PLAN_UNITS.get(role, "province")),
            school_year=world.year,
            title="Kế hoạch kiểm tra dạy thêm năm học 2026-2027",
            scopes=[Scope.TUTORING],
        )
        services.plan_save(actor=people[role], plan=plan)

    def done(role):
        return InspectionPlan.objects.filter(created_by=people[role]).exists()

    outcomes = {role: attempt(lambda r=role: run(r), lambda r=role: done(r)) for role in ROLES}
    assert outcomes == only("department", "committee", "far_committee")


def _plan_of(world, actor, unit):
    return services.plan_save(
        actor=actor,
        plan=InspectionPlan(
            unit=unit, school_year=world.year, title="Kế hoạch gốc", scopes=[Scope.FEES]
        ),
    )


@pytest.mark.parametrize("authority", ["department", "committee"])
def test_only_its_authority_edits_a_plan(world, people, authority):
    owner, unit = (
        (world.department, world.province)
        if authority == "department"
        else (world.committee, world.area_a)
    )
    plan = _plan_of(world, owner, unit)

    def run(role):
        edited = _reload(plan)
        edited.title = "Kế hoạch đã sửa"
        services.plan_save(actor=people[role], plan=edited)

    outcomes = {
        role: attempt(lambda r=role: run(r), lambda: _reload(plan).title == "Kế hoạch đã sửa")
        for role in ROLES
    }
    assert outcomes == only(authority)


# --- Every role on the key pages -----------------------------------------------------------


def _finding_form(title):
    return {
        "title": title,
        "category": Finding.Category.FEES,
        "severity": "minor",
        "activity": "",
        "description": "Thu 200.000 đ/tháng tiền học thêm trong trường.",
        "legal_basis": "Thông tư 29/2024/TT-BGDĐT, Điều 5 khoản 2",
        "responsible": "Hiệu trưởng",
        "responsible_user": "",
    }


def _edit_form(world, ctx):
    return {
        "kind": ctx.inspection.kind,
        "trigger": Inspection.Trigger.PUBLIC_OPINION,
        "plan": "",
        "follows": "",
        "reference": "77/QĐ-SGDĐT",
        "planned_start": today().isoformat(),
        "planned_end": today(3).isoformat(),
        "scopes": [Scope.TUTORING],
        "team": [ctx.lead.pk],
        "lead": ctx.lead.pk,
    }


def _checklist_form(world, ctx):
    question = questions_for(ctx.inspection).first()
    return {"question": question.pk, f"q{question.pk}-answer": "yes"}


@dataclass(frozen=True)
class Page:
    step: str
    url: object  # (ctx) -> URL
    data: object  # (world, ctx) -> POST data
    done: object  # (world, ctx) -> bool
    allowed: frozenset
    kind: str = UNANNOUNCED


def _detail(name, attr):
    return lambda ctx: reverse(f"inspections:{name}", args=[getattr(ctx, attr).pk])


def _transition_url(name):
    return lambda ctx: reverse("inspections:inspection_transition", args=[ctx.inspection.pk, name])


PAGES = {
    # A periodic inspection is shown to the school while planned; an unannounced one is not.
    "start_periodic": Page(
        "planned",
        _transition_url("start"),
        lambda w, ctx: {},
        _status_is(Status.IN_PROGRESS),
        frozenset({"inspector"}),
        kind=PERIODIC,
    ),
    "start_unannounced": Page(
        "planned",
        _transition_url("start"),
        lambda w, ctx: {},
        _status_is(Status.IN_PROGRESS),
        frozenset({"inspector"}),
    ),
    "edit": Page(
        "planned",
        _detail("inspection_edit", "inspection"),
        _edit_form,
        lambda w, ctx: _reload(ctx.inspection).reference == "77/QĐ-SGDĐT",
        frozenset({"department"}),
        kind=PERIODIC,
    ),
    "close": Page(
        "done",
        _transition_url("close"),
        lambda w, ctx: {},
        _status_is(Status.CLOSED),
        frozenset({"inspector", "department"}),
    ),
    "checklist": Page(
        "in_progress",
        _detail("checklist", "inspection"),
        _checklist_form,
        lambda w, ctx: ctx.inspection.answers.exists(),
        frozenset({"inspector"}),
    ),
    "finding_new": Page(
        "in_progress",
        _detail("finding_new", "inspection"),
        lambda w, ctx: _finding_form("Thu tiền học thêm trong trường"),
        lambda w, ctx: ctx.inspection.findings.exists(),
        frozenset({"inspector"}),
    ),
    "finding_edit": Page(
        "action",
        _detail("finding_edit", "finding"),
        lambda w, ctx: _finding_form("Không có vi phạm"),
        lambda w, ctx: _reload(ctx.finding).title == "Không có vi phạm",
        frozenset({"inspector"}),
    ),
    "evidence_add": Page(
        "action",
        _detail("finding_detail", "finding"),
        lambda w, ctx: {"evidence-files": photo("bien-lai.png")},
        lambda w, ctx: ctx.finding.evidence.filter(title="bien-lai.png").exists(),
        frozenset({"inspector"}),
    ),
    "action_add": Page(
        "action",
        _detail("finding_detail", "finding"),
        lambda w, ctx: {
            "action-description": "Hoàn trả tiền đã thu cho cha mẹ học sinh.",
            "action-due_date": today(20).isoformat(),
            "action-responsible": "Hiệu trưởng",
        },
        lambda w, ctx: ctx.finding.actions.count() == 2,
        frozenset({"inspector"}),
    ),
    "action_answer": Page(
        "action",
        _detail("action_detail", "action"),
        lambda w, ctx: {"answer-response": "Đã hoàn trả tiền.", "answer-files": photo()},
        lambda w, ctx: _reload(ctx.action).status == CorrectiveAction.Status.ANSWERED,
        frozenset({"principal"}),
    ),
    "action_accept": Page(
        "answered",
        _detail("action_detail", "action"),
        lambda w, ctx: {"review-decision": "accept", "review-note": "", "review-due_date": ""},
        lambda w, ctx: _reload(ctx.action).status == CorrectiveAction.Status.ACCEPTED,
        frozenset({"inspector"}),
    ),
    "action_reopen": Page(
        "answered",
        _detail("action_detail", "action"),
        lambda w, ctx: {
            "review-decision": "reopen",
            "review-note": "Thiếu 1 đơn.",
            "review-due_date": today(10).isoformat(),
        },
        lambda w, ctx: _reload(ctx.action).status == CorrectiveAction.Status.OPEN,
        frozenset({"inspector"}),
    ),
    "suspend": Page(
        "in_progress",
        _detail("inspection_suspend", "inspection"),
        lambda w, ctx: {"activity": w.programme_a.pk, "reason": "Thu tiền chưa đúng quy định."},
        lambda w, ctx: _reload(w.programme_a).status == Activity.Status.SUSPENDED,
        frozenset({"department"}),
    ),
}


def _sees(page):
    """Who sees the Department's inspection at the page's step: its authority, its team,
    and the school's head and the People's Committee that manages the school, once it is
    started or if it is periodic."""
    if page.step == "planned" and page.kind == UNANNOUNCED:
        return {"department", "inspector"}
    return {"department", "inspector", "principal", "committee"}


@pytest.mark.parametrize("page", list(PAGES))
def test_each_role_posting_on_the_departments_inspection(world, people, page):
    """Allowed: a redirect and the change made. Seen but not allowed: 403. Outside the
    user's scope: 404. Nothing changed unless allowed."""
    spec = PAGES[page]
    ctx = at(world, spec.step, kind=spec.kind)
    outcomes = {}
    for role, user in people.items():
        with undone():
            before = snapshot()
            response = client_for(user).post(spec.url(ctx), spec.data(world, ctx))
            outcome = response.status_code
            if outcome == 302 and not spec.done(world, ctx):
                outcome = "302, but nothing was done"
            elif outcome != 302 and snapshot() != before:
                outcome = f"{outcome}, but something changed"
            outcomes[role] = outcome
    sees = _sees(spec)
    assert outcomes == {
        role: 302 if role in spec.allowed else 403 if role in sees else 404 for role in ROLES
    }


DETAIL = {
    # The Department's unannounced inspection, planned then started, and its periodic one.
    "unannounced_planned": {"department": 200, "inspector": 200},
    "unannounced_started": {
        "department": 200,
        "inspector": 200,
        "principal": 200,
        "committee": 200,
    },
    "periodic_planned": {"department": 200, "inspector": 200, "principal": 200, "committee": 200},
    # The ward's committee's own: the Department sees it too.
    "committee_started": {"department": 200, "committee": 200, "principal": 200},
}


@pytest.mark.parametrize("case", list(DETAIL))
def test_who_opens_an_inspection(world, people, case):
    kind = PERIODIC if case.startswith("periodic") else UNANNOUNCED
    authority = "committee" if case.startswith("committee") else "department"
    step = "planned" if case.endswith("planned") else "in_progress"
    inspection = at(world, step, authority=authority, kind=kind).inspection
    url = reverse("inspections:inspection_detail", args=[inspection.pk])
    outcomes = {role: client_for(user).get(url).status_code for role, user in people.items()}
    assert outcomes == {role: DETAIL[case].get(role, 404) for role in ROLES}


def test_the_school_reads_findings_but_opens_no_form_of_the_team(world):
    ctx = at(world, "action")
    head = client_for(world.principal)
    finding = reverse("inspections:finding_detail", args=[ctx.finding.pk])
    response = head.get(finding)
    assert response.status_code == 200
    assert response.context["action_form"] is None and response.context["evidence_form"] is None
    assert head.get(reverse("inspections:finding_edit", args=[ctx.finding.pk])).status_code == 403
    new = reverse("inspections:finding_new", args=[ctx.inspection.pk])
    assert head.get(new).status_code == 403
    conclude = reverse("inspections:inspection_conclude", args=[ctx.inspection.pk])
    assert head.get(conclude).status_code == 403
    action = head.get(reverse("inspections:action_detail", args=[ctx.action.pk]))
    assert action.status_code == 200
    assert action.context["answer_form"] is not None and action.context["review_form"] is None
    # The team's page of the same action offers no answer, and nothing to review yet.
    team = client_for(world.inspector).get(
        reverse("inspections:action_detail", args=[ctx.action.pk])
    )
    assert team.context["answer_form"] is None and team.context["review_form"] is None


def test_only_the_head_of_the_team_opens_the_conclusion_form(world, people):
    ctx = at(world, "findings")
    url = reverse("inspections:inspection_conclude", args=[ctx.inspection.pk])
    codes = {role: client_for(user).get(url).status_code for role, user in people.items()}
    assert codes == {
        role: {"inspector": 200, "department": 403, "principal": 403, "committee": 403}.get(
            role, 404
        )
        for role in ROLES
    }
    response = client_for(world.inspector).post(url, {"conclusion": CONCLUSION, "sanctions": ""})
    assert response.status_code == 302
    inspection = _reload(ctx.inspection)
    assert inspection.status == Status.CONCLUDED and inspection.signed_by == world.inspector


# --- The status machine --------------------------------------------------------------------


def test_an_inspection_starts_once(world):
    inspection = started(world)
    first = _reload(inspection).started_at
    before = snapshot()
    with pytest.raises(ValidationError):
        services.inspection_transition(actor=world.inspector, inspection=inspection, name="start")
    assert snapshot() == before and _reload(inspection).started_at == first


def test_no_conclusion_before_the_findings_are_recorded(world):
    ctx = at(world, "action")
    before = snapshot()
    with pytest.raises(ValidationError):
        services.inspection_transition(
            actor=world.inspector, inspection=ctx.inspection, name="conclude", conclusion="x"
        )
    assert snapshot() == before
    assert _reload(ctx.inspection).signed_by is None


def test_the_conclusion_needs_its_text(world):
    ctx = at(world, "findings")
    with pytest.raises(ValidationError) as error:
        services.inspection_transition(
            actor=world.inspector, inspection=ctx.inspection, name="conclude", conclusion="  "
        )
    assert list(error.value.message_dict) == ["conclusion"]
    assert _reload(ctx.inspection).status == Status.FINDINGS_RECORDED


def test_a_planned_inspection_cannot_record_findings_nor_close(world):
    inspection = order(world)
    for name in ("record", "resume_work", "conclude", "follow_up", "close"):
        with pytest.raises(ValidationError):
            services.inspection_transition(
                actor=world.inspector, inspection=inspection, name=name, conclusion="x"
            )
    assert _reload(inspection).status == Status.PLANNED


def test_closing_with_open_actions_is_refused_saying_how_many(world):
    ctx = at(world, "action")
    action_on(ctx.finding, world.inspector, days=20)
    for name, extra in (("record", {}), ("conclude", {"conclusion": CONCLUSION})):
        services.inspection_transition(
            actor=world.inspector, inspection=ctx.inspection, name=name, **extra
        )
    before = snapshot()
    for actor in (world.inspector, world.department):
        with pytest.raises(ValidationError) as error:
            services.inspection_transition(actor=actor, inspection=ctx.inspection, name="close")
        # One message, naming the two actions still to be accepted.
        assert len(error.value.messages) == 1 and "2" in error.value.messages[0]
    assert snapshot() == before
    # Through the page: sent back to the inspection, still concluded.
    response = client_for(world.department).post(
        reverse("inspections:inspection_transition", args=[ctx.inspection.pk, "close"])
    )
    assert response.status_code == 302
    assert snapshot() == before


def test_follow_up_needs_an_action_still_open(world):
    ctx = at(world, "done")
    with pytest.raises(ValidationError):
        services.inspection_transition(
            actor=world.department, inspection=ctx.inspection, name="follow_up"
        )
    assert _reload(ctx.inspection).status == Status.CONCLUDED


def test_the_round_from_planned_to_closed(world):
    ctx = at(world, "concluded")
    services.inspection_transition(
        actor=world.department, inspection=ctx.inspection, name="follow_up"
    )
    services.action_answer(actor=world.principal, action=ctx.action, response="Đã khắc phục.")
    services.action_review(actor=world.inspector, action=ctx.action, accept=True)
    services.inspection_transition(actor=world.department, inspection=ctx.inspection, name="close")
    inspection = _reload(ctx.inspection)
    assert inspection.status == Status.CLOSED and inspection.closed_at is not None
    assert list(inspection.events.values_list("action", flat=True)) == [
        "create",
        "start",
        "finding",
        "action",
        "record",
        "conclude",
        "follow_up",
        "action_answer",
        "action_review",
        "close",
    ]


def test_an_unknown_step_is_refused(world):
    inspection = order(world)
    with pytest.raises(ValidationError):
        services.inspection_transition(actor=world.inspector, inspection=inspection, name="sign")
    client = client_for(world.inspector)
    for name in ("sign", "conclude"):  # the conclusion has its own form
        url = reverse("inspections:inspection_transition", args=[inspection.pk, name])
        assert client.post(url).status_code == 404
    start = reverse("inspections:inspection_transition", args=[inspection.pk, "start"])
    assert client.get(start).status_code == 405
    assert _reload(inspection).status == Status.PLANNED


def test_a_started_inspection_is_no_longer_edited(world):
    inspection = started(world)
    edited = _reload(inspection)
    edited.reference = "1/QĐ"
    with pytest.raises(ValidationError):
        services.inspection_save(
            actor=world.department, inspection=edited, team=[world.inspector], lead=world.inspector
        )
    response = client_for(world.department).get(
        reverse("inspections:inspection_edit", args=[inspection.pk])
    )
    assert response.status_code == 302 and response.url == inspection.get_absolute_url()
    assert _reload(inspection).reference == ""


# --- Wrong status ---------------------------------------------------------------------------


def test_no_work_of_the_team_after_the_conclusion(world):
    ctx = at(world, "concluded")
    before = snapshot()
    attempts = {
        "finding": lambda: finding_in(ctx.inspection, world.inspector),
        "evidence": lambda: services.evidence_add(
            actor=world.inspector, finding=ctx.finding, files=[photo()]
        ),
        "action": lambda: action_on(ctx.finding, world.inspector),
        "checklist": lambda: _answer_checklist(world, world.inspector, ctx),
        "finding_edit": lambda: _correct_finding(world, world.inspector, ctx),
    }
    for name, run in attempts.items():
        with pytest.raises(ValidationError):
            run()
        assert snapshot() == before, name
    # The page of a new finding sends the team back to the inspection.
    response = client_for(world.inspector).get(
        reverse("inspections:finding_new", args=[ctx.inspection.pk])
    )
    assert response.status_code == 302
    # The checklist is read, no longer answered.
    url = reverse("inspections:checklist", args=[ctx.inspection.pk])
    client = client_for(world.inspector)
    assert client.get(url).context["may_answer"] is False
    assert client.post(url, _checklist_form(world, ctx)).status_code == 403
    assert snapshot() == before


def test_no_answer_once_the_action_is_accepted(world):
    ctx = at(world, "answered")
    services.action_review(actor=world.inspector, action=ctx.action, accept=True)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.action_answer(actor=world.principal, action=ctx.action, response="Bổ sung.")
    with pytest.raises(ValidationError):
        services.action_review(actor=world.inspector, action=ctx.action, accept=False, note="x")
    assert snapshot() == before
    url = reverse("inspections:action_detail", args=[ctx.action.pk])
    head = client_for(world.principal)
    assert head.get(url).context["answer_form"] is None
    assert head.post(url, {"answer-response": "Bổ sung."}).status_code == 403
    assert snapshot() == before


def test_an_answered_action_waits_for_its_review(world):
    ctx = at(world, "answered")
    with pytest.raises(ValidationError):
        services.action_answer(actor=world.principal, action=ctx.action, response="Lần hai.")
    ctx_open = at(world, "action")
    with pytest.raises(ValidationError):
        services.action_review(actor=world.inspector, action=ctx_open.action, accept=True)
    assert _reload(ctx.action).response == "Đã thu đủ đơn."


def test_no_suspension_from_a_planned_or_closed_inspection(world):
    for step in ("planned", "done"):
        ctx = at(world, step)
        if step == "done":
            services.inspection_transition(
                actor=world.department, inspection=ctx.inspection, name="close"
            )
        before = snapshot()
        with pytest.raises(ValidationError):
            _suspend(world, world.department, ctx)
        assert snapshot() == before
    assert _reload(world.programme_a).status == Activity.Status.APPROVED


def test_no_suspension_of_another_schools_activity(world):
    ctx = at(world, "in_progress")
    with pytest.raises(ValidationError) as error:
        services.suspend_from_inspection(
            actor=world.department,
            inspection=ctx.inspection,
            activity=world.programme_far,
            reason="x",
        )
    assert list(error.value.message_dict) == ["activity"]
    assert _reload(world.programme_far).status == Activity.Status.APPROVED


# --- Bad input ------------------------------------------------------------------------------


def test_a_deadline_in_the_past_is_refused(world):
    ctx = at(world, "answered")
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        services.action_add(
            actor=world.inspector,
            action=CorrectiveAction(
                finding=ctx.finding,
                description="Niêm yết công khai mức thu.",
                due_date=today(-1),
                responsible="Hiệu trưởng",
            ),
        )
    assert list(error.value.message_dict) == ["due_date"]
    with pytest.raises(ValidationError) as error:
        services.action_review(
            actor=world.inspector,
            action=ctx.action,
            accept=False,
            note="Thiếu.",
            due_date=today(-1),
        )
    assert list(error.value.message_dict) == ["due_date"]
    assert snapshot() == before
    # The page gives the form back with the error on the deadline.
    response = client_for(world.inspector).post(
        reverse("inspections:finding_detail", args=[ctx.finding.pk]),
        {
            "action-description": "Niêm yết công khai mức thu.",
            "action-due_date": today(-1).isoformat(),
            "action-responsible": "Hiệu trưởng",
        },
    )
    assert response.status_code == 400
    assert list(response.context["action_form"].errors) == ["due_date"]
    assert snapshot() == before


def test_evidence_must_be_a_photo_or_a_pdf(world):
    ctx = at(world, "action")
    before = snapshot()
    refused = {
        "files": lambda: services.evidence_add(
            actor=world.inspector, finding=ctx.finding, files=[photo(), text_file()]
        ),
        "photos": lambda: services.checklist_answer(
            actor=world.inspector,
            inspection=ctx.inspection,
            question=questions_for(ctx.inspection).first(),
            answer="no",
            photos=[text_file()],
        ),
    }
    for field, run in refused.items():
        with pytest.raises(ValidationError) as error:
            run()
        assert list(error.value.message_dict) == [field]
        assert "ghi-chu.png" in error.value.message_dict[field][0]
    with pytest.raises(ValidationError) as error:
        services.action_answer(
            actor=world.principal, action=ctx.action, response="Đã làm.", files=[text_file()]
        )
    assert list(error.value.message_dict) == ["files"]
    assert snapshot() == before
    # A PDF is taken.
    services.evidence_add(
        actor=world.inspector,
        finding=ctx.finding,
        files=[SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.7 bien ban", "application/pdf")],
    )
    assert ctx.finding.evidence.filter(title="bien-ban.pdf").exists()


def test_evidence_over_the_size_limit_is_refused(world, monkeypatch):
    assert uploads.MAX_DOCUMENT_BYTES == 10 * 1024 * 1024
    monkeypatch.setattr(uploads, "MAX_DOCUMENT_BYTES", 100)
    ctx = at(world, "action")
    before = snapshot()

    def png(size):
        return photo("lon.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (size - 8))

    with pytest.raises(ValidationError) as error:
        services.evidence_add(actor=world.inspector, finding=ctx.finding, files=[png(101)])
    assert list(error.value.message_dict) == ["files"]
    with pytest.raises(ValidationError) as error:
        services.action_answer(
            actor=world.principal, action=ctx.action, response="Đã làm.", files=[png(101)]
        )
    assert list(error.value.message_dict) == ["files"]
    assert snapshot() == before
    # Through the page: the form again (400), nothing attached.
    response = client_for(world.inspector).post(
        reverse("inspections:finding_detail", args=[ctx.finding.pk]),
        {"evidence-files": png(101)},
    )
    assert response.status_code == 400
    assert list(response.context["evidence_form"].errors) == ["files"]
    assert snapshot() == before
    # At the limit exactly, it is taken.
    services.evidence_add(actor=world.inspector, finding=ctx.finding, files=[png(100)])
    assert ctx.finding.evidence.count() == 2


def test_more_than_five_files_at_once_are_refused(world):
    ctx = at(world, "action")
    with pytest.raises(ValidationError) as error:
        services.evidence_add(
            actor=world.inspector, finding=ctx.finding, files=[photo(f"{n}.png") for n in range(6)]
        )
    assert list(error.value.message_dict) == ["files"]
    assert ctx.finding.evidence.count() == 1


def test_the_team_is_made_of_officials_who_oversee_the_school(world, people):
    ward_b_inspector = UserFactory(username="thanhtra_le_chan")
    role_grant(actor=None, user=ward_b_inspector, role=Role.INSPECTOR, unit=world.area_b)
    for team in (
        [world.inspector, ward_b_inspector],
        [world.principal],
        [world.far_committee],
        [world.committee],  # not the Department's official
    ):
        with pytest.raises(ValidationError) as error:
            order(world, team=team)
        assert list(error.value.message_dict) == ["team"]
    # A committee's team: its own officials, not the Department's nor another ward's.
    for team in ([world.inspector], [world.department], [world.far_committee]):
        with pytest.raises(ValidationError) as error:
            order(world, actor=world.committee, team=team)
        assert list(error.value.message_dict) == ["team"]
    assert not Inspection.objects.exists()
    # The Department may name itself and another inspector of the city.
    inspection = order(world, team=[world.inspector, world.department, people["outsider"]])
    assert inspection.team.count() == 3


def test_the_head_of_the_team_is_one_of_its_members(world, people):
    with pytest.raises(ValidationError) as error:
        services.inspection_save(
            actor=world.department,
            inspection=_new_inspection(world),
            team=[world.inspector],
            lead=people["outsider"],
        )
    assert list(error.value.message_dict) == ["lead"]
    with pytest.raises(ValidationError) as error:
        services.inspection_save(
            actor=world.department, inspection=_new_inspection(world), team=[], lead=None
        )
    assert list(error.value.message_dict) == ["team"]
    assert not Inspection.objects.exists()


def test_a_follow_up_inspects_the_same_school(world):
    earlier = started(world, school=world.school_b)
    # Concluded (a follow-up follows only a concluded inspection).
    Inspection.objects.filter(pk=earlier.pk).update(
        status=Status.CONCLUDED, concluded_at=timezone.now(), signed_by=world.inspector
    )
    earlier.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.inspection_save(
            actor=world.department,
            inspection=_new_inspection(
                world, trigger=Inspection.Trigger.FOLLOW_UP, follows=earlier
            ),
            team=[world.inspector],
            lead=world.inspector,
        )
    assert list(error.value.message_dict) == ["follows"]
    with pytest.raises(ValidationError) as error:
        services.inspection_save(
            actor=world.department,
            inspection=_new_inspection(world, trigger=Inspection.Trigger.FOLLOW_UP),
            team=[world.inspector],
            lead=world.inspector,
        )
    assert list(error.value.message_dict) == ["follows"]
    assert Inspection.objects.count() == 1
    follow_up = services.inspection_save(
        actor=world.department,
        inspection=_new_inspection(
            world, school=world.school_b, trigger=Inspection.Trigger.FOLLOW_UP, follows=earlier
        ),
        team=[world.inspector],
        lead=world.inspector,
    )
    assert follow_up.follows == earlier


def test_dates_scope_and_plan_are_checked(world):
    errors = {}
    for name, fields in {
        "planned_end": {"planned_end": today(-1)},
        "scopes": {"scopes": []},
        "plan": {"trigger": Inspection.Trigger.PLAN},
    }.items():
        with pytest.raises(ValidationError) as error:
            services.inspection_save(
                actor=world.department,
                inspection=_new_inspection(world, **fields),
                team=[world.inspector],
                lead=world.inspector,
            )
        errors[name] = list(error.value.message_dict)
    assert errors == {"planned_end": ["planned_end"], "scopes": ["scopes"], "plan": ["plan"]}
    # A committee cannot order within the Department's plan.
    plan = _plan_of(world, world.department, world.province)
    with pytest.raises(ValidationError) as error:
        services.inspection_save(
            actor=world.committee,
            inspection=_new_inspection(
                world,
                trigger=Inspection.Trigger.PLAN,
                plan=plan,
            ),
            team=[world.committee],
            lead=world.committee,
        )
    assert list(error.value.message_dict) == ["plan"]
    assert not Inspection.objects.exists()


def test_a_plan_is_for_a_unit_the_authority_oversees(world):
    for actor, unit in ((world.committee, world.province), (world.department, world.area_far)):
        with pytest.raises(ValidationError) as error:
            _plan_of(world, actor, unit)
        assert list(error.value.message_dict) == ["unit"]
    assert not InspectionPlan.objects.exists()


def test_the_person_responsible_works_at_the_school(world):
    inspection = started(world)
    with pytest.raises(ValidationError) as error:
        finding_in(inspection, world.inspector, responsible_user=world.far_principal)
    assert list(error.value.message_dict) == ["responsible_user"]
    finding = finding_in(inspection, world.inspector, responsible_user=world.staff)
    assert finding.responsible_user == world.staff


def test_a_question_of_another_checklist_is_refused(world):
    from inspections.models import ChecklistQuestion

    inspection = started(world)
    outside_scope = ChecklistQuestion.objects.exclude(scope__in=inspection.scopes).first()
    with pytest.raises(ValidationError):
        services.checklist_answer(
            actor=world.inspector, inspection=inspection, question=outside_scope, answer="yes"
        )
    question = questions_for(inspection).first()
    with pytest.raises(ValidationError) as error:
        services.checklist_answer(
            actor=world.inspector, inspection=inspection, question=question, answer="maybe"
        )
    assert list(error.value.message_dict) == ["answer"]
    assert not ChecklistAnswer.objects.exists()


# --- Who sees which inspection --------------------------------------------------------------


@pytest.fixture
def several(world):
    """The Department's unannounced inspection of school A, planned; its periodic one,
    planned; its unannounced one, started; one of school B, started; the ward committee's
    own periodic inspection of school A; another city's committee's of its school, started."""
    return {
        "unannounced_planned": order(world),
        "periodic_planned": order(world, kind=PERIODIC),
        "unannounced_started": started(world),
        "school_b": started(world, school=world.school_b),
        "committee": order(world, actor=world.committee, team=[world.committee], kind=PERIODIC),
        "far": started(
            world, actor=world.far_committee, team=[world.far_committee], school=world.school_far
        ),
    }


VISIBLE = {
    "department": {
        "unannounced_planned",
        "periodic_planned",
        "unannounced_started",
        "school_b",
        "committee",
    },
    "inspector": {"unannounced_planned", "periodic_planned", "unannounced_started", "school_b"},
    "outsider": set(),
    # Its own, and the Department's of the school it manages once announced or started.
    "committee": {"committee", "periodic_planned", "unannounced_started"},
    "far_committee": {"far"},
    # The school never sees an unannounced inspection before it starts.
    "principal": {"periodic_planned", "unannounced_started", "committee"},
    "staff": set(),
    "parent": set(),
    "far_principal": {"far"},
}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_inspection(world, people, several, role):
    names = {inspection.pk: name for name, inspection in several.items()}
    seen = policy.visible(people[role], Inspection).values_list("pk", flat=True)
    assert {names[pk] for pk in seen} == VISIBLE[role]
    # The list page shows the same, to officials and heads; staff and parents have none.
    response = client_for(people[role]).get(reverse("inspections:inspection_list"))
    if role in ("staff", "parent"):
        assert response.status_code == 403
    else:
        assert {names[i.pk] for i in response.context["page"]} == VISIBLE[role]


def test_the_list_pages_are_for_officials_and_heads(world, people):
    for name in ("inspection_list", "action_list"):
        codes = {
            role: client_for(user).get(reverse(f"inspections:{name}")).status_code
            for role, user in people.items()
        }
        assert codes == {role: 403 if role in ("staff", "parent") else 200 for role in ROLES}, name


def test_the_school_sees_its_unannounced_inspection_once_started(world):
    inspection = order(world)
    assert not policy.visible(world.principal, Inspection).filter(pk=inspection.pk).exists()
    services.inspection_transition(actor=world.inspector, inspection=inspection, name="start")
    assert policy.visible(world.principal, Inspection).filter(pk=inspection.pk).exists()
    # Another school's head, the staff and the parents still do not.
    for user in (world.far_principal, world.staff, world.parent):
        assert not policy.visible(user, Inspection).filter(pk=inspection.pk).exists()


def test_the_school_never_sees_the_checklist_nor_its_photos(world, people):
    ctx = at(world, "action")
    _answer_checklist(world, world.inspector, ctx)
    answer = ctx.inspection.answers.get()
    checklist_photo = answer.photos.get()
    finding_photo = ctx.finding.evidence.get()
    assert not policy.visible(world.principal, ChecklistAnswer).exists()
    assert list(policy.visible(world.principal, Evidence)) == [finding_photo]
    # The committee that manages the school reads the findings as the school does.
    assert not policy.visible(world.committee, ChecklistAnswer).exists()
    assert list(policy.visible(world.committee, Evidence)) == [finding_photo]
    for role in ("staff", "parent", "far_principal", "outsider"):
        assert not policy.visible(people[role], ChecklistAnswer).exists(), role
        assert not policy.visible(people[role], Evidence).exists(), role
    for role in ("inspector", "department"):
        assert set(policy.visible(people[role], Evidence)) == {checklist_photo, finding_photo}
        assert list(policy.visible(people[role], ChecklistAnswer)) == [answer]
    head = client_for(world.principal)
    detail = head.get(reverse("inspections:inspection_detail", args=[ctx.inspection.pk]))
    assert detail.context["checklist"] is None and detail.context["known"] is None
    assert head.get(reverse("inspections:checklist", args=[ctx.inspection.pk])).status_code == 403
    download = reverse("inspections:evidence", args=[checklist_photo.pk])
    assert head.get(download).status_code == 404
    assert head.get(reverse("inspections:evidence", args=[finding_photo.pk])).status_code == 200
    for role in ("inspector", "department"):
        assert client_for(people[role]).get(download).status_code == 200


# --- Query counts ---------------------------------------------------------------------------


def _many(world, n, *, planned_every=2):
    """``n`` inspections of the Department over three schools, all but every
    ``planned_every``-th one started with a finding and a corrective action."""
    schools = (world.school_a, world.upper_a, world.school_b)
    for i in range(n):
        inspection = order(world, school=schools[i % 3], kind=PERIODIC if i % 2 else UNANNOUNCED)
        if planned_every is None or i % planned_every:
            services.inspection_transition(
                actor=world.inspector, inspection=inspection, name="start"
            )
            action_on(finding_in(inspection, world.inspector), world.inspector, days=1 + i)


# Session, user, the Department's units (and those merged into them), the page's count, its
# rows with their schools and plans, the heads of their teams, their counts of actions.
INSPECTION_LIST_QUERIES = 8
# Session, user, the units, the page's count, its rows with their inspections and schools.
ACTION_LIST_QUERIES = 6


@pytest.mark.parametrize("n", [3, 25])
def test_the_inspection_list_runs_a_constant_number_of_queries(world, n, django_assert_num_queries):
    _many(world, n)
    client = client_for(world.department)
    url = reverse("inspections:inspection_list")
    client.get(url)  # warm per-process caches (content types) first
    with django_assert_num_queries(INSPECTION_LIST_QUERIES):
        response = client.get(url)
    assert len(response.context["page"].object_list) == n


@pytest.mark.parametrize("n", [3, 25])
def test_the_action_list_runs_a_constant_number_of_queries(world, n, django_assert_num_queries):
    _many(world, n, planned_every=None)
    client = client_for(world.department)
    url = reverse("inspections:action_list")
    client.get(url)
    with django_assert_num_queries(ACTION_LIST_QUERIES):
        response = client.get(url)
    assert len(response.context["page"].object_list) == n


def test_the_department_does_not_suspend_from_a_committees_inspection(world, people):
    """The inspection's own authority suspends from it, not the Department reading a
    committee's inspection."""
    assert _try_on_committees(world, people, "suspend", ["department"]) == {"department": "denied"}


def test_a_follow_up_is_by_the_authority_of_the_inspection_it_follows(world):
    """The committee reads the Department's concluded inspection of its school, but the
    follow-up is the Department's."""
    earlier = at(world, "done").inspection
    assert policy.visible(world.committee, Inspection).filter(pk=earlier.pk).exists()
    before = snapshot()
    try:
        services.inspection_save(
            actor=world.committee,
            inspection=_new_inspection(
                world, trigger=Inspection.Trigger.FOLLOW_UP, follows=earlier
            ),
            team=[world.committee],
            lead=world.committee,
        )
    except ValidationError as error:
        assert "follows" in error.message_dict
    assert snapshot() == before


def test_the_department_cannot_open_the_edit_form_of_a_committees_plan(world):
    """plan_form asks only "inspection.plan": the form shows (200), saving is refused (403)."""
    plan = _plan_of(world, world.committee, world.area_a)
    url = reverse("inspections:plan_edit", args=[plan.pk])
    assert client_for(world.department).get(url).status_code == 403


def test_who_may_not_open_a_checklist_does_not_get_its_answers_nor_photos(world):
    """The Department may not open the checklist of a committee's inspection
    (``inspection.view_checklist``), yet ``policy.visible`` gives it the answers and the
    evidence view serves their photos."""
    ctx = at(world, "in_progress", authority="committee")
    _answer_checklist(world, world.committee, ctx)
    photo = ctx.inspection.answers.get().photos.get()
    department = client_for(world.department)
    assert (
        department.get(reverse("inspections:checklist", args=[ctx.inspection.pk])).status_code
        == 403
    )
    assert not policy.visible(world.department, ChecklistAnswer).exists()
    assert not policy.visible(world.department, Evidence).filter(pk=photo.pk).exists()
    assert department.get(reverse("inspections:evidence", args=[photo.pk])).status_code == 404

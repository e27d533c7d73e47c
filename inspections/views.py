"""Pages of inspection plans, inspections, checklists, findings and corrective actions. Each
gets its objects through the policy (an object outside the user's scope is a 404) and
changes them only through ``inspections.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from schools import exports, policy
from schools.exports import Column, field_header
from schools.forms import add_service_error
from schools.models import Activity, AdministrativeUnit
from schools.uploads import attachment_response

from . import access, services
from .checklists import questions_for
from .forms import (
    ActionAnswerForm,
    ActionFilterForm,
    ActionForm,
    ActionReviewForm,
    AnswerForm,
    EvidenceForm,
    FindingForm,
    InspectionFilterForm,
    InspectionForm,
    PlanForm,
    SuspendForm,
    TransitionForm,
)
from .models import (
    ChecklistAnswer,
    Complaint,
    CorrectiveAction,
    Evidence,
    Finding,
    Inspection,
    InspectionPlan,
    TeamMember,
)
from .selectors import action_counts, known_about

PAGE_SIZE = 25
Status = Inspection.Status

PLAN_COLUMNS = [
    Column(gettext_lazy("Plan"), "title"),
    Column(gettext_lazy("Decision number"), "reference"),
    Column(gettext_lazy("School year"), "school_year.name"),
    Column(gettext_lazy("Authority"), "get_authority_display"),
    Column(gettext_lazy("Area"), "unit.name"),
    Column(gettext_lazy("Scope"), "get_scopes_display"),
    Column(gettext_lazy("Inspections"), "n_inspections"),
]
# The inspections of one plan, as its page lists them.
PLAN_INSPECTION_COLUMNS = [
    Column(gettext_lazy("Inspection"), "code"),
    Column(gettext_lazy("School code"), "school.moet_code"),
    Column(gettext_lazy("School"), "school.name"),
    Column(field_header(Inspection, "planned_start"), "planned_start"),
    Column(field_header(Inspection, "planned_end"), "planned_end"),
    Column(gettext_lazy("Status"), "get_status_display"),
    Column(field_header(Inspection, "kind"), "get_kind_display"),
]
INSPECTION_COLUMNS = [
    *PLAN_INSPECTION_COLUMNS,
    Column(field_header(Inspection, "trigger"), "get_trigger_display"),
    Column(gettext_lazy("Head of the team"), lambda i: [m.user.get_full_name() for m in i.leads]),
    Column(gettext_lazy("Actions open"), lambda i: i.counts.get("waiting", 0)),
    Column(capfirst(gettext_lazy("overdue")), lambda i: i.counts.get("overdue", 0)),
]
ACTION_COLUMNS = [
    Column(gettext_lazy("What must be done"), "description"),
    Column(gettext_lazy("Inspection"), "finding.inspection.code"),
    Column(gettext_lazy("School code"), "finding.inspection.school.moet_code"),
    Column(gettext_lazy("School"), "finding.inspection.school.name"),
    Column(gettext_lazy("Deadline"), "due_date"),
    Column(gettext_lazy("Status"), "get_status_display"),
    Column(capfirst(gettext_lazy("overdue")), "is_overdue"),
]


def _page(request, queryset, per_page=PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _require(user, action, obj=None):
    if not policy.can(user, action, obj):
        raise PermissionDenied


def _int(value):
    """An id from the query string, or None: never one too large for the database."""
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) < 19 else None


# --- Plans --------------------------------------------------------------------------------


@login_required
def plan_list(request):
    plans = (
        policy.visible(request.user, InspectionPlan)
        .select_related("school_year", "unit")
        # Those the user sees: an inspector's, not the whole plan.
        .annotate(
            n_inspections=Count(
                "inspections",
                filter=Q(inspections__in=policy.visible(request.user, Inspection)),
            )
        )
        .order_by("-school_year__name", "title", "id")
    )
    if not plans.exists() and not policy.can(request.user, "inspection.plan"):
        raise PermissionDenied
    if exports.export_format(request):
        return exports.export_response(
            request,
            plans,
            PLAN_COLUMNS,
            filename="ke-hoach-thanh-tra",
            title=_("Inspection plans"),
        )
    return render(
        request,
        "inspections/plan_list.html",
        {
            "page": _page(request, plans),
            "may_plan": policy.can(request.user, "inspection.plan"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_form(request, pk=None):
    plan = policy.get_object_or_404(request.user, InspectionPlan, pk=pk) if pk else None
    _require(request.user, "inspection.plan")
    if plan is not None and access.authority_of(request.user) != plan.authority:
        raise PermissionDenied
    form = PlanForm(request.POST or None, instance=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_save(actor=request.user, plan=form.save(commit=False))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect(plan)
    return render(request, "inspections/plan_form.html", {"form": form, "plan": plan})


@login_required
def plan_detail(request, pk):
    plan = policy.get_object_or_404(
        request.user, InspectionPlan, select_related=("school_year", "unit"), pk=pk
    )
    inspections = (
        policy.visible(request.user, Inspection)
        .filter(plan=plan)
        .select_related("school")
        .order_by("planned_start", "school__name")
    )
    if exports.export_format(request):
        return exports.export_response(
            request,
            inspections,
            PLAN_INSPECTION_COLUMNS,
            filename=f"ke-hoach-thanh-tra-{plan.pk}",
            title=_("Inspections of the plan"),
        )
    return render(
        request,
        "inspections/plan_detail.html",
        {
            "plan": plan,
            "page": _page(request, inspections, 50),
            "may_edit": access.authority_of(request.user) == plan.authority,
        },
    )


# --- Inspections --------------------------------------------------------------------------


@login_required
def inspection_list(request):
    user = request.user
    inspections = policy.visible(user, Inspection)
    _require(user, "inspection.list")
    may_plan = policy.can(user, "inspection.plan")
    form = InspectionFilterForm(request.GET or None)
    if form.is_valid():
        inspections = form.filter(inspections)
    inspections = inspections.select_related("school", "plan").prefetch_related(
        Prefetch(
            "team",
            queryset=TeamMember.objects.filter(is_lead=True).select_related("user"),
            to_attr="leads",
        )
    )
    if exports.export_format(request):
        return _inspection_export(request, inspections)
    page = _page(request, inspections)
    counts = action_counts([i.pk for i in page])
    for inspection in page:
        inspection.counts = counts.get(inspection.pk, {})
    return render(
        request,
        "inspections/inspection_list.html",
        {"form": form, "page": page, "may_plan": may_plan},
    )


def _inspection_export(request, inspections):
    """Every inspection of the list with its open and overdue actions, counted in one query
    for the whole list."""
    counts = action_counts(inspections.values("pk"))

    def with_counts():
        for inspection in inspections.iterator(chunk_size=exports.CHUNK_SIZE):
            inspection.counts = counts.get(inspection.pk, {})
            yield inspection

    return exports.export_response(
        request,
        with_counts(),
        INSPECTION_COLUMNS,
        filename="thanh-tra-kiem-tra",
        title=_("Inspections"),
    )


def _inspection_form(request, inspection=None):
    user = request.user
    school = inspection.school if inspection else None
    if school is None:
        school_pk = _int(request.POST.get("school") or request.GET.get("school"))
        school = access.inspectable_schools(user).filter(pk=school_pk).first()
    authority = inspection.authority if inspection else access.authority_of(user)
    members = (
        services.eligible_members(authority, school)
        if school
        else access.inspectable_schools(user).none()
    )
    plans = policy.visible(user, InspectionPlan).filter(authority=authority)
    earlier = policy.visible(user, Inspection).filter(school=school)
    if inspection is not None:
        earlier = earlier.exclude(pk=inspection.pk)
    initial = {}
    if inspection is None:
        plan = plans.filter(pk=_int(request.GET.get("plan"))).first()
        complaint = _complaint_from(request)
        initial = {
            "school": school,
            "plan": plan,
            "trigger": Inspection.Trigger.PLAN if plan else None,
            "scopes": plan.scopes if plan else None,
        }
        if complaint is not None:
            initial.update(trigger=Inspection.Trigger.COMPLAINT, kind=Inspection.Kind.UNANNOUNCED)
        follows = earlier.filter(pk=_int(request.GET.get("follows"))).first()
        if follows is not None:
            initial.update(
                trigger=Inspection.Trigger.FOLLOW_UP, follows=follows, scopes=follows.scopes
            )
    form = InspectionForm(
        request.POST or None,
        instance=inspection,
        initial={k: v for k, v in initial.items() if v is not None},
        user=user,
        schools=access.inspectable_schools(user).order_by("name"),
        members=members,
        plans=plans.select_related("school_year"),
        earlier=earlier,
    )
    return form, school


def _complaint_from(request):
    pk = _int(request.POST.get("complaint") or request.GET.get("complaint"))
    if pk is None:
        return None
    complaint = policy.visible(request.user, Complaint).filter(pk=pk).first()
    if complaint is None or not policy.can(request.user, "complaint.triage", complaint):
        return None
    return complaint


@login_required
@require_http_methods(["GET", "POST"])
def inspection_form(request, pk=None):
    """Order an inspection (``pk`` None), or change one while it is planned."""
    inspection = _get_inspection(request, pk) if pk else None
    if inspection is None:
        _require(request.user, "inspection.plan")
    else:
        _require(request.user, "inspection.manage", inspection)
        if inspection.status != Status.PLANNED:
            messages.error(request, _("Only a planned inspection can be changed."))
            return redirect(inspection)
    form, school = _inspection_form(request, inspection)
    complaint = _complaint_from(request) if inspection is None else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.inspection_save(
                actor=request.user,
                inspection=form.save(commit=False),
                team=list(data["team"]),
                lead=data["lead"],
                complaint=complaint if complaint and complaint.school_id == school.pk else None,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            done = _("The inspection is saved.") if pk else _("The inspection is ordered.")
            messages.success(request, done)
            return redirect(saved)
    return render(
        request,
        "inspections/inspection_form.html",
        {"form": form, "school": school, "inspection": inspection, "complaint": complaint},
    )


def _get_inspection(request, pk):
    return policy.get_object_or_404(
        request.user,
        Inspection,
        select_related=("school__unit", "school__head", "plan", "signed_by"),
        pk=pk,
    )


@login_required
def inspection_detail(request, pk):
    user = request.user
    inspection = _get_inspection(request, pk)
    works = policy.can(user, "inspection.work", inspection)
    manages = policy.can(user, "inspection.manage", inspection)
    sees_checklist = policy.can(user, "inspection.view_checklist", inspection)
    findings = list(
        inspection.findings.select_related("activity", "responsible_user")
        .prefetch_related("actions", "evidence")
        .order_by("id")
    )
    transitions = [
        {
            "name": name,
            "label": services.BUTTON_LABELS[name],
            "confirm": services.CONFIRMATIONS.get(name, ""),
        }
        for name in services.TRANSITIONS
        if name != "conclude" and services.may(user, name, inspection)
    ]
    may_conclude = services.may(user, "conclude", inspection)
    suspendable = Activity.objects.none()
    if inspection.status not in (Status.PLANNED, Status.CLOSED):
        candidates = Activity.objects.filter(
            school=inspection.school,
            status__in=[Activity.Status.APPROVED, Activity.Status.OPEN],
        ).order_by("title")
        if manages and policy.can(user, "activity.suspend", inspection.school):
            suspendable = candidates
    checklist = None
    if sees_checklist:
        questions = questions_for(inspection)
        n_questions = questions.count()
        n_answered = inspection.answers.filter(question__in=questions).count()
        checklist = {"total": n_questions, "answered": n_answered}
    context = {
        "inspection": inspection,
        "team": inspection.team.select_related("user"),
        "findings": findings,
        "works": works,
        "manages": manages,
        "transitions": transitions,
        "may_conclude": may_conclude,
        # The official PDF of the conclusion (a rule of the reports app).
        "may_issue_pdf": policy.can(user, "inspection.official_pdf", inspection),
        "may_edit": manages and inspection.status == Status.PLANNED,
        "checklist": checklist,
        "known": known_about(inspection) if sees_checklist else None,
        "suspensions": inspection.suspensions.select_related("event__activity", "event__actor"),
        "suspend_form": SuspendForm(activities=suspendable) if suspendable.exists() else None,
        "complaints": inspection.complaints.all() if (works or manages) else [],
        # The complaints this user may open (their school's managing authority's).
        "open_complaints": set(
            policy.visible(user, Complaint)
            .filter(inspection=inspection)
            .values_list("pk", flat=True)
        ),
        "events": inspection.events.select_related("actor") if (works or manages) else None,
    }
    return render(request, "inspections/inspection_detail.html", context)


@login_required
@require_POST
def inspection_transition(request, pk, name):
    inspection = _get_inspection(request, pk)
    if name not in services.TRANSITIONS or name == "conclude":
        raise Http404
    try:
        services.inspection_transition(actor=request.user, inspection=inspection, name=name)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, str(services.EVENT_LABELS[name]))
    return redirect(inspection)


@login_required
@require_http_methods(["GET", "POST"])
def inspection_conclude(request, pk):
    inspection = _get_inspection(request, pk)
    _require(request.user, "inspection.sign", inspection)
    form = TransitionForm(
        request.POST or None,
        initial={"conclusion": inspection.conclusion, "sanctions": inspection.sanctions},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_transition(
                actor=request.user,
                inspection=inspection,
                name="conclude",
                conclusion=form.cleaned_data["conclusion"],
                sanctions=form.cleaned_data["sanctions"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The conclusion is signed."))
            return redirect(inspection)
    findings = inspection.findings.prefetch_related("actions").order_by("id")
    return render(
        request,
        "inspections/conclude_form.html",
        {"inspection": inspection, "form": form, "findings": findings},
    )


@login_required
def conclusion_print(request, pk):
    inspection = _get_inspection(request, pk)
    if inspection.concluded_at is None:
        raise Http404
    findings = (
        inspection.findings.select_related("activity").prefetch_related("actions").order_by("id")
    )
    # The place of issue: the province or city, as official documents name it.
    top = inspection.school.unit.path.split("/", 1)[0] + "/"
    province = AdministrativeUnit.objects.filter(path=top).first()
    place = province.name if province else ""
    for prefix in ("Thành phố ", "Tỉnh "):
        place = place.removeprefix(prefix)
    return render(
        request,
        "inspections/conclusion_print.html",
        {
            "place": place,
            "inspection": inspection,
            "findings": findings,
            "team": inspection.team.select_related("user"),
            "suspensions": inspection.suspensions.select_related("event__activity"),
        },
    )


@login_required
@require_POST
def inspection_suspend(request, pk):
    inspection = _get_inspection(request, pk)
    _require(request.user, "inspection.manage", inspection)
    activities = Activity.objects.filter(school=inspection.school)
    form = SuspendForm(request.POST, activities=activities)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(inspection)
    activity = form.cleaned_data["activity"]
    _require(request.user, "activity.suspend", activity)
    try:
        services.suspend_from_inspection(
            actor=request.user,
            inspection=inspection,
            activity=activity,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        messages.error(
            request,
            _("Only an approved programme or an open class can be suspended by its authority."),
        )
    else:
        messages.success(request, _("%(title)s is suspended.") % {"title": activity.title})
    return redirect(inspection)


# --- The checklist ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def checklist(request, pk):
    user = request.user
    inspection = _get_inspection(request, pk)
    _require(user, "inspection.view_checklist", inspection)
    questions = list(questions_for(inspection))
    answers = {
        a.question_id: a
        for a in inspection.answers.select_related("answered_by").prefetch_related("photos")
    }
    may_answer = policy.can(user, "inspection.work", inspection) and inspection.is_open_for_work
    posted_question, posted_form = None, None
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied
        question = next((q for q in questions if q.pk == _int(request.POST.get("question"))), None)
        if question is None:
            raise Http404
        posted_question = question
        posted_form = AnswerForm(request.POST, request.FILES, prefix=f"q{question.pk}")
        if posted_form.is_valid():
            data = posted_form.cleaned_data
            try:
                record = services.checklist_answer(
                    actor=user,
                    inspection=inspection,
                    question=question,
                    answer=data["answer"],
                    note=data["note"],
                    photos=data["photos"],
                )
            except ValidationError as error:
                add_service_error(posted_form, error)
            else:
                if record.answer == ChecklistAnswer.Answer.NO:
                    messages.warning(
                        request,
                        _('Answered "no": open a finding if this is a violation.'),
                    )
                return redirect(reverse("inspections:checklist", args=[pk]) + f"#q{question.pk}")
    items = []
    for question in questions:
        answer = answers.get(question.pk)
        if question == posted_question:
            form = posted_form
        else:
            initial = {"answer": answer.answer, "note": answer.note} if answer else {}
            form = AnswerForm(initial=initial, prefix=f"q{question.pk}")
        items.append({"question": question, "answer": answer, "form": form})
    return render(
        request,
        "inspections/checklist.html",
        {
            "inspection": inspection,
            "items": items,
            "may_answer": may_answer,
            "answered": sum(1 for i in items if i["answer"]),
        },
        status=400 if posted_form is not None and posted_form.errors else 200,
    )


# --- Findings -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def finding_new(request, pk):
    user = request.user
    inspection = _get_inspection(request, pk)
    _require(user, "inspection.work", inspection)
    if not inspection.is_open_for_work:
        messages.error(request, _("The team records its work while the inspection is in progress."))
        return redirect(inspection)
    answer = (
        inspection.answers.filter(pk=_int(request.GET.get("answer")))
        .select_related("question")
        .first()
    )
    initial = {}
    if answer is not None:
        category = answer.question.scope
        # The question is in the box above the form; the finding says what was found.
        initial = {
            "category": category,
            "legal_basis": answer.question.reference,
            "description": answer.note,
        }
    activity = Activity.objects.filter(
        school=inspection.school, pk=_int(request.GET.get("activity"))
    ).first()
    if activity is not None:
        initial["activity"] = activity
        initial["category"] = initial.get("category") or (
            Finding.Category.PROGRAMMES
            if activity.kind == Activity.Kind.PROGRAMME
            else Finding.Category.TUTORING
        )
        breach = next(iter(activity.rule_breaches or []), None)
        if breach:
            initial.setdefault("title", breach["message"][:200])
            initial.setdefault("legal_basis", breach["reference"][:300])
    form = FindingForm(
        request.POST or None, request.FILES or None, initial=initial, inspection=inspection
    )
    if request.method == "POST" and form.is_valid():
        finding = form.save(commit=False)
        finding.inspection = inspection
        finding.answer = answer
        try:
            finding = services.finding_save(
                actor=user, finding=finding, files=form.cleaned_data["files"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The finding is recorded. Set the corrective action."))
            return redirect(finding.get_absolute_url() + "#new-action")
    return render(
        request,
        "inspections/finding_form.html",
        {"inspection": inspection, "form": form, "answer": answer},
    )


def _get_finding(request, pk):
    return policy.get_object_or_404(
        request.user,
        Finding,
        select_related=("inspection__school", "activity", "responsible_user", "answer__question"),
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request, pk):
    finding = _get_finding(request, pk)
    inspection = finding.inspection
    _require(request.user, "inspection.work", inspection)
    form = FindingForm(request.POST or None, instance=finding, inspection=inspection)
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_save(actor=request.user, finding=form.save(commit=False))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The finding is saved."))
            return redirect(finding)
    return render(
        request,
        "inspections/finding_form.html",
        {"inspection": inspection, "form": form, "finding": finding},
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_detail(request, pk):
    user = request.user
    finding = _get_finding(request, pk)
    inspection = finding.inspection
    works = policy.can(user, "inspection.work", inspection) and inspection.is_open_for_work
    action_form = (
        ActionForm(prefix="action", initial={"responsible": finding.responsible}) if works else None
    )
    evidence_form = EvidenceForm(prefix="evidence") if works else None
    if request.method == "POST":
        if not works:
            raise PermissionDenied
        if "action-description" in request.POST:
            action_form = ActionForm(request.POST, prefix="action")
            if action_form.is_valid():
                action = action_form.save(commit=False)
                action.finding = finding
                try:
                    services.action_add(actor=user, action=action)
                except ValidationError as error:
                    add_service_error(action_form, error)
                else:
                    messages.success(request, _("The corrective action is set."))
                    return redirect(finding)
        else:
            evidence_form = EvidenceForm(request.POST, request.FILES, prefix="evidence")
            if evidence_form.is_valid():
                try:
                    services.evidence_add(
                        actor=user, finding=finding, files=evidence_form.cleaned_data["files"]
                    )
                except ValidationError as error:
                    add_service_error(evidence_form, error)
                else:
                    messages.success(request, _("The evidence is added."))
                    return redirect(finding)
    has_errors = bool(
        (action_form is not None and action_form.errors)
        or (evidence_form is not None and evidence_form.errors)
    )
    return render(
        request,
        "inspections/finding_detail.html",
        {
            "finding": finding,
            "inspection": inspection,
            "works": works,
            "actions": finding.actions.all(),
            "evidence": finding.evidence.all(),
            "action_form": action_form,
            "evidence_form": evidence_form,
        },
        status=400 if has_errors else 200,
    )


# --- Corrective actions -------------------------------------------------------------------


@login_required
def action_list(request):
    user = request.user
    _require(user, "inspection.list")
    actions = policy.visible(user, CorrectiveAction).select_related("finding__inspection__school")
    form = ActionFilterForm(request.GET or None)
    if form.is_valid():
        actions = form.filter(actions)
    actions = actions.order_by("due_date", "id")
    if exports.export_format(request):
        return exports.export_response(
            request,
            actions,
            ACTION_COLUMNS,
            filename="yeu-cau-khac-phuc",
            title=_("Corrective actions"),
        )
    return render(
        request,
        "inspections/action_list.html",
        {"form": form, "page": _page(request, actions)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_detail(request, pk):
    user = request.user
    action = policy.get_object_or_404(
        user,
        CorrectiveAction,
        select_related=("finding__inspection__school", "answered_by", "reviewed_by"),
        pk=pk,
    )
    inspection = action.finding.inspection
    may_answer = (
        policy.can(user, "action.answer", action)
        and action.status == CorrectiveAction.Status.OPEN
        and inspection.status != Status.CLOSED
    )
    may_review = (
        policy.can(user, "inspection.work", inspection)
        and action.status == CorrectiveAction.Status.ANSWERED
    )
    answer_form = ActionAnswerForm(prefix="answer") if may_answer else None
    review_form = ActionReviewForm(prefix="review") if may_review else None
    if request.method == "POST":
        if "answer-response" in request.POST and may_answer:
            answer_form = ActionAnswerForm(request.POST, request.FILES, prefix="answer")
            if answer_form.is_valid():
                try:
                    services.action_answer(
                        actor=user,
                        action=action,
                        response=answer_form.cleaned_data["response"],
                        files=answer_form.cleaned_data["files"],
                    )
                except ValidationError as error:
                    add_service_error(answer_form, error)
                else:
                    messages.success(request, _("Your answer is sent to the inspection team."))
                    return redirect(action)
        elif "review-decision" in request.POST and may_review:
            review_form = ActionReviewForm(request.POST, prefix="review")
            if review_form.is_valid():
                data = review_form.cleaned_data
                try:
                    services.action_review(
                        actor=user,
                        action=action,
                        accept=data["decision"] == "accept",
                        note=data["note"],
                        due_date=data["due_date"],
                    )
                except ValidationError as error:
                    add_service_error(review_form, error)
                else:
                    messages.success(request, _("Your review is recorded."))
                    return redirect(action)
        else:
            raise PermissionDenied
    has_errors = bool(
        (answer_form is not None and answer_form.errors)
        or (review_form is not None and review_form.errors)
    )
    return render(
        request,
        "inspections/action_detail.html",
        {
            "action": action,
            "finding": action.finding,
            "inspection": inspection,
            "evidence": action.evidence.all(),
            "answer_form": answer_form,
            "review_form": review_form,
        },
        status=400 if has_errors else 200,
    )


@login_required
def evidence_download(request, pk):
    evidence = policy.get_object_or_404(request.user, Evidence, pk=pk)
    return attachment_response(evidence.file)

"""Complaints: the public form and the lookup by tracking code, without an account; the
managing authority's queue, each complaint with its triage, and its attachments.

The public pages show one complaint only to whoever holds its code, and never its author's
contact details or the authority's own notes. Nothing is cached on the way."""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from schools import exports, policy
from schools.exports import Column
from schools.forms import add_service_error
from schools.models import Activity, School
from schools.uploads import attachment_response

from . import complaints
from .complaint_forms import (
    AnswerForm,
    AssignForm,
    ComplaintFilterForm,
    ComplaintForm,
    LinkForm,
    TrackForm,
    form_token,
)
from .models import Complaint, ComplaintAttachment, Inspection

PAGE_SIZE = 50
SESSION_KEY = "inspections.complaint_filed"
NOT_FOUND = _("No complaint matches this code. Check it on your receipt and try again.")
# What the queue shows, and no more: never the author's contact details nor the description
# (an anonymous complaint's text may give its author away).
COLUMNS = [
    Column(gettext_lazy("Code"), "code"),
    Column(gettext_lazy("Status"), "get_status_display"),
    Column(gettext_lazy("School code"), "school.moet_code"),
    Column(gettext_lazy("School"), "school.name"),
    Column(gettext_lazy("Category"), "get_category_display"),
    Column(gettext_lazy("Activity"), "activity.title"),
    Column(gettext_lazy("Received"), "submitted_at"),
    Column(
        gettext_lazy("Handled by"),
        lambda c: (c.assigned_to.get_full_name() or c.assigned_to.username)
        if c.assigned_to
        else "",
    ),
]


def _pk(value):
    return int(value) if str(value or "").isdigit() and len(str(value)) < 19 else None


# --- The public side ----------------------------------------------------------------------


def _preselected(request):
    """The school and activity named by ``?school=`` and ``?activity=``, if public."""
    schools = School.objects.filter(is_active=True)
    activity = None
    activity_pk = _pk(request.GET.get("activity"))
    if activity_pk is not None:
        activity = Activity.objects.filter(
            pk=activity_pk,
            school__is_active=True,
            status__in=complaints.PUBLIC_ACTIVITY_STATUSES,
        ).first()
    school = activity.school if activity else None
    school_pk = _pk(request.GET.get("school"))
    if school is None and school_pk is not None:
        school = schools.filter(pk=school_pk).first()
    return school, activity


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """The public form: no account needed. A signed-in parent's complaint records their
    account (unless anonymous), and their name and contact are filled in."""
    user = request.user
    status = 200
    refused = None
    if request.method == "POST":
        # An address past its limit is refused before its files are even read.
        refused = complaints.throttled(complaints.filing_limit(), get_client_ip_address(request))
    if refused:
        form = ComplaintForm(request.POST)
        form.add_error(None, refused)
        status = 429
    elif request.method == "POST":
        form = ComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = complaints.complaint_file(
                    school=data["school"],
                    activity=data["activity"],
                    category=data["category"],
                    description=data["description"],
                    is_anonymous=data["is_anonymous"],
                    name=data["name"],
                    phone=data["phone"],
                    email=data["email"],
                    files=data["files"],
                    user=user,
                    ip=get_client_ip_address(request),
                )
            except complaints.Throttled as error:
                form.add_error(None, error.message)
                status = 429
            except ValidationError as error:
                add_service_error(form, error)
            else:
                # The code is shown once, on the next page; never in an address.
                request.session[SESSION_KEY] = complaint.code
                return redirect("inspections:complaint_filed")
        if status == 200 and form.is_spam():
            status = 400
    else:
        school, activity = _preselected(request)
        initial = {"school": school, "activity": activity}
        if user.is_authenticated and user.role == Role.PARENT:
            initial.update({"name": user.get_full_name(), "phone": user.phone, "email": user.email})
        form = ComplaintForm(initial=initial, school=school)
    return render(
        request,
        "inspections/complaint_form.html",
        {"form": form, "started": form_token(), "max_files": complaints.MAX_ATTACHMENTS},
        status=status,
    )


@never_cache
def complaint_filed(request):
    """The tracking code, once, right after filing."""
    code = request.session.pop(SESSION_KEY, None)
    if not code:
        return redirect("inspections:complaint_track")
    complaint = Complaint.objects.select_related("school").filter(code=code).first()
    if complaint is None:
        return redirect("inspections:complaint_track")
    return render(request, "inspections/complaint_filed.html", {"complaint": complaint})


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_track(request):
    """Follow a complaint with its code: status, the public events and the answer. A wrong
    code and a malformed one get the same answer; lookups from one address are limited."""
    form = TrackForm(request.POST or None)
    complaint = None
    events = []
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            complaints.take(complaints.lookup_limit(), get_client_ip_address(request))
        except complaints.Throttled as error:
            form.add_error(None, error.message)
            status = 429
        else:
            complaint = complaints.complaint_by_code(form.cleaned_data["code"])
            if complaint is None:
                form.add_error("code", NOT_FOUND)
            else:
                events = [
                    {"at": event.at, "label": complaints.EVENT_LABELS.get(event.action, "")}
                    for event in complaint.events.filter(is_public=True).order_by("at", "id")
                ]
    return render(
        request,
        "inspections/complaint_track.html",
        {"form": form, "complaint": complaint, "events": events},
        status=status,
    )


# --- The authority's side -----------------------------------------------------------------


def _may_see_queue(user) -> bool:
    # The authority's queue; an inspector's holds only the complaints assigned to them
    # (``policy.visible``).
    return policy.can(user, "complaint.queue")


@login_required
def complaint_list(request):
    """The complaints of the user's scope, those not closed first, newest first."""
    if not _may_see_queue(request.user):
        raise PermissionDenied
    form = ComplaintFilterForm(request.GET or None)
    found = policy.visible(request.user, Complaint).select_related(
        "school", "activity", "assigned_to"
    )
    if form.is_valid():
        found = form.filter(found, request.user)
    closed = ExpressionWrapper(Q(status=Complaint.Status.CLOSED), output_field=BooleanField())
    found = found.order_by(closed.asc(), "-submitted_at", "-id")
    if exports.export_format(request):
        return exports.export_response(
            request, found, COLUMNS, filename="phan-anh-kien-nghi", title=_("Complaints")
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/complaint_list.html", {"form": form, "page": page})


TRIAGE_ACTIONS = ("assign", "answer", "link", "close")


def _triage_forms(user, complaint, data=None, action=None):
    """The forms of the actions ``user`` may take on ``complaint``; the one of ``action``
    bound to ``data``."""
    may_triage = policy.can(user, "complaint.triage", complaint)
    open_ = complaint.status != Complaint.Status.CLOSED
    forms = {}
    if open_ and may_triage:
        forms["assign"] = AssignForm(
            data if action == "assign" else None,
            assignees=complaints.assignable(complaint.school),
            initial={"assignee": complaint.assigned_to_id},
        )
        inspections = (
            policy.visible(user, Inspection)
            .filter(school=complaint.school_id)
            .order_by("-planned_start", "-id")
        )
        forms["link"] = LinkForm(
            data if action == "link" else None,
            inspections=inspections,
            initial={"inspection": complaint.inspection_id},
        )
    if open_ and complaints.may_answer(user, complaint):
        forms["answer"] = AnswerForm(
            data if action == "answer" else None, initial={"answer": complaint.answer}
        )
    if open_ and may_triage:
        forms["close"] = AnswerForm(
            data if action == "close" else None, initial={"answer": complaint.answer}
        )
    return forms


def _run(action, user, complaint, form):
    data = form.cleaned_data
    if action == "assign":
        complaints.complaint_assign(actor=user, complaint=complaint, assignee=data["assignee"])
        return _("The complaint is assigned.")
    if action == "answer":
        complaints.complaint_answer(actor=user, complaint=complaint, answer=data["answer"])
        return _("The answer is saved; the author reads it with the tracking code.")
    if action == "link":
        complaints.complaint_link(actor=user, complaint=complaint, inspection=data["inspection"])
        return _("The complaint is linked to the inspection.")
    complaints.complaint_close(actor=user, complaint=complaint, answer=data["answer"])
    return _("The complaint is closed with the answer.")


@login_required
@require_http_methods(["GET", "POST"])
def complaint_detail(request, pk):
    """A complaint with its history and attachments, and the triage the user may do: the
    authority assigns, answers, links to an inspection and closes; the official it is
    assigned to answers."""
    user = request.user
    complaint = policy.get_object_or_404(user, Complaint, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST" and action not in TRIAGE_ACTIONS:
        raise Http404
    forms = _triage_forms(user, complaint, request.POST, action)
    if action is not None:
        form = forms.get(action)
        if form is None:
            if complaint.status == Complaint.Status.CLOSED:
                messages.error(request, _("The complaint is closed."))
                return redirect(complaint)
            raise PermissionDenied
        if form.is_valid():
            try:
                done = _run(action, user, complaint, form)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, done)
                return redirect(complaint)
    may_plan = complaint.status != Complaint.Status.CLOSED and policy.can(
        user, "inspection.plan", complaint.school
    )
    open_inspection_url = (
        reverse("inspections:inspection_new")
        + f"?complaint={complaint.pk}&school={complaint.school_id}"
        if may_plan
        else ""
    )
    return render(
        request,
        "inspections/complaint_detail.html",
        {
            "c": complaint,
            "attachments": complaint.attachments.all(),
            "events": [
                {"event": event, "label": complaints.EVENT_LABELS.get(event.action, "")}
                for event in complaint.events.select_related("actor").order_by("at", "id")
            ],
            "assign_form": forms.get("assign"),
            "answer_form": forms.get("answer"),
            "link_form": forms.get("link"),
            "close_form": forms.get("close"),
            "may_see_inspection": complaint.inspection_id is not None
            and policy.visible(user, Inspection).filter(pk=complaint.inspection_id).exists(),
            "open_inspection_url": open_inspection_url,
        },
    )


@login_required
def complaint_attachment(request, pk, attachment_pk):
    """A file of a complaint, to those who may see the complaint, as a download."""
    complaint = policy.get_object_or_404(request.user, Complaint, pk=pk)
    try:
        attachment = complaint.attachments.get(pk=attachment_pk)
    except ComplaintAttachment.DoesNotExist:
        raise Http404 from None
    return attachment_response(attachment.file)

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from schools import exports, policy
from schools.exports import Column, field_header
from schools.forms import add_service_error, instances_from
from schools.models import (
    Activity,
    ActivitySlot,
    Enrollment,
    School,
    StaffMember,
    Student,
    Weekday,
)
from schools.pagination import Paginator
from schools.selectors import on_roster

from . import rules, services
from .forms import EnrollmentForm, ReasonForm, SlotFormSet, TutoringClassForm
from .models import Category, TutoringClass

# The action behind each transition button, in the order they are shown.
ACTIONS = {
    "submit": services.tutoring_class_submit,
    "approve": services.tutoring_class_approve,
    "return": services.tutoring_class_return,
    "open": services.tutoring_class_open,
    "suspend": services.tutoring_class_suspend,
    "resume": services.tutoring_class_resume,
    "close": services.tutoring_class_close,
}


def _label(choices, value):
    """``get_FOO_display()`` without translating every choice to find one: the label of
    ``value`` among ``choices`` (an enumeration), or the value itself."""
    try:
        return choices(value).label
    except ValueError:
        return value


def _schedule(activity) -> list[str]:
    return [
        f"{_label(Weekday, slot.weekday)} {slot.start:%H:%M}–{slot.end:%H:%M}"
        for slot in activity.slots.all()
    ]


def _teachers(tutoring_class) -> list[str]:
    return [teacher.user.get_full_name() for teacher in tutoring_class.teachers.all()]


CLASS_COLUMNS = [
    Column(gettext_lazy("Class"), "title"),
    Column(gettext_lazy("Subject"), "subject.name"),
    Column(gettext_lazy("Category"), "get_category_display"),
    Column(gettext_lazy("Grade"), "grade"),
    Column(gettext_lazy("Schedule"), _schedule),
    Column(gettext_lazy("Teachers"), _teachers),
    Column(gettext_lazy("On roster"), "on_roster"),
    Column(gettext_lazy("Capacity"), "capacity"),
    Column(field_header(TutoringClass, "start_date"), "start_date"),
    Column(field_header(TutoringClass, "end_date"), "end_date"),
    Column(gettext_lazy("Status"), "get_status_display"),
]


def _require(user, action, obj):
    if not policy.can(user, action, obj):
        raise PermissionDenied


def _class_or_404(user, pk):
    tc = policy.get_object_or_404(user, TutoringClass, pk=pk)
    _require(user, "activity.view", tc)
    return tc


@login_required
def class_list(request, pk):
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "activity.view", school)
    classes = (
        policy.visible(request.user, TutoringClass)
        .filter(school=school)
        .select_related("subject")
        .prefetch_related(
            "slots",
            Prefetch("teachers", queryset=StaffMember.objects.select_related("user")),
        )
        .annotate(on_roster=on_roster())
        .order_by("grade", "subject__name", "id")
    )
    status = request.GET.get("status", "")
    if status in Activity.Status.values:
        classes = classes.filter(status=status)
    if exports.export_format(request):
        return exports.export_response(
            request,
            classes,
            CLASS_COLUMNS,
            filename=f"lop-day-them-{school.moet_code}",
            title=_("Tutoring classes"),
        )
    page = Paginator(classes, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "tutoring/class_list.html",
        {
            "school": school,
            "page": page,
            # Each row's schedule and teachers as text, made here: a template's loops over
            # prefetched relations cost more than the queries that fetched them.
            "rows": [
                {
                    "class": tc,
                    "category": _label(Category, tc.category),
                    "schedule": _schedule(tc),
                    "teachers": _teachers(tc),
                    "status": _label(Activity.Status, tc.status),
                }
                for tc in page.object_list
            ],
            "status": status,
            "statuses": Activity.Status.choices,
            "may_propose": policy.can(request.user, "activity.propose", school),
        },
    )


def _class_form(request, school, instance=None):
    """The create and edit form: ``tutoring_class_save`` checks every rule; a violation
    gives the form back with the whole list and nothing saved."""
    form = TutoringClassForm(request.POST or None, instance=instance, school=school)
    initial = (
        [
            {
                "weekday": s.weekday,
                "start": s.start,
                "end": s.end,
                "periods": s.periods,
                "room": s.room,
            }
            for s in instance.slots.all()
        ]
        if instance
        else [{"weekday": 0, "periods": 1}]
    )
    formset = SlotFormSet(request.POST or None, prefix="slots", initial=initial)
    violations = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        tc = form.save(commit=False)
        tc.school = school
        try:
            tc = services.tutoring_class_save(
                actor=request.user,
                tutoring_class=tc,
                slots=instances_from(formset, ActivitySlot),
                teachers=list(form.cleaned_data["teachers"]),
            )
        except services.RuleViolations as error:
            violations = error.violations
        except rules.NoRulePolicy:
            form.add_error(
                "start_date", _("No version of the tutoring rules is in force on this date.")
            )
        else:
            messages.success(request, _("The class is saved as a draft."))
            return redirect("tutoring:class_detail", pk=tc.pk)
    return render(
        request,
        "tutoring/class_form.html",
        {
            "school": school,
            "form": form,
            "formset": formset,
            "violations": violations,
            "instance": instance,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def class_create(request, pk):
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "activity.propose", school)
    return _class_form(request, school)


@login_required
@require_http_methods(["GET", "POST"])
def class_edit(request, pk):
    tc = _class_or_404(request.user, pk)
    _require(request.user, "activity.edit", tc)
    return _class_form(request, tc.school, instance=tc)


@login_required
@require_POST
def class_check(request, pk):
    """The rules, checked as the user edits (htmx): the violations, nothing saved."""
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "activity.propose", school)
    instance = None
    if request.POST.get("instance", "").isdigit():
        instance = _class_or_404(request.user, int(request.POST["instance"]))
    form = TutoringClassForm(request.POST, instance=instance, school=school)
    formset = SlotFormSet(request.POST, prefix="slots")
    violations, incomplete = [], True
    if form.is_valid() and formset.is_valid():
        incomplete = False
        tc = form.save(commit=False)
        tc.school = school
        try:
            violations = rules.check_class(
                tc, instances_from(formset, ActivitySlot), list(form.cleaned_data["teachers"])
            )
        except rules.NoRulePolicy:
            incomplete = True
    return render(
        request,
        "tutoring/_violations.html",
        {
            "violations": violations,
            "checked": not incomplete,
        },
    )


def _transitions_for(user, tc):
    available = []
    for name in ACTIONS:
        sources, _target, action, needs_reason = services.transition_rule(name, tc.status)
        if tc.status in sources and policy.can(user, action, tc):
            available.append(
                {
                    "name": name,
                    "label": services.BUTTON_LABELS[name],
                    "needs_reason": needs_reason,
                    "reference": name == "suspend",
                }
            )
    return available


@login_required
def class_detail(request, pk):
    tc = _class_or_404(request.user, pk)
    may_see_students = policy.can(request.user, "school.view_students", tc.school)
    enrollments = (
        tc.enrollments.select_related("student").order_by("student__full_name")
        if may_see_students
        else Enrollment.objects.none()
    )
    live = tc.status not in (Activity.Status.CLOSED, Activity.Status.REFUSED)
    try:
        violations = (
            rules.check_class(tc, list(tc.slots.all()), list(tc.teachers.all())) if live else []
        )
    except rules.NoRulePolicy:
        violations = []
    return render(
        request,
        "tutoring/class_detail.html",
        {
            "tc": tc,
            "slots": tc.slots.all(),
            "teachers": tc.teachers.select_related("user"),
            "events": tc.events.select_related("actor"),
            "enrollments": enrollments,
            "may_see_students": may_see_students,
            "violations": violations,
            "transitions": _transitions_for(request.user, tc),
            "may_edit": policy.can(request.user, "activity.edit", tc),
            "may_manage_roster": policy.can(request.user, "activity.manage_roster", tc)
            and tc.status not in ("closed", "suspended", "refused"),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def class_transition(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    tc = _class_or_404(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    kwargs = {"actor": request.user, "tutoring_class": tc}
    if action in ("return", "suspend", "resume", "close"):
        kwargs["reason"] = form.cleaned_data.get("reason", "")
    if action == "suspend":
        kwargs["reference"] = form.cleaned_data.get("reference", "")
    try:
        tc = ACTIONS[action](**kwargs)
    except services.RuleViolations as error:
        for violation in error.violations:
            messages.error(request, str(violation))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Done: the class is now '%(status)s'.") % {"status": tc.get_status_display()},
        )
    return redirect("tutoring:class_detail", pk=tc.pk)


@login_required
@require_http_methods(["GET", "POST"])
def roster_add(request, pk):
    tc = _class_or_404(request.user, pk)
    _require(request.user, "activity.manage_roster", tc)
    students = (
        policy.visible(request.user, Student)
        .filter(school=tc.school, grade=tc.grade, status=Student.Status.STUDYING)
        .exclude(enrollments__activity=tc)
        .order_by("homeroom", "full_name")
    )
    form = EnrollmentForm(request.POST or None, students=students)
    violations = []
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollment_propose(
                actor=request.user,
                tutoring_class=tc,
                student=form.cleaned_data["student"],
                basis=form.cleaned_data["basis"],
                basis_note=form.cleaned_data["basis_note"],
            )
        except services.RuleViolations as error:
            violations = error.violations
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "The student is proposed; record the parent's "
                    "decision to put them on the roster."
                ),
            )
            return redirect("tutoring:class_detail", pk=tc.pk)
    return render(
        request,
        "tutoring/roster_form.html",
        {
            "tc": tc,
            "form": form,
            "violations": violations,
        },
    )

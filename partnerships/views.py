"""Linked programmes: the head's proposal, the authority's decision, the roster."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from schools import exports, kept, policy
from schools.exports import Column, field_header
from schools.forms import add_service_error, instances_from
from schools.models import Activity, ActivitySlot, School, SchoolYear, Student
from schools.selectors import on_roster
from schools.uploads import attachment_response

from . import rules, selectors, services
from .forms import (
    DecisionForm,
    ProgrammeFilterForm,
    ProgrammeForm,
    ProgrammeSlotFormSet,
    RosterForm,
    TeacherFormSet,
)
from .models import FeePolicy, Partner, Programme, ProgrammeDocument, ProgrammeTeacher

PAGE_SIZE = 50
# The programmes far above the median: the page shows the dearest, a file takes them all.
FAR_EXPORT_LIMIT = 10_000

PROGRAMME_COLUMNS = [
    Column(gettext_lazy("Programme"), "title"),
    Column(gettext_lazy("Kind"), "get_programme_kind_display"),
    Column(gettext_lazy("School code"), "school.moet_code"),
    Column(gettext_lazy("School"), "school.name"),
    Column(gettext_lazy("Partner"), "partner.legal_name"),
    Column(gettext_lazy("Tax code"), "partner.tax_code"),
    Column(field_header(Programme, "grade_min"), "grade_min"),
    Column(field_header(Programme, "grade_max"), "grade_max"),
    Column(gettext_lazy("Monthly fee (₫)"), "monthly_fee", money=True),
    Column(gettext_lazy("On roster"), "on_roster"),
    Column(gettext_lazy("Capacity"), "capacity"),
    Column(field_header(Programme, "start_date"), "start_date"),
    Column(field_header(Programme, "end_date"), "end_date"),
    Column(gettext_lazy("Status"), "get_status_display"),
    Column(field_header(Programme, "approval_reference"), "approval_reference"),
    Column(gettext_lazy("Breaks the rules"), lambda p: bool(p.rule_breaches)),
]


def _between(header, bound):
    return format_lazy("{} – {}", header, bound)


MONTHLY, PER_PERIOD = gettext_lazy("Monthly fee (₫)"), gettext_lazy("Fee per period (₫)")
LOWEST, MEDIAN, HIGHEST = gettext_lazy("lowest"), gettext_lazy("median"), gettext_lazy("highest")
FEE_COLUMNS = [
    Column(gettext_lazy("Kind"), "label"),
    Column(gettext_lazy("Programmes"), "count"),
    Column(gettext_lazy("Schools"), "schools"),
    Column(_between(MONTHLY, LOWEST), "fee_min", money=True),
    Column(_between(MONTHLY, MEDIAN), "fee_median", money=True),
    Column(_between(MONTHLY, HIGHEST), "fee_max", money=True),
    Column(_between(PER_PERIOD, LOWEST), "period_min", money=True),
    Column(_between(PER_PERIOD, MEDIAN), "period_median", money=True),
    Column(_between(PER_PERIOD, HIGHEST), "period_max", money=True),
]
FAR_COLUMNS = [
    Column(gettext_lazy("Programme"), lambda f: f["programme"].title),
    Column(gettext_lazy("Kind"), lambda f: f["programme"].get_programme_kind_display()),
    Column(gettext_lazy("Partner"), lambda f: f["programme"].partner.legal_name),
    Column(gettext_lazy("School code"), lambda f: f["programme"].school.moet_code),
    Column(gettext_lazy("School"), lambda f: f["programme"].school.name),
    Column(gettext_lazy("Monthly fee (₫)"), lambda f: f["fee"], money=True),
    Column(gettext_lazy("Median"), lambda f: f["median"], money=True),
    Column(gettext_lazy("Times"), lambda f: f["times"]),
]


def _require(user, action, obj=None):
    if not policy.can(user, action, obj):
        raise PermissionDenied


def _programme_or_404(user, pk):
    programme = policy.get_object_or_404(user, Programme, pk=pk)
    _require(user, "activity.view", programme)
    return programme


def _programmes(user):
    return (
        policy.visible(user, Programme)
        .select_related("school", "partner")
        .annotate(on_roster=on_roster())
    )


def _filtered(request, programmes):
    form = ProgrammeFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            programmes = programmes.filter(
                Q(title__icontains=data["q"])
                | Q(partner__legal_name__icontains=data["q"])
                | Q(school__name__icontains=data["q"])
            )
        if data["status"]:
            programmes = programmes.filter(status=data["status"])
        if data["kind"]:
            programmes = programmes.filter(programme_kind=data["kind"])
    return form, programmes


@login_required
def programme_list(request, pk):
    """A school's linked programmes."""
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "activity.view", school)
    form, programmes = _filtered(request, _programmes(request.user).filter(school=school))
    programmes = programmes.order_by("-start_date", "title", "id")
    if exports.export_format(request):
        return exports.export_response(
            request,
            programmes,
            PROGRAMME_COLUMNS,
            filename=f"chuong-trinh-lien-ket-{school.moet_code}",
            title=_("Linked programmes"),
        )
    page = Paginator(programmes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partnerships/programme_list.html",
        {
            "school": school,
            "page": page,
            "form": form,
            "may_propose": policy.can(request.user, "programme.propose", school),
        },
    )


@login_required
def programme_area_list(request):
    """The programmes of every school in the user's scope: the authority's approval queue
    (submitted first) and its overview."""
    if request.user.role not in policy.UNIT_ROLES and not request.user.is_superuser:
        raise PermissionDenied
    form, programmes = _filtered(request, _programmes(request.user))
    # The authority's queue first: what waits for its decision.
    decides = Q(status=Activity.Status.SUBMITTED, school__in=policy.decidable_schools(request.user))
    waiting = policy.visible(request.user, Programme).filter(decides)
    waits = ExpressionWrapper(decides, output_field=BooleanField())
    programmes = programmes.order_by(waits.desc(), "school__name", "title", "id")
    if exports.export_format(request):
        return exports.export_response(
            request,
            programmes,
            PROGRAMME_COLUMNS,
            filename="chuong-trinh-lien-ket",
            title=_("Linked programmes"),
        )
    page = Paginator(programmes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partnerships/programme_area_list.html",
        {"page": page, "form": form, "waiting": waiting.count()},
    )


def _programme_form(request, school, instance=None):
    """Create or edit: ``programme_save`` checks every rule; a violation gives the form
    back with the whole list and nothing saved."""
    # Only partners that may run programmes; the one a returned proposal names stays
    # listed so that the form shows it, and the rules say why it cannot stay.
    partners = (
        policy.visible(request.user, Partner)
        .filter(Q(status=Partner.Status.ACTIVE) | Q(pk=getattr(instance, "partner_id", None)))
        .order_by("legal_name")
    )
    form = ProgrammeForm(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        school=school,
        partners=partners,
    )
    slot_initial = (
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
        else []
    )
    teacher_initial = (
        [
            {name: getattr(t, name) for name in TeacherFormSet.form._meta.fields}
            for t in instance.teachers.all()
        ]
        if instance
        else []
    )
    slots = ProgrammeSlotFormSet(request.POST or None, prefix="slots", initial=slot_initial)
    teachers = TeacherFormSet(request.POST or None, prefix="teachers", initial=teacher_initial)
    violations = []
    if request.method == "POST" and all(f.is_valid() for f in (form, slots, teachers)):
        programme = form.save(commit=False)
        programme.school = school
        try:
            programme = services.programme_save(
                actor=request.user,
                programme=programme,
                slots=instances_from(slots, ActivitySlot),
                teachers=instances_from(teachers, ProgrammeTeacher),
                documents=form.documents(),
            )
        except services.RuleViolations as error:
            violations = error.violations
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The programme is saved as a draft."))
            return redirect(programme)
    return render(
        request,
        "partnerships/programme_form.html",
        {
            "school": school,
            "form": form,
            "slots": slots,
            "teachers": teachers,
            "violations": violations,
            "instance": instance,
            "no_partner": not partners.exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request, pk):
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "programme.propose", school)
    return _programme_form(request, school)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk):
    programme = _programme_or_404(request.user, pk)
    _require(request.user, "programme.edit", programme)
    return _programme_form(request, programme.school, instance=programme)


def _transitions_for(user, programme):
    return [
        {
            "name": name,
            "label": services.BUTTON_LABELS[name],
            "needs_reason": services.TRANSITIONS[name][3],
            "needs_reference": services.TRANSITIONS[name][4],
            "reference_optional": name in ("suspend", "resume", "terminate"),
        }
        for name in services.TRANSITIONS
        if services.may(user, name, programme)
    ]


@login_required
def programme_detail(request, pk):
    programme = _programme_or_404(request.user, pk)
    user = request.user
    may_see_students = policy.can(user, "school.view_students", programme.school)
    enrollments = []
    threshold = FeePolicy.in_force().student_monthly_total
    if may_see_students:
        enrollments = list(
            programme.enrollments.select_related("student").order_by("student__full_name")
        )
        totals = rules.student_fee_totals(
            [e.student_id for e in enrollments], programme.start_date, programme.end_date
        )
        for e in enrollments:
            e.fee_total = totals.get(e.student_id, 0)
            e.over_threshold = e.fee_total > threshold
    live = programme.status not in (Activity.Status.CLOSED, Activity.Status.REFUSED)
    violations = (
        rules.check_programme(
            programme, list(programme.slots.all()), list(programme.teachers.all())
        )
        if live
        else []
    )
    comparison = None
    may_compare = policy.can(user, "programme.compare_fees") or policy.can(
        user, "programme.decide", programme
    )
    if may_compare:
        # How this fee stands among the same kind in the school's area.
        area_schools = School.objects.filter(unit=programme.school.unit_id)
        rows = selectors.fee_distribution(area_schools, school_year=programme.school_year)
        comparison = next((r for r in rows if r.kind == programme.programme_kind), None)
    return render(
        request,
        "partnerships/programme_detail.html",
        {
            "p": programme,
            "slots": programme.slots.all(),
            "teachers": programme.teachers.all(),
            "documents": programme.documents.all(),
            "events": programme.events.select_related("actor"),
            "violations": violations,
            "flags": rules.programme_flags(programme) if live else [],
            "comparison": comparison,
            "may_compare": may_compare,
            "enrollments": enrollments,
            "threshold": threshold,
            "may_see_students": may_see_students,
            "may_edit": policy.can(user, "programme.edit", programme),
            "may_manage_roster": policy.can(user, "activity.manage_roster", programme)
            and programme.accepts_consent(),
            "may_record_consent": policy.can(user, "activity.manage_roster", programme),
            "transitions": _transitions_for(user, programme),
        },
    )


@login_required
@require_POST
def programme_transition(request, pk, action):
    if action not in services.TRANSITIONS:
        raise Http404
    programme = _programme_or_404(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
        return redirect(programme)
    try:
        programme = services.programme_transition(
            actor=request.user,
            programme=programme,
            name=action,
            reason=form.cleaned_data.get("reason", ""),
            reference=form.cleaned_data.get("reference", ""),
        )
    except services.RuleViolations as error:
        for violation in error.violations:
            messages.error(request, str(violation))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Done: the programme is now '%(status)s'.")
            % {"status": programme.get_status_display()},
        )
    return redirect(programme)


@login_required
def programme_document(request, pk, document_pk):
    """A document of a programme, to those who may see the programme, as an attachment."""
    programme = _programme_or_404(request.user, pk)
    try:
        document = programme.documents.get(pk=document_pk)
    except ProgrammeDocument.DoesNotExist:
        raise Http404 from None
    return attachment_response(document.file)


@login_required
@require_http_methods(["GET", "POST"])
def roster_add(request, pk):
    programme = _programme_or_404(request.user, pk)
    _require(request.user, "activity.manage_roster", programme)
    students = (
        policy.visible(request.user, Student)
        .filter(
            school=programme.school,
            grade__gte=programme.grade_min,
            grade__lte=programme.grade_max,
            status=Student.Status.STUDYING,
        )
        .exclude(enrollments__activity=programme)
        .order_by("grade", "homeroom", "full_name")
    )
    form = RosterForm(request.POST or None, students=students)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_enrollment_propose(
                actor=request.user, programme=programme, student=form.cleaned_data["student"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "The student is on the list; record the parent's decision to put them on "
                    "the roster."
                ),
            )
            return redirect(programme)
    return render(request, "partnerships/roster_form.html", {"p": programme, "form": form})


@login_required
def fee_comparison(request):
    """For each kind of programme, how fees spread across the schools of the user's scope,
    where the head's school stands, and the programmes far above the median."""
    _require(request.user, "programme.compare_fees")
    years = SchoolYear.objects.order_by("-start")
    year = SchoolYear.current()
    if request.GET.get("year", "").isdigit():
        year = years.filter(pk=request.GET["year"]).first() or year
    if exports.export_format(request):
        schools, school = _fee_scope(request.user)
        ratio = FeePolicy.in_force().far_above_median
        return _fee_export(request, schools, ratio, year, school)
    # Over a city's 100,000 programmes the medians take a second: kept (schools.kept).
    (rows, far, ratio, school), computed_at = kept.for_user(
        "partnerships.views.fee_figures", request.user, year=year.pk if year else None
    )
    return render(
        request,
        "partnerships/fee_comparison.html",
        {
            "rows": rows,
            "far": far,
            "ratio": ratio,
            "school": school,
            "year": year,
            "years": years,
            "computed_at": computed_at,
            "cache_minutes": settings.FIGURES_CACHE_SECONDS // 60,
        },
    )


def _fee_scope(user):
    """The schools whose fees ``user`` compares, and the head's or staff's own school: a
    head compares with every school of the same area."""
    schools = policy.visible(user, School)
    school = None
    if user.role in policy.SCHOOL_ROLES:
        school = schools.select_related("unit").first()
    if school is not None:
        schools = School.objects.filter(unit=school.unit_id)
    return schools, school


def fee_figures(user, *, year):
    """The fee comparison's spread by kind, the programmes far above the median, the ratio
    that says "far" and the user's own school, for the school year ``year`` (an id)."""
    schools, school = _fee_scope(user)
    school_year = SchoolYear.objects.filter(pk=year).first() if year else None
    ratio = FeePolicy.in_force().far_above_median
    rows = selectors.fee_distribution(schools, school_year=school_year, school=school)
    far = selectors.far_above_median(schools, ratio, school_year=school_year)
    return rows, far, ratio, school


def _fee_export(request, schools, ratio, year, school):
    """One of the page's two tables as a file: the spread of fees by kind, or (``part=far``)
    every programme far above the median of its kind."""
    year_name = year.name if year else ""
    if request.GET.get("part") == "far":
        far = selectors.far_above_median(schools, ratio, school_year=year, limit=FAR_EXPORT_LIMIT)
        return exports.export_response(
            request,
            far,
            FAR_COLUMNS,
            filename=f"phi-cao-bat-thuong-{year_name}",
            title=_("Fee comparison"),
        )
    rows = selectors.fee_distribution(schools, school_year=year, school=school)
    return exports.export_response(
        request,
        rows,
        FEE_COLUMNS,
        filename=f"so-sanh-phi-{year_name}",
        title=_("Fee comparison"),
    )

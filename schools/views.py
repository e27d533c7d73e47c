from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.audit import audit_record
from accounts.reauth import recent_authentication_required
from accounts.security import record_student_view

from . import exports, policy, services
from .exports import Column, field_header
from .forms import (
    ImportForm,
    MainSessionFormSet,
    PaperConsentForm,
    ResultsImportForm,
    SchoolFilterForm,
    add_service_error,
)
from .imports import results_import, schools_import, students_import
from .models import (
    Activity,
    AdministrativeUnit,
    Enrollment,
    Guardianship,
    ImportBatch,
    MainSession,
    School,
    SchoolYear,
    StaffMember,
    Student,
    TeachingAssignment,
)
from .selectors import home_summary

PAGE_SIZE = 25

UNIT_COLUMNS = [
    Column(field_header(AdministrativeUnit, "code"), "code"),
    Column(gettext_lazy("Name"), "name"),
    Column(gettext_lazy("Unit level"), "get_level_display"),
    Column(field_header(AdministrativeUnit, "parent"), "parent.name"),
    Column(field_header(AdministrativeUnit, "valid_from"), "valid_from"),
    Column(field_header(AdministrativeUnit, "valid_to"), "valid_to"),
    Column(gettext_lazy("Merged into"), "successor.name"),
    Column(gettext_lazy("Schools"), "school_count"),
]
SCHOOL_COLUMNS = [
    Column(gettext_lazy("School code"), "moet_code"),
    Column(gettext_lazy("Name"), "name"),
    Column(gettext_lazy("Level"), "get_level_display"),
    Column(field_header(School, "ownership"), "get_ownership_display"),
    Column(gettext_lazy("Area"), "unit.name"),
    Column(field_header(AdministrativeUnit, "code"), "unit.code"),
    Column(gettext_lazy("Head of school"), lambda s: s.head.get_full_name() if s.head else ""),
    Column(field_header(School, "is_active"), "is_active"),
]
STUDENT_COLUMNS = [
    Column(gettext_lazy("Student code"), "national_id"),
    Column(gettext_lazy("Full name"), "full_name"),
    Column(gettext_lazy("Grade"), "grade"),
    Column(gettext_lazy("Class"), "homeroom"),
    Column(gettext_lazy("Date of birth"), "date_of_birth"),
    Column(gettext_lazy("Status"), "get_status_display"),
]


def _page(request, queryset, per_page=PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _require(user, action, obj=None):
    if not policy.can(user, action, obj):
        raise PermissionDenied


@login_required
def home(request):
    return render(request, "schools/home.html", home_summary(request.user))


@login_required
def unit_list(request):
    _require(request.user, "units.view")
    units = (
        policy.visible(request.user, AdministrativeUnit)
        .select_related("parent", "successor")
        .annotate(school_count=Count("schools"))
        .order_by("path")
    )
    if exports.export_format(request):
        return exports.export_response(
            request,
            units,
            UNIT_COLUMNS,
            filename="don-vi-hanh-chinh",
            title=_("Administrative units"),
        )
    return render(request, "schools/unit_list.html", {"page": _page(request, units, 50)})


@login_required
def school_list(request):
    form = SchoolFilterForm(request.GET or None, user=request.user)
    schools = policy.visible(request.user, School).select_related("unit", "head")
    if form.is_valid():
        schools = form.filter(schools)
    if exports.export_format(request):
        return exports.export_response(
            request, schools, SCHOOL_COLUMNS, filename="truong-hoc", title=_("Schools")
        )
    # The rows alone for htmx's search, but the whole page when htmx restores history.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "schools/_school_rows.html" if partial else "schools/school_list.html"
    response = render(request, template, {"form": form, "page": _page(request, schools)})
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def school_detail(request, pk):
    school = policy.get_object_or_404(request.user, School, pk=pk)
    context = {
        "school": school,
        "may_view_students": policy.can(request.user, "school.view_students", school),
        "may_view_staff": policy.can(request.user, "school.view_staff", school),
        "may_import": policy.can(request.user, "school.import_students", school),
        "may_import_results": policy.can(request.user, "school.import_results", school),
        "may_edit_timetable": policy.can(request.user, "school.edit_timetable", school),
        "student_count": school.students.filter(status=Student.Status.STUDYING).count(),
        "staff_count": school.staff.filter(is_active=True).count(),
        "may_view_activities": policy.can(request.user, "activity.view", school),
        "may_invite_parents": policy.can(request.user, "school.invite_parents", school),
        "tutoring_count": school.activities.filter(kind=Activity.Kind.TUTORING).count(),
        "programme_count": school.activities.filter(kind=Activity.Kind.PROGRAMME).count(),
    }
    return render(request, "schools/school_detail.html", context)


@login_required
@recent_authentication_required(when=exports.export_format)
def student_list(request, pk):
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "school.view_students", school)
    students = policy.visible(request.user, Student).filter(school=school)
    query = request.GET.get("q", "").strip()
    if query:
        students = students.filter(
            Q(full_name__icontains=query) | Q(national_id=query) | Q(homeroom__iexact=query)
        )
    grade = request.GET.get("grade", "")
    if grade.isdigit():
        students = students.filter(grade=int(grade))
    if exports.export_format(request):
        return exports.export_response(
            request,
            students,
            STUDENT_COLUMNS,
            filename=f"hoc-sinh-{school.moet_code}",
            title=_("Students"),
            students=True,
            obj=school,
        )
    context = {
        "school": school,
        "page": _page(request, students, 50),
        "query": query,
        "grade": grade,
        "grades": range(school.grade_min, school.grade_max + 1),
        "may_import": policy.can(request.user, "school.import_students", school),
    }
    return render(request, "schools/student_list.html", context)


@login_required
def student_detail(request, pk):
    student = policy.get_object_or_404(request.user, Student, pk=pk)
    record_student_view(request, student)
    guardianships = (
        policy.visible(request.user, Guardianship)
        .filter(student=student)
        .select_related("guardian")
    )
    return render(
        request,
        "schools/student_detail.html",
        {"student": student, "guardianships": guardianships},
    )


@login_required
def staff_list(request, pk):
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "school.view_staff", school)
    year = SchoolYear.current()
    staff = (
        policy.visible(request.user, StaffMember)
        .filter(school=school, is_active=True)
        .select_related("user")
    )
    if exports.export_format(request):
        return _staff_export(request, school, staff, year)
    page = _page(request, staff, 50)
    assignments = {}
    for assignment in TeachingAssignment.objects.filter(
        staff__in=page.object_list, school_year=year
    ).select_related("subject"):
        assignments.setdefault(assignment.staff_id, []).append(assignment)
    rows = [(member, assignments.get(member.pk, [])) for member in page.object_list]
    return render(
        request,
        "schools/staff_list.html",
        {"school": school, "page": page, "rows": rows, "year": year},
    )


def _staff_export(request, school, staff, year):
    """Every active staff member with this year's teaching assignments, read in one query
    per chunk of staff rather than one per member."""
    this_year = TeachingAssignment.objects.filter(school_year=year).select_related("subject")
    staff = staff.prefetch_related(Prefetch("assignments", this_year, to_attr="this_year"))
    assignments_header = gettext_lazy("Teaching assignments")
    if year is not None:
        assignments_header = format_lazy("{} {}", assignments_header, year.name)
    columns = [
        Column(gettext_lazy("Full name"), "user.get_full_name"),
        Column(field_header(StaffMember, "staff_code"), "staff_code"),
        Column(gettext_lazy("Position"), "position"),
        Column(
            assignments_header,
            lambda m: [f"{a.subject.name} {a.homeroom}" for a in m.this_year],
        ),
    ]
    return exports.export_response(
        request, staff, columns, filename=f"can-bo-{school.moet_code}", title=_("Staff")
    )


@login_required
@require_http_methods(["GET", "POST"])
def student_import(request, pk):
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "school.import_students", school)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = students_import(
            actor=request.user, school=school, file=upload, file_name=upload.name
        )
        return redirect("schools:import_detail", pk=batch.pk)
    kind = ImportBatch.Kind.STUDENTS  # the school's other imports have their own page
    recent = school.imports.filter(kind=kind).select_related("uploaded_by")[:10]
    return render(
        request,
        "schools/import_form.html",
        {"form": form, "school": school, "recent": recent, "kind": ImportBatch.Kind.STUDENTS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def result_import(request, pk):
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "school.import_results", school)
    form = ResultsImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = results_import(
            actor=request.user,
            school=school,
            term=form.cleaned_data["term"],
            file=upload,
            file_name=upload.name,
        )
        return redirect("schools:import_detail", pk=batch.pk)
    recent = (
        policy.visible(request.user, ImportBatch)
        .filter(school=school, kind=ImportBatch.Kind.RESULTS)
        .select_related("uploaded_by", "term__school_year")[:10]
    )
    return render(
        request,
        "schools/results_import_form.html",
        {"form": form, "school": school, "recent": recent, "kind": ImportBatch.Kind.RESULTS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_import(request):
    _require(request.user, "schools.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = schools_import(actor=request.user, file=upload, file_name=upload.name)
        return redirect("schools:import_detail", pk=batch.pk)
    recent = (
        policy.visible(request.user, ImportBatch)
        .filter(kind=ImportBatch.Kind.SCHOOLS)
        .select_related("uploaded_by")[:10]
    )
    return render(
        request,
        "schools/import_form.html",
        {"form": form, "school": None, "recent": recent, "kind": ImportBatch.Kind.SCHOOLS},
    )


@login_required
def import_detail(request, pk):
    batch = policy.get_object_or_404(request.user, ImportBatch, pk=pk)
    return render(request, "schools/import_detail.html", {"batch": batch})


@login_required
@require_http_methods(["GET", "POST"])
def timetable(request, pk):
    """The school's main-timetable sessions, which tutoring and linked programmes must stay
    out of. Kept by the head of the school."""
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "school.edit_timetable", school)
    sessions = MainSession.objects.filter(school=school).order_by("weekday", "start")
    formset = MainSessionFormSet(request.POST or None, queryset=sessions, prefix="sessions")
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            for form in formset.deleted_forms:
                if form.instance.pk:
                    form.instance.delete()
            for session in formset.save(commit=False):
                session.school = school
                session.save()
            audit_record(
                actor=request.user,
                action="timetable_edit",
                obj=school,
                summary="; ".join(str(s) for s in sessions.all()),
            )
        messages.success(
            request,
            _(
                "The main timetable is saved. Tutoring classes are "
                "checked against it tonight and on their next change."
            ),
        )
        return redirect("schools:timetable", pk=school.pk)
    return render(request, "schools/timetable.html", {"school": school, "formset": formset})


@login_required
@require_http_methods(["GET", "POST"])
def consent_paper(request, pk):
    enrollment = policy.get_object_or_404(request.user, Enrollment, pk=pk)
    activity = enrollment.activity
    _require(request.user, "activity.manage_roster", activity)
    form = PaperConsentForm(
        request.POST or None,
        request.FILES or None,
        guardians=enrollment.student.guardians.all(),
    )
    if request.method == "GET":
        record_student_view(request, enrollment.student, enrollment=enrollment.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record_staff(
                actor=request.user,
                enrollment=enrollment,
                guardian=data["guardian"],
                kind=data["kind"],
                channel=data["channel"],
                scan=data["scan"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The parent's decision is recorded."))
            return redirect(activity)
    return render(
        request,
        "schools/consent_form.html",
        {
            "activity": activity,
            "enrollment": enrollment,
            "form": form,
        },
    )

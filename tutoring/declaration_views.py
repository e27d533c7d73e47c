"""Outside-tutoring declarations (Circular 29/2024, form 03): a teacher declares, the head
of the school acknowledges and publishes the list, the People's Committee and the
Department see the declarations of their area."""

from collections import Counter

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.forms.models import model_to_dict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from schools import exports, policy
from schools.exports import Column, field_header
from schools.forms import add_service_error
from schools.models import School, SchoolYear, StaffMember, Student, Subject, TeachingAssignment

from . import rules, services
from .models import OutsideTutoringDeclaration, RulePolicy

Declaration = OutsideTutoringDeclaration
PER_PAGE = 50
# What a new version starts from: everything the teacher declared last time.
COPIED_FIELDS = [
    "school_year",
    "subject",
    "form",
    "location",
    "schedule",
    "establishment_name",
    "establishment_registration",
    "manages_establishment",
    "relationship_to_holder",
]


class DeclarationForm(forms.ModelForm):
    students = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Students of your school you tutor there for a fee"),
        queryset=Student.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Declaration
        fields = COPIED_FIELDS

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["students"].queryset = students
        self.fields["students"].label_from_instance = lambda s: (
            f"{s.full_name} – {s.homeroom} ({s.national_id})"
        )
        self.fields["subject"].queryset = Subject.objects.order_by("name")
        self.fields["school_year"].queryset = SchoolYear.objects.all()
        self.fields["form"].widget = forms.RadioSelect(choices=Declaration.Form.choices)


def _flag_words(declaration) -> list[str]:
    """The flags of a list row as the lists word them: counts, never a student's name."""
    words = []
    if declaration.flag_counts.get("T2"):
        n = declaration.flag_counts["T2"]
        words.append(ngettext("%(n)s own student", "%(n)s own students", n) % {"n": n})
    if declaration.flag_counts.get("T3"):
        words.append(_("Runs the establishment"))
    return words


DECLARATION_COLUMNS = [
    Column(gettext_lazy("Teacher"), "teacher.user.get_full_name"),
    Column(gettext_lazy("Subject"), "subject.name"),
    Column(gettext_lazy("School year"), "school_year.name"),
    Column(gettext_lazy("Form"), "get_form_display"),
    Column(gettext_lazy("Establishment"), "establishment_name"),
    Column(field_header(Declaration, "establishment_registration"), "establishment_registration"),
    Column(gettext_lazy("Location"), "location"),
    Column(gettext_lazy("Schedule"), "schedule"),
    Column(gettext_lazy("Students listed"), lambda d: len(d.students.all())),
    Column(gettext_lazy("Flags"), _flag_words),
    Column(gettext_lazy("Status"), "get_status_display"),
    Column(gettext_lazy("Published"), "published"),
]
AREA_COLUMNS = [
    Column(gettext_lazy("School code"), "teacher.school.moet_code"),
    Column(gettext_lazy("School"), "teacher.school.name"),
    *DECLARATION_COLUMNS,
]


def _require(user, action, obj):
    if not policy.can(user, action, obj):
        raise PermissionDenied


def _listed(declarations):
    """Everything a list row and its flags read, in a fixed number of queries."""
    return declarations.select_related(
        "teacher__user", "teacher__school", "subject", "school_year", "acknowledged_by"
    ).prefetch_related(
        "students",
        Prefetch(
            "teacher__assignments",
            queryset=TeachingAssignment.objects.select_related("subject"),
        ),
    )


def _flag(declarations):
    """Set ``flags`` on each declaration, checked against the rule version in force on the
    day it was submitted; the versions are read once."""
    versions = list(RulePolicy.objects.order_by("-in_force_from"))
    for declaration in declarations:
        on = rules.declaration_date(declaration)
        version = next((v for v in versions if v.in_force_from <= on), None)
        declaration.flags = rules.check_declaration(declaration, policy=version) if version else []
        # Counted per rule for the lists, which name no student.
        declaration.flag_counts = Counter(v.rule for v in declaration.flags)
    return declarations


def _current(declarations):
    return declarations.exclude(status=Declaration.Status.SUPERSEDED)


@login_required
@require_http_methods(["GET", "POST"])
def declaration_create(request, pk):
    """A teacher's form 03. With ``?replaces=<pk>`` it starts from one of their current
    declarations and, once submitted, supersedes it."""
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "declaration.submit", school)
    teacher = (
        StaffMember.objects.filter(user=request.user, school=school, is_active=True)
        .select_related("school", "user")
        .first()
    )
    if teacher is None:
        raise PermissionDenied
    replaced = None
    initial = {"school_year": SchoolYear.current()}
    if "replaces" in request.GET:
        replaced = policy.get_object_or_404(
            request.user,
            Declaration,
            pk=request.GET["replaces"],
            teacher=teacher,
            status__in=[Declaration.Status.SUBMITTED, Declaration.Status.ACKNOWLEDGED],
        )
        initial = model_to_dict(replaced, fields=COPIED_FIELDS)
        initial["students"] = list(replaced.students.all())
    students = (
        policy.visible(request.user, Student)
        .filter(school=school, status=Student.Status.STUDYING)
        .order_by("grade", "homeroom", "full_name", "id")
    )
    form = DeclarationForm(
        request.POST or None,
        instance=Declaration(teacher=teacher, replaces=replaced),
        initial=initial,
        students=students,
    )
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declaration_submit(
                actor=request.user,
                declaration=form.save(commit=False),
                students=form.cleaned_data["students"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your declaration is sent to the head of the school."))
            return redirect("tutoring:declaration_detail", pk=declaration.pk)
    return render(
        request,
        "tutoring/declaration_form.html",
        {"school": school, "form": form, "replaced": replaced},
    )


@login_required
def declaration_detail(request, pk):
    declaration = policy.get_object_or_404(request.user, Declaration, pk=pk)
    declaration = _listed(Declaration.objects.filter(pk=declaration.pk)).get()
    school = declaration.teacher.school
    try:
        flags = rules.check_declaration(declaration)
    except rules.NoRulePolicy:
        flags = []
    may_see_students = policy.can(request.user, "school.view_students", school)
    if not may_see_students:
        # The flags name the students; the count is what such a reader needs.
        hidden = sum(1 for f in flags if f.rule == "T2")
        flags = [f for f in flags if f.rule != "T2"]
    else:
        hidden = 0
    visible = policy.visible(request.user, Declaration)
    older = []
    previous = declaration.replaces
    while previous is not None and len(older) < 50:
        older.append(previous)
        previous = previous.replaces
    older_visible = set(visible.filter(pk__in=[d.pk for d in older]).values_list("pk", flat=True))
    newer = Declaration.objects.filter(replaces=declaration).first()
    return render(
        request,
        "tutoring/declaration_detail.html",
        {
            "declaration": declaration,
            "school": school,
            "flags": flags,
            "hidden_flags": hidden,
            "may_see_students": may_see_students,
            "students": declaration.students.all() if may_see_students else [],
            "older": [d for d in older if d.pk in older_visible],
            "newer": newer if newer and visible.filter(pk=newer.pk).exists() else None,
            "may_view_school_list": policy.can(request.user, "declaration.view_school", school),
            "may_oversee": policy.can(request.user, "declaration.oversee"),
            "may_acknowledge": declaration.status == Declaration.Status.SUBMITTED
            and policy.can(request.user, "declaration.acknowledge", declaration),
            "may_replace": declaration.is_current
            and policy.can(request.user, "declaration.submit", declaration),
        },
    )


@login_required
@require_POST
def declaration_acknowledge(request, pk):
    declaration = policy.get_object_or_404(request.user, Declaration, pk=pk)
    try:
        services.declaration_acknowledge(actor=request.user, declaration=declaration)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The declaration is acknowledged."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("tutoring:declaration_detail", pk=declaration.pk)


@login_required
def declaration_school_list(request, pk):
    """The school's current declarations: all of them for the head, with the acknowledge
    buttons and the publish toggle; a teacher's own for a teacher."""
    school = policy.get_object_or_404(request.user, School, pk=pk)
    _require(request.user, "declaration.view_school", school)
    declarations = _current(policy.visible(request.user, Declaration)).filter(
        teacher__school=school
    )
    counts = declarations.aggregate(
        total=Count("pk"), published=Count("pk", filter=Q(published=True))
    )
    ordered = _listed(declarations).order_by("teacher__user__full_name", "-created_at", "id")
    if exports.export_format(request):
        return exports.export_response(
            request,
            _flag(list(ordered)),
            DECLARATION_COLUMNS,
            filename=f"day-them-ngoai-nha-truong-{school.moet_code}",
            title=_("Outside tutoring"),
        )
    page = Paginator(ordered, PER_PAGE).get_page(request.GET.get("page"))
    _flag(page.object_list)
    return render(
        request,
        "tutoring/declaration_school_list.html",
        {
            "school": school,
            "page": page,
            "counts": counts,
            "may_declare": policy.can(request.user, "declaration.submit", school),
            "may_acknowledge": policy.can(request.user, "declaration.acknowledge", school),
            "may_publish": policy.can(request.user, "declaration.publish", school),
        },
    )


@login_required
@require_POST
def declaration_publish(request, pk):
    school = policy.get_object_or_404(request.user, School, pk=pk)
    published = request.POST.get("published") == "1"
    services.declaration_publish(actor=request.user, school=school, published=published)
    if published:
        messages.success(request, _("The list of teachers who tutor outside is published."))
    else:
        messages.success(request, _("The list of teachers who tutor outside is withdrawn."))
    return redirect("tutoring:declaration_school_list", pk=school.pk)


@login_required
def declaration_area_list(request):
    """The current declarations of every school in the committee's or the Department's
    area, filtered by school."""
    _require(request.user, "declaration.oversee", None)
    declarations = _current(policy.visible(request.user, Declaration))
    schools = (
        policy.visible(request.user, School)
        .filter(staff__outside_declarations__in=declarations)
        .distinct()
        .order_by("name", "id")
    )
    chosen = request.GET.get("school", "")
    if chosen.isdigit():
        declarations = declarations.filter(teacher__school_id=int(chosen))
    ordered = _listed(declarations).order_by(
        "teacher__school__name", "teacher__user__full_name", "-created_at", "id"
    )
    if exports.export_format(request):
        return exports.export_response(
            request,
            _flag(list(ordered)),
            AREA_COLUMNS,
            filename="day-them-ngoai-nha-truong",
            title=_("Outside tutoring in the area"),
        )
    page = Paginator(ordered, PER_PAGE).get_page(request.GET.get("page"))
    _flag(page.object_list)
    return render(
        request,
        "tutoring/declaration_area_list.html",
        {
            "page": page,
            "schools": schools,
            "chosen": chosen,
        },
    )

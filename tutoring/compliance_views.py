"""What breaks the rules now: every class in the user's scope whose last check found a
breach, with the rules it breaks, and every current outside-tutoring declaration in the
scope that shows a flag."""

from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Role
from schools import exports, policy
from schools.exports import Column
from schools.models import Activity, School

from .declaration_views import _current, _flag, _listed
from .models import OutsideTutoringDeclaration, TutoringClass

OVERSEERS = {Role.PRINCIPAL, Role.COMMITTEE, Role.DEPARTMENT, Role.INSPECTOR}
Declaration = OutsideTutoringDeclaration


def _flagged_declarations(user):
    """The current declarations visible to ``user`` that show a flag, each with
    ``breaches``: one row per rule (code, reference, how many flags), naming no student.
    Only those that can show a flag are read (a listed student, or a public-school teacher
    running the establishment); the flags come from the declarations lists' bulk check."""
    students = Declaration.students.through.objects.filter(
        outsidetutoringdeclaration_id=OuterRef("pk")
    )
    candidates = _current(policy.visible(user, Declaration)).filter(
        Exists(students)
        | Q(manages_establishment=True, teacher__school__ownership=School.Ownership.PUBLIC)
    )
    ordered = _listed(candidates).order_by(
        "teacher__school__name", "teacher__user__full_name", "-created_at", "id"
    )
    flagged = [d for d in _flag(list(ordered)) if d.flags]
    for declaration in flagged:
        references = {}
        for flag in declaration.flags:
            references.setdefault(flag.rule, flag.reference)
        declaration.breaches = [
            {"rule": rule, "reference": ref, "count": declaration.flag_counts[rule]}
            for rule, ref in references.items()
        ]
    return flagged


COLUMNS = [
    Column(gettext_lazy("Kind"), "kind"),
    Column(gettext_lazy("School code"), "school.moet_code"),
    Column(gettext_lazy("School"), "school.name"),
    Column(gettext_lazy("Name"), "name"),
    Column(gettext_lazy("Status"), "status"),
    Column(gettext_lazy("Rules broken"), "rules"),
    Column(gettext_lazy("Checked"), "checked_at"),
]


def _activity_row(activity):
    return SimpleNamespace(
        kind=activity.get_kind_display(),
        school=activity.school,
        name=activity.title,
        status=activity.get_status_display(),
        rules=[f"{b['message']} ({b['reference']})" for b in activity.rule_breaches],
        checked_at=activity.checked_at,
    )


def _declaration_rule(breach) -> str:
    """A declaration's broken rule as the page words it, naming no student."""
    if breach["rule"] == "T2":
        text = ngettext("%(n)s own student", "%(n)s own students", breach["count"]) % {
            "n": breach["count"]
        }
    elif breach["rule"] == "T3":
        text = _("Runs the establishment")
    else:
        text = breach["rule"]
    return f"{text} ({breach['reference']})"


def _export(request, classes, programmes, declarations):
    """The three tables of the page in one list, a row each, with what kind of row it is."""
    rows = [
        *(_activity_row(c) for c in classes.iterator(chunk_size=exports.CHUNK_SIZE)),
        *(_activity_row(p) for p in programmes.iterator(chunk_size=exports.CHUNK_SIZE)),
        *(
            SimpleNamespace(
                kind=_("Outside-tutoring declaration"),
                school=d.teacher.school,
                name=d.teacher.user.get_full_name(),
                status=d.get_status_display(),
                rules=[_declaration_rule(b) for b in d.breaches],
                checked_at=None,
            )
            for d in declarations
        ),
    ]
    return exports.export_response(
        request,
        rows,
        COLUMNS,
        filename="vi-pham-quy-dinh",
        title=_("What breaks the rules now"),
    )


@login_required
def breaches(request):
    if request.user.role not in OVERSEERS and not request.user.is_superuser:
        raise PermissionDenied
    classes = (
        policy.visible(request.user, TutoringClass)
        .exclude(rule_breaches=[])
        .select_related("school", "subject")
        .order_by("school__name", "title", "id")
    )
    # Linked programmes (partnerships, an app below this one) keep their breaches on the
    # same shared Activity row.
    programmes = (
        policy.visible(request.user, Activity)
        .filter(kind=Activity.Kind.PROGRAMME)
        .exclude(rule_breaches=[])
        .select_related("school")
        .order_by("school__name", "title", "id")
    )
    declarations = _flagged_declarations(request.user)
    schools = (
        policy.visible(request.user, School)
        .filter(
            Q(activities__in=classes.values("pk"))
            | Q(activities__in=programmes.values("pk"))
            | Q(pk__in={d.teacher.school_id for d in declarations})
        )
        .distinct()
        .order_by("name")
    )
    school_id = request.GET.get("school", "")
    if school_id.isdigit() and len(school_id) < 10:  # a database id, not any number
        classes = classes.filter(school_id=int(school_id))
        programmes = programmes.filter(school_id=int(school_id))
        declarations = [d for d in declarations if d.teacher.school_id == int(school_id)]
    if exports.export_format(request):
        return _export(request, classes, programmes, declarations)
    page = Paginator(classes, 50).get_page(request.GET.get("page"))
    return render(request, "tutoring/breaches.html", {
        "page": page, "schools": schools, "school_id": school_id,
        "declarations": declarations,
        "programmes": programmes[:200],
    })

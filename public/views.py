"""What anyone may read without signing in: the schools and what each offers, at what fee,
families' rights, and open data. Never any student data: these views read schools,
activities, partners and published declarations only, and the open data withholds small
groups (``opendata``).

The pages' content is kept in the cache (``cache.cached``): a second visit costs no query.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from partnerships.models import Programme
from partnerships.selectors import fee_distribution
from reports.figures import in_area
from schools import policy
from schools.models import Activity, School, StaffMember
from tutoring.models import OutsideTutoringDeclaration, TutoringClass

from . import opendata, rights
from .cache import cached
from .forms import RightsPageForm, SchoolSearchForm
from .models import RightsPage
from .services import rights_page_update

PAGE_SIZE = 20
CLASS_STATUSES = [Activity.Status.OPEN, Activity.Status.SUSPENDED]
PROGRAMME_STATUSES = [Activity.Status.APPROVED, Activity.Status.SUSPENDED]


def search(request):
    form = SchoolSearchForm(request.GET)
    page = Paginator(form.results(), PAGE_SIZE).get_page(request.GET.get("page"))
    schools = list(page.object_list)
    offers = _offers([s.pk for s in schools])
    for school in schools:
        school.classes_open, school.programmes = offers.get(school.pk, (0, 0))
    return render(
        request,
        "public/search.html",
        {"form": form, "page": page, "schools": schools, "searched": _searched(form)},
    )


def _searched(form) -> bool:
    return not form.is_valid() or any(form.cleaned_data.values())


def _offers(school_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(open tutoring classes, approved programmes) of each school, in one query."""
    if not school_ids:
        return {}
    rows = (
        Activity.objects.filter(school__in=school_ids, **_running())
        .values("school_id")
        .annotate(
            classes=Count("pk", filter=Q(kind=Activity.Kind.TUTORING, status=Activity.Status.OPEN)),
            programmes=Count(
                "pk", filter=Q(kind=Activity.Kind.PROGRAMME, status__in=PROGRAMME_STATUSES)
            ),
        )
        .order_by()
    )
    return {r["school_id"]: (r["classes"], r["programmes"]) for r in rows}


def _running() -> dict:
    """What is still running: a class or programme whose last day is past is no longer
    offered, whatever its status says."""
    return {"end_date__gte": timezone.localdate()}


def _page(request, name: str, pk: int, build):
    """The page ``build(pk)`` makes (title, description, body), from the cache when it can;
    404 when there is nothing public to show."""
    content = cached(name, lambda: build(pk), pk)
    if not content:
        raise Http404
    return render(request, "public/page.html", content)


def school(request, pk):
    return _page(request, "school", pk, _school_content)


def _school_content(pk: int) -> dict | None:
    school = School.objects.filter(pk=pk, is_active=True).select_related("unit", "head").first()
    if school is None:
        return None
    classes = (
        TutoringClass.objects.filter(school=school, status__in=CLASS_STATUSES, **_running())
        .select_related("subject")
        .prefetch_related(
            "slots", Prefetch("teachers", queryset=StaffMember.objects.select_related("user"))
        )
        .order_by("grade", "subject__name", "id")
    )
    # The list the head chose to publish: who tutors outside, what, where and when.
    outside = (
        OutsideTutoringDeclaration.objects.filter(teacher__school=school, published=True)
        .exclude(status=OutsideTutoringDeclaration.Status.SUPERSEDED)
        .select_related("teacher__user", "subject")
        .order_by("teacher__user__full_name", "id")
    )
    # Approved programmes, and those the authority suspended: families see that too.
    programmes = list(
        Programme.objects.filter(school=school, status__in=PROGRAMME_STATUSES, **_running())
        .select_related("partner")
        .prefetch_related("slots")
        .order_by("programme_kind", "title", "id")
    )
    body = render_to_string(
        "public/_school.html",
        {
            "school": school,
            "classes": classes,
            "programmes": programmes,
            "any_suspended": any(p.status == Activity.Status.SUSPENDED for p in programmes),
            "outside": outside,
        },
    )
    return {
        "title": school.name,
        "description": _(
            "%(school)s (%(area)s): its tutoring classes and linked programmes, their "
            "schedules and monthly fees, and how to contact the school."
        )
        % {"school": school.name, "area": school.unit.name},
        "body": body,
    }


def programme(request, pk):
    return _page(request, "programme", pk, _programme_content)


def _programme_content(pk: int) -> dict | None:
    programme = (
        Programme.objects.filter(
            pk=pk, status__in=PROGRAMME_STATUSES, school__is_active=True, **_running()
        )
        .select_related("school__unit", "partner", "school_year")
        .prefetch_related("slots")
        .first()
    )
    if programme is None:
        return None
    body = render_to_string(
        "public/_programme.html",
        {"programme": programme, "comparisons": fee_comparison(programme)},
    )
    return {
        "title": programme.title,
        "description": _(
            "%(programme)s at %(school)s: provider, schedule, monthly fee compared with the "
            "same kind of programme in other schools of the area, and the approval decision."
        )
        % {"programme": programme.title, "school": programme.school.name},
        "body": body,
    }


def fee_comparison(programme: Programme) -> list[dict]:
    """How the programme's monthly fee compares with the programmes of its kind (approved
    or suspended, the same school year) in the schools of its area, then of the city."""
    schools = School.objects.filter(is_active=True)
    # The unit in force today: a school still recorded under a merged unit is compared
    # with the whole of the area it now belongs to.
    area = programme.school.unit.current_successor()
    scopes = [(area.name, in_area(schools, area)), (None, schools)]
    return [
        found for name, scope in scopes if (found := _compared(programme, name, scope)) is not None
    ]


def _compared(programme: Programme, area_name: str | None, schools) -> dict | None:
    rows = fee_distribution(schools, school_year=programme.school_year, school=programme.school)
    row = next((r for r in rows if r.kind == programme.programme_kind), None)
    own = next((o for o in row.own if o["pk"] == programme.pk), None) if row else None
    if own is None:
        return None
    span = row.fee_max - row.fee_min

    def at(fee):
        # Where a fee lies on the drawn scale, 4-96 % of its width.
        return 50 if not span else round(4 + 92 * (fee - row.fee_min) / span, 1)

    return {
        "area": area_name,
        "row": row,
        "others": row.count - 1,
        "cheaper": own["cheaper"],
        "dearer": row.count - own["cheaper"] - 1,
        "times_median": round(programme.monthly_fee / row.fee_median, 1)
        if row.fee_median
        else None,
        "x_min": at(row.fee_min),
        "x_median": at(row.fee_median),
        "x_max": at(row.fee_max),
        "x_own": at(programme.monthly_fee),
    }


def rights_page(request):
    language = get_language() or settings.LANGUAGE_CODE

    def build():
        text, version = rights.current_text(language)
        return {
            "body": rights.render(text),
            "changed_at": version.changed_at if version else None,
        }

    content = cached("rights", build)
    return render(
        request,
        "public/rights.html",
        {**content, "may_edit": policy.can(request.user, "rights.edit")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rights_edit(request):
    if not policy.can(request.user, "rights.edit"):
        raise PermissionDenied
    language = request.POST.get("language") or request.GET.get("language") or get_language()
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.method == "POST":
        form = RightsPageForm(request.POST)
        if form.is_valid():
            try:
                rights_page_update(
                    actor=request.user,
                    language=form.cleaned_data["language"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("The rights page is changed."))
                return redirect("public:rights")
    else:
        with translation.override(language):
            text, _version = rights.current_text(language)
        form = RightsPageForm(initial={"language": language, "body": text})
    versions = RightsPage.objects.select_related("changed_by")[:10]
    return render(request, "public/rights_edit.html", {"form": form, "versions": versions})


def open_data(request):
    """The open data: what each file holds, field by field, and where it is."""
    return render(
        request,
        "public/open_data.html",
        {
            "schema": opendata.schema(),
            "version": opendata.SCHEMA_VERSION,
            "min_group": opendata.min_group(),
            "formats": opendata.FORMATS,
        },
    )


def open_data_file(request, dataset, fmt):
    if dataset not in opendata.schema() or fmt not in opendata.FORMATS:
        raise Http404

    content = cached(
        "open-data",
        lambda: opendata.release(dataset, fmt),
        dataset,
        fmt,
        timezone.localdate().replace(day=1),
        opendata.min_group(),
    )
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{dataset}-v1.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def robots(request):
    lines = [
        "User-agent: *",
        "Allow: /public/",
        "Disallow: /",
        f"Sitemap: {request.build_absolute_uri(reverse('public:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")

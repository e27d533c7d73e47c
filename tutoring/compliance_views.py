"""What breaks the rules now: every class in the user's scope whose last check found a
breach, with the rules it breaks."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.models import Role
from schools import policy
from schools.models import School

from .models import TutoringClass

OVERSEERS = {Role.PRINCIPAL, Role.COMMITTEE, Role.DEPARTMENT, Role.INSPECTOR}


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
    school_id = request.GET.get("school", "")
    if school_id.isdigit():
        classes = classes.filter(school_id=int(school_id))
    page = Paginator(classes, 50).get_page(request.GET.get("page"))
    schools = (
        policy.visible(request.user, School)
        .filter(activities__in=classes.values("pk"))
        .distinct()
        .order_by("name")
    )
    return render(request, "tutoring/breaches.html", {
        "page": page, "schools": schools, "school_id": school_id,
    })

"""Pages for the public, without signing in: what a school offers. Never any student data."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from partnerships.models import Programme
from schools.models import Activity, School, StaffMember
from tutoring.models import OutsideTutoringDeclaration, TutoringClass

PUBLIC_STATUSES = [Activity.Status.OPEN, Activity.Status.SUSPENDED]


def school(request, pk):
    school = get_object_or_404(School.objects.select_related("unit", "head"), pk=pk)
    classes = (
        TutoringClass.objects.filter(school=school, status__in=PUBLIC_STATUSES)
        .select_related("subject")
        .prefetch_related(
            "slots", Prefetch("teachers", queryset=StaffMember.objects.select_related("user"))
        )
        .order_by("grade", "subject__name", "id")
    )
    # The list the head chose to publish: who tutors outside, what, where and when. No
    # student appears in it.
    outside = (
        OutsideTutoringDeclaration.objects.filter(teacher__school=school, published=True)
        .exclude(status=OutsideTutoringDeclaration.Status.SUPERSEDED)
        .select_related("teacher__user", "subject")
        .order_by("teacher__user__full_name", "id")
    )
    # Approved programmes, and those the authority suspended: families see that too.
    programmes = (
        Programme.objects.filter(
            school=school,
            status__in=[Activity.Status.APPROVED, Activity.Status.SUSPENDED],
        )
        .select_related("partner")
        .prefetch_related("slots")
        .order_by("programme_kind", "title", "id")
    )
    return render(
        request,
        "reports/public_school.html",
        {
            "school": school,
            "classes": classes,
            "programmes": programmes,
            "any_suspended": any(p.status == Activity.Status.SUSPENDED for p in programmes),
            "outside": outside,
        },
    )

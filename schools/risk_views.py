"""Coercion-risk signals: the live activities of the user's scope that show signs that
families were pushed rather than asked, highest risk first (see ``schools.risk``)."""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import exports, policy, risk
from .exports import Column

PAGE_SIZE = 25
COLUMNS = [
    Column(gettext_lazy("Activity"), "activity.title"),
    Column(gettext_lazy("Kind"), "activity.get_kind_display"),
    Column(gettext_lazy("Status"), "activity.get_status_display"),
    Column(gettext_lazy("School code"), "activity.school.moet_code"),
    Column(gettext_lazy("School"), "activity.school.name"),
    Column(gettext_lazy("Risk score"), "score"),
    Column(gettext_lazy("Reasons"), lambda f: [r.message for r in f.reasons]),
]


@login_required
def risk_list(request):
    if not policy.can(request.user, "activity.view_risk"):
        raise PermissionDenied
    flagged, computed_at = risk.flagged_activities_kept(request.user)
    schools = sorted(
        {f.activity.school for f in flagged}, key=lambda s: (risk.alphabetical(s.name), s.pk)
    )
    school_id = request.GET.get("school", "")
    if re.fullmatch(r"[0-9]{1,9}", school_id):  # a database id, not any number
        flagged = [f for f in flagged if f.activity.school_id == int(school_id)]
    else:
        school_id = ""
    if exports.export_format(request):
        return exports.export_response(
            request, flagged, COLUMNS, filename="dau-hieu-ep-buoc", title=_("Signs of coercion")
        )
    page = Paginator(flagged, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/risk.html",
        {
            "page": page,
            "computed_at": computed_at,
            "cache_minutes": settings.FIGURES_CACHE_SECONDS // 60,
            "schools": schools,
            "school_id": school_id,
            "threshold": round(settings.COERCION_SHARE_THRESHOLD * 100),
            "min_homeroom": risk.HOMEROOM_MIN_STUDENTS,
        },
    )

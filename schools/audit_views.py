"""The audit log for the Department: who did what, to which record, and when; filtered,
paged and exported like every list."""

import datetime
import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts import security
from accounts.models import AuditEvent

from . import exports, policy
from .exports import Column

PAGE_SIZE = 50

AUDIT_COLUMNS = [
    Column(_("Time"), "at"),
    Column(_("Username"), lambda e: e.actor.username if e.actor else ""),
    Column(_("Who"), lambda e: e.actor.get_full_name() if e.actor else ""),
    Column(_("Action"), "action"),
    Column(_("Record type"), "object_type"),
    Column(_("Record id"), "object_id"),
    Column(_("Summary"), "summary"),
    Column(_("Details"), lambda e: json.dumps(e.data, ensure_ascii=False) if e.data else ""),
]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who (username or name)"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.CharField(label=_("Record type"), required=False, max_length=60)
    object_id = forms.CharField(label=_("Record id"), required=False, max_length=40)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["action"].choices = [("", _("All actions"))] + [
            (a, action_label(a)) for a in actions
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def filter(self, events):
        data = self.cleaned_data
        if data["actor"].strip():
            who = data["actor"].strip()
            events = events.filter(
                Q(actor__username__iexact=who) | Q(actor__full_name__icontains=who)
            )
        for name in ("action", "object_type", "object_id"):
            if data[name]:
                events = events.filter(**{name: data[name].strip()})
        # Bounds on the time itself, not on its date, so that the index on it serves. The
        # first and last years bound nothing (and would overflow in UTC).
        if data["date_from"] and data["date_from"].year > 1:
            events = events.filter(at__gte=_day_start(data["date_from"]))
        if data["date_to"] and data["date_to"].year < 9999:
            next_day = data["date_to"] + datetime.timedelta(days=1)
            events = events.filter(at__lt=_day_start(next_day))
        return events


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def action_label(action: str):
    """An action's name in the filter: its label and its code (as the table shows it), or
    the code alone for an action without a label."""
    label = security.LABELS.get(action)
    return format_lazy("{} ({})", label, action) if label else action


@login_required
@require_GET
def audit_list(request):
    if not policy.can(request.user, "audit.view"):
        raise PermissionDenied
    recorded = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    # The security events can be chosen before the first of them is recorded.
    actions = sorted(set(recorded) | set(security.LABELS))
    form = AuditFilterForm(request.GET or None, actions=actions)
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    if form.is_bound:
        events = form.filter(events) if form.is_valid() else events.none()
    if exports.export_format(request):
        return exports.export_response(
            request, events, AUDIT_COLUMNS, filename="nhat-ky-thao-tac", title=_("Audit log")
        )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "schools/audit_list.html", {"form": form, "page": page})

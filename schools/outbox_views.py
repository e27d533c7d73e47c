"""The Department's outbox: the e-mails the portal owes families and schools, those still
waiting and those it gave up on, with the error each last met; one given up on can be sent
again. The bodies, which hold families' personal links and codes, are never shown."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from . import mail, policy
from .models import OutgoingEmail

PAGE_SIZE = 50
Status = OutgoingEmail.Status
UNSENT = [Status.QUEUED, Status.FAILED]


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Waiting or not sent")), *Status.choices],
    )
    recipient = forms.CharField(label=gettext_lazy("Recipient"), required=False, max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

    def filter(self, emails):
        data = self.cleaned_data
        emails = (
            emails.filter(status=data["status"])
            if data["status"]
            else emails.filter(status__in=UNSENT)
        )
        if data["recipient"].strip():
            emails = emails.filter(recipient__icontains=data["recipient"].strip())
        return emails


@login_required
@require_GET
def outbox_list(request):
    if not policy.can(request.user, "outbox.view"):
        raise PermissionDenied
    form = OutboxFilterForm(request.GET or None)
    emails = OutgoingEmail.objects.defer("body").order_by("-created_at", "-id")
    if not form.is_bound:
        emails = emails.filter(status__in=UNSENT)
    else:
        emails = form.filter(emails) if form.is_valid() else emails.none()
    counts = dict(
        OutgoingEmail.objects.filter(status__in=UNSENT)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    page = Paginator(emails, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/outbox_list.html",
        {
            "form": form,
            "page": page,
            "queued": counts.get(Status.QUEUED, 0),
            "failed": counts.get(Status.FAILED, 0),
        },
    )


@login_required
@require_POST
def outbox_retry(request, pk):
    if not policy.can(request.user, "outbox.retry"):
        raise PermissionDenied
    email = get_object_or_404(OutgoingEmail, pk=pk)
    try:
        mail.outgoing_email_retry(actor=request.user, email=email)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        # With the in-process task backend it has been tried already.
        email.refresh_from_db()
        if email.status == Status.SENT:
            messages.success(request, _("The e-mail to %(to)s is sent.") % {"to": email.recipient})
        elif email.status == Status.FAILED:
            messages.error(
                request,
                _("The e-mail to %(to)s could not be sent again: %(error)s")
                % {"to": email.recipient, "error": email.last_error},
            )
        else:
            messages.success(
                request, _("The e-mail to %(to)s will be sent again.") % {"to": email.recipient}
            )
    return redirect("schools:outbox_list")

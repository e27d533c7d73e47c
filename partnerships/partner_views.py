"""The partner registry: kept by the Department, read by officials and heads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from schools import exports, policy
from schools.exports import Column, field_header
from schools.forms import add_service_error
from schools.uploads import attachment_response

from . import services
from .forms import LicenceForm, PartnerDocumentForm, PartnerForm, PartnerStatusForm
from .models import Licence, Partner, PartnerDocument, Programme

PAGE_SIZE = 50


def _licences(partner) -> list[str]:
    """Each licence as the list shows it: its number and how long it runs."""
    return [
        f"{lic.number} ({_('until')} {lic.valid_to:%d/%m/%Y})"
        if lic.valid_to
        else f"{lic.number} ({_('no end date')})"
        for lic in partner.licences.all()
    ]


PARTNER_COLUMNS = [
    Column(gettext_lazy("Partner"), "legal_name"),
    Column(gettext_lazy("Tax code"), "tax_code"),
    Column(field_header(Partner, "business_registration"), "business_registration"),
    Column(gettext_lazy("Foreign"), "is_foreign"),
    Column(gettext_lazy("Licences"), _licences),
    Column(gettext_lazy("Live programmes"), "live"),
    Column(gettext_lazy("Status"), "get_status_display"),
]


def _require(user, action, obj=None):
    if not policy.can(user, action, obj):
        raise PermissionDenied


def _partner_or_404(user, pk):
    _require(user, "partner.view")
    return policy.get_object_or_404(user, Partner, pk=pk)


def _documents_for(user, partner):
    """The partner's documents the user may open: CVs only for officials."""
    documents = partner.documents.all()
    if not policy.can(user, "partner.view_staff_documents"):
        documents = documents.exclude(kind=PartnerDocument.Kind.STAFF)
    return documents


@login_required
def partner_list(request):
    _require(request.user, "partner.view")
    partners = (
        policy.visible(request.user, Partner)
        .annotate(
            live=Count(
                "programmes",
                filter=Q(programmes__status__in=["submitted", "approved", "suspended"]),
            )
        )
        .prefetch_related(Prefetch("licences", queryset=Licence.objects.order_by("-valid_from")))
        .order_by("legal_name", "id")
    )
    q = request.GET.get("q", "").strip()[:100]
    if q:
        partners = partners.filter(Q(legal_name__icontains=q) | Q(tax_code__startswith=q))
    status = request.GET.get("status", "")
    if status in Partner.Status.values:
        partners = partners.filter(status=status)
    if exports.export_format(request):
        return exports.export_response(
            request,
            partners,
            PARTNER_COLUMNS,
            filename="don-vi-lien-ket",
            title=_("Partner organisations"),
        )
    page = Paginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partnerships/partner_list.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "statuses": Partner.Status.choices,
            "may_manage": policy.can(request.user, "partner.manage"),
        },
    )


def _partner_form(request, instance=None):
    form = PartnerForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_save(actor=request.user, partner=form.instance)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The partner is saved in the registry."))
            return redirect("partnerships:partner_detail", pk=partner.pk)
    return render(request, "partnerships/partner_form.html", {"form": form, "instance": instance})


@login_required
@require_http_methods(["GET", "POST"])
def partner_create(request):
    _require(request.user, "partner.manage")
    return _partner_form(request)


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit(request, pk):
    partner = _partner_or_404(request.user, pk)
    _require(request.user, "partner.manage")
    return _partner_form(request, instance=partner)


@login_required
def partner_detail(request, pk):
    partner = _partner_or_404(request.user, pk)
    programmes = (
        policy.visible(request.user, Programme)
        .filter(partner=partner)
        .select_related("school")
        .order_by("-start_date", "id")
    )
    may_manage = policy.can(request.user, "partner.manage")
    return render(
        request,
        "partnerships/partner_detail.html",
        {
            "partner": partner,
            "licences": partner.licences.all(),
            "documents": _documents_for(request.user, partner),
            "events": partner.events.select_related("actor"),
            "programmes": programmes[:50],
            "programme_count": programmes.count(),
            "may_manage": may_manage,
            "status_form": PartnerStatusForm(current=partner.status) if may_manage else None,
        },
    )


@login_required
@require_http_methods(["POST"])
def partner_status(request, pk):
    partner = _partner_or_404(request.user, pk)
    _require(request.user, "partner.manage")
    form = PartnerStatusForm(request.POST)
    if form.is_valid():
        try:
            services.partner_set_status(actor=request.user, partner=partner, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            partner.refresh_from_db()
            messages.success(
                request,
                _("The partner is now %(status)s.")
                % {"status": partner.get_status_display().lower()},
            )
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return redirect("partnerships:partner_detail", pk=partner.pk)


@login_required
@require_http_methods(["GET", "POST"])
def licence_add(request, pk):
    partner = _partner_or_404(request.user, pk)
    _require(request.user, "partner.manage")
    form = LicenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        licence = form.save(commit=False)
        licence.partner = partner
        try:
            services.licence_add(
                actor=request.user, licence=licence, document=form.cleaned_data["document"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The licence is recorded."))
            return redirect("partnerships:partner_detail", pk=partner.pk)
    return render(
        request,
        "partnerships/partner_upload_form.html",
        {"partner": partner, "form": form, "title": _("Record a licence")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_document_add(request, pk):
    partner = _partner_or_404(request.user, pk)
    _require(request.user, "partner.manage")
    form = PartnerDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_document_add(actor=request.user, partner=partner, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The document is added."))
            return redirect("partnerships:partner_detail", pk=partner.pk)
    return render(
        request,
        "partnerships/partner_upload_form.html",
        {"partner": partner, "form": form, "title": _("Add a document")},
    )


@login_required
def partner_document(request, pk, document_pk):
    partner = _partner_or_404(request.user, pk)
    try:
        document = _documents_for(request.user, partner).get(pk=document_pk)
    except PartnerDocument.DoesNotExist:
        raise Http404 from None
    return attachment_response(document.file)

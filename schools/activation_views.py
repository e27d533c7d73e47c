"""Parents' accounts: the school's page of its guardians' accounts, where the head and staff
print one-time codes or e-mail activation links, and the public page where a parent opens
their account with the code or the link."""

import re

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.reauth import recent_authentication_required

from . import activation, exports, policy
from .exports import Column, field_header
from .forms import ActivationForm, add_service_error
from .models import Guardian, Guardianship, ParentInvitation, School, Student

PAGE_SIZE = 50
STATES = {"without": {"guardian__user__isnull": True}, "with": {"guardian__user__isnull": False}}
LIST_PARAMETERS = ("homeroom", "state", "page")


def _school_for_invitations(request, pk) -> School:
    school = policy.get_object_or_404(request.user, School, pk=pk)
    if not policy.can(request.user, "school.invite_parents", school):
        raise PermissionDenied
    return school


def _studying(user, school):
    """The guardianships of the school's studying students, as far as ``user`` sees them."""
    return policy.visible(user, Guardianship).filter(
        student__school=school, student__status=Student.Status.STUDYING
    )


def _homerooms(school) -> list[str]:
    pairs = (
        Student.objects.filter(school=school, status=Student.Status.STUDYING)
        .values_list("grade", "homeroom")
        .distinct()
        .order_by("grade", "homeroom")
    )
    return [homeroom for _grade, homeroom in pairs]


def _list_url(school, query: str = "") -> str:
    """The list page again, with the filters it had (and nothing else)."""
    kept = QueryDict(query, mutable=True)
    for key in list(kept):
        if key not in LIST_PARAMETERS:
            del kept[key]
    url = reverse("schools:parent_accounts", args=[school.pk])
    return f"{url}?{kept.urlencode()}" if kept else url


@login_required
@recent_authentication_required(when=exports.export_format)
def parent_accounts(request, pk):
    """The guardians of the school's studying students, by class: who has an account, who
    holds an unused code or link; codes to print, links to e-mail."""
    school = _school_for_invitations(request, pk)
    homerooms = _homerooms(school)
    homeroom = request.GET.get("homeroom", "")
    state = request.GET.get("state", "")
    rows = _studying(request.user, school).select_related("student", "guardian")
    if homeroom in homerooms:
        rows = rows.filter(student__homeroom=homeroom)
    else:
        homeroom = ""
    if state in STATES:
        rows = rows.filter(**STATES[state])
    else:
        state = ""
    rows = rows.order_by(
        "student__grade", "student__homeroom", "student__full_name", "guardian__full_name", "pk"
    )
    if exports.export_format(request):
        return _accounts_export(request, school, rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    guardian_ids = {row.guardian_id for row in page.object_list}
    # At most one invitation per guardian is neither used nor voided (a constraint).
    pending = {
        invitation.guardian_id: invitation
        for invitation in ParentInvitation.objects.filter(
            guardian_id__in=guardian_ids, used_at__isnull=True, voided_at__isnull=True
        )
    }
    for row in page.object_list:
        row.invitation = pending.get(row.guardian_id)
    context = {
        "school": school,
        "page": page,
        "homerooms": homerooms,
        "homeroom": homeroom,
        "state": state,
        "query": request.GET.urlencode(),
        "now": timezone.now(),
    }
    return render(request, "schools/parent_accounts.html", context)


def _account_state(row) -> str:
    """The "Account" column of the list, in words."""
    invitation = row.invitation
    if row.guardian.user_id:
        return _("Has an account")
    if invitation is not None and invitation.is_open:
        if invitation.channel == ParentInvitation.Channel.EMAIL:
            return _("Link e-mailed")
        return _("Code printed")
    return _("Code expired") if invitation is not None else _("No account")


def _accounts_export(request, school, rows):
    """The list as a file, each guardian's open code or link read with one query for the
    whole list. Families' contact details: the export is logged."""
    pending = {
        invitation.guardian_id: invitation
        for invitation in ParentInvitation.objects.filter(
            guardian__in=rows.values("guardian_id"), used_at__isnull=True, voided_at__isnull=True
        )
    }

    def with_invitations():
        for row in rows.iterator(chunk_size=exports.CHUNK_SIZE):
            row.invitation = pending.get(row.guardian_id)
            yield row

    columns = [
        Column(gettext_lazy("Student"), "student.full_name"),
        Column(gettext_lazy("Student code"), "student.national_id"),
        Column(gettext_lazy("Class"), "student.homeroom"),
        Column(gettext_lazy("Guardian"), "guardian.full_name"),
        Column(gettext_lazy("Relationship"), "get_relationship_display"),
        Column(gettext_lazy("Phone number"), "guardian.phone"),
        Column(gettext_lazy("E-mail"), "guardian.email"),
        Column(gettext_lazy("Account"), _account_state),
        Column(
            field_header(ParentInvitation, "expires_at"),
            lambda row: row.invitation.expires_at
            if row.invitation and row.invitation.is_open and not row.guardian.user_id
            else None,
        ),
    ]
    return exports.export_response(
        request,
        with_invitations(),
        columns,
        filename=f"tai-khoan-phu-huynh-{school.moet_code}",
        title=_("Parent accounts"),
        students=True,
        obj=school,
    )


def _ids(values) -> list[int]:
    return [int(v) for v in values if re.fullmatch(r"[0-9]{1,18}", v)]


@login_required
@require_POST
def parent_codes_issue(request, pk):
    """Codes for the chosen guardians, or for every guardian without an account of one
    class, on a sheet of slips to print: the only time the codes are shown."""
    school = _school_for_invitations(request, pk)
    studying = _studying(request.user, school)
    homeroom = request.POST.get("homeroom", "").strip()
    back = _list_url(school, request.POST.get("query", ""))
    if homeroom:
        chosen = studying.filter(student__homeroom=homeroom)
    else:
        chosen = studying.filter(guardian__in=_ids(request.POST.getlist("guardian")))
    guardians = list(Guardian.objects.filter(pk__in=chosen.values("guardian")))
    if not guardians:
        messages.error(request, _("Choose the guardians to print codes for, or a class."))
        return redirect(back)
    try:
        issued = activation.parent_invitations_issue(
            actor=request.user, school=school, guardians=guardians
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    if not issued:
        messages.info(request, _("Every chosen guardian already has an account: no code issued."))
        return redirect(back)
    children = activation.children_in(school, [item.guardian for item in issued])
    slips = [{"item": item, "children": children.get(item.guardian.pk, [])} for item in issued]
    # In class order, as the slips are handed out.
    slips.sort(
        key=lambda slip: (
            [(c.grade, c.homeroom, c.full_name) for c in slip["children"]],
            slip["item"].guardian.full_name,
        )
    )
    response = render(
        request,
        "schools/parent_codes.html",
        {
            "school": school,
            "slips": slips,
            "skipped": len(guardians) - len(issued),
            "homeroom": homeroom,
            "back": back,
            "activate_url": request.build_absolute_uri(reverse("schools:activate")),
            "expires_at": issued[0].invitation.expires_at,
        },
    )
    # The codes exist only in this response: never kept by a browser or a proxy.
    patch_cache_control(response, no_store=True, private=True)
    return response


@login_required
@require_POST
def parent_link_send(request, pk, guardian_pk):
    school = _school_for_invitations(request, pk)
    link = _studying(request.user, school).filter(guardian_id__in=_ids([str(guardian_pk)])).first()
    if link is None:
        raise Http404
    guardian = link.guardian
    try:
        invitation = activation.parent_invitation_send(
            actor=request.user,
            school=school,
            guardian=guardian,
            site_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _(
                "The activation link is on its way to %(email)s. It works once, until "
                "%(date)s; a code printed earlier for %(name)s no longer works."
            )
            % {
                "email": guardian.email,
                "name": guardian.full_name,
                "date": date_format(timezone.localtime(invitation.expires_at), "d/m/Y"),
            },
        )
    return redirect(_list_url(school, request.POST.get("query", "")))


# --- The parent's page ------------------------------------------------------------------


@sensitive_post_parameters("code", "password", "password_again")
@never_cache
@require_http_methods(["GET", "POST"])
def activate(request, token=None):
    """A parent opens their account: phone number (or e-mail), code and password; or, from
    the e-mailed link, only the password. Signed in and sent home on success."""
    invitation = None
    if token is not None:
        try:
            invitation = activation.invitation_from_token(token)
        except activation.ActivationRefused as error:
            if request.method == "POST":
                activation.activation_failed("", get_client_ip_address(request))
            # The code still works on the ordinary page (the e-mail gives it too).
            messages.error(request, str(error))
            return redirect("schools:activate")
    form = ActivationForm(request.POST or None, with_code=token is None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data.get("identifier", "")
        ip = get_client_ip_address(request)
        if activation.activation_locked(identifier, ip):
            form.add_error(None, activation.locked_message())
        else:
            try:
                user = activation.parent_account_activate(
                    identifier=identifier,
                    code=form.cleaned_data.get("code", ""),
                    token=token or "",
                    password=form.cleaned_data["password"],
                )
            except activation.ActivationRefused as error:
                activation.activation_failed(identifier, ip)
                form.add_error(None, str(error))
            except ValidationError as error:
                add_service_error(form, error)
            else:
                activation.activation_succeeded(identifier)
                login(request, user, backend="accounts.backends.UsernameEmailPhoneBackend")
                messages.success(
                    request,
                    _(
                        "Your account is ready. From now on, sign in with %(identifier)s and "
                        "your password."
                    )
                    % {"identifier": user.username},
                )
                return redirect("schools:home")
    return render(
        request,
        "schools/activate.html",
        {
            "form": form,
            "guardian": invitation.guardian if invitation else None,
            "username": activation.username_for(invitation.guardian) if invitation else "",
        },
    )

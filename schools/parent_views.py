"""What a family sees and decides: the activities offered to their child, and their consent,
refusal or withdrawal. Signed in (channel "online"), or through a personal, signed,
expiring link per child for parents without an account (channel "link")."""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.security import record_student_view

from . import consent, policy
from .models import ConsentEvent, Guardian, Student
from .selectors import offers_for

LINK_SALT = "schools.consent-link"
RECEIPT_SALT = "schools.consent-receipt"
# The page confirming an answer shows the enrolment as it is now: only just after it.
RECEIPT_MAX_AGE = 10 * 60


def _family_of(user):
    """The signed-in parent's guardian record."""
    guardian = policy.visible(user, Guardian).first()
    if guardian is None:
        raise PermissionDenied
    guardian.user = user  # the account is the one signed in: not read again for its e-mail
    return guardian


def _child_page(request, student, guardian, *, link_token=None):
    return render(
        request,
        "schools/parent_child.html",
        {
            "student": student,
            "guardian": guardian,
            "offers": offers_for(student),
            "link_token": link_token,
        },
    )


@login_required
def child(request, pk):
    """A child's offers, for a signed-in parent (404 for anyone else's child)."""
    student = policy.get_object_or_404(request.user, Student, pk=pk)
    if not policy.can(request.user, "student.decide_consent", student):
        raise PermissionDenied
    record_student_view(request, student)
    return _child_page(request, student, _family_of(request.user))


@transaction.atomic  # an enrolment made for the answer goes if the answer is refused
def _decide(request, student, guardian, activity_pk, channel, actor):
    kind = request.POST.get("kind", "")
    expected = request.POST.get("expected_last", "")
    terms = request.POST.get("terms", "")
    if (
        kind not in ConsentEvent.Kind.values
        or not re.fullmatch(r"[0-9]{1,18}", expected)
        or (kind == ConsentEvent.Kind.GIVEN and not terms)
    ):
        # Agreeing needs the terms the page showed: never agree to unseen terms.
        raise ValidationError(_("The form is incomplete: open the page again."))
    # Only what is offered to this child: anything else does not exist for the family.
    offer = next(iter(offers_for(student, activity_id=activity_pk)), None)
    if offer is None:
        raise Http404
    enrollment = offer.enrollment
    if enrollment is None:
        if kind == ConsentEvent.Kind.WITHDRAWN:
            raise ValidationError(_("There is no consent in force to withdraw."))
        enrollment = consent.offer_enrollment(activity=offer.activity, student=student)
    return consent.record(
        enrollment=enrollment,
        guardian=guardian,
        kind=kind,
        channel=channel,
        actor=actor,
        expected_last=int(expected),
        expected_terms=terms or None,
    )


def _after_decision(request, decide, done_url, page_url):
    try:
        decision = decide()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(page_url)
    # What the next page confirms travels signed in its address, not in the session: no
    # session to write at each answer (nor to make for a family answering by link).
    receipt = signing.dumps(
        {"event": decision.event.pk, "repeated": decision.repeated}, salt=RECEIPT_SALT
    )
    return redirect(f"{done_url}?{urlencode({'receipt': receipt})}")


@login_required
@require_POST
def decide(request, pk, activity_pk):
    student = policy.get_object_or_404(request.user, Student, pk=pk)
    if not policy.can(request.user, "student.decide_consent", student):
        raise PermissionDenied
    guardian = _family_of(request.user)
    return _after_decision(
        request,
        lambda: _decide(
            request, student, guardian, activity_pk, ConsentEvent.Channel.ONLINE, request.user
        ),
        reverse("schools:consent_done", args=[student.pk]),
        reverse("schools:child", args=[student.pk]),
    )


def _done_page(request, student, back_url):
    try:
        shown = signing.loads(
            request.GET.get("receipt", ""), salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE
        )
    except signing.BadSignature:  # none, altered or old: the child's page says the rest
        shown = None
    event = (
        ConsentEvent.objects.filter(pk=shown["event"], enrollment__student=student)
        .select_related("enrollment__activity")
        .first()
        if shown
        else None
    )
    if event is None:
        return redirect(back_url)
    return render(
        request,
        "schools/parent_done.html",
        {
            "student": student,
            "event": event,
            "enrollment": event.enrollment,
            "position": consent.waiting_position(event.enrollment),
            "repeated": shown["repeated"],
            "back_url": back_url,
        },
    )


@login_required
def done(request, pk):
    student = policy.get_object_or_404(request.user, Student, pk=pk)
    if not policy.can(request.user, "student.decide_consent", student):
        raise PermissionDenied
    return _done_page(request, student, reverse("schools:child", args=[student.pk]))


# --- The personal link ------------------------------------------------------------------


def link_for(guardian: Guardian, student: Student) -> str:
    """The path of a guardian's personal link for one child: signed, so that it cannot be
    altered, and valid for ``CONSENT_LINK_MAX_AGE`` seconds from now."""
    token = signing.TimestampSigner(salt=LINK_SALT).sign_object({"g": guardian.pk, "s": student.pk})
    return reverse("schools:link_child", args=[token])


def _from_link(token):
    """The guardian and the child a link names, or a clear refusal."""
    try:
        data = signing.TimestampSigner(salt=LINK_SALT).unsign_object(
            token, max_age=settings.CONSENT_LINK_MAX_AGE
        )
    except signing.SignatureExpired:
        raise LinkRefused(_("This link has expired. Ask the school for a new one.")) from None
    except signing.BadSignature:
        raise LinkRefused(
            _("This link is not valid. Open it exactly as the school sent it.")
        ) from None
    guardian = Guardian.objects.filter(pk=data.get("g")).first()
    student = (
        Student.objects.filter(pk=data.get("s"), guardians=guardian).select_related("school")
    ).first()
    if guardian is None or student is None:
        raise LinkRefused(_("This link is no longer valid. Ask the school for a new one."))
    return guardian, student


class LinkRefused(Exception):
    pass


def _refused(request, error):
    return render(request, "schools/parent_link_refused.html", {"message": str(error)}, status=403)


@never_cache
def link_child(request, token):
    try:
        guardian, student = _from_link(token)
    except LinkRefused as error:
        return _refused(request, error)
    record_student_view(request, student, guardian=guardian.pk, via="link")
    return _child_page(request, student, guardian, link_token=token)


@never_cache
@require_POST
def link_decide(request, token, activity_pk):
    try:
        guardian, student = _from_link(token)
    except LinkRefused as error:
        return _refused(request, error)
    if request.user.is_authenticated and request.user != guardian.user:
        # Staff (or another parent) signed in on this browser: a family's link is the
        # family's to use, and a decision must not be recorded as theirs.
        return _refused(
            request, LinkRefused(_("Sign out first: this link is for the family only."))
        )
    return _after_decision(
        request,
        lambda: _decide(request, student, guardian, activity_pk, ConsentEvent.Channel.LINK, None),
        reverse("schools:link_done", args=[token]),
        reverse("schools:link_child", args=[token]),
    )


@never_cache
def link_done(request, token):
    try:
        _guardian, student = _from_link(token)
    except LinkRefused as error:
        return _refused(request, error)
    return _done_page(request, student, reverse("schools:link_child", args=[token]))

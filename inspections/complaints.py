"""Complaints of parents and the public: filing (anonymous allowed), following by tracking
code, and the managing authority's triage. One function per user action, atomic, checking
the policy and recording who did what, as in ``services``.

Who triages: the school's managing authority (``complaint.triage``: the Department for the
schools it manages directly, the People's Committee of the area for the others) assigns,
links to an inspection and closes. The official a complaint is assigned to (an inspector,
say) answers it too, but neither reassigns it, nor links it, nor closes it: the authority
stays answerable for the outcome. A closed complaint takes no further action.

Anonymous means that nothing identifies the author: no name, phone number, e-mail or
account is kept, and the author follows the complaint with its code alone. The address a
complaint comes from is counted for the rate limit (in the cache, hashed) and never stored
with it.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.backends import PHONE_LIKE, normalize_phone
from accounts.models import Role
from schools import mail, policy
from schools.models import Activity, School
from schools.uploads import validate_scan

from . import access
from .models import Authority, Complaint, ComplaintAttachment, ComplaintEvent, Inspection

# No 0/O or 1/I: a code is copied from a screen or a receipt and typed on a phone.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 32 ** 12 = 2 ** 60 codes
MAX_ATTACHMENTS = 5
DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 5000
ANSWER_MAX = 5000

# What the public may complain about: activities the school offers or offered.
PUBLIC_ACTIVITY_STATUSES = (
    Activity.Status.APPROVED,
    Activity.Status.OPEN,
    Activity.Status.SUSPENDED,
    Activity.Status.CLOSED,
)

# The events of a complaint, as its pages name them. The public ones are those the author
# sees with the code; "assigned" and "linked" are the authority's own.
EVENT_LABELS = {
    "received": gettext_lazy("Received"),
    "in_progress": gettext_lazy("Being handled"),
    "assigned": gettext_lazy("Assigned"),
    "linked": gettext_lazy("Linked to an inspection"),
    "answered": gettext_lazy("Answered"),
    "closed": gettext_lazy("Closed with an answer"),
}
PUBLIC_EVENTS = {"received", "in_progress", "answered", "closed"}

# --- Tracking codes ---------------------------------------------------------------------


def new_code() -> str:
    """A random code in the form ``ABCD-EFGH-JKLM``, not yet given to any complaint."""
    while True:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        code = "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))
        if not Complaint.objects.filter(code=code).exists():
            return code


def clean_code(value: str) -> str | None:
    """What the author typed, as the stored code (capitals, dashes in place), or None when
    it cannot be a code at all."""
    raw = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def complaint_by_code(value: str) -> Complaint | None:
    """The complaint a tracking code names, or None for a wrong or malformed code alike."""
    code = clean_code(value)
    if code is None:
        return None
    return Complaint.objects.select_related("school", "activity").filter(code=code).first()


# --- Rate limits --------------------------------------------------------------------------


class Throttled(Exception):
    """Too many complaints, or lookups, from one address: refused with nothing saved."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int


def filing_limit() -> Limit:
    return Limit("file", settings.COMPLAINT_RATE_LIMIT, settings.COMPLAINT_RATE_WINDOW_MINUTES * 60)


def lookup_limit() -> Limit:
    return Limit(
        "lookup", settings.COMPLAINT_LOOKUP_LIMIT, settings.COMPLAINT_LOOKUP_WINDOW_MINUTES * 60
    )


def _window(limit: Limit, ip: str, now: float) -> tuple[str, int]:
    """The cache key counting ``ip`` in the current fixed window, and the seconds left in
    it. The window is part of the key, so a cache that resets a key's expiry when it counts
    (Django's database cache does) never stretches a window."""
    bucket = int(now // limit.window_seconds)
    digest = hashlib.sha256(f"{limit.name}:{ip}".encode()).hexdigest()
    left = limit.window_seconds - int(now % limit.window_seconds)
    return f"inspections.complaints.{limit.name}.{digest}.{bucket}", left


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def throttled(limit: Limit, ip: str | None) -> str | None:
    """The message for ``ip`` if it has used up ``limit`` in this window, without counting."""
    if not ip:
        return None
    key, left = _window(limit, ip, time.time())
    if (cache.get(key) or 0) >= limit.limit:
        return _throttled_message(limit, left)
    return None


def take(limit: Limit, ip: str | None) -> None:
    """Count one use of ``limit`` by ``ip``; ``Throttled`` when it was already used up.
    Counting first and comparing after keeps a burst of parallel requests within it."""
    if not ip:
        return
    key, left = _window(limit, ip, time.time())
    if cache.add(key, 1, left + 60):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired in between
            cache.set(key, 1, left + 60)
            count = 1
    if count > limit.limit:
        raise Throttled(_throttled_message(limit, left))


def _throttled_message(limit: Limit, left: int) -> str:
    if limit.name == "file":
        text = _(
            "Too many complaints were sent from your connection. Wait %(minutes)s minutes, "
            "then send yours again; if it is urgent, call the education office."
        )
    else:
        text = _("Too many codes were looked up from your connection. Wait %(minutes)s minutes.")
    return text % {"minutes": _minutes(left)}


# --- Filing -------------------------------------------------------------------------------


def _event(complaint, actor, action, summary="", *, public=None) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        summary=(summary or str(EVENT_LABELS[action]))[:300],
        is_public=action in PUBLIC_EVENTS if public is None else public,
    )


def _track_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("inspections:complaint_track")


def contact_errors(*, is_anonymous, name, phone, email) -> dict:
    """What is missing or wrong in a named complaint's contact details, by field."""
    errors = {}
    if is_anonymous:
        return errors
    if not name:
        errors["name"] = _("Give your name, or choose to stay anonymous.")
    elif len(name) > 150:
        errors["name"] = _("The name is too long (at most 150 characters).")
    if phone and not PHONE_LIKE.match(phone):
        errors["phone"] = _("Enter a phone number of 9 to 20 digits.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    if not phone and not email and "phone" not in errors and "email" not in errors:
        errors["phone"] = _(
            "Give a phone number or an e-mail address so that the authority can reach you, "
            "or choose to stay anonymous."
        )
    return errors


@transaction.atomic
def complaint_file(
    *,
    school: School | None,
    activity: Activity | None,
    category: str,
    description: str,
    is_anonymous: bool,
    name: str = "",
    phone: str = "",
    email: str = "",
    files=(),
    user=None,
    ip: str | None = None,
) -> Complaint:
    """File a complaint about ``school`` (and maybe one of its public activities) with up to
    five attachments (PDF, JPEG or PNG, each at most 10 MB). Every problem is reported at
    once, by field; ``Throttled`` when ``ip`` already filed its share of complaints in the
    window. The author gets the tracking code by e-mail if they gave an address; a signed-in
    parent's complaint records their account unless it is anonymous."""
    description = (description or "").strip()
    name = (name or "").strip()
    phone = (phone or "").strip()
    email = (email or "").strip()
    files = list(files or [])
    errors = {}
    if school is None:
        errors["school"] = _("Choose the school the complaint is about.")
    elif not School.objects.filter(pk=school.pk, is_active=True).exists():
        errors["school"] = _("This school is no longer open: choose the school it became.")
    if activity is not None and school is not None:
        public = Activity.objects.filter(
            pk=activity.pk, school=school, status__in=PUBLIC_ACTIVITY_STATUSES
        )
        if not public.exists():
            errors["activity"] = _(
                "Choose an activity the school offers or offered, or leave it empty."
            )
    if category not in Complaint.Category.values:
        errors["category"] = _("Choose what the complaint is about.")
    if len(description) < DESCRIPTION_MIN:
        errors["description"] = _(
            "Describe what happened in at least %(min)d characters: who, what, when."
        ) % {"min": DESCRIPTION_MIN}
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("The description is too long (at most %(max)d characters).") % {
            "max": DESCRIPTION_MAX
        }
    errors.update(contact_errors(is_anonymous=is_anonymous, name=name, phone=phone, email=email))
    if len(files) > MAX_ATTACHMENTS:
        errors["files"] = _("Attach at most %(max)d files.") % {"max": MAX_ATTACHMENTS}
    else:
        problems = []
        for upload in files:
            try:
                validate_scan(upload)
            except ValidationError as error:
                problems.extend(f"{upload.name}: {message}" for message in error.messages)
        if problems:
            errors["files"] = problems
    if errors:
        raise ValidationError(errors)
    take(filing_limit(), ip)

    if is_anonymous:
        name = phone = email = ""
    submitted_by = None
    if not is_anonymous and user is not None and user.is_authenticated and user.role == Role.PARENT:
        submitted_by = user
    complaint = Complaint(
        code=new_code(),
        school=school,
        activity=activity,
        category=category,
        description=description,
        is_anonymous=is_anonymous,
        name=name,
        phone=normalize_phone(phone) if phone else "",
        email=email,
        submitted_by=submitted_by,
    )
    complaint.full_clean()
    complaint.save()
    for upload in files:
        ComplaintAttachment.objects.create(
            complaint=complaint, file=upload, title=(upload.name or "")[:200]
        )
    _event(complaint, submitted_by, "received")
    audit_record(
        actor=submitted_by,
        action="complaint_file",
        obj=complaint,
        summary=f"{complaint.code} · {school}",
        school=school.moet_code,
        activity=activity.pk if activity else None,
        category=category,
        anonymous=is_anonymous,
        attachments=len(files),
    )
    if email:
        mail.send_after_commit(
            [
                (
                    _("Your complaint %(code)s is received") % {"code": complaint.code},
                    _(
                        "Your complaint about %(school)s is received; the managing authority "
                        "of the school will handle it.\n\nIts tracking code is %(code)s. Keep "
                        "it: with it you follow the complaint at %(url)s, without an "
                        "account.\n\nWe will also write to you at this address when it is "
                        "answered."
                    )
                    % {"school": school.name, "code": complaint.code, "url": _track_url()},
                    email,
                )
            ]
        )
    return complaint


# --- The authority's triage ---------------------------------------------------------------


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("school").get(pk=complaint.pk)


def _require_triage(actor, complaint: Complaint) -> None:
    if not policy.can(actor, "complaint.triage", complaint):
        raise PermissionDenied("complaint.triage")


def may_answer(user, complaint: Complaint) -> bool:
    """The authority, or the official the complaint is assigned to."""
    return policy.can(user, "complaint.triage", complaint) or (
        policy.can(user, "complaint.view", complaint) and complaint.assigned_to_id == user.pk
    )


def _refuse_closed(complaint: Complaint) -> None:
    if complaint.status == Complaint.Status.CLOSED:
        raise ValidationError(_("The complaint is closed."))


def _start_handling(complaint: Complaint, actor) -> None:
    """A received complaint is now being handled: its author sees it."""
    if complaint.status == Complaint.Status.RECEIVED:
        complaint.status = Complaint.Status.IN_PROGRESS
        _event(complaint, actor, "in_progress")


def _tell_author(complaint: Complaint, subject: str, body: str) -> None:
    if complaint.email:
        mail.send_after_commit([(subject, body, complaint.email)])


def assignable(school: School):
    """The officials a complaint about ``school`` may be assigned to: the Department's
    officials and inspectors for a school it manages directly, the People's Committee's
    officials for the others; each active and overseeing the school's area."""
    authority = Authority.DEPARTMENT if school.managed_by_department else Authority.COMMITTEE
    return access.officials(authority, school)


@transaction.atomic
def complaint_assign(*, actor, complaint: Complaint, assignee) -> Complaint:
    """The authority hands the complaint to one of its officials (or an inspector of the
    Department), who sees it from then on. A received complaint is now being handled."""
    complaint = _locked(complaint)
    _require_triage(actor, complaint)
    _refuse_closed(complaint)
    if assignee is None:
        raise ValidationError({"assignee": _("Choose the official who handles the complaint.")})
    if not assignable(complaint.school).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {
                "assignee": _(
                    "%(name)s cannot handle complaints about this school: choose an active "
                    "official of its managing authority who oversees its area."
                )
                % {"name": assignee.get_full_name() or assignee.username}
            }
        )
    if complaint.assigned_to_id == assignee.pk:
        raise ValidationError(
            {"assignee": _("The complaint is already assigned to this official.")}
        )
    previous = complaint.assigned_to
    complaint.assigned_to = assignee
    _start_handling(complaint, actor)
    complaint.save(update_fields=["assigned_to", "status"])
    who = assignee.get_full_name() or assignee.username
    _event(complaint, actor, "assigned", who)
    audit_record(
        actor=actor,
        action="complaint_assign",
        obj=complaint,
        summary=f"{complaint.code} → {who}",
        assignee=assignee.pk,
        previous=previous.pk if previous else None,
    )
    with translation.override(settings.LANGUAGE_CODE):
        if assignee.email:
            mail.send_after_commit(
                [
                    (
                        _("Complaint %(code)s is assigned to you") % {"code": complaint.code},
                        _(
                            "The complaint %(code)s about %(school)s is assigned to you. Open it "
                            "on the portal: %(url)s"
                        )
                        % {
                            "code": complaint.code,
                            "school": complaint.school.name,
                            "url": settings.SITE_URL.rstrip("/") + complaint.get_absolute_url(),
                        },
                        assignee.email,
                    )
                ]
            )
    return complaint


def _clean_answer(answer: str) -> str:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer to the author.")})
    if len(answer) > ANSWER_MAX:
        raise ValidationError(
            {
                "answer": _("The answer is too long (at most %(max)d characters).")
                % {"max": ANSWER_MAX}
            }
        )
    return answer


@transaction.atomic
def complaint_answer(*, actor, complaint: Complaint, answer: str) -> Complaint:
    """The answer the author reads with the code (and by e-mail if they gave an address);
    a later answer replaces it. The complaint stays open, being handled."""
    complaint = _locked(complaint)
    if not may_answer(actor, complaint):
        raise PermissionDenied("complaint.answer")
    _refuse_closed(complaint)
    complaint.answer = _clean_answer(answer)
    complaint.answered_at = timezone.now()
    _start_handling(complaint, actor)
    complaint.save(update_fields=["answer", "answered_at", "status"])
    _event(complaint, actor, "answered")
    audit_record(actor=actor, action="complaint_answer", obj=complaint, summary=complaint.code)
    with translation.override(settings.LANGUAGE_CODE):
        _tell_author(
            complaint,
            _("Your complaint %(code)s is answered") % {"code": complaint.code},
            _(
                "The managing authority answered your complaint %(code)s about %(school)s:\n\n"
                "%(answer)s\n\nThe complaint is still being handled; follow it at %(url)s."
            )
            % {
                "code": complaint.code,
                "school": complaint.school.name,
                "answer": complaint.answer,
                "url": _track_url(),
            },
        )
    return complaint


@transaction.atomic
def complaint_link(*, actor, complaint: Complaint, inspection: Inspection) -> Complaint:
    """Link the complaint to an inspection of the same school that the actor sees (one
    ordered because of it, or one already under way). Only the authority sees the link:
    the author reads that the complaint is being handled, never that the school is to be
    inspected."""
    complaint = _locked(complaint)
    _require_triage(actor, complaint)
    _refuse_closed(complaint)
    if inspection is None:
        raise ValidationError({"inspection": _("Choose the inspection.")})
    if not policy.visible(actor, Inspection).filter(pk=inspection.pk).exists():
        raise ValidationError({"inspection": _("Choose an inspection you can see.")})
    if inspection.school_id != complaint.school_id:
        raise ValidationError(
            {"inspection": _("Choose an inspection of the school the complaint is about.")}
        )
    if complaint.inspection_id == inspection.pk:
        raise ValidationError(
            {"inspection": _("The complaint is already linked to this inspection.")}
        )
    previous = complaint.inspection_id
    complaint.inspection = inspection
    _start_handling(complaint, actor)
    complaint.save(update_fields=["inspection", "status"])
    _event(complaint, actor, "linked", inspection.code)
    audit_record(
        actor=actor,
        action="complaint_link",
        obj=complaint,
        summary=f"{complaint.code} → {inspection.code}",
        inspection=inspection.pk,
        previous=previous,
    )
    return complaint


@transaction.atomic
def complaint_close(*, actor, complaint: Complaint, answer: str) -> Complaint:
    """Close the complaint with the final answer to the author (which replaces an earlier
    one). Closing is the authority's, not the assignee's."""
    complaint = _locked(complaint)
    _require_triage(actor, complaint)
    _refuse_closed(complaint)
    now = timezone.now()
    complaint.answer = _clean_answer(answer)
    complaint.answered_at = now
    complaint.closed_at = now
    complaint.status = Complaint.Status.CLOSED
    complaint.save(update_fields=["answer", "answered_at", "closed_at", "status"])
    _event(complaint, actor, "closed")
    audit_record(actor=actor, action="complaint_close", obj=complaint, summary=complaint.code)
    with translation.override(settings.LANGUAGE_CODE):
        _tell_author(
            complaint,
            _("Your complaint %(code)s is closed") % {"code": complaint.code},
            _(
                "The managing authority closed your complaint %(code)s about %(school)s with "
                "this answer:\n\n%(answer)s\n\nYou can read it again at %(url)s."
            )
            % {
                "code": complaint.code,
                "school": complaint.school.name,
                "answer": complaint.answer,
                "url": _track_url(),
            },
        )
    return complaint

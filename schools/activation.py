"""Parents' accounts. The school hands the guardians of its import a one-time code on a
printed slip, or e-mails them a signed link; a guardian opens their account with the code
(or the link) and a password of their own, and signs in afterwards with their phone number
or e-mail. One function per user action, atomic and audited, as in ``services``.

Only a keyed hash of a code is stored (HMAC with ``SECRET_KEY``): the plain code exists once,
on the sheet the school prints or in the e-mail (which the outbox keeps only until it is
sent). A wrong, expired, used or unknown code is refused with one message that never says
which; repeated failures pause further attempts for the phone number (or e-mail) and for
the address they come from.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.backends import PHONE_LIKE, normalize_phone
from accounts.models import Role

from . import mail, policy
from .models import Guardian, Guardianship, ParentInvitation, School, Student

logger = logging.getLogger(__name__)

# No 0/O or 1/I: a code is read off paper and typed on a phone.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_SALT = "schools.activation-code"
TOKEN_SALT = "schools.activation"
STUDYING = Student.Status.STUDYING

REFUSED = gettext_lazy(
    "The phone number (or e-mail) or the code is not right, or the code has expired. "
    "Check them, or ask the school for a new code."
)
LOCKED = gettext_lazy("Too many wrong attempts. Wait %(minutes)s minutes, then try again.")


class ActivationRefused(Exception):
    """The one answer to a wrong, expired, used or unknown code or link."""

    def __init__(self):
        super().__init__(str(REFUSED))


# --- Codes and links --------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ABCD-EFGH``: easier to read out and to type."""
    return f"{code[:4]}-{code[4:]}"


def clean_code(value: str) -> str:
    """What the parent typed, without spaces or dashes, in capitals."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def code_hash(code: str, secret=None) -> str:
    """What is stored of a (cleaned) code; also for a demo's published code."""
    return salted_hmac(CODE_SALT, code, secret=secret, algorithm="sha256").hexdigest()


def _code_matches(code: str, stored: str) -> bool:
    # Codes issued before a rotation of SECRET_KEY keep working through its fallbacks.
    secrets_ = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any(constant_time_compare(code_hash(code, secret), stored) for secret in secrets_)


def activation_token(invitation: ParentInvitation) -> str:
    """The signed part of an e-mailed activation link; it names the invitation, which must
    still be open when the link is used."""
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object({"i": invitation.pk})


def _open_invitations() -> QuerySet[ParentInvitation]:
    return ParentInvitation.objects.filter(
        used_at__isnull=True, voided_at__isnull=True, expires_at__gt=timezone.now()
    )


def invitation_from_token(token: str, *, lock: bool = False) -> ParentInvitation:
    """The open invitation a link names, or ``ActivationRefused``."""
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(
            token, max_age=timedelta(days=settings.PARENT_INVITATION_DAYS)
        )
    except signing.BadSignature:  # also SignatureExpired
        raise ActivationRefused from None
    invitations = _open_invitations().select_related("guardian")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    pk = data.get("i") if isinstance(data, dict) else None
    invitation = invitations.filter(pk=pk).first() if isinstance(pk, int) else None
    if invitation is None:
        raise ActivationRefused
    return invitation


def username_for(guardian: Guardian) -> str:
    """What the parent signs in with: the phone number, or the e-mail when there is none."""
    return guardian.phone or guardian.email.lower()


def _guardian_lookup(identifier: str) -> Q | None:
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return Q(guardian__email__iexact=identifier)
    if PHONE_LIKE.match(identifier):
        return Q(guardian__phone=normalize_phone(identifier))
    return None


# --- Attempts ---------------------------------------------------------------------------


def _identifier_key(identifier: str) -> str:
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return identifier.casefold()
    if PHONE_LIKE.match(identifier):
        return normalize_phone(identifier)
    return identifier.casefold()


def _attempt_counters(identifier: str, ip: str | None) -> list[tuple[str, int]]:
    """The cache keys that count failures, each with its limit: one per phone number (or
    e-mail), however it is written, and a higher one per address (many families share a
    mobile network's address)."""
    counters = []
    for kind, value, limit in (
        ("id", _identifier_key(identifier), settings.PARENT_ACTIVATION_FAILURE_LIMIT),
        ("ip", ip or "", settings.PARENT_ACTIVATION_IP_FAILURE_LIMIT),
    ):
        if value:
            digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
            counters.append((f"schools.activation.failures.{digest}", limit))
    return counters


def activation_locked(identifier: str, ip: str | None) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _attempt_counters(identifier, ip))


def activation_failed(identifier: str, ip: str | None) -> None:
    timeout = settings.PARENT_ACTIVATION_LOCKOUT_MINUTES * 60
    for key, _limit in _attempt_counters(identifier, ip):
        if not cache.add(key, 1, timeout):
            try:
                cache.incr(key)
            except ValueError:  # expired in between
                cache.set(key, 1, timeout)


def activation_succeeded(identifier: str) -> None:
    for key, _limit in _attempt_counters(identifier, None):
        cache.delete(key)


def locked_message() -> str:
    return LOCKED % {"minutes": settings.PARENT_ACTIVATION_LOCKOUT_MINUTES}


# --- The school's side ------------------------------------------------------------------


def school_guardians(school: School) -> QuerySet[Guardian]:
    """The guardians of the school's studying students."""
    links = Guardianship.objects.filter(student__school=school, student__status=STUDYING)
    return Guardian.objects.filter(pk__in=links.values("guardian"))


@dataclass
class IssuedCode:
    """A code just issued: the only moment its plain text exists."""

    guardian: Guardian
    invitation: ParentInvitation
    code: str

    @property
    def display_code(self) -> str:
        return format_code(self.code)


def _issue(*, actor, guardians: list[Guardian], channel: str) -> list[IssuedCode]:
    """New invitations for ``guardians`` (locked by the caller), voiding their open ones."""
    now = timezone.now()
    ParentInvitation.objects.filter(
        guardian__in=guardians, used_at__isnull=True, voided_at__isnull=True
    ).update(voided_at=now)
    issued = []
    for guardian in guardians:
        code = new_code()
        invitation = ParentInvitation(
            guardian=guardian,
            channel=channel,
            code_hash=code_hash(code),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=settings.PARENT_INVITATION_DAYS),
        )
        issued.append(IssuedCode(guardian, invitation, code))
    ParentInvitation.objects.bulk_create([item.invitation for item in issued])
    return issued


def _locked_guardians(school: School, pks) -> list[Guardian]:
    return list(school_guardians(school).filter(pk__in=pks).select_for_update().order_by("pk"))


@transaction.atomic
def parent_invitations_issue(*, actor, school: School, guardians) -> list[IssuedCode]:
    """One-time codes for the school to print and hand out, one per guardian without an
    account (those with one are passed over). The plain codes are returned once, here."""
    if not policy.can(actor, "school.invite_parents", school):
        raise PermissionDenied("school.invite_parents")
    pks = {guardian.pk for guardian in guardians}
    locked = _locked_guardians(school, pks)
    if len(locked) != len(pks):
        raise ValidationError(_("Some of the chosen people are not guardians of this school."))
    without_account = [guardian for guardian in locked if guardian.user_id is None]
    if not without_account:
        return []
    issued = _issue(
        actor=actor, guardians=without_account, channel=ParentInvitation.Channel.PRINTED
    )
    audit_record(
        actor=actor,
        action="parent_invitations_issue",
        obj=school,
        summary=f"{len(issued)} activation codes printed",
        guardians=[item.guardian.pk for item in issued],
        invitations=[item.invitation.pk for item in issued],
    )
    return issued


@transaction.atomic
def parent_invitation_send(*, actor, school: School, guardian: Guardian, site_url: str):
    """E-mail a guardian without an account a signed activation link (and its code, for a
    link a mail program breaks), after the commit. ``site_url`` is the portal's address,
    such as ``https://portal.example.gov.vn``. Voids a code printed earlier."""
    if not policy.can(actor, "school.invite_parents", school):
        raise PermissionDenied("school.invite_parents")
    locked = _locked_guardians(school, [guardian.pk])
    if not locked:
        raise ValidationError(_("This person is not a guardian of this school."))
    guardian = locked[0]
    if guardian.user_id is not None:
        raise ValidationError(_("%(name)s already has an account.") % {"name": guardian.full_name})
    if not guardian.email:
        raise ValidationError(
            _("%(name)s has no e-mail address on record: print a code instead.")
            % {"name": guardian.full_name}
        )
    item = _issue(actor=actor, guardians=[guardian], channel=ParentInvitation.Channel.EMAIL)[0]
    invitation = item.invitation
    audit_record(
        actor=actor,
        action="parent_invitation_send",
        obj=guardian,
        summary=f"{school}: activation link to {guardian.email}",
        school=school.moet_code,
        invitation=invitation.pk,
    )
    link = site_url.rstrip("/") + reverse(
        "schools:activate_link", args=[activation_token(item.invitation)]
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your account on the tutoring and partnerships portal")
        body = _(
            "Dear %(name)s,\n\n%(school)s invites you to open your account on the portal, "
            "where you see the activities offered to your child and give or withdraw your "
            "consent.\n\nOpen this link and choose a password:\n%(link)s\n\n"
            "If the link does not open, go to %(address)s and enter %(identifier)s with the "
            "code %(code)s.\n\nThe link and the code work once, until %(expires)s. Afterwards "
            "you sign in with %(identifier)s and your password."
        ) % {
            "name": guardian.full_name,
            "school": school.name,
            "link": link,
            "address": site_url.rstrip("/") + reverse("schools:activate"),
            "identifier": username_for(guardian),
            "code": item.display_code,
            "expires": date_format(timezone.localtime(invitation.expires_at), "d/m/Y"),
        }
    # Queued in the outbox with the invitation, and sent once it commits: the invitation
    # stands whatever the mail server does, and a failure is tried again.
    mail.send_after_commit([(subject, body, guardian.email)], about=guardian)
    return invitation


# --- The parent's side ------------------------------------------------------------------


def _invitation_for_code(identifier: str, code: str) -> ParentInvitation:
    lookup = _guardian_lookup(identifier)
    code = clean_code(code)
    candidates = []
    if lookup is not None and len(code) == CODE_LENGTH:
        candidates = list(
            _open_invitations()
            .filter(lookup)
            .select_related("guardian")
            .select_for_update(of=("self",))
            .order_by("pk")[:10]
        )
    if not candidates:
        code_hash(code)  # as much work as a real check
    for invitation in candidates:
        if _code_matches(code, invitation.code_hash):
            return invitation
    raise ActivationRefused


@transaction.atomic
def parent_account_activate(*, identifier: str = "", code: str = "", token: str = "", password):
    """Open a guardian's account with the code the school gave them (and their phone number
    or e-mail) or with the e-mailed link's ``token``: a parent's account named after the
    phone number (or e-mail), linked to the guardian, the invitation used. Raises
    ``ActivationRefused`` for a wrong, expired, used or unknown code or link, and
    ``ValidationError`` (``{"password": ...}`` for a weak password) otherwise."""
    if token:
        invitation = invitation_from_token(token, lock=True)
    else:
        invitation = _invitation_for_code(identifier, code)
    guardian = Guardian.objects.select_for_update().get(pk=invitation.guardian_id)
    if guardian.user_id is not None:
        raise ValidationError(
            _(
                "This guardian already has an account. Sign in with your phone number or "
                "e-mail, or reset your password."
            )
        )
    User = get_user_model()
    username = username_for(guardian)
    taken = Q(username__iexact=username)
    if guardian.phone:
        taken |= Q(phone=guardian.phone)
    if guardian.email:
        taken |= Q(email__iexact=guardian.email)
    already = _(
        "An account with this phone number or e-mail already exists. Sign in with it, or "
        "ask the school."
    )
    if User.objects.filter(taken).exists():
        raise ValidationError(already)
    user = User(
        username=username,
        phone=guardian.phone,
        email=guardian.email,
        full_name=guardian.full_name,
        role=Role.PARENT,
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # another account took the number in the meantime
        raise ValidationError(already) from None
    guardian.user = user
    guardian.save(update_fields=["user"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit_record(
        actor=user,
        action="parent_account_activate",
        obj=guardian,
        summary=f"{guardian.full_name}: account {username}",
        invitation=invitation.pk,
        channel=invitation.channel,
        user=user.pk,
    )
    return user


def children_in(school: School, guardians) -> dict[int, list[Student]]:
    """Each guardian's studying children in the school, for the printed slips."""
    children: dict[int, list[Student]] = {}
    links = (
        Guardianship.objects.filter(
            guardian__in=guardians, student__school=school, student__status=STUDYING
        )
        .select_related("student")
        .order_by("student__grade", "student__homeroom", "student__full_name")
    )
    for link in links:
        children.setdefault(link.guardian_id, []).append(link.student)
    return children

"""Write operations on schools and people: one function per user action, atomic."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.audit import audit_record
from accounts.models import Role

from . import consent, policy
from .models import AdministrativeUnit, ConsentEvent, School, StaffMember
from .policy import SCHOOL_PERMISSION, SCHOOL_ROLES, UNIT_ROLES
from .signals import public_data_changed

User = get_user_model()


DEPARTMENT_GROUP = "Department officials"
# Model permissions (which admin pages an official may open); which rows is always the
# policy's answer, and records kept by the portal's own actions are read-only in the admin.
DEPARTMENT_MODEL_PERMISSIONS = [
    ("schools", None, ["view", "add", "change"]),
    ("tutoring", None, ["view"]),
    ("tutoring", "rulepolicy", ["add", "change"]),
    ("tutoring", "capexception", ["add", "change"]),
    ("partnerships", "feepolicy", ["view", "add", "change"]),
]


def department_group() -> Group:
    """The group of Department officials, its permissions brought up to date."""
    group, _ = Group.objects.get_or_create(name=DEPARTMENT_GROUP)
    wanted = Q(pk__in=[])
    for app_label, model_name, actions in DEPARTMENT_MODEL_PERMISSIONS:
        models = (
            [apps.get_model(app_label, model_name)]
            if model_name
            else apps.get_app_config(app_label).get_models()
        )
        codenames = [f"{a}_{m._meta.model_name}" for m in models for a in actions]
        wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


@transaction.atomic
def role_grant(
    *,
    actor,
    user: User,
    role: str,
    unit: AdministrativeUnit | None = None,
    school: School | None = None,
    position: str = "",
) -> User:
    """Give ``user`` a role with its scope: a unit for department, inspector and committee
    users, a school for principals and staff. Parents get their scope from their children."""
    if role in UNIT_ROLES and (unit is None or school is not None):
        raise ValidationError(_("This role is scoped to an administrative unit."))
    if role in SCHOOL_ROLES and (school is None or unit is not None):
        raise ValidationError(_("This role is scoped to a school."))
    if role == Role.PARENT and (unit or school):
        raise ValidationError(_("A parent's scope is their own children."))
    if role == Role.DEPARTMENT and unit.level != AdministrativeUnit.Level.PROVINCE:
        raise ValidationError(_("The Department oversees a province or city."))

    user.role = role
    if role == Role.DEPARTMENT:
        # Department officials keep the registry in the admin as well, scoped by the policy.
        user.is_staff = True
        user.groups.add(department_group())
    else:
        # A role change takes away what the old role gave.
        user.is_staff = user.is_superuser
        user.groups.remove(*user.groups.filter(name=DEPARTMENT_GROUP))
    user.save(update_fields=["role", "is_staff"])
    if unit is not None:
        assign_perm("schools.oversee_unit", user, unit)
    if school is not None:
        assign_perm(SCHOOL_PERMISSION[role], user, school)
        StaffMember.objects.get_or_create(user=user, school=school, defaults={"position": position})
        if role == Role.PRINCIPAL:
            School.objects.filter(pk=school.pk).update(head=user)
            public_data_changed.send(sender=School, school=school)
    policy.forget(user)
    audit_record(
        actor=actor,
        action="role_grant",
        obj=user,
        summary=f"{role} {unit or school or ''}".strip(),
        role=role,
        unit=unit.code if unit else None,
        school=school.moet_code if school else None,
    )
    return user


@transaction.atomic
def role_revoke_school(*, actor, user: User, school: School) -> None:
    for permission in SCHOOL_PERMISSION.values():
        remove_perm(permission, user, school)
    policy.forget(user)
    StaffMember.objects.filter(user=user, school=school).update(is_active=False)
    if School.objects.filter(pk=school.pk, head=user).update(head=None):
        public_data_changed.send(sender=School, school=school)
    audit_record(actor=actor, action="role_revoke", obj=user, summary=str(school))


@transaction.atomic
def consent_record_staff(*, actor, enrollment, guardian, kind, channel, scan=None, note=""):
    """Staff record a parent's decision given to the school: on a signed paper form, with
    its scan, or by phone, with a note of the call. Declining and withdrawing are always
    possible; agreeing only while the activity takes consents, and on the waiting list once
    the places are taken."""
    if not policy.can(actor, "activity.manage_roster", enrollment.activity):
        raise PermissionDenied("activity.manage_roster")
    if not enrollment.student.guardianships.filter(guardian=guardian).exists():
        raise ValidationError({"guardian": _("This person is not a guardian of the student.")})
    if channel == ConsentEvent.Channel.PAPER and not scan:
        raise ValidationError({"scan": _("Attach the scan of the signed form.")})
    if channel == ConsentEvent.Channel.PHONE and not note.strip():
        raise ValidationError({"note": _("Say who called, and from which number.")})
    if channel not in (ConsentEvent.Channel.PAPER, ConsentEvent.Channel.PHONE):
        raise ValidationError({"channel": _("Staff record paper forms and phone calls only.")})
    return consent.record(
        enrollment=enrollment,
        guardian=guardian,
        kind=kind,
        channel=channel,
        actor=actor,
        scan=scan if channel == ConsentEvent.Channel.PAPER else None,
        note=note.strip(),
    ).event


def consent_record_paper(*, actor, enrollment, guardian, kind, scan, note=""):
    """A decision on a signed paper form (see ``consent_record_staff``)."""
    return consent_record_staff(
        actor=actor,
        enrollment=enrollment,
        guardian=guardian,
        kind=kind,
        channel=ConsentEvent.Channel.PAPER,
        scan=scan,
        note=note,
    )

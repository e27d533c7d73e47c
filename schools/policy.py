"""The authorization policy: the one place that answers

* ``visible(user, Model)`` - which objects of this kind may this user see, and
* ``can(user, action, obj)`` - may this user do this to this object.

A user's role is ``User.role``; their scope is a django-guardian object permission on an
administrative unit (``oversee_unit``: department, inspector, committee) or on a school
(``head_school``: principal, ``work_in_school``: staff), or, for a parent, their own
children through ``Guardian.user``. Guardian is always asked with global permissions
refused, so a model-wide permission granted by mistake never widens anyone's scope.

Views get their objects through ``visible`` or ``get_object_or_404`` below; an object
outside the user's scope does not exist for them (404).

Apps below ``schools`` (tutoring, partnerships...) are never imported here, which would
make a cycle. Their school-scoped models instead name, as class attributes, the lookup
from the model to its school, and optionally to the account that owns the record:

    class OutsideTutoringDeclaration(models.Model):
        school_scope_field = "teacher__school"
        owner_field = "teacher__user"

and ``visible`` scopes any such model the same way: the Department and the People's
Committee see the records of the schools in their area, the principal those of their
school, a staff member their own (or, for a model without ``owner_field``, their
school's); a principal also sees their own wherever they are. Inspectors (who will see
records through an inspection) and parents see none. ``can`` finds such a record's school
through the same attribute.

A city-wide registry (the Department's partner organisations) belongs to no school; its
models name instead the roles that may read it, ``registry_roles``.

An app whose records follow rules of their own (an inspection is seen by its team, and by
its school only once it is announced or started) registers them from its
``AppConfig.ready()``: a function ``user -> queryset`` per model in ``SCOPES``, and its
actions in ``RULES``, built from the helpers here (``visible_schools``, ``_manages``...).
Views still ask ``visible``, ``can`` and ``get_object_or_404`` alone.
"""

from collections.abc import Callable
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from accounts.models import Role
from accounts.security import OutOfScope

from .models import (
    Activity,
    ActivityEvent,
    ActivitySlot,
    AdministrativeUnit,
    ConsentEvent,
    Enrollment,
    Guardian,
    Guardianship,
    ImportBatch,
    MainSession,
    School,
    SchoolLevel,
    SchoolYear,
    StaffMember,
    Student,
    Subject,
    SubjectResult,
    TeachingAssignment,
    Term,
)

UNIT_ROLES = {Role.DEPARTMENT, Role.INSPECTOR, Role.COMMITTEE}
SCHOOL_ROLES = {Role.PRINCIPAL, Role.STAFF}
SCHOOL_PERMISSION = {Role.PRINCIPAL: "schools.head_school", Role.STAFF: "schools.work_in_school"}

# Roles that may see students' personal data of the schools they manage or work in.
# Inspectors see students through an inspection (a later issue), not wholesale.
STUDENT_DATA_ROLES = {Role.DEPARTMENT, Role.COMMITTEE, Role.PRINCIPAL, Role.STAFF}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def scope_units(user) -> QuerySet[AdministrativeUnit]:
    """The units whose schools a department, inspector or committee user oversees."""
    if not _active(user) or user.role not in UNIT_ROLES:
        return AdministrativeUnit.objects.none()
    return get_objects_for_user(
        user,
        "schools.oversee_unit",
        AdministrativeUnit,
        with_superuser=False,
        accept_global_perms=False,
    )


# What a user's scope is made of is read once per user object, that is once per request
# (the authentication middleware loads the user afresh), however many times the page asks:
# a page asked the policy about its school five times, building django-guardian's queries
# each time. ``forget`` drops it when the roles of that object change.
SCOPE_MEMO = ("_policy_scope_paths", "_policy_scope_names", "_policy_school_ids")


def forget(user) -> None:
    """Drop what the policy read of ``user``'s scope (their roles changed)."""
    for name in SCOPE_MEMO:
        user.__dict__.pop(name, None)


def scope_paths(user) -> set[str]:
    """The paths of the units a user oversees and of every unit merged into them: a
    commune formed by a merger keeps the schools still recorded under its predecessors."""
    memo = user.__dict__.get("_policy_scope_paths")
    if memo is None:
        memo = user.__dict__["_policy_scope_paths"] = frozenset(_scope_paths(user))
    return set(memo)


def scope_names(user) -> list[str]:
    """The names of the units ``user`` oversees (not of those merged into them)."""
    scope_paths(user)
    return list(user.__dict__["_policy_scope_names"])


def _scope_paths(user) -> set[str]:
    units = list(scope_units(user).values_list("pk", "path", "name"))
    user.__dict__["_policy_scope_names"] = tuple(name for _, _, name in units)
    paths = {path for _, path, _ in units}
    frontier = [pk for pk, _, _ in units]
    while frontier:
        found = AdministrativeUnit.objects.filter(successor_id__in=frontier).exclude(path__in=paths)
        predecessors = list(found.values_list("pk", "path"))
        paths |= {path for _, path in predecessors}
        frontier = [pk for pk, _ in predecessors]
    return paths


def overseers(school: School) -> QuerySet:
    """The active department, inspector and committee accounts whose scope holds ``school``:
    those overseeing its unit or a unit above it, or a unit these were merged into (the
    converse of ``scope_paths``). A few queries, whatever the number of accounts."""
    from django.contrib.auth import get_user_model

    from .models import UnitUserObjectPermission

    parts = school.unit.path.rstrip("/").split("/")
    prefixes = ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
    units = set(AdministrativeUnit.objects.filter(path__in=prefixes).values_list("pk", flat=True))
    frontier = set(units)
    while frontier:
        merged_into = set(
            AdministrativeUnit.objects.filter(pk__in=frontier, successor__isnull=False).values_list(
                "successor_id", flat=True
            )
        )
        frontier = merged_into - units
        units |= frontier
    granted = UnitUserObjectPermission.objects.filter(
        content_object_id__in=units, permission__codename="oversee_unit"
    ).values("user_id")
    return get_user_model().objects.filter(
        pk__in=granted, is_active=True, role__in=[r.value for r in UNIT_ROLES]
    )


def _under(paths, field="path") -> Q:
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def committee_managed() -> Q:
    """Schools whose managing authority is the People's Committee of their area."""
    department = Q(level__in=settings.DEPARTMENT_MANAGED_LEVELS) | Q(
        level=SchoolLevel.MULTI_LEVEL, grade_max__gte=10
    )
    return ~department


def visible_schools(user) -> QuerySet[School]:
    schools = School.objects.all()
    if not _active(user):
        return schools.none()
    if user.is_superuser:
        return schools
    if user.role in UNIT_ROLES:
        return schools.filter(_under(scope_paths(user), "unit__path"))
    if user.role in SCHOOL_ROLES:
        return schools.filter(pk__in=_school_ids(user))
    if user.role == Role.PARENT:
        return schools.filter(students__guardians__user=user).distinct()
    return schools.none()


def own_school_id(user) -> int | None:
    """The school of a head or staff member (the first, for one working in several), from
    what the policy has read of their scope: no query of its own."""
    if not _active(user) or user.role not in SCHOOL_ROLES or user.is_superuser:
        return None
    ids = _school_ids(user)
    return min(ids) if ids else None


def _school_ids(user) -> frozenset[int]:
    """The schools a principal or staff member holds their role in (``SCOPE_MEMO``)."""
    memo = user.__dict__.get("_policy_school_ids")
    if memo is None:
        granted = get_objects_for_user(
            user,
            SCHOOL_PERMISSION[user.role],
            School,
            with_superuser=False,
            accept_global_perms=False,
        )
        memo = user.__dict__["_policy_school_ids"] = frozenset(granted.values_list("pk", flat=True))
    return memo


def _student_schools(user) -> QuerySet[School]:
    if user.is_superuser:
        return School.objects.all()
    if user.role not in STUDENT_DATA_ROLES:
        return School.objects.none()
    schools = visible_schools(user)
    if user.role == Role.COMMITTEE:
        schools = schools.filter(committee_managed())
    return schools


def visible(user, model) -> QuerySet:
    """Every object of ``model`` that ``user`` may see."""
    if not _active(user):
        return model.objects.none()
    if model is School:
        return visible_schools(user)
    if model is AdministrativeUnit:
        if user.is_superuser:
            return AdministrativeUnit.objects.all()
        return AdministrativeUnit.objects.filter(_under(scope_paths(user)))
    if model is Student:
        if user.role == Role.PARENT and not user.is_superuser:
            return Student.objects.filter(guardians__user=user)
        return Student.objects.filter(school__in=_student_schools(user))
    if model is Guardian:
        if user.role == Role.PARENT and not user.is_superuser:
            return Guardian.objects.filter(user=user)
        return Guardian.objects.filter(students__school__in=_student_schools(user)).distinct()
    if model is Guardianship:
        if user.role == Role.PARENT and not user.is_superuser:
            # A parent sees their own link, not the other parent's contact details.
            return Guardianship.objects.filter(guardian__user=user)
        return Guardianship.objects.filter(student__in=visible(user, Student))
    if model is StaffMember:
        if user.role == Role.PARENT and not user.is_superuser:
            return StaffMember.objects.none()
        return StaffMember.objects.filter(school__in=visible_schools(user))
    if model is TeachingAssignment:
        return TeachingAssignment.objects.filter(staff__in=visible(user, StaffMember))
    if model is ImportBatch:
        if user.is_superuser or user.role == Role.DEPARTMENT:
            return ImportBatch.objects.filter(
                Q(school__isnull=True) | Q(school__in=visible_schools(user))
            )
        if user.role == Role.PRINCIPAL:
            return ImportBatch.objects.filter(school__in=visible_schools(user))
        if user.role == Role.STAFF:
            return ImportBatch.objects.filter(
                school__in=visible_schools(user), kind=ImportBatch.Kind.RESULTS
            )
        return ImportBatch.objects.none()
    if issubclass(model, Activity) or model is MainSession:
        return model.objects.filter(school__in=visible_schools(user))
    if model in (ActivitySlot, ActivityEvent):
        return model.objects.filter(activity__school__in=visible_schools(user))
    if model is Enrollment:
        return Enrollment.objects.filter(student__in=visible(user, Student))
    if model is ConsentEvent:
        return ConsentEvent.objects.filter(enrollment__in=visible(user, Enrollment))
    if model is SubjectResult:
        return SubjectResult.objects.filter(student__in=visible(user, Student))
    if model in (SchoolYear, Term, Subject):
        return model.objects.all()
    if model in SCOPES:
        return SCOPES[model](user)
    if getattr(model, "school_scope_field", None):
        return _visible_school_scoped(user, model)
    if getattr(model, "registry_roles", None):
        if user.is_superuser or user.role in model.registry_roles:
            return model.objects.all()
        return model.objects.none()
    raise LookupError(f"The policy has no rule for {model.__name__}")


def _visible_school_scoped(user, model) -> QuerySet:
    """A model of a lower app that names its ``school_scope_field`` (and maybe its
    ``owner_field``): see the module docstring."""
    records = model.objects.all()
    if user.is_superuser:
        return records
    in_schools = Q(**{f"{model.school_scope_field}__in": visible_schools(user)})
    owner_field = getattr(model, "owner_field", None)
    own = Q(**{owner_field: user}) if owner_field else Q(pk__in=[])
    if user.role in (Role.DEPARTMENT, Role.COMMITTEE):
        return records.filter(in_schools)
    if user.role == Role.PRINCIPAL:
        return records.filter(in_schools | own)
    if user.role == Role.STAFF:
        return records.filter(own if owner_field else in_schools)
    return records.none()


def _follow(obj, lookup: str):
    """The object at the end of a ``"teacher__school"`` lookup, or None on the way."""
    for name in lookup.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj


def get_object_or_404(user, model, *, select_related=(), **lookup):
    """The object if ``user`` may see it; otherwise 404, as if it did not exist (recorded
    as a refused access for a signed-in user: ``accounts.security``)."""
    try:
        return visible(user, model).select_related(*select_related).get(**lookup)
    except (model.DoesNotExist, ValueError, OverflowError):
        raise OutOfScope from None


def _school_of(obj) -> School | None:
    if isinstance(obj, School):
        return obj
    scope_field = getattr(obj, "school_scope_field", None)
    if scope_field:
        return _follow(obj, scope_field)
    return getattr(obj, "school", None)


def _owns(user, obj) -> bool:
    """The record is the user's own (through its model's ``owner_field``)."""
    owner_field = getattr(obj, "owner_field", None)
    return owner_field is not None and _follow(obj, owner_field) == user


def can(user, action: str, obj=None) -> bool:
    """May ``user`` do ``action`` to ``obj``? Actions are named ``<thing>.<verb>``."""
    if not _active(user):
        return False
    rule = RULES.get(action)
    if rule is None:
        raise LookupError(f"The policy has no action {action!r}")
    return rule(user, obj)


def _sees(user, obj) -> bool:
    school = _school_of(obj)
    if school is None:
        return False
    if user.role in SCHOOL_ROLES and not user.is_superuser and _active(user):
        return school.pk in _school_ids(user)
    return visible_schools(user).filter(pk=school.pk).exists()


def _works_in(user, obj) -> bool:
    """A principal or staff member of the object's school."""
    return user.role in SCHOOL_ROLES and _sees(user, obj)


def _heads(user, obj) -> bool:
    return (user.is_superuser or user.role == Role.PRINCIPAL) and _sees(user, obj)


def _manages(user, obj) -> bool:
    """The school's managing authority: the Department, or the People's Committee of the
    area for the schools it manages."""
    school = _school_of(obj)
    if school is None or not _sees(user, school):
        return False
    if user.is_superuser or user.role == Role.DEPARTMENT:
        return True
    return user.role == Role.COMMITTEE and not school.managed_by_department


def _decides(user, obj) -> bool:
    """The authority that approves the school's linked programmes: the Department for the
    schools it manages directly (``DEPARTMENT_MANAGED_LEVELS``), the People's Committee of
    the area for the others. Suspending is wider: see ``_manages``."""
    school = _school_of(obj)
    if school is None or not _sees(user, school):
        return False
    if user.is_superuser:
        return True
    if user.role == Role.DEPARTMENT:
        return school.managed_by_department
    return user.role == Role.COMMITTEE and not school.managed_by_department


def decidable_schools(user) -> QuerySet[School]:
    """The schools whose linked programmes ``user`` approves (see ``_decides``)."""
    schools = visible_schools(user)
    if user.is_superuser:
        return schools
    if user.role == Role.DEPARTMENT:
        return schools.exclude(committee_managed())
    if user.role == Role.COMMITTEE:
        return schools.filter(committee_managed())
    return schools.none()


# Scopes of the models of lower apps with rules of their own (see the module docstring).
SCOPES: dict[type, Callable[..., QuerySet]] = {}

EDITABLE = {Activity.Status.DRAFT, Activity.Status.RETURNED}


def _is_role(*roles):
    def rule(user, obj):
        return user.is_superuser or user.role in roles

    return rule


RULES = {
    "school.view": lambda user, obj: _sees(user, obj),
    "school.view_students": lambda user, obj: (
        _school_of(obj) is not None
        and _student_schools(user).filter(pk=_school_of(obj).pk).exists()
    ),
    "school.view_staff": lambda user, obj: user.role != Role.PARENT and _sees(user, obj),
    # A parent answers for their own child: consent, refusal, withdrawal.
    "student.decide_consent": lambda user, obj: (
        user.role == Role.PARENT and obj.guardians.filter(user=user).exists()
    ),
    "school.import_students": lambda user, obj: (
        (user.is_superuser or user.role == Role.PRINCIPAL) and _sees(user, obj)
    ),
    "school.import_results": lambda user, obj: (
        (user.is_superuser or user.role in SCHOOL_ROLES) and _sees(user, obj)
    ),
    "schools.import": _is_role(Role.DEPARTMENT),
    "school.edit_timetable": _heads,
    # Parents' accounts: the school's head and staff hand out activation codes and links to
    # the guardians of their students.
    "school.invite_parents": _works_in,
    "units.view": _is_role(Role.DEPARTMENT, Role.COMMITTEE, Role.INSPECTOR),
    # Who did what: the Department answers for the portal as a whole.
    "audit.view": _is_role(Role.DEPARTMENT),
    # The outbox: e-mails waiting or not sent, and sending one again.
    "outbox.view": _is_role(Role.DEPARTMENT),
    "outbox.retry": _is_role(Role.DEPARTMENT),
    # Activities (tutoring classes, linked programmes); ``obj`` is the activity, or the
    # school for "propose".
    "activity.view": lambda user, obj: user.role != Role.PARENT and _sees(user, obj),
    "activity.propose": _works_in,
    "activity.edit": lambda user, obj: _works_in(user, obj) and obj.status in EDITABLE,
    "activity.manage_roster": _works_in,
    "tutoring.approve": _heads,
    # Suspending, resuming and ending an approved activity: the managing authority (for
    # every school, the Department).
    "activity.suspend": _manages,
    # Coercion-risk signals (schools.risk) over the user's scope, or of one activity: the
    # head, the People's Committee and the Department; not the staff who run the classes,
    # nor inspectors, who reach activities through an inspection.
    "activity.view_risk": lambda user, obj: (
        (user.is_superuser or user.role in (Role.DEPARTMENT, Role.COMMITTEE, Role.PRINCIPAL))
        and (obj is None or _sees(user, obj))
    ),
    # Linked programmes: the head proposes; the managing authority decides (approve,
    # return, refuse). ``obj`` is the programme, or the school for "propose".
    "programme.propose": _heads,
    "programme.edit": lambda user, obj: _heads(user, obj) and obj.status in EDITABLE,
    "programme.decide": _decides,
    "programme.compare_fees": _is_role(Role.DEPARTMENT, Role.COMMITTEE, Role.PRINCIPAL),
    # The partner registry: the Department keeps it; officials and heads read it.
    "partner.view": _is_role(Role.DEPARTMENT, Role.COMMITTEE, Role.INSPECTOR, Role.PRINCIPAL),
    "partner.manage": _is_role(Role.DEPARTMENT),
    # Managers' and teachers' CVs carry personal data: not for every head in the city.
    "partner.view_staff_documents": _is_role(Role.DEPARTMENT, Role.COMMITTEE, Role.INSPECTOR),
    # Outside-tutoring declarations (form 03); ``obj`` is the declaration, or the school
    # for "submit" (may declare there at all), "view_school" and "publish".
    "declaration.submit": lambda user, obj: (
        _works_in(user, obj) and (isinstance(obj, School) or _owns(user, obj))
    ),
    "declaration.view_school": _works_in,
    # A head acknowledges the teachers' declarations, never their own.
    "declaration.acknowledge": lambda user, obj: _heads(user, obj) and not _owns(user, obj),
    "declaration.publish": _heads,
    "declaration.oversee": _is_role(Role.DEPARTMENT, Role.COMMITTEE),
}

"""No mass assignment: a form saves the fields it declares and nothing else.

Each case posts a form twice from the same starting point: once as the page sends it, and
once with hostile fields added (``school``, ``status``, ``created_by``, ``is_staff``,
``monthly_fee`` where the form does not offer it, ``id``...). Every field of what the post
creates or changes, of the acting account and of the records around it must come out the
same both times. The first post is rolled back (a savepoint) before the second.

A second test walks every ModelForm of the project's apps: each names its fields; none
uses ``"__all__"`` or ``exclude``, which would open a field added to the model later.
"""

import copy
import importlib
import pkgutil
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import Client
from django.urls import reverse

from inspections.complaint_forms import form_token
from inspections.models import Complaint, CorrectiveAction, Finding
from partnerships.models import Programme
from schools.models import ConsentEvent, Enrollment, Guardian, ImportBatch, Student
from tests.conftest import client_for
from tests.factories import PASSWORD, GuardianFactory, GuardianshipFactory, StudentFactory
from tests.test_authorization_matrix import consent_link
from tutoring.models import OutsideTutoringDeclaration, TutoringClass

User = get_user_model()
PROJECT_APPS = (
    "accounts",
    "schools",
    "tutoring",
    "partnerships",
    "inspections",
    "reports",
    "public",
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def hostile(w) -> dict:
    """Fields none of these forms offers, each with a value that would give something away:
    another school, an approval, another author, the admin, another family's records."""
    dept = w.department.pk
    far_enrollment = w.class_far.enrollments.get()
    return {
        "id": 999999,
        "pk": 999999,
        "school": w.school_far.pk,
        "school_id": w.school_far.pk,
        "unit": w.area_far.pk,
        "status": "approved",
        "approval_reference": "99/QĐ-UBND",
        "created_by": dept,
        "created_by_id": dept,
        "approved_by": dept,
        "proposed_by": dept,
        "uploaded_by": dept,
        "submitted_by": dept,
        "assigned_to": dept,
        "answered_by": dept,
        "reviewed_by": dept,
        "acknowledged_by": dept,
        "requested_by": dept,
        "actor": dept,
        "user": dept,
        "is_staff": "on",
        "is_superuser": "on",
        "is_active": "on",
        "role": "department",
        "groups": 1,
        "user_permissions": 1,
        "username": "admin",
        "kind": "programme",
        "terms_hash": "0" * 64,
        "rule_breaches": "[]",
        "monthly_fee": 9_000_000,
        "weekly_periods": 40,
        "outcome": "applied",
        "code": "AAAA-BBBB-CCCC",
        "guardian": w.student_b.guardians.get().pk,
        "channel": "paper",
        "enrollment": far_enrollment.pk,
        "student": w.student_far.pk,
        "teacher": w.far_principal.pk,
        "inspection": 1,
        "finding": 1,
        "answered_at": "2020-01-01T00:00",
        "reviewed_at": "2020-01-01T00:00",
    }


def snapshot(obj) -> dict | None:
    """Every stored field of a row, read afresh; times and files only as present or not
    (they differ between two posts by nature)."""
    if obj is None:
        return None
    obj = type(obj)._base_manager.get(pk=obj.pk)
    values = {}
    for f in obj._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(obj, f.attname)
        if isinstance(f, models.DateTimeField | models.FileField):
            value = bool(value)
        values[f.name] = value
    return values


def newest(model, **lookup):
    return model._base_manager.filter(**lookup).order_by("-pk").first()


@dataclass
class Case:
    user: str | None  # the world's attribute, or None for an anonymous visitor
    url: Callable  # (world) -> address
    data: Callable  # (world) -> the form as the page sends it (fresh files each call)
    observe: Callable  # (world) -> {label: row, count or value} to compare
    prefix: str = ""  # the form's prefix, also put on the hostile fields
    ok: tuple = (302,)
    ignore: dict = field(default_factory=dict)  # label -> fields that differ by nature
    setup: Callable | None = None  # (world) -> None, before either post


class _Undo(Exception):
    pass


def _where(response) -> str:
    """Where a response sends the browser, whatever the new row's number (PostgreSQL does
    not give an undone row's number again) and the signed receipt naming it."""
    location = re.sub(r"receipt=[^&]+", "receipt=…", response.get("Location", ""))
    return re.sub(r"\d+", "#", location)


def _client(world, case) -> Client:
    return client_for(getattr(world, case.user)) if case.user else Client()


def _post(client, world, data, case):
    return client.post(case.url(world), data, REMOTE_ADDR="203.0.113.50")


def _state(world, case):
    seen = {}
    for label, value in case.observe(world).items():
        if isinstance(value, models.Model) or value is None:
            value = snapshot(value)
            for name in case.ignore.get(label, ()) if value else ():
                value.pop(name, None)
        seen[label] = value
    return seen


# --- The cases ------------------------------------------------------------------------------


def _class_data(w):
    from tests.test_tutoring_views import form_data, teacher_of

    return form_data(w, teacher_of(w))


def _programme_data(w):
    from tests.test_partnership_views import form_data

    return form_data(w)


def _programme_edit_data(w):
    from tests.test_partnership_views import form_data

    return form_data(w, title="Tiếng Anh giao tiếp (sửa)", contract="", materials="")


def _latest_event(activity, student):
    return (
        ConsentEvent.objects.filter(enrollment__activity=activity, enrollment__student=student)
        .order_by("-pk")
        .first()
    )


def _withdraw(w):
    """The parent withdraws consent to programme A, as the child's page sends it."""
    latest = _latest_event(w.programme_a, w.student_a)
    return {"kind": "withdrawn", "expected_last": str(latest.pk), "terms": ""}


def _consent_rows(w, activity):
    enrollment = Enrollment.objects.get(activity=activity, student=w.student_a)
    return {
        "event": newest(ConsentEvent, enrollment__activity=activity),
        "events": ConsentEvent.objects.count(),
        "enrollment": enrollment,
        "activity": activity,
        "far enrollment": w.class_far.enrollments.get(),
        "far events": ConsentEvent.objects.filter(enrollment__activity=w.class_far).count(),
    }


def _complaint_data(w):
    from tests.test_complaints import form_data

    data = form_data(w)
    data["started"] = form_token(time.time() - 30)
    return data


def _finding_data(w):
    return {
        "title": "Thu tiền học thêm của học sinh tiểu học",
        "category": "tutoring",
        "severity": "serious",
        "activity": w.class_a.pk,
        "description": "Lớp 7A1 nộp 200.000 ₫ mỗi tháng.",
        "legal_basis": "Thông tư 29/2024/TT-BGDĐT, Điều 5",
        "responsible": "Hiệu trưởng",
        "responsible_user": w.principal.pk,
        "files": SimpleUploadedFile("anh.png", PNG, content_type="image/png"),
    }


def _inspection(w):
    if not hasattr(w, "running_inspection"):
        from tests.test_inspections import started

        w.running_inspection = started(w)
    return w.running_inspection


def _action(w):
    if not hasattr(w, "open_action"):
        from tests.test_inspections import action_on, finding_in

        w.open_action = action_on(finding_in(_inspection(w), w.inspector), w.inspector)
    return w.open_action


def _declaration_data(w):
    from tests.test_declarations import form_data

    return form_data(w, [w.student_a])


def _newcomer(w):
    if not hasattr(w, "newcomer"):
        w.newcomer = StudentFactory(school=w.school_a, grade=7, full_name="Đỗ Minh Khang")
    return w.newcomer


def _activation_code(w):
    """A code printed by the head for a guardian of school A without an account."""
    if not hasattr(w, "activation"):
        from tests.test_parent_accounts import code_for

        student = StudentFactory(school=w.school_a, homeroom="7A2")
        guardian = GuardianFactory(full_name="Trần Thị Mai", phone="0912000111", email="")
        GuardianshipFactory(student=student, guardian=guardian)
        w.activation = (guardian, code_for(w, guardian))
    return w.activation


def _import_data(w):
    from tests.test_imports import csv_bytes, student_rows

    return {"file": SimpleUploadedFile("hoc_sinh.csv", csv_bytes(student_rows()), "text/csv")}


def _actor(w, name):
    return {"actor": getattr(w, name), "users": User.objects.count()}


CASES = {
    "tutoring class, create": Case(
        "staff",
        lambda w: reverse("tutoring:class_create", args=[w.school_a.pk]),
        _class_data,
        lambda w: {
            "class": newest(TutoringClass),
            "classes": TutoringClass.objects.count(),
            "far classes": TutoringClass.objects.filter(school=w.school_far).count(),
            **_actor(w, "staff"),
        },
    ),
    "tutoring class, edit a draft": Case(
        "staff",
        lambda w: reverse("tutoring:class_edit", args=[w.draft_a.pk]),
        _class_data,
        lambda w: {
            "class": w.draft_a,
            "classes": TutoringClass.objects.count(),
            **_actor(w, "staff"),
        },
    ),
    "programme, proposal": Case(
        "principal",
        lambda w: reverse("partnerships:programme_create", args=[w.school_a.pk]),
        _programme_data,
        lambda w: {
            "programme": newest(Programme),
            "programmes": Programme.objects.count(),
            "far programmes": Programme.objects.filter(school=w.school_far).count(),
            **_actor(w, "principal"),
        },
    ),
    "programme, edit a draft": Case(
        "principal",
        lambda w: reverse("partnerships:programme_edit", args=[w.programme_draft_a.pk]),
        _programme_edit_data,
        lambda w: {"programme": w.programme_draft_a, **_actor(w, "principal")},
    ),
    "consent, the parent's answer": Case(
        "parent",
        lambda w: reverse("schools:consent_decide", args=[w.student_a.pk, w.programme_a.pk]),
        _withdraw,
        lambda w: {**_consent_rows(w, w.programme_a), **_actor(w, "parent")},
    ),
    "consent, the answer through the family's link": Case(
        None,
        lambda w: reverse(
            "schools:link_decide",
            kwargs={**consent_link(w, None, True), "activity_pk": w.programme_a.pk},
        ),
        _withdraw,
        lambda w: _consent_rows(w, w.programme_a),
    ),
    "consent, a phone call recorded by staff": Case(
        "staff",
        lambda w: reverse("schools:consent_paper", args=[w.class_a.enrollments.get().pk]),
        lambda w: {
            "guardian": w.guardian_a.pk,
            "kind": "withdrawn",
            "channel": "phone",
            "note": "Mẹ gọi từ số 0912 345 678",
        },
        lambda w: {**_consent_rows(w, w.class_a), **_actor(w, "staff")},
    ),
    "complaint from the public": Case(
        None,
        lambda w: reverse("inspections:complaint_new"),
        _complaint_data,
        lambda w: {"complaint": newest(Complaint), "complaints": Complaint.objects.count()},
        ignore={"complaint": ("code",)},  # a new random tracking code each time
    ),
    "inspection finding": Case(
        "inspector",
        lambda w: reverse("inspections:finding_new", args=[_inspection(w).pk]),
        _finding_data,
        lambda w: {
            "finding": newest(Finding),
            "findings": Finding.objects.count(),
            "inspection": _inspection(w),
            **_actor(w, "inspector"),
        },
        setup=_inspection,
    ),
    "corrective action, the school's answer": Case(
        "principal",
        lambda w: reverse("inspections:action_detail", args=[_action(w).pk]),
        lambda w: {
            "answer-response": "Đã thu đủ đơn tự nguyện.",
            "answer-files": SimpleUploadedFile("don.png", PNG, content_type="image/png"),
        },
        lambda w: {
            "action": _action(w),
            "actions": CorrectiveAction.objects.count(),
            "finding": _action(w).finding,
            **_actor(w, "principal"),
        },
        prefix="answer",
        setup=_action,
    ),
    "outside tutoring declaration": Case(
        "staff",
        lambda w: reverse("tutoring:declaration_create", args=[w.school_a.pk]),
        _declaration_data,
        lambda w: {
            "declaration": newest(OutsideTutoringDeclaration),
            "declarations": OutsideTutoringDeclaration.objects.count(),
            **_actor(w, "staff"),
        },
    ),
    "roster, a student proposed for a programme": Case(
        "staff",
        lambda w: reverse("partnerships:roster_add", args=[w.programme_a.pk]),
        lambda w: {"student": _newcomer(w).pk},
        lambda w: {
            "enrollment": newest(Enrollment),
            "enrollments": Enrollment.objects.count(),
            "events": ConsentEvent.objects.count(),
            **_actor(w, "staff"),
        },
        setup=_newcomer,
    ),
    "account, password change": Case(
        "staff",
        lambda w: reverse("password_change"),
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": "Hoa-sen-no-2026",
            "new_password2": "Hoa-sen-no-2026",
        },
        lambda w: {
            **_actor(w, "staff"),
            "new password works": User.objects.get(pk=w.staff.pk).check_password("Hoa-sen-no-2026"),
        },
        ignore={"actor": ("password",)},  # salted: a new hash each time
    ),
    "account, a parent's activation": Case(
        None,
        lambda w: reverse("schools:activate"),
        lambda w: {
            "identifier": "0912000111",
            "code": _activation_code(w)[1],
            "password": "Hoa-sen-no-2026",
            "password_again": "Hoa-sen-no-2026",
        },
        lambda w: {
            "account": newest(User),
            "users": User.objects.count(),
            "staff accounts": User.objects.filter(is_staff=True).count(),
            "guardian": _activation_code(w)[0],
            # Which account, by name: its id differs on PostgreSQL, whose sequences do
            # not go back with the undone first post.
            "guardian's account": Guardian.objects.filter(pk=_activation_code(w)[0].pk)
            .values_list("user__username", flat=True)
            .first(),
        },
        ignore={"account": ("password",), "guardian": ("user",)},
        setup=_activation_code,
    ),
    "import, a school's students": Case(
        "principal",
        lambda w: reverse("schools:student_import", args=[w.school_a.pk]),
        _import_data,
        lambda w: {
            "batch": newest(ImportBatch),
            "students": Student.objects.filter(school=w.school_a).count(),
            "far students": Student.objects.filter(school=w.school_far).count(),
            **_actor(w, "principal"),
        },
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_extra_fields_posted_change_nothing(world, name):
    case = CASES[name]
    if case.setup:
        case.setup(world)
    client = _client(world, case)  # signed in before anything is observed
    cookies = copy.deepcopy(client.cookies)
    before = _state(world, case)

    # As the page sends it; then undone.
    try:
        with transaction.atomic():
            plain = _post(client, world, case.data(world), case)
            expected = _state(world, case)
            raise _Undo
    except _Undo:
        client.cookies = cookies  # a password change gave the undone session a new key
    assert plain.status_code in case.ok, (name, plain.status_code)
    assert _state(world, case) == before  # undone
    assert expected != before, "the plain post changed nothing: the case tests nothing"

    extras = hostile(world)
    if case.prefix:
        extras |= {f"{case.prefix}-{key}": value for key, value in extras.items()}
    response = _post(client, world, {**extras, **case.data(world)}, case)
    assert (response.status_code, _where(response)) == (plain.status_code, _where(plain))
    assert _state(world, case) == expected


def test_the_acting_account_keeps_its_flags(world):
    """The sharpest of the hostile fields, said plainly: posting is_staff, is_superuser and
    a role to a form that does not declare them gives none of them."""
    client = client_for(world.staff)
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Hoa-sen-no-2026",
            "new_password2": "Hoa-sen-no-2026",
            **hostile(world),
        },
    )
    staff = User.objects.get(pk=world.staff.pk)
    assert staff.check_password("Hoa-sen-no-2026")
    assert (staff.is_staff, staff.is_superuser, staff.role) == (False, False, "staff")
    assert not staff.groups.exists() and not staff.user_permissions.exists()


# --- Every ModelForm names its fields --------------------------------------------------------


def _import_project_modules():
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in module.name or ".management" in module.name:
                continue
            importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_model_forms():
    _import_project_modules()
    return sorted(
        {
            form
            for form in _subclasses(forms.ModelForm)
            if form.__module__.split(".")[0] in PROJECT_APPS
        },
        key=lambda form: f"{form.__module__}.{form.__qualname__}",
    )


def test_the_project_has_model_forms_to_check():
    names = {f.__name__ for f in project_model_forms()}
    # Those a school, a parent or an inspector post: if they moved, this test must follow.
    assert {"TutoringClassForm", "ProgrammeForm", "FindingForm", "DeclarationForm"} <= names


@pytest.mark.parametrize(
    "form", project_model_forms(), ids=lambda f: f"{f.__module__}.{f.__qualname__}"
)
def test_every_model_form_names_its_fields(form):
    meta = form._meta
    assert meta.exclude is None, "exclude opens every field not listed, including new ones"
    assert isinstance(meta.fields, list | tuple), f"fields = {meta.fields!r}: name them"
    assert "__all__" not in meta.fields
    # Who made a record, and an account's powers, are never a form's to set.
    assert not {"created_by", "is_staff", "is_superuser", "user_permissions"} & set(meta.fields)

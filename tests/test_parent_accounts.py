"""Parents' accounts: the school prints one-time codes or e-mails a link; a parent opens their
account with the code (or the link) and a password, and signs in by phone or e-mail."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Role
from schools import activation
from schools.models import Guardian, ParentInvitation
from tests.conftest import client_for
from tests.factories import GuardianFactory, GuardianshipFactory, StudentFactory, UserFactory

User = get_user_model()
NEW_PASSWORD = "Hoa-sen-no-2026"
CODE = re.compile(r'class="code">([A-Z2-9]{4}-[A-Z2-9]{4})<')


@pytest.fixture(autouse=True)
def _fresh_attempts():
    """Failed attempts are counted in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mother(world):
    """A guardian of a 7A2 pupil of school A, from the import: a phone and an e-mail, no
    account."""
    student = StudentFactory(school=world.school_a, full_name="Trần Bảo Ngọc", homeroom="7A2")
    guardian = GuardianFactory(
        full_name="Trần Thị Mai", phone="0912000111", email="Mai.Tran@example.vn"
    )
    GuardianshipFactory(student=student, guardian=guardian)
    guardian.child = student
    return guardian


@pytest.fixture
def father(world):
    """Another 7A2 family: a phone number only."""
    student = StudentFactory(school=world.school_a, full_name="Lê Minh Khoa", homeroom="7A2")
    guardian = GuardianFactory(full_name="Lê Văn Hùng", phone="0912000222", email="")
    GuardianshipFactory(student=student, guardian=guardian)
    guardian.child = student
    return guardian


def print_codes(user, school, **data):
    return client_for(user).post(reverse("schools:parent_codes_issue", args=[school.pk]), data)


def codes_in(response) -> list[str]:
    return CODE.findall(response.content.decode())


def code_for(world, guardian, user=None) -> str:
    response = print_codes(user or world.principal, world.school_a, guardian=[guardian.pk])
    assert response.status_code == 200
    (code,) = codes_in(response)
    return code


def activate(client=None, **data):
    data.setdefault("password", NEW_PASSWORD)
    data.setdefault("password_again", data["password"])
    return (client or Client()).post(reverse("schools:activate"), data)


def refused_message() -> str:
    with translation.override("vi"):
        return str(activation.REFUSED)


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


# --- The whole path ---------------------------------------------------------------------


def test_principal_prints_a_code_and_the_parent_activates_with_phone_and_code(world, mother):
    sheet = print_codes(world.principal, world.school_a, guardian=[mother.pk])
    assert sheet.status_code == 200
    page = sheet.content.decode()
    (code,) = codes_in(sheet)
    for shown in ("Trần Bảo Ngọc", "7A2", "Trần Thị Mai", "0912000111", "/activate/"):
        assert shown in page
    invitation = ParentInvitation.objects.get(guardian=mother)
    assert timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y") in page
    assert invitation.channel == ParentInvitation.Channel.PRINTED
    assert invitation.created_by == world.principal

    parent = Client()
    assert parent.get(reverse("schools:activate")).status_code == 200
    # Written as a parent would type it: with the country code, the code in small letters.
    response = activate(parent, identifier="+84 912 000 111", code=code.lower().replace("-", " "))
    assert response.status_code == 302
    assert response.url == reverse("schools:home")

    user = User.objects.get(username="0912000111")
    assert (user.role, user.phone, user.email, user.full_name) == (
        Role.PARENT,
        "0912000111",
        "Mai.Tran@example.vn",
        "Trần Thị Mai",
    )
    mother.refresh_from_db()
    assert mother.user == user
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert parent.get(reverse("schools:home")).wsgi_request.user == user
    child = parent.get(reverse("schools:child", args=[mother.child.pk]))
    assert child.status_code == 200
    assert "Trần Bảo Ngọc" in child.content.decode()
    assert AuditEvent.objects.filter(action="parent_invitations_issue").exists()
    assert AuditEvent.objects.get(action="parent_account_activate").actor == user


def test_the_emailed_link_activates_with_a_password_only(
    world, mother, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("schools:parent_link_send", args=[world.school_a.pk, mother.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.staff).post(url)
    assert response.status_code == 302
    (mail,) = mailoutbox
    assert mail.to == ["Mai.Tran@example.vn"]
    link = re.search(r"https?://[^/\s]+(/activate/\S+/)", mail.body).group(1)
    assert ParentInvitation.objects.get(guardian=mother).channel == "email"

    parent = Client()
    page = parent.get(link)
    assert page.status_code == 200
    assert "Trần Thị Mai" in page.content.decode()
    assert "code" not in page.context["form"].fields
    response = parent.post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302
    user = Guardian.objects.get(pk=mother.pk).user
    assert user.username == "0912000111"
    assert parent.get(reverse("schools:child", args=[mother.child.pk])).status_code == 200


def test_the_code_in_the_email_works_too(
    world, mother, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        activation.parent_invitation_send(
            actor=world.principal, school=world.school_a, guardian=mother, site_url="https://x.vn"
        )
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", mailoutbox[0].body).group(0)
    assert activate(identifier="mai.tran@example.vn", code=code).status_code == 302
    assert Guardian.objects.get(pk=mother.pk).user is not None


def test_a_guardian_without_a_phone_signs_in_with_the_email(world):
    student = StudentFactory(school=world.school_a, homeroom="7A2")
    guardian = GuardianFactory(full_name="Đỗ Thu", phone="", email="Thu.Do@example.vn")
    GuardianshipFactory(student=student, guardian=guardian)
    code = code_for(world, guardian)
    assert activate(identifier="THU.DO@example.vn", code=code).status_code == 302
    assert Guardian.objects.get(pk=guardian.pk).user.username == "thu.do@example.vn"


@pytest.mark.parametrize("identifier", ["0912000111", "+84912000111", "mai.tran@example.vn"])
def test_the_parent_signs_in_afterwards_by_phone_or_email(world, mother, settings, identifier):
    settings.AXES_ENABLED = True  # as in production: the login lockout watches both
    assert activate(identifier="0912000111", code=code_for(world, mother)).status_code == 302
    client = Client()
    response = client.post(reverse("login"), {"username": identifier, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("schools:home")).wsgi_request.user.username == "0912000111"


# --- Who may issue ----------------------------------------------------------------------


def test_staff_print_codes_for_a_whole_class_without_those_who_have_an_account(
    world, mother, father
):
    linked = GuardianFactory(full_name="Có Tài Khoản", user=UserFactory(role=Role.PARENT))
    GuardianshipFactory(
        student=StudentFactory(school=world.school_a, homeroom="7A2"), guardian=linked
    )
    response = print_codes(world.staff, world.school_a, homeroom="7A2")
    assert response.status_code == 200
    assert len(codes_in(response)) == 2
    page = response.content.decode()
    assert "Lê Văn Hùng" in page and "Trần Thị Mai" in page and "Có Tài Khoản" not in page
    assert not ParentInvitation.objects.filter(guardian=linked).exists()


@pytest.mark.parametrize("who", ["far_principal", "committee", "parent", "department"])
def test_outsiders_cannot_issue_codes(world, mother, who):
    user = getattr(world, who)
    response = print_codes(user, world.school_a, guardian=[mother.pk])
    assert response.status_code in (403, 404)
    url = reverse("schools:parent_link_send", args=[world.school_a.pk, mother.pk])
    assert client_for(user).post(url).status_code in (403, 404)
    assert client_for(user).get(
        reverse("schools:parent_accounts", args=[world.school_a.pk])
    ).status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        activation.parent_invitations_issue(actor=user, school=world.school_a, guardians=[mother])
    assert not ParentInvitation.objects.exists()


def test_a_guardian_of_another_school_gets_no_code(world, mother):
    other = world.student_b.guardians.get()
    response = print_codes(world.principal, world.school_a, guardian=[other.pk])
    assert response.status_code == 302
    assert not ParentInvitation.objects.exists()
    with pytest.raises(ValidationError, match="không phải là cha mẹ"):
        activation.parent_invitations_issue(
            actor=world.principal, school=world.school_a, guardians=[other]
        )


def test_a_guardian_with_an_account_gets_no_code_and_no_link(world, mailoutbox):
    assert (
        activation.parent_invitations_issue(
            actor=world.principal, school=world.school_a, guardians=[world.guardian_a]
        )
        == []
    )
    url = reverse("schools:parent_link_send", args=[world.school_a.pk, world.guardian_a.pk])
    response = client_for(world.principal).post(url, follow=True)
    with translation.override("vi"):
        expected = _("%(name)s already has an account.") % {"name": "Phạm Văn Bố"}
    assert expected in [str(m) for m in response.context["messages"]]
    assert not ParentInvitation.objects.exists()
    assert mailoutbox == []


def test_a_link_needs_an_email_address(world, father, mailoutbox):
    url = reverse("schools:parent_link_send", args=[world.school_a.pk, father.pk])
    response = client_for(world.principal).post(url, follow=True)
    with translation.override("vi"):
        expected = _("%(name)s has no e-mail address on record: print a code instead.") % {
            "name": "Lê Văn Hùng"
        }
    assert expected in [str(m) for m in response.context["messages"]]
    assert not ParentInvitation.objects.exists()
    assert mailoutbox == []


# --- Codes are shown once, stored hashed ------------------------------------------------


def test_the_codes_are_shown_once_and_never_stored(world, mother):
    sheet = print_codes(world.principal, world.school_a, guardian=[mother.pk])
    (code,) = codes_in(sheet)
    plain = code.replace("-", "")
    assert "no-store" in sheet["Cache-Control"]
    listing = client_for(world.principal).get(
        reverse("schools:parent_accounts", args=[world.school_a.pk])
    )
    page = listing.content.decode()
    assert code not in page and plain not in page
    assert "Trần Thị Mai" in page
    stored = [str(v) for row in ParentInvitation.objects.values() for v in row.values()]
    stored += [str(row) for row in AuditEvent.objects.values()]
    assert not any(plain in value or code in value for value in stored)


def test_a_new_code_voids_the_one_before(world, mother):
    first = code_for(world, mother)
    second = code_for(world, mother)
    assert ParentInvitation.objects.filter(guardian=mother, voided_at__isnull=False).count() == 1
    response = activate(identifier="0912000111", code=first)
    assert refused_message() in form_errors(response)
    assert activate(identifier="0912000111", code=second).status_code == 302


# --- Refusals ---------------------------------------------------------------------------


def test_a_code_works_once(world, mother):
    code = code_for(world, mother)
    assert activate(identifier="0912000111", code=code).status_code == 302
    Guardian.objects.filter(pk=mother.pk).update(user=None)  # even were the link undone
    response = activate(identifier="0912000111", code=code, password="Mot-mat-khau-khac-7")
    assert response.status_code == 200
    assert refused_message() in form_errors(response)
    assert User.objects.filter(role=Role.PARENT).count() == 2  # world.parent and the mother


def _expire(guardian):
    past = timezone.now() - datetime.timedelta(days=31)
    ParentInvitation.objects.filter(guardian=guardian).update(
        created_at=past, expires_at=past + datetime.timedelta(days=30)
    )


@pytest.mark.parametrize("case", ["wrong", "expired", "another_guardians", "unknown_phone"])
def test_refusals_share_one_message_and_create_no_user(world, mother, father, case):
    code = code_for(world, mother)
    identifier = "0912000111"
    if case == "wrong":
        code = "ABCD-EFGH" if code != "ABCD-EFGH" else "HGFE-DCBA"
    elif case == "expired":
        _expire(mother)
    elif case == "another_guardians":
        identifier = "0912000222"  # the father's number with the mother's code
        code_for(world, father)
    elif case == "unknown_phone":
        identifier = "0987654321"
    users = User.objects.count()
    response = activate(identifier=identifier, code=code)
    assert response.status_code == 200
    assert form_errors(response) == [refused_message()]
    assert User.objects.count() == users
    assert not Guardian.objects.filter(pk__in=[mother.pk, father.pk], user__isnull=False).exists()


def _link(world, guardian):
    invitation = activation.parent_invitation_send(
        actor=world.principal, school=world.school_a, guardian=guardian, site_url="https://x.vn"
    )
    return activation.activation_token(invitation)


@pytest.mark.parametrize("case", ["tampered", "expired_signature", "expired_invitation", "used"])
def test_a_bad_link_is_refused_with_the_same_message(world, mother, monkeypatch, case):
    if case == "expired_signature":
        month_ago = timezone.now().timestamp() - 31 * 24 * 3600
        monkeypatch.setattr(signing.time, "time", lambda: month_ago)
        token = _link(world, mother)
        monkeypatch.undo()
    else:
        token = _link(world, mother)
    if case == "tampered":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif case == "expired_invitation":
        _expire(mother)
    elif case == "used":
        ParentInvitation.objects.update(used_at=timezone.now())
    url = reverse("schools:activate_link", args=[token])
    users = User.objects.count()
    client = Client()
    page = client.get(url, follow=True)
    assert page.redirect_chain == [(reverse("schools:activate"), 302)]
    assert refused_message() in [str(m) for m in page.context["messages"]]
    response = client.post(url, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302
    assert User.objects.count() == users


def test_a_weak_password_is_refused_with_the_validators_message(world, mother):
    code = code_for(world, mother)
    response = activate(identifier="0912000111", code=code, password="12345678")
    assert response.status_code == 200
    errors = response.context["form"].errors["password"]
    with translation.override("vi"):
        from django.contrib.auth.password_validation import NumericPasswordValidator

        numeric = str(NumericPasswordValidator().get_error_message())
    assert numeric in errors
    assert not User.objects.filter(username="0912000111").exists()
    # The code is still unused: the parent tries again with a better password.
    assert activate(identifier="0912000111", code=code).status_code == 302


def test_the_two_passwords_must_match(world, mother):
    code = code_for(world, mother)
    response = activate(identifier="0912000111", code=code, password_again="Khac-hoan-toan-9")
    assert "password_again" in response.context["form"].errors
    assert not User.objects.filter(username="0912000111").exists()


def test_a_guardian_already_linked_is_refused(world, mother):
    code = code_for(world, mother)
    Guardian.objects.filter(pk=mother.pk).update(user=UserFactory(role=Role.PARENT))
    users = User.objects.count()
    response = activate(identifier="0912000111", code=code)
    assert response.status_code == 200
    (error,) = form_errors(response)
    assert error != refused_message()
    assert User.objects.count() == users


def test_an_account_already_holding_the_number_is_not_duplicated(world, mother):
    code = code_for(world, mother)
    UserFactory(username="co.mai", phone="0912000111", role=Role.STAFF)
    response = activate(identifier="0912000111", code=code)
    assert response.status_code == 200
    assert len(form_errors(response)) == 1
    assert Guardian.objects.get(pk=mother.pk).user is None


def test_after_five_wrong_codes_the_phone_is_locked_for_a_while(world, mother):
    code = code_for(world, mother)
    for _attempt in range(5):
        activate(identifier="0912000111", code="AAAA-AAAA")
    with translation.override("vi"):
        locked = activation.locked_message()
    # Even the right code, and the number written another way, wait.
    for identifier in ("0912000111", "+84 912 000 111"):
        response = activate(identifier=identifier, code=code)
        assert form_errors(response) == [locked]
    assert Guardian.objects.get(pk=mother.pk).user is None
    cache.clear()  # the pause is over
    assert activate(identifier="0912000111", code=code).status_code == 302


def test_many_wrong_codes_from_one_address_are_paused(world, mother, settings):
    settings.PARENT_ACTIVATION_IP_FAILURE_LIMIT = 3
    code = code_for(world, mother)
    for number in ("0900000001", "0900000002", "0900000003"):
        activate(identifier=number, code="AAAA-AAAA")
    response = activate(identifier="0912000111", code=code)
    with translation.override("vi"):
        assert form_errors(response) == [activation.locked_message()]
    other_address = Client(REMOTE_ADDR="10.1.2.3")
    assert activate(other_address, identifier="0912000111", code=code).status_code == 302


# --- The pages --------------------------------------------------------------------------


def test_the_list_shows_accounts_and_unused_codes_and_filters_by_class(world, mother, father):
    code_for(world, mother)
    url = reverse("schools:parent_accounts", args=[world.school_a.pk])
    page = client_for(world.staff).get(url).content.decode()
    assert "Phạm Văn Bố" in page and "Trần Thị Mai" in page and "Lê Văn Hùng" in page
    rows = {
        row.guardian_id: row for row in client_for(world.staff).get(url).context["page"].object_list
    }
    assert rows[world.guardian_a.pk].guardian.user_id == world.parent.pk
    assert rows[mother.pk].invitation.is_open
    assert rows[father.pk].invitation is None
    only_7a2 = client_for(world.staff).get(url, {"homeroom": "7A2"}).context["page"]
    assert {row.guardian_id for row in only_7a2} == {mother.pk, father.pk}
    without = client_for(world.staff).get(url, {"state": "without"}).context["page"]
    assert world.guardian_a.pk not in {row.guardian_id for row in without}


def test_the_list_takes_the_same_queries_for_more_families(world):
    client = client_for(world.principal)
    url = reverse("schools:parent_accounts", args=[world.school_a.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for n in range(12):
        guardian = GuardianFactory()
        GuardianshipFactory(
            student=StudentFactory(school=world.school_a, homeroom="7A3"), guardian=guardian
        )
        if n % 2:
            activation.parent_invitations_issue(
                actor=world.principal, school=world.school_a, guardians=[guardian]
            )
    assert queries() == few


def test_the_menu_and_the_login_page_lead_to_parent_accounts(world):
    url = reverse("schools:parent_accounts", args=[world.school_a.pk])
    for user in (world.principal, world.staff):
        assert url in client_for(user).get(reverse("schools:home")).content.decode()
    assert url not in client_for(world.committee).get(reverse("schools:home")).content.decode()
    login_page = Client().get(reverse("login")).content.decode()
    assert reverse("schools:activate") in login_page


def test_the_school_page_leads_the_school_to_its_parent_accounts(world):
    url = reverse("schools:parent_accounts", args=[world.school_a.pk])
    school_page = reverse("schools:school_detail", args=[world.school_a.pk])
    assert url in client_for(world.principal).get(school_page).content.decode()
    assert url not in client_for(world.committee).get(school_page).content.decode()

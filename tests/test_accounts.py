import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Role
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def teacher(db):
    return UserFactory(
        username="gv.lan", email="Lan.Nguyen@example.vn", phone="0912345678", role=Role.STAFF
    )


@pytest.mark.parametrize("identifier", ["gv.lan", "lan.nguyen@example.vn", "+84 912 345 678"])
def test_user_signs_in_with_username_email_or_phone(teacher, identifier):
    client = Client()
    response = client.post(reverse("login"), {"username": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("schools:home")
    assert client.get(reverse("schools:home")).wsgi_request.user == teacher


def test_wrong_password_shows_a_clear_error_and_no_session(teacher):
    client = Client()
    response = client.post(reverse("login"), {"username": "gv.lan", "password": "wrong"})
    assert response.status_code == 200
    assert "alert" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_account_is_locked_after_repeated_failures(teacher, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        client.post(reverse("login"), {"username": "gv.lan", "password": "wrong"})
    # Even the right password is refused while the lock holds.
    response = client.post(reverse("login"), {"username": "gv.lan", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert reverse("password_reset") in response.content.decode()


def test_writing_the_phone_another_way_earns_no_fresh_attempts(teacher, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for typed in ["0912345678", "0912 345 678", "+84912345678"]:
        client.post(reverse("login"), {"username": typed, "password": "wrong"})
    for typed in ["84 912 345 678", "LAN.NGUYEN@example.vn", "gv.lan"]:
        response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
        assert response.status_code == 429, typed
        assert "_auth_user_id" not in client.session


def test_a_phone_number_hidden_in_other_text_names_nobody(teacher):
    client = Client()
    response = client.post(reverse("login"), {"username": "a0912345678", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_anonymous_user_is_sent_to_login_with_next():
    response = Client().get(reverse("schools:school_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_logout_needs_post_and_ends_the_session(teacher):
    client = client_for(teacher)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_requires_the_old_password(teacher):
    client = client_for(teacher)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "Mot-mat-khau-moi-9",
            "new_password2": "Mot-mat-khau-moi-9",
        },
    )
    assert response.status_code == 200
    teacher.refresh_from_db()
    assert teacher.check_password(PASSWORD)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Mot-mat-khau-moi-9",
            "new_password2": "Mot-mat-khau-moi-9",
        },
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.check_password("Mot-mat-khau-moi-9")


def test_password_reset_mails_a_working_link(teacher):
    client = Client()
    response = client.post(reverse("password_reset"), {"email": "lan.nguyen@example.vn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Mat-khau-moi-2026", "new_password2": "Mat-khau-moi-2026"},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.check_password("Mat-khau-moi-2026")


def test_password_reset_for_an_unknown_address_sends_nothing_and_tells_nothing(db):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.vn"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_phone_and_email_are_unique_in_the_database(teacher):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="other", phone="0912345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="other2", email="LAN.NGUYEN@example.vn")


def test_role_grant_is_audited(world):
    event = AuditEvent.objects.filter(action="role_grant", object_id=str(world.principal.pk)).get()
    assert event.data["school"] == world.school_a.moet_code


# --- Throttling: per account from any address, per address over any account ---------------

LB = "10.0.0.2"  # the load balancer, as REMOTE_ADDR behind one proxy


@pytest.fixture
def throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_IP_FAILURE_LIMIT = 6
    settings.TRUSTED_PROXY_COUNT = 0
    return settings


@pytest.fixture
def colleague(db):
    return UserFactory(username="gv.hoa", role=Role.STAFF)


def sign_in(username, password="wrong", *, remote="203.0.113.9", forwarded=None):
    """One attempt from a fresh browser: nothing carried over but the address."""
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password}, **meta)
    response.signed_in = "_auth_user_id" in client.session
    return response


def test_a_forged_forwarded_for_earns_no_fresh_attempts_without_a_proxy(teacher, throttled):
    for n in range(3):
        sign_in("gv.lan", forwarded=f"198.51.100.{n}")
    response = sign_in("gv.lan", PASSWORD, forwarded="198.51.100.200")
    assert response.status_code == 429 and not response.signed_in


def test_an_account_is_locked_whichever_addresses_try_it(teacher, throttled):
    for n in range(3):
        sign_in("gv.lan", remote=f"198.51.100.{n}")
    # Its owner, from an address that never failed, waits too: the account is locked.
    response = sign_in("gv.lan", PASSWORD, remote="203.0.113.77")
    assert response.status_code == 429 and not response.signed_in


def test_behind_one_proxy_the_forged_values_neither_reset_nor_spread_the_count(
    teacher, colleague, throttled
):
    throttled.TRUSTED_PROXY_COUNT = 1
    # The client writes a new address in front of the one the balancer appends each time.
    for n in range(3):
        sign_in("gv.lan", remote=LB, forwarded=f"6.6.6.{n}, 198.51.100.4")
    response = sign_in("gv.lan", PASSWORD, remote=LB, forwarded="6.6.6.99, 198.51.100.4")
    assert response.status_code == 429 and not response.signed_in
    # Another client behind the same balancer is not that address: the colleague signs in.
    response = sign_in("gv.hoa", PASSWORD, remote=LB, forwarded="198.51.100.5")
    assert response.status_code == 302 and response.signed_in


def test_one_address_trying_many_accounts_is_throttled(teacher, colleague, throttled):
    for n in range(6):
        sign_in(f"gv.{n}", remote="198.51.100.4")  # a different account each time
    # From that address even a right password waits; the account itself is not locked.
    response = sign_in("gv.hoa", PASSWORD, remote="198.51.100.4")
    assert response.status_code == 429 and not response.signed_in
    assert sign_in("gv.hoa", PASSWORD, remote="203.0.113.20").signed_in


def test_behind_one_proxy_the_spraying_address_is_the_one_the_balancer_saw(colleague, throttled):
    throttled.TRUSTED_PROXY_COUNT = 1
    for n in range(6):
        sign_in(f"gv.{n}", remote=LB, forwarded=f"6.6.6.{n}, 198.51.100.4")
    response = sign_in("gv.hoa", PASSWORD, remote=LB, forwarded="1.2.3.4, 198.51.100.4")
    assert response.status_code == 429 and not response.signed_in
    assert sign_in("gv.hoa", PASSWORD, remote=LB, forwarded="198.51.100.5").signed_in


def test_signing_in_to_an_own_account_does_not_reset_the_address(teacher, colleague, throttled):
    for n in range(5):
        sign_in(f"gv.{n}", remote="198.51.100.4")
    assert sign_in("gv.hoa", PASSWORD, remote="198.51.100.4").signed_in
    sign_in("gv.5", remote="198.51.100.4")
    response = sign_in("gv.lan", PASSWORD, remote="198.51.100.4")
    assert response.status_code == 429 and not response.signed_in


def test_a_successful_sign_in_forgives_the_accounts_own_failures(teacher, throttled):
    for _ in range(2):
        sign_in("gv.lan")
    assert sign_in("gv.lan", PASSWORD).signed_in
    for _ in range(2):
        sign_in("gv.lan", remote="203.0.113.10")
    assert sign_in("gv.lan", PASSWORD).signed_in


# --- Sessions: fixation ----------------------------------------------------------------


def test_a_session_key_planted_before_sign_in_gives_the_planter_nothing(teacher):
    """tests/test_sessions.py checks that the key changes; here, from the attacker's side:
    the key they planted in the victim's browser is not signed in afterwards."""
    victim = Client()
    victim.get(reverse("login"))
    victim.session.save()
    planted = victim.session.session_key
    victim.post(reverse("login"), {"username": "gv.lan", "password": PASSWORD})
    assert victim.get(reverse("schools:home")).status_code == 200

    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    response = attacker.get(reverse("schools:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))

"""Sessions: a new key at sign-in, an end after a while without activity and a fixed time
after signing in, and no session left to a disabled account."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts import sessions
from accounts.models import Role
from tests.factories import PASSWORD, UserFactory

HOME = reverse("schools:home")


@pytest.fixture
def official(db):
    return UserFactory(username="cv.so", role=Role.DEPARTMENT)


def signed_in(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def age(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[getattr(sessions, key)] = now - ago
    session.save()


def test_signing_in_gives_a_new_session_key(official):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("login"), {"username": official.username, "password": PASSWORD})
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(official.pk)


def test_a_session_in_use_goes_on(official, settings):
    client = signed_in(official)
    age(client, SEEN=settings.SESSION_IDLE_MINUTES * 60 - 120)
    assert client.get(HOME).status_code == 200
    assert client.get(HOME).status_code == 200
    # The request moved "last seen" to now.
    assert int(time.time()) - client.session[sessions.SEEN] < 5


def test_a_session_left_idle_ends_and_asks_to_sign_in_again(official, settings):
    client = signed_in(official)
    age(client, SEEN=settings.SESSION_IDLE_MINUTES * 60 + 5)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert client.get(HOME).status_code == 302  # still signed out


def test_a_partial_update_after_the_time_out_sends_the_whole_page_to_sign_in(official, settings):
    client = signed_in(official)
    age(client, SEEN=settings.SESSION_IDLE_MINUTES * 60 + 5)
    response = client.get(HOME, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_a_session_ends_a_fixed_time_after_signing_in_however_busy(official, settings):
    client = signed_in(official)
    age(client, STARTED=settings.SESSION_ABSOLUTE_HOURS * 3600 + 5, SEEN=10)
    response = client.get(HOME)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_post_after_the_time_out_changes_nothing_and_asks_to_sign_in(official, settings):
    client = signed_in(official)
    age(client, SEEN=settings.SESSION_IDLE_MINUTES * 60 + 5)
    response = client.post(reverse("password_change"), {"old_password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_disabled_account_loses_its_session_at_once(official):
    client = signed_in(official)
    assert client.get(HOME).status_code == 200
    official.is_active = False
    official.save()
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_anonymous_visitor_is_not_affected(db):
    assert Client().get(reverse("public:search")).status_code == 200

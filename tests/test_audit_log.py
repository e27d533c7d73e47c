"""The Department's audit log: every recorded change, filtered, paged and exported; no one
else may read it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent
from tests.conftest import client_for

URL = reverse("schools:audit_list")


@pytest.fixture
def events(world):
    audit_record(actor=world.principal, action="class_approve", obj=world.class_a, summary="A")
    audit_record(actor=world.committee, action="programme_suspend", obj=world.programme_a)
    audit_record(actor=None, action="consent_link_sent", summary="by the system")
    return world


def rows(response) -> list:
    return list(response.context["page"].object_list)


def test_the_department_reads_every_event_newest_first(events):
    response = client_for(events.department).get(URL)
    assert response.status_code == 200
    found = rows(response)
    # The newest: the Department's own sign-in (accounts.security records it).
    assert [e.action for e in found[:4]] == [
        "login",
        "consent_link_sent",
        "programme_suspend",
        "class_approve",
    ]
    assert events.principal.username in response.content.decode()


@pytest.mark.parametrize("role", ["principal", "staff", "committee", "inspector", "parent"])
def test_no_one_else_may_read_it(events, role):
    assert client_for(getattr(events, role)).get(URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(db):
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_log_filters_by_who_action_record_and_dates(events):
    client = client_for(events.department)
    by_who = rows(client.get(URL, {"actor": events.committee.username}))
    assert {e.action for e in by_who} == {"programme_suspend"}
    by_action = rows(client.get(URL, {"action": "class_approve"}))
    assert [e.actor for e in by_action] == [events.principal]
    by_record = rows(
        client.get(
            URL, {"object_type": "partnerships.programme", "object_id": events.programme_a.pk}
        )
    )
    assert [e.action for e in by_record] == ["programme_suspend"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert rows(client.get(URL, {"date_from": tomorrow.isoformat()})) == []


@pytest.mark.parametrize(
    "data",
    [
        {"date_from": "2026-13-45"},
        {"date_from": "2026-11-20", "date_to": "2026-11-01"},
        {"action": "no_such_action"},
        {"actor": "x" * 151},
    ],
)
def test_bad_filters_answer_with_the_form_and_no_rows(events, data):
    response = client_for(events.department).get(URL, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert rows(response) == []


def test_the_log_exports_as_a_spreadsheet_with_the_filters(events):
    response = client_for(events.department).get(URL, {"action": "class_approve", "export": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "class_approve" in text
    assert "programme_suspend" not in text
    assert events.principal.username in text


@pytest.mark.parametrize("n", [5, 60])
def test_the_page_costs_the_same_queries_for_few_or_many_events(events, n):
    for i in range(n):
        audit_record(actor=events.staff, action=f"action_{i % 4}", obj=events.school_a)
    client = client_for(events.department)
    client.get(URL)  # the session and the user, once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert len(rows(response)) == min(AuditEvent.objects.count(), 50)
    assert len(queries) == 5, [q["sql"] for q in queries]


def test_the_page_only_reads(events):
    client = client_for(events.department)  # signing in is recorded: before counting
    before = AuditEvent.objects.count()
    response = client.post(URL, {"action": "class_approve"})
    assert response.status_code == 405
    assert AuditEvent.objects.count() == before

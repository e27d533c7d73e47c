"""The outbox: an e-mail is written with the action that causes it and sent after the
commit; a mail server that fails leaves the action done, the e-mail waiting with its error
and tried again on a schedule, until the Department sees it given up on and sends it again.
No one else sees the outbox."""

import datetime
import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from schools import activation, mail, tasks
from schools.models import Enrollment, OutgoingEmail, ParentInvitation
from tests.conftest import client_for
from tests.factories import GuardianFactory, GuardianshipFactory, StudentFactory

Status = OutgoingEmail.Status
URL = reverse("schools:outbox_list")
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class BrokenBackend(BaseEmailBackend):
    """A mail server that drops the connection."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def server_fails(settings):
    settings.EMAIL_BACKEND = "tests.test_outbox.BrokenBackend"


@pytest.fixture
def server_down(settings):
    server_fails(settings)
    return settings


def server_back(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the block queues on commit (the sending task) as it leaves the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def mother(world):
    student = StudentFactory(school=world.school_a, full_name="Trần Bảo Ngọc", homeroom="7A2")
    guardian = GuardianFactory(full_name="Trần Thị Mai", phone="0912000111", email="mai@example.vn")
    GuardianshipFactory(student=student, guardian=guardian)
    return guardian


def queue(committed, *messages, about=None):
    with committed():
        mail.send_after_commit(messages, about=about)
    return list(OutgoingEmail.objects.order_by("-id")[: len(messages)])[::-1]


def make_due(email):
    OutgoingEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def rows(response) -> list:
    return list(response.context["page"].object_list)


def about_now(moment, delta):
    expected = timezone.now() + delta
    return abs((moment - expected).total_seconds()) < 10


# --- The action stands, the e-mail waits -----------------------------------------------------


def test_a_withdrawal_stands_when_the_mail_server_fails_and_its_receipt_waits(
    world, server_down, committed, mailoutbox
):
    enrollment = Enrollment.objects.get(activity=world.programme_a, student=world.student_a)
    latest = enrollment.consent_events.order_by("-id").first()
    with committed():
        response = client_for(world.parent).post(
            reverse("schools:consent_decide", args=[world.student_a.pk, world.programme_a.pk]),
            {"kind": "withdrawn", "expected_last": latest.pk},
        )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "withdrawn"
    assert mailoutbox == []
    (receipt,) = OutgoingEmail.objects.filter(recipient=world.parent.email)
    assert receipt.status == Status.QUEUED and receipt.attempts == 1
    assert receipt.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert about_now(receipt.next_attempt_at, datetime.timedelta(minutes=1))
    assert receipt.sent_at is None and receipt.body  # kept for the next attempt

    # The Department sees it waiting, with its error.
    page = client_for(world.department).get(URL)
    assert receipt in rows(page)
    assert receipt.last_error in page.text


def test_an_emailed_invitation_is_kept_and_the_command_sends_it_once_the_server_is_back(
    world, mother, server_down, committed, mailoutbox
):
    url = reverse("schools:parent_link_send", args=[world.school_a.pk, mother.pk])
    with committed():
        response = client_for(world.staff).post(url)
    assert response.status_code == 302
    invitation = ParentInvitation.objects.get(guardian=mother)
    assert invitation.is_open
    email = OutgoingEmail.objects.get()
    assert (email.recipient, email.object_type, email.object_id) == (
        "mai@example.vn",
        "schools.guardian",
        str(mother.pk),
    )
    assert (email.status, email.attempts) == (Status.QUEUED, 1)

    server_back(server_down)
    call_command("send_queued_email")  # not due yet
    assert mailoutbox == []
    make_due(email)
    call_command("send_queued_email")
    (sent,) = mailoutbox
    assert sent.to == ["mai@example.vn"]
    assert activation.activation_token(invitation) in sent.body
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 2)
    assert email.sent_at is not None
    assert email.body == ""  # the link and the code are not kept once delivered
    call_command("send_queued_email")
    assert len(mailoutbox) == 1


def test_no_email_is_queued_when_the_action_rolls_back(world, mother, committed, mailoutbox):
    with pytest.raises(RuntimeError), committed(), transaction.atomic():
        activation.parent_invitation_send(
            actor=world.staff, school=world.school_a, guardian=mother, site_url="https://x.vn"
        )
        raise RuntimeError("the request failed after the service")
    assert not ParentInvitation.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert mailoutbox == []


def test_an_email_that_goes_is_marked_sent_at_once(world, committed, mailoutbox):
    (email,) = queue(committed, ("Tiêu đề", "Nội dung", "a@example.vn"))
    assert [m.to for m in mailoutbox] == [["a@example.vn"]]
    assert (email.status, email.attempts, email.last_error) == (Status.SENT, 1, "")


# --- The schedule ------------------------------------------------------------------------------


def test_attempts_back_off_and_stop_at_the_maximum(world, server_down, committed, mailoutbox):
    server_down.EMAIL_MAX_ATTEMPTS = 4
    (email,) = queue(committed, ("Tiêu đề", "Nội dung", "a@example.vn"))
    waits = []
    for attempt in (1, 2, 3):
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.QUEUED, attempt)
        waits.append(email.next_attempt_at - timezone.now())
        make_due(email)
        call_command("send_queued_email")
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 5, 30]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == (Status.FAILED, 4, None)
    # Given up on: no more attempts, whatever runs.
    call_command("send_queued_email")
    tasks.send_emails.call([email.pk], 4)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 4)
    assert mailoutbox == []


def test_a_task_superseded_by_a_later_attempt_sends_nothing(world, server_down, committed):
    (email,) = queue(committed, ("Tiêu đề", "Nội dung", "a@example.vn"))
    server_back(server_down)
    tasks.send_emails.call([email.pk], 0)  # the first task, delivered twice
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.QUEUED, 1)


def test_with_a_worker_the_retry_is_queued_for_later(world, server_down, committed, mailoutbox):
    from django_tasks import task_backends

    server_down.TASKS = DUMMY
    backend = task_backends["default"]
    (email,) = queue(committed, ("Tiêu đề", "Nội dung", "a@example.vn"))
    first = backend.results[-1]
    assert (first.task.name, list(first.args)) == ("send_emails", [[email.pk], 0])
    assert email.attempts == 0
    with committed():
        tasks.send_emails.call(*first.args)  # the worker
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.QUEUED, 1)
    retry = backend.results[-1]
    assert list(retry.args) == [[email.pk], 1]
    assert retry.task.run_after == email.next_attempt_at
    assert about_now(retry.task.run_after, datetime.timedelta(minutes=1))


def test_the_error_kept_is_short(world, settings, committed, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPDataError(554, "x" * 2000)

    monkeypatch.setattr(tasks, "send_mail", refuse)
    (email,) = queue(committed, ("Tiêu đề", "Nội dung", "a@example.vn"))
    assert email.last_error.startswith("SMTPDataError: (554")
    assert len(email.last_error) == 300


# --- The Department's outbox -------------------------------------------------------------------


@pytest.fixture
def outbox(world, server_down, committed, mailoutbox):
    """One e-mail given up on, one waiting, one sent."""
    server_down.EMAIL_MAX_ATTEMPTS = 1
    failed, waiting = queue(
        committed,
        ("Không gửi được", "Đường dẫn riêng: /c/bi-mat/", "failed@example.vn"),
        ("Đang chờ", "Nội dung", "waiting@example.vn"),
        about=world.programme_a,
    )
    OutgoingEmail.objects.filter(pk=waiting.pk).update(
        status=Status.QUEUED, next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    server_back(server_down)
    (sent,) = queue(committed, ("Đã gửi", "Nội dung", "sent@example.vn"))
    waiting.refresh_from_db()
    assert (failed.status, waiting.status, sent.status) == (
        Status.FAILED,
        Status.QUEUED,
        Status.SENT,
    )
    mailoutbox.clear()
    return {"failed": failed, "waiting": waiting, "sent": sent}


def test_the_department_sees_what_is_waiting_or_not_sent(world, outbox):
    client = client_for(world.department)
    page = client.get(URL)
    assert page.status_code == 200
    assert {e.pk for e in rows(page)} == {outbox["failed"].pk, outbox["waiting"].pk}
    assert 'data-queued="1" data-failed="1"' in page.text
    # A button to send again for the one given up on only.
    assert reverse("schools:outbox_retry", args=[outbox["failed"].pk]) in page.text
    assert reverse("schools:outbox_retry", args=[outbox["waiting"].pk]) not in page.text
    assert "/c/bi-mat/" not in page.text  # never the body
    assert f"<code>partnerships.programme</code> #{world.programme_a.pk}" in page.text
    # In the Department's menu.
    assert URL in client.get(reverse("schools:home")).text

    assert [e.pk for e in rows(client.get(URL, {"status": "sent"}))] == [outbox["sent"].pk]
    assert [e.pk for e in rows(client.get(URL, {"status": "failed"}))] == [outbox["failed"].pk]
    assert [e.pk for e in rows(client.get(URL, {"recipient": "waiting@"}))] == [
        outbox["waiting"].pk
    ]
    bad = client.get(URL, {"status": "nonsense"})
    assert bad.status_code == 200 and "status" in bad.context["form"].errors
    assert rows(bad) == []


def test_the_department_sends_again_an_email_given_up_on(world, outbox, mailoutbox, committed):
    failed = outbox["failed"]
    with committed():
        response = client_for(world.department).post(
            reverse("schools:outbox_retry", args=[failed.pk])
        )
    assert response.status_code == 302 and response.url == URL
    (sent,) = mailoutbox
    assert sent.to == ["failed@example.vn"] and "/c/bi-mat/" in sent.body
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.SENT, 2)
    event = AuditEvent.objects.get(action="outgoing_email_retry")
    assert (event.actor, event.object_id) == (world.department, str(failed.pk))


def test_sending_again_while_the_server_is_still_down_shows_it_failed_again(
    world, outbox, server_down, committed, mailoutbox
):
    failed = outbox["failed"]
    server_fails(server_down)
    with committed():
        client_for(world.department).post(reverse("schools:outbox_retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.FAILED, 2)
    assert mailoutbox == []
    assert AuditEvent.objects.filter(action="outgoing_email_retry").count() == 1


@pytest.mark.parametrize("which", ["waiting", "sent"])
def test_only_an_email_given_up_on_can_be_sent_again(world, outbox, which, committed, mailoutbox):
    email = outbox[which]
    before = OutgoingEmail.objects.values().get(pk=email.pk)
    client = client_for(world.department)
    with committed():
        response = client.post(reverse("schools:outbox_retry", args=[email.pk]))
    assert response.status_code == 302
    assert OutgoingEmail.objects.values().get(pk=email.pk) == before
    assert not AuditEvent.objects.filter(action="outgoing_email_retry").exists()
    assert mailoutbox == []
    assert client.get(reverse("schools:outbox_retry", args=[email.pk])).status_code == 405
    assert client.post(reverse("schools:outbox_retry", args=[10**9])).status_code == 404


@pytest.mark.parametrize("role", ["principal", "staff", "committee", "inspector", "parent"])
def test_no_one_else_sees_the_outbox_or_sends_again(world, outbox, role, committed, mailoutbox):
    client = client_for(getattr(world, role))
    assert client.get(URL).status_code == 403
    assert URL not in client.get(reverse("schools:home")).text
    with committed():
        response = client.post(reverse("schools:outbox_retry", args=[outbox["failed"].pk]))
    assert response.status_code == 403
    outbox["failed"].refresh_from_db()
    assert outbox["failed"].status == Status.FAILED
    assert mailoutbox == []


def test_an_anonymous_visitor_is_sent_to_sign_in(world, outbox):
    for response in (
        Client().get(URL),
        Client().post(reverse("schools:outbox_retry", args=[outbox["failed"].pk])),
    ):
        assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("n", [5, 60])
def test_the_page_costs_the_same_queries_for_few_or_many_emails(world, n):
    OutgoingEmail.objects.bulk_create(
        OutgoingEmail(
            recipient=f"p{i}@example.vn",
            subject=f"Thư {i}",
            status=[Status.QUEUED, Status.FAILED][i % 2],
            attempts=i % 2 * 6,
        )
        for i in range(n)
    )
    client = client_for(world.department)
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert len(rows(response)) == min(n, 50)
    assert len(queries) == 5, [q["sql"] for q in queries]

"""/healthz: 200 when the database and the task queue answer, 503 naming the check that
failed otherwise, and never a version, a host or an error's text."""

import datetime
import json

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def health():
    response = Client().get(reverse("healthz"))
    return response, json.loads(response.content)


def queued(minutes_ago: int):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return DBTaskResult.objects.create(
        status=TaskResultStatus.READY,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="reports.tasks.generate_report",
        queue_name="default",
        backend_name="default",
        run_after=at,
        exception_class_path="",
        traceback="",
    )


@pytest.mark.django_db
def test_a_healthy_portal_answers_200_with_each_check():
    response, body = health()
    assert response.status_code == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "tasks": "ok"}}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_answer_names_no_version_or_host():
    import django

    response, _body = health()
    text = response.content.decode()
    assert django.get_version() not in text
    assert "testserver" not in text


@pytest.mark.django_db
def test_a_database_that_does_not_answer_fails_the_check(monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused to 10.0.0.5")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
    response, body = health()
    assert response.status_code == 503
    assert body == {"status": "fail", "checks": {"database": "down", "tasks": "unknown"}}
    assert "10.0.0.5" not in response.content.decode()


@pytest.mark.django_db
def test_a_task_waiting_for_a_worker_too_long_fails_the_check(settings):
    settings.TASKS = DATABASE_TASKS
    settings.HEALTH_TASK_MAX_WAIT_SECONDS = 300
    queued(minutes_ago=1)
    response, body = health()
    assert response.status_code == 200  # a minute is a worker's normal delay

    queued(minutes_ago=6)
    response, body = health()
    assert response.status_code == 503
    assert body["checks"] == {"database": "ok", "tasks": "stalled"}


@pytest.mark.django_db
def test_only_get_is_answered():
    assert Client().post(reverse("healthz")).status_code == 405

"""``/healthz``: whether this app process can serve, for a load balancer or a monitor.

It checks what every request needs, the database, and the task queue the reports wait on:
with the database backend, a task that should have started minutes ago means no worker is
taking work. The answer names each check and its state, and nothing else: no version, no
host, no error text (those go to the log).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.exception("health check: the database does not answer")
        return "down"
    return "ok"


def _tasks() -> str:
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.startswith("django_tasks_db."):
        return "ok"  # tasks run in the process that asks for them
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    late = timezone.now() - timedelta(seconds=settings.HEALTH_TASK_MAX_WAIT_SECONDS)
    try:
        stalled = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, run_after__lt=late
        ).exists()
    except DatabaseError:
        log.exception("health check: the task queue cannot be read")
        return "down"
    if stalled:
        log.error(
            "health check: tasks wait for more than %ss", settings.HEALTH_TASK_MAX_WAIT_SECONDS
        )
        return "stalled"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database()}
    checks["tasks"] = _tasks() if checks["database"] == "ok" else "unknown"
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )

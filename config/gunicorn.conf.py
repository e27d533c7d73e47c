"""gunicorn's settings for the portal in production, and for ``make bench``:

    gunicorn -c config/gunicorn.conf.py config.wsgi

Sync workers behind a reverse proxy or load balancer that buffers requests and responses
(nginx, HAProxy, a cloud balancer), as gunicorn's documentation advises for Django: each
worker serves one request at a time, with its own pool of database connections
(``DATABASE_POOL_MIN``/``DATABASE_POOL_MAX``). docs/deployment.md explains the figures.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two per core: a worker waiting on PostgreSQL leaves the core to another.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count())
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)
# A request running longer is killed and its worker replaced: long work (PDFs, imports)
# runs in the task workers, never in a request.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
# Workers are replaced after this many requests (with jitter, not all at once), so that a
# slow leak never grows for weeks.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = max_requests // 10
backlog = _int("GUNICORN_BACKLOG", 2048)
# Request line and headers bounded (a cookie and a long query string fit).
limit_request_line = 8190
limit_request_fields = 100
# The proxy's address, whose X-Forwarded-* headers gunicorn may trust; the portal itself
# reads the client's address by TRUSTED_PROXY_COUNT (accounts/network.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Logs to standard output and error, for the service manager to keep.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Each worker opens its own database pool after the fork: the application is not preloaded.
preload_app = True

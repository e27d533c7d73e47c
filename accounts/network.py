"""The client's address, for the login lockout, the parents' activation lockout and the
complaint limits (django-axes asks ``client_ip`` through ``AXES_CLIENT_IP_CALLABLE``)."""

from django.conf import settings


def client_ip(request) -> str | None:
    """``REMOTE_ADDR``, which no client can forge; behind ``TRUSTED_PROXY_COUNT`` proxies
    that each append the address they received from to X-Forwarded-For, the address the
    outermost one saw (what a client writes into the header itself stays to its left)."""
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if not count:
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [a for a in chain if a]
    return chain[-count] if len(chain) >= count else remote

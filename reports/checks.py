"""Deployment checks of what issued documents depend on."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_public(app_configs, **kwargs):
    """Every issued PDF prints a QR code and an address under `SITE_URL` for its check; a
    local or plain-HTTP address there would be printed for good on official documents."""
    parts = urlsplit(settings.SITE_URL)
    local = parts.hostname in {None, "localhost", "127.0.0.1", "::1"}
    if parts.scheme == "https" and not local:
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL!r}: issued documents print it in their QR code "
            "and verification address.",
            hint="Set SITE_URL to the portal's public https:// address.",
            id="reports.W001",
        )
    ]

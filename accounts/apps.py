from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Their receivers stamp each sign-in (sessions, and reauth for the last time the
        # password was typed) and record sign-ins, failed sign-ins, sign-outs and lockouts
        # in the audit log (security).
        from . import reauth, security, sessions  # noqa: F401

        security.connect_axes()

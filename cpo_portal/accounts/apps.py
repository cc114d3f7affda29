from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cpo_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from django.contrib.auth.signals import user_logged_in

        # Imported once the app registry is ready: these modules import models.
        from .languages import remember_language_at_login
        from .signals import connect_password_receivers, ensure_office_groups

        # post_migrate fires once per app; the handler is idempotent, and the last call
        # sees every app's permissions.
        post_migrate.connect(ensure_office_groups, dispatch_uid="cpo_office_groups")
        user_logged_in.connect(remember_language_at_login, dispatch_uid="cpo_language_at_login")
        # A new password ends the API token (the admin's password form does the same).
        connect_password_receivers()

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cpo_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .signals import ensure_office_group

        # post_migrate fires once per app; the handler is idempotent, and the last call
        # sees every app's permissions.
        post_migrate.connect(ensure_office_group, dispatch_uid="cpo_office_group")

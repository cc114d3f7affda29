from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from cpo_portal.navigation import Audience, Place, register_card


class AccountsConfig(AppConfig):
    name = "cpo_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from django.contrib.auth.signals import user_logged_in

        # Imported once the app registry is ready: these modules import models.
        from .languages import remember_language_at_login
        from .signals import (
            connect_password_receivers,
            connect_staff_invitation_receivers,
            ensure_office_groups,
        )

        # post_migrate fires once per app; the handler is idempotent, and the last call
        # sees every app's permissions.
        post_migrate.connect(ensure_office_groups, dispatch_uid="cpo_office_groups")
        user_logged_in.connect(remember_language_at_login, dispatch_uid="cpo_language_at_login")
        # A new password ends the API token (the admin's password form does the same).
        connect_password_receivers()
        # An invitation to the office's staff waits through sign-up and sign-in.
        connect_staff_invitation_receivers()
        # The office's staff pages on its start page (cpo_portal/navigation.py).
        register_card(
            place=Place.OFFICE,
            audience=Audience.OFFICE,
            order=5,
            key="staff",
            title=_("Staff and auditors"),
            text=_(
                "Who works in the office and who audits: roles, second factors, invitations, "
                "deactivation."
            ),
            links=[
                (_("Staff and auditors"), "accounts:office_staff"),
                (_("Pending invitations"), "accounts:office_staff_invitations"),
            ],
        )

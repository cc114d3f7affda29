from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "cpo_portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from cpo_portal.navigation import Audience, Place, register_card

        from . import personal_data

        # What this app holds about a person, for the office's export and erasure.
        personal_data.register()
        # The office's record of what was sent to whom, from its start page.
        register_card(
            place=Place.OFFICE,
            audience=Audience.OFFICE,
            order=90,
            key="notices",
            title=_("Notices"),
            text=_("What the portal told whom: sent at once, with the weekly digest, or not."),
            links=[(_("Notices sent"), "notifications:office")],
        )

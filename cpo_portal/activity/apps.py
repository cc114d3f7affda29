from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityConfig(AppConfig):
    name = "cpo_portal.activity"
    label = "activity"
    verbose_name = _("Activity log")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from . import personal_data

        # What this app holds about a person, for the office's export and erasure.
        personal_data.register()

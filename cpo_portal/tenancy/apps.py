from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "cpo_portal.tenancy"
    label = "tenancy"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from . import personal_data, signals  # noqa: F401 (signals: the receivers connect)

        # What this app holds about a person, for the office's export and erasure.
        personal_data.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "cpo_portal.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from cpo_portal import checks  # noqa: F401  registers the project's deploy checks

        # Imported once the app registry is ready: these modules import models.
        from . import (
            builtin,  # noqa: F401  registers the floor's own document kinds
            personal_data,
        )

        personal_data.register()

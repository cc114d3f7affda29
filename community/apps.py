from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        from . import documents

        # The annual report PDF; the accepted proposals on the office's catalogue drafts.
        documents.register_kinds()
        documents.register_draft_panel()
        # Candidacies, comments, registrations… in the office's export and erasure of a
        # person's data.
        from . import personal_data

        personal_data.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cpo_portal.navigation import Audience, Place, register_card, register_link


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        # Imported here, not at the top: they import models, loaded only once apps are ready.
        from . import documents, personal_data

        # The annual report PDF; the accepted proposals on the office's catalogue drafts.
        documents.register_kinds()
        documents.register_draft_panel()
        # Candidacies, comments, registrations… in the office's export and erasure of a
        # person's data.
        personal_data.register()
        # The app's entries in the floor's navigation (cpo_portal/navigation.py).
        _register_navigation()


def _register_navigation() -> None:
    """The community in the portal's header, an organization's workspace and the office's
    start page."""
    register_link(
        place=Place.HEADER,
        audience=Audience.VISITOR,
        order=40,
        label=_("Community"),
        url_name="community:home",
    )
    register_link(
        place=Place.WORKSPACE,
        audience=Audience.MEMBER,
        order=30,
        label=_("CPO Community"),
        url_name="community:org_community",
    )
    register_card(
        place=Place.OFFICE,
        audience=Audience.OFFICE,
        order=50,
        key="community",
        title=_("CPO Community"),
        text=_(
            "Verify prostep ivip memberships, run the conference and the Core Team election, "
            "publish the annual report."
        ),
        links=[
            (_("Memberships"), "community:office_memberships"),
            (_("Conferences"), "community:office_conferences"),
            (_("Elections"), "community:office_elections"),
            (_("Annual reports"), "community:report_drafts"),
        ],
    )

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cpo_portal.navigation import (
    Audience,
    Place,
    TodoItem,
    register_audience_check,
    register_card,
    register_link,
    register_todo,
)

if TYPE_CHECKING:  # the models are not loaded yet when Django imports an AppConfig
    from django.http import HttpRequest


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        # The kinds of notice of the community cycle, first: every service may send them.
        _register_notice_kinds()
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


# Notices only the CPO office receives: not offered to anyone else on the settings page.
OFFICE_KINDS = {"community.report_ready"}


def _register_notice_kinds() -> None:
    """Every notice of the CPO Community, listed under one heading of the settings page
    (cpo_portal/notifications/kinds.py). The services and community/tasks.py send them."""
    from cpo_portal.notifications.kinds import register_kind

    group = _("CPO Community")
    for order, key, label, description in (
        (
            200,
            "community.nominations_open",
            _("Nominations are open"),
            _("When the Core Team election opens nominations for your organization's group."),
        ),
        (
            210,
            "community.voting_open",
            _("Voting is open"),
            _("When the Core Team election opens for your organization's ballot."),
        ),
        (
            220,
            "community.voting_reminder",
            _("Reminder to vote"),
            _("A few days before voting closes, if your organization has not voted yet."),
        ),
        (
            230,
            "community.results",
            _("Election results"),
            _("When the results of the Core Team election are published."),
        ),
        (
            240,
            "community.proposal_new",
            _("New proposals"),
            _("A new proposal for the CPO was submitted (for the Core Team)."),
        ),
        (
            250,
            "community.proposal_activity",
            _("Activity on your proposals"),
            _("A comment on or a decision about a proposal you submitted."),
        ),
        (
            260,
            "community.report_ready",
            _("Annual report ready for review"),
            _("A draft of the annual report is ready for review (for the CPO office)."),
        ),
        (
            270,
            "community.report_published",
            _("Annual report published"),
            _("When the annual CPO report is published."),
        ),
        (
            280,
            "community.conference_open",
            _("Conference registration"),
            _("When the CPO conference opens for registration."),
        ),
        (
            290,
            "community.conference_reminder",
            _("Conference reminder"),
            _("A week before the CPO conference, if you have a seat."),
        ),
    ):
        register_kind(
            key=key,
            group=group,
            order=order,
            label=label,
            description=description,
            office_only=key in OFFICE_KINDS,
        )


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
    # The tab of every page of the organization: membership, conference, election, proposals
    # all lie under /o/<slug>/community/.
    register_link(
        place=Place.ORGANIZATION,
        audience=Audience.MEMBER,
        order=40,
        label=_("CPO Community"),
        url_name="community:org_community",
        section=True,
    )
    # The Core Team: the elected of the latest published election (selectors.elections).
    register_audience_check(Audience.CORE_TEAM, _is_core_team)
    register_card(
        place=Place.DASHBOARD,
        audience=Audience.CORE_TEAM,
        order=20,
        key="core-team",
        title=_("CPO Core Team"),
        text=_(
            "Write the annual CPO report with the other Core Team members, and move the "
            "community's proposals for the CPO through their review."
        ),
        links=[
            (_("Annual report drafts"), "community:report_drafts"),
            (_("Proposals to moderate"), "community:proposals"),
        ],
    )
    # Election sanity: a group with fewer accepted candidates than seats, once nominations
    # have closed and before voting opens by itself.
    register_todo(audience=Audience.OFFICE, key="elections", provider=_office_todo, order=50)
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


def _is_core_team(request: "HttpRequest") -> bool:
    # Imported when called: the selectors import models, not loaded with the AppConfig.
    from .selectors.elections import is_core_team_member

    return is_core_team_member(getattr(request, "user", None))


def _office_todo(request: "HttpRequest", organization: object = None) -> list[TodoItem]:
    # Imported when called: the view module imports models.
    from .views.elections import office_election_todo

    return office_election_todo(request, organization)

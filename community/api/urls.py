"""The community API under /api/v1/community/ (names live in the "api" namespace).

One block per concern; each concern's views live in community/api/<concern>.py.
"""

from django.urls import URLPattern, path

from . import conference, elections, membership, proposals, reports

E = "elections/<int:year>/"
ORG = "organizations/<slug:org_slug>/"

urlpatterns: list[URLPattern] = [
    # Association membership and the annual conference.
    path("conference/", conference.CurrentConferenceView.as_view(), name="community-conference"),
    path(
        "conferences/<int:year>/",
        conference.ConferenceDetailView.as_view(),
        name="community-conference-year",
    ),
    path(f"{ORG}membership/", membership.MembershipView.as_view(), name="community-membership"),
    path(
        f"{ORG}registrations/",
        conference.RegistrationListView.as_view(),
        name="community-registrations",
    ),
    path(
        f"{ORG}registrations/<int:id>/cancel/",
        conference.RegistrationCancelView.as_view(),
        name="community-registration-cancel",
    ),
    # The Core Team election.
    path("elections/", elections.ElectionListView.as_view(), name="community-elections"),
    path(E, elections.ElectionDetailView.as_view(), name="community-election"),
    path(f"{E}results/", elections.ElectionResultsView.as_view(), name="community-results"),
    path(f"{E}receipt/", elections.ReceiptCheckView.as_view(), name="community-receipt"),
    path(
        f"{E}nominations/<int:id>/answer/",
        elections.NominationAnswerView.as_view(),
        name="community-nomination-answer",
    ),
    path("core-team/", elections.CoreTeamView.as_view(), name="community-core-team"),
    path(
        f"{ORG}{E}nominations/",
        elections.NominationsView.as_view(),
        name="community-nominations",
    ),
    path(f"{ORG}{E}ballot/", elections.BallotView.as_view(), name="community-ballot"),
    # Proposals for the CPO and the annual reports.
    path("proposals/", proposals.ProposalListView.as_view(), name="community-proposals"),
    path("proposals/<int:id>/", proposals.ProposalDetailView.as_view(), name="community-proposal"),
    path(
        f"{ORG}proposals/",
        proposals.OrganizationProposalsView.as_view(),
        name="community-org-proposals",
    ),
    path("reports/", reports.ReportListView.as_view(), name="community-reports"),
    path("reports/<int:year>/", reports.ReportDetailView.as_view(), name="community-report"),
]

"""URLs of the CPO Community, one block per concern; each states its full paths (public
pages under /community/, the workspace under /o/<slug>/community/, the office under
/office/community/)."""

from django.urls import path

from .views import conference, elections, membership, proposals, reports

app_name = "community"

ORG = "o/<slug:org_slug>/community/"
OFFICE = "office/community/"

# --- Membership: the landing page; the organization's community page and declaration;
# the office's queue of declarations.
urlpatterns = [
    path("community/", membership.home, name="home"),
    path(ORG, membership.org_community, name="org_community"),
    path(f"{ORG}membership/", membership.org_membership, name="org_membership"),
    path(f"{OFFICE}memberships/", membership.office_queue, name="office_memberships"),
    path(f"{OFFICE}memberships/all/", membership.office_list, name="office_memberships_all"),
    path(
        f"{OFFICE}memberships.csv",
        membership.office_export,
        {"kind": "csv"},
        name="office_memberships_csv",
    ),
    path(
        f"{OFFICE}memberships.xlsx",
        membership.office_export,
        {"kind": "xlsx"},
        name="office_memberships_xlsx",
    ),
    path(f"{OFFICE}memberships/<int:pk>/", membership.office_detail, name="office_membership"),
    path(
        f"{OFFICE}memberships/<int:pk>/verify/",
        membership.office_verify,
        name="office_membership_verify",
    ),
    path(
        f"{OFFICE}memberships/<int:pk>/reject/",
        membership.office_reject,
        name="office_membership_reject",
    ),
]
# The prostep ivip member list: uploaded, its dry run checked, then applied.
MEMBER_LIST = f"{OFFICE}memberships/import/"
urlpatterns += [
    path(MEMBER_LIST, membership.office_import, name="office_member_list_import"),
    path(f"{MEMBER_LIST}<int:pk>/", membership.office_member_list, name="office_member_list"),
    path(
        f"{MEMBER_LIST}<int:pk>/apply/",
        membership.office_member_list_apply,
        name="office_member_list_apply",
    ),
    path(
        f"{MEMBER_LIST}<int:pk>/rerun/",
        membership.office_member_list_rerun,
        name="office_member_list_rerun",
    ),
]

# --- The annual conference: the public page (one per year, with its .ics file); member
# organizations register and cancel attendees; the office runs it.
CONFERENCES = f"{OFFICE}conferences/"
urlpatterns += [
    path("community/conference/", conference.public_current, name="conference"),
    path("community/conference/<int:year>/", conference.public_year, name="conference_year"),
    path("community/conference/<int:year>.ics", conference.public_ics, name="conference_ics"),
    path(f"{ORG}conference/<int:year>/register/", conference.org_register, name="org_register"),
    path(
        f"{ORG}conference/registrations/<int:pk>/cancel/",
        conference.org_cancel,
        name="org_registration_cancel",
    ),
    path(CONFERENCES, conference.office_list, name="office_conferences"),
    path(f"{CONFERENCES}new/", conference.office_create, name="office_conference_create"),
    path(f"{CONFERENCES}<int:pk>/", conference.office_detail, name="office_conference"),
    path(f"{CONFERENCES}<int:pk>/edit/", conference.office_edit, name="office_conference_edit"),
    path(
        f"{CONFERENCES}<int:pk>/publish/",
        conference.office_publish,
        name="office_conference_publish",
    ),
    path(
        f"{CONFERENCES}<int:pk>/attendees.csv",
        conference.office_export,
        name="office_conference_csv",
    ),
    path(
        f"{CONFERENCES}<int:pk>/attendees.xlsx",
        conference.office_export,
        {"kind": "xlsx"},
        name="office_conference_xlsx",
    ),
    path(
        f"{CONFERENCES}<int:pk>/registrations/<int:registration_pk>/cancel/",
        conference.office_cancel,
        name="office_registration_cancel",
    ),
]

# --- The Core Team election: the office runs it, member organizations nominate and vote,
# the nominee answers on their own page, the public sees candidates, results, the Core Team
# and the receipt check.
ELECTIONS = f"{OFFICE}elections/"
ORG_ELECTIONS = f"{ORG}elections/"
ELECTION = "community/elections/<int:year>/"
urlpatterns += [
    path(ELECTIONS, elections.office_list, name="office_elections"),
    path(f"{ELECTIONS}new/", elections.office_create, name="office_election_create"),
    path(f"{ELECTIONS}<int:pk>/", elections.office_detail, name="office_election"),
    path(
        f"{ELECTIONS}<int:pk>/participation.csv",
        elections.office_participation_export,
        {"kind": "csv"},
        name="office_election_participation_csv",
    ),
    path(
        f"{ELECTIONS}<int:pk>/participation.xlsx",
        elections.office_participation_export,
        {"kind": "xlsx"},
        name="office_election_participation_xlsx",
    ),
    path(f"{ELECTIONS}<int:pk>/tally/", elections.office_tally, name="office_election_tally"),
    path(
        f"{ELECTIONS}<int:pk>/ties/<slug:group>/", elections.office_tie, name="office_election_tie"
    ),
    path(f"{ELECTIONS}<int:pk>/publish/", elections.office_publish, name="office_election_publish"),
    path(ORG_ELECTIONS, elections.org_overview, name="org_elections"),
    path(f"{ORG_ELECTIONS}<int:year>/nominate/", elections.org_nominate, name="org_nominate"),
    path(f"{ORG_ELECTIONS}<int:year>/ballot/", elections.org_ballot, name="org_ballot"),
    path(f"{ELECTION}nomination/<int:pk>/", elections.nomination, name="nomination"),
    path("community/core-team/", elections.core_team, name="core_team"),
    path(ELECTION, elections.public_election, name="election"),
    path(f"{ELECTION}receipt/", elections.receipt, name="election_receipt"),
]

# --- Proposals for the CPO: the public reads them (community members comment there, the
# Core Team moves them there); a member organization submits from its workspace.
PROPOSALS = "community/proposals/"
urlpatterns += [
    path(PROPOSALS, proposals.public_list, name="proposals"),
    path(f"{PROPOSALS}<int:pk>/", proposals.public_detail, name="proposal"),
    path(f"{PROPOSALS}<int:pk>/comment/", proposals.comment, name="proposal_comment"),
    path(f"{PROPOSALS}<int:pk>/move/", proposals.move, name="proposal_move"),
    path(f"{ORG}proposals/", proposals.org_list, name="org_proposals"),
    path(f"{ORG}proposals/new/", proposals.org_submit, name="org_proposal_submit"),
]

# --- The annual CPO report: the archive and each published report with its PDF; the Core
# Team and the office draft under /community/reports/drafts/.
REPORTS = "community/reports/"
DRAFT = "community/reports/drafts/<int:year>/"
urlpatterns += [
    path(REPORTS, reports.public_archive, name="reports"),
    path(f"{REPORTS}<int:year>/", reports.public_report, name="report"),
    path(f"{REPORTS}<int:year>/pdf/", reports.public_pdf, name="report_pdf"),
    path(f"{REPORTS}drafts/", reports.editor_list, name="report_drafts"),
    path(DRAFT, reports.editor_detail, name="report_edit"),
    path(f"{DRAFT}sections/new/", reports.section_edit, name="report_section_new"),
    path(f"{DRAFT}sections/<int:pk>/", reports.section_edit, name="report_section"),
    path(f"{DRAFT}sections/<int:pk>/delete/", reports.section_delete, name="report_section_delete"),
    path(f"{DRAFT}figures/", reports.snapshot, name="report_snapshot"),
    path(f"{DRAFT}render/", reports.render_pdf, name="report_render"),
    path(f"{DRAFT}status/", reports.pdf_status, name="report_status"),
    path(f"{DRAFT}pdf/", reports.editor_pdf, name="report_draft_pdf"),
    path(f"{DRAFT}publish/", reports.publish, name="report_publish"),
    path(f"{DRAFT}ready/", reports.mark_ready, name="report_ready"),
    path(f"{DRAFT}images/new/", reports.image_new, name="report_image_new"),
    path(f"{DRAFT}images/<int:pk>/delete/", reports.image_delete, name="report_image_delete"),
    path(f"{DRAFT}sections/<int:pk>/comments/", reports.comments, name="report_comments"),
    path(
        f"{DRAFT}comments/<int:pk>/resolve/", reports.comment_resolve, name="report_comment_resolve"
    ),
    path(f"{DRAFT}comments/<int:pk>/delete/", reports.comment_delete, name="report_comment_delete"),
    # A picture of the report: public once published, the Core Team's and the office's before.
    path(f"{REPORTS}<int:year>/images/<int:pk>/", reports.image_file, name="report_image"),
]

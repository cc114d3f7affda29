"""URLs of the community: the Core Team election.

The office runs it under /office/community/elections/, member organizations nominate and
vote under /o/<slug>/community/elections/, the nominee answers on their own page, and the
public sees candidates, results, the Core Team and the receipt check under /community/.
"""

from django.urls import path

from .views import elections as views

ORG = "o/<slug:org_slug>/community/elections/"
OFFICE = "office/community/elections/"
PUBLIC = "community/elections/<int:year>/"

urlpatterns = [
    # The CPO office.
    path(OFFICE, views.office_list, name="office_elections"),
    path(f"{OFFICE}new/", views.office_create, name="office_election_create"),
    path(f"{OFFICE}<int:pk>/", views.office_detail, name="office_election"),
    path(f"{OFFICE}<int:pk>/tally/", views.office_tally, name="office_election_tally"),
    path(f"{OFFICE}<int:pk>/ties/<slug:group>/", views.office_tie, name="office_election_tie"),
    path(f"{OFFICE}<int:pk>/publish/", views.office_publish, name="office_election_publish"),
    # A member organization.
    path(ORG, views.org_overview, name="org_elections"),
    path(f"{ORG}<int:year>/nominate/", views.org_nominate, name="org_nominate"),
    path(f"{ORG}<int:year>/ballot/", views.org_ballot, name="org_ballot"),
    # The nominee.
    path(f"{PUBLIC}nomination/<int:pk>/", views.nomination, name="nomination"),
    # The public.
    path("community/core-team/", views.core_team, name="core_team"),
    path(PUBLIC, views.public_election, name="election"),
    path(f"{PUBLIC}receipt/", views.receipt, name="election_receipt"),
]

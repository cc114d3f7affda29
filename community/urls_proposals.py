"""URLs of the community: proposals for the CPO.

The public reads them under /community/proposals/ (community members comment there, the Core
Team moves them there); a member organization submits from its workspace.
"""

from django.urls import path

from .views import proposals as views

ORG = "o/<slug:org_slug>/community/proposals/"
PUBLIC = "community/proposals/"

urlpatterns = [
    path(PUBLIC, views.public_list, name="proposals"),
    path(f"{PUBLIC}<int:pk>/", views.public_detail, name="proposal"),
    path(f"{PUBLIC}<int:pk>/comment/", views.comment, name="proposal_comment"),
    path(f"{PUBLIC}<int:pk>/move/", views.move, name="proposal_move"),
    path(ORG, views.org_list, name="org_proposals"),
    path(f"{ORG}new/", views.org_submit, name="org_proposal_submit"),
]

from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("o/", views.organization_list, name="list"),
    path("o/new/", views.organization_create, name="create"),
    path("o/<slug:org_slug>/", views.organization_home, name="home"),
    path("o/<slug:org_slug>/settings/", views.organization_edit, name="edit"),
    path("o/<slug:org_slug>/members/", views.member_list, name="members"),
    path("o/<slug:org_slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("o/<slug:org_slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path(
        "o/<slug:org_slug>/members/<int:pk>/transfer/",
        views.ownership_transfer,
        name="ownership_transfer",
    ),
    path("o/<slug:org_slug>/leave/", views.organization_leave, name="leave"),
    path(
        "o/<slug:org_slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

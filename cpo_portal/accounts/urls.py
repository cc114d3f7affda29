"""A person's own pages beside allauth's under /accounts/ (and the staff invitation link),
the CPO office's people pages (find a person, export or erase their data on request) and its
staff pages (staff and auditors, invitations, roles, deactivation)."""

from django.urls import path

from .views import people, personnel, profile

app_name = "accounts"

urlpatterns = [
    path("accounts/profile/", profile.profile, name="profile"),
    path("accounts/api-token/", profile.api_token, name="api_token"),
    path(
        "accounts/staff-invitation/<str:token>/",
        personnel.staff_invitation_accept_page,
        name="staff_invitation_accept",
    ),
    path("office/people/", people.office_people, name="office_people"),
    path("office/people/<int:pk>/", people.office_person, name="office_person"),
    path(
        "office/people/<int:pk>/export/", people.office_person_export, name="office_person_export"
    ),
    path("office/people/<int:pk>/erase/", people.office_person_erase, name="office_person_erase"),
    # The office's staff and auditors (ISO/IEC 17065 §6.1).
    path("office/staff/", personnel.office_staff, name="office_staff"),
    path("office/staff/invite/", personnel.office_staff_invite, name="office_staff_invite"),
    path(
        "office/staff/invitations/",
        personnel.office_staff_invitations,
        name="office_staff_invitations",
    ),
    path(
        "office/staff/invitations/<int:pk>/resend/",
        personnel.office_staff_invitation_resend,
        name="office_staff_invitation_resend",
    ),
    path(
        "office/staff/invitations/<int:pk>/revoke/",
        personnel.office_staff_invitation_revoke,
        name="office_staff_invitation_revoke",
    ),
    path("office/staff/<int:pk>/", personnel.office_staff_member, name="office_staff_member"),
    path(
        "office/staff/<int:pk>/roles/",
        personnel.office_staff_member_roles,
        name="office_staff_member_roles",
    ),
    path(
        "office/staff/<int:pk>/deactivate/",
        personnel.office_staff_member_deactivate,
        name="office_staff_member_deactivate",
    ),
    path(
        "office/staff/<int:pk>/reactivate/",
        personnel.office_staff_member_reactivate,
        name="office_staff_member_reactivate",
    ),
]

"""The CPO office's side of certification."""

from django.urls import URLPattern, path

from .views import office as views

P = "office/certification/"

urlpatterns: list[URLPattern] = [
    path(P, views.application_list, name="office_applications"),
    path(f"{P}grants/", views.grants, name="office_grants"),
    path(f"{P}auditors/", views.auditors, name="office_auditors"),
    path(f"{P}<int:pk>/", views.application_detail, name="office_application"),
    path(f"{P}<int:pk>/review/", views.review, name="office_review"),
    path(f"{P}<int:pk>/assign/", views.assign, name="office_assign"),
    path(
        f"{P}<int:pk>/assignments/<int:assignment_id>/end/",
        views.assignment_end,
        name="office_assignment_end",
    ),
    path(f"{P}<int:pk>/decide/", views.decide, name="office_decide"),
    path(f"{P}<int:pk>/reopen/", views.reopen, name="office_reopen"),
    path(f"{P}<int:pk>/scores/", views.score_history, name="office_score_history"),
]

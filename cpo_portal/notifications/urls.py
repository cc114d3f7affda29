from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("accounts/notifications/", views.settings_page, name="settings"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("office/notifications/", views.office_notices, name="office"),
]

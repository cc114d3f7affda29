"""The CPO office's review of signees, under /office/signees/."""

from django.urls import path

from .views import office

urlpatterns = [
    path("office/signees/", office.signee_list, name="office_list"),
    path("office/signees/<int:pk>/", office.signee_detail, name="office_detail"),
    path(
        "office/signees/<int:pk>/<slug:action>/",
        office.signee_decide,
        name="office_decide",
    ),
]

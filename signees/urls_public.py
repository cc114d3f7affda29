"""Public signee URLs (DESIGN §5): /signees/, its exports, and /signees/<slug>/."""

from django.urls import URLPattern, URLResolver, path

from .views import public

urlpatterns: list[URLPattern | URLResolver] = [
    path("signees/", public.signee_list, name="list"),
    path("signees.csv", public.export_csv, name="export_csv"),
    path("signees.json", public.export_json, name="export_json"),
    path("signees/<slug:slug>/", public.signee_detail, name="detail"),
]

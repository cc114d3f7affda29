from django.urls import URLPattern

app_name = "signees"

urlpatterns: list[URLPattern] = []

from django.urls import URLPattern

app_name = "certification"

urlpatterns: list[URLPattern] = []

"""Root URLconf: the only place where the floor and the feature apps meet."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language

from signees.views.signing import home

from . import health, views

admin.site.site_header = "CPO Portal"
admin.site.site_title = "CPO Portal"
# The admin signs in through allauth, so MFA and rate limits hold there too.
admin.site.login = RedirectView.as_view(  # type: ignore[method-assign,assignment]
    pattern_name="account_login", query_string=True
)

handler404 = "cpo_portal.api.views.not_found"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("office/", views.office_home, name="office_home"),
    # Choosing the display language needs no CSRF token: it changes nothing but a cookie,
    # and a token in the language form of every page would keep visitors' pages uncached.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # The portal's own account pages come first: allauth's share the /accounts/ prefix.
    path("", include("cpo_portal.accounts.urls")),
    path("", include("cpo_portal.notifications.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("cpo_portal.tenancy.urls")),
    path("", include("cpo_portal.activity.urls")),
    path("", include("cpo_portal.documents.urls")),
    path("", include("cpo_portal.api.urls")),
    # Feature apps
    path("", include("criteria.urls")),
    path("", include("community.urls")),
    path("", include("signees.urls")),
    path("", include("certification.urls")),
]

if settings.BENCH_ENDPOINTS:
    from bench.views import ceiling

    urlpatterns.append(path("bench/ceiling", ceiling, name="bench_ceiling"))

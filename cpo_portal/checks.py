"""The project's own system checks (`manage.py check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Production must name its public address: e-mails, PDFs and QR codes carry it."""
    if settings.DEBUG or getattr(settings, "SITE_URL_CONFIGURED", True):
        return []
    return [
        checks.Error(
            f"SITE_URL is not set: e-mails, badge snippets and the QR code signed into every "
            f"certificate would point to {settings.SITE_URL}.",
            hint="Set SITE_URL to the portal's public base URL, e.g. https://cpo.example.org.",
            id="cpo_portal.E001",
        )
    ]

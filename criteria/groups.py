"""The three signee groups. Criteria say which groups they apply to; signees belong to one."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SigneeGroup(models.TextChoices):
    IT_CUSTOMER = "it_customer", _("IT customer")
    IT_VENDOR = "it_vendor", _("IT vendor")
    IT_SERVICE_PROVIDER = "it_service_provider", _("IT service provider")


def group_label(code: str | None) -> str:
    """A group's label in the active language; an unknown code as it is, none as ""."""
    return str(SigneeGroup(code).label) if code in SigneeGroup.values else (code or "")

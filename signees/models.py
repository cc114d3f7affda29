"""Signees of the CPO. Each signee belongs to exactly one group."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class SigneeGroup(models.TextChoices):
    IT_CUSTOMER = "it_customer", _("IT customer")
    IT_VENDOR = "it_vendor", _("IT vendor")
    IT_SERVICE_PROVIDER = "it_service_provider", _("IT service provider")


class Signee(models.Model):
    """An organization's signature of the CPO and the group it signed in."""

    organization = models.OneToOneField(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="signee",
        verbose_name=_("organization"),
    )
    group = models.CharField(_("group"), max_length=30, choices=SigneeGroup.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("signee")
        verbose_name_plural = _("signees")

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_group_display()})"

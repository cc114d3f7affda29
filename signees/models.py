"""Signees of the CPO. Each signee belongs to exactly one group."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from criteria.groups import SigneeGroup

__all__ = ["Signee", "SigneeGroup"]


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

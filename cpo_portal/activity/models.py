"""The activity log: who did what to which object, when, in which organization."""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

# The key in `data` of the target's name in every language, where the languages differ.
TARGET_LABELS = "_target"


class ActivityEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Null for actions that concern no organization (e.g. the office publishing a catalogue).
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activity",
        verbose_name=_("organization"),
    )
    verb = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    target_id = models.CharField(max_length=64, blank=True)
    # Kept so the log still reads after the target is deleted.
    target_repr = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("activity entry")
        verbose_name_plural = _("activity log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.verb} {self.target_repr}"

    @property
    def details(self) -> dict[str, Any]:
        """`data` as the service recorded it, without the target's names."""
        if not isinstance(self.data, dict):
            return self.data
        return {key: value for key, value in self.data.items() if key != TARGET_LABELS}

    @property
    def target_label(self) -> str:
        """The target's name in the reader's (active) language; `target_repr` is the name in
        the portal's default language (and, for entries written before, the actor's)."""
        labels = self.data.get(TARGET_LABELS) if isinstance(self.data, dict) else None
        if isinstance(labels, dict):
            language = (translation.get_language() or "").split("-")[0]
            return str(labels.get(language) or self.target_repr)
        return self.target_repr

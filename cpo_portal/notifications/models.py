"""Notices to people about what concerns them, and how each person wants to receive them.

The kinds of notice are registered by the feature apps (cpo_portal/notifications/kinds.py);
a person chooses per kind: an e-mail now, the weekly digest, or nothing. Every notice is
recorded, sent or not, so the office can see what was sent to whom (and why someone heard
nothing: they had turned it off).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    NOW = "now", _("E-mail now")
    DIGEST = "digest", _("Weekly digest")
    OFF = "off", _("Off")


class NotificationPreference(models.Model):
    """A person's choice for one kind of notice; without a row the kind's default holds."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind of notice"), max_length=60)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"


class Notice(models.Model):
    """One notice to one person, rendered in their language: sent now, held for the weekly
    digest, or not sent because they turned the kind off."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("person"),
    )
    # The address it went to, as it was then (a person may change theirs later).
    email = models.EmailField(_("e-mail address"), blank=True)
    kind = models.CharField(_("kind of notice"), max_length=60, db_index=True)
    # What the notice is about, for sending it once: "election:7:voting-open". Empty: no
    # such guard (e.g. one notice per comment).
    key = models.CharField(max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    # Where the digest links to: the page the notice is about.
    url = models.CharField(_("link"), max_length=500, blank=True)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    # When the e-mail was queued: at once (now) or with the weekly digest; null: not (yet).
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key"],
                condition=~Q(key=""),
                name="notice_once_per_key",
            )
        ]
        indexes = [models.Index(fields=["delivery", "sent_at"], name="notice_digest_due")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.email}"

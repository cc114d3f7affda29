"""Generated files. The row is the truth about a file; Celery only does the rendering."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def document_upload_to(instance: "Document", filename: str) -> str:
    owner = f"org-{instance.organization_id}" if instance.organization_id else "portal"
    return f"documents/{owner}/{instance.kind}/{filename}"


class Document(models.Model):
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    # The tenant the file belongs to; null for portal-wide documents (e.g. the annual report).
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("organization"),
    )
    owner_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    owner_id = models.CharField(max_length=64)
    owner = GenericForeignKey("owner_type", "owner_id")
    language = models.CharField(_("language"), max_length=10, default="en")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DocumentStatus.choices,
        default=DocumentStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    file = models.FileField(_("file"), upload_to=document_upload_to, blank=True, max_length=300)
    content_type = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    # Indexed: anyone may look a certificate up by the hash of its PDF (verify by file).
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed"), db_index=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner_type", "owner_id", "kind"]),
            models.Index(fields=["status", "status_changed_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY and bool(self.file)

    @property
    def filename(self) -> str:
        return (self.file.name or "").rsplit("/", 1)[-1]

"""Users (e-mail as login) and the auditor profile."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

# An erased person's account keeps its row with an address here: unusable (RFC 2606).
ERASED_EMAIL_DOMAIN = "erased.invalid"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class OfficeRole(models.TextChoices):
    """The CPO office's roles (ISO/IEC 17065 §6.1: who may do what in the body); one person
    may hold several. Each is a group that grants the office's shared permissions and its own."""

    ADMINISTRATOR = "administrator", _("Office administrator")
    REVIEWER = "reviewer", _("Reviewer")
    CERTIFIER = "certifier", _("Certifier")


# The group of each role, and the permission that distinguishes it ("accounts.<codename>").
OFFICE_ROLE_GROUPS = {
    OfficeRole.ADMINISTRATOR: "CPO office administrators",
    OfficeRole.REVIEWER: "CPO office reviewers",
    OfficeRole.CERTIFIER: "CPO office certifiers",
}
OFFICE_ROLE_PERMISSIONS = {
    OfficeRole.ADMINISTRATOR: "accounts.office_administer",
    OfficeRole.REVIEWER: "accounts.office_review",
    OfficeRole.CERTIFIER: "accounts.office_certify",
}


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    # The language the portal speaks to this person: pages after sign-in and every e-mail.
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the portal's pages and of the e-mails you receive."),
    )
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        permissions = [
            ("office_access", _("Can use the CPO office")),
            ("office_administer", _("Manages the CPO office's staff, auditors and policies")),
            ("office_review", _("Reviews signings and certification applications")),
            ("office_certify", _("Takes certification decisions")),
        ]

    def __str__(self) -> str:
        # str(user) ends up in templates, API answers and the activity log: never the address.
        return self.public_name

    @property
    def public_name(self) -> str:
        """How the portal names this person to others: their name, never their e-mail."""
        if self.is_erased:
            return str(_("Former member"))
        return self.full_name.strip() or str(_("Anonymous member"))

    @property
    def is_erased(self) -> bool:
        """Erased on request (GDPR Art. 17): the row stays, anonymised, for the records."""
        return self.email.endswith(f"@{ERASED_EMAIL_DOMAIN}")

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Auditor(models.Model):
    """An independent expert who scores assessments; only sees audits assigned to them."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="auditor")
    is_active = models.BooleanField(_("active"), default=True)
    organisation_name = models.CharField(
        _("auditing body"),
        max_length=200,
        blank=True,
        help_text=_("The certification or auditing body the auditor works for, if any."),
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("auditor")
        verbose_name_plural = _("auditors")

    def __str__(self) -> str:
        return str(self.user)


class StaffInvitation(models.Model):
    """An office administrator's e-mailed invitation to join the CPO office (with roles) or
    the auditors; expiring, single-use, only the token's hash stored."""

    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    office_roles = models.JSONField(_("office roles"), default=list, blank=True)
    as_auditor = models.BooleanField(_("auditor"), default=False)
    auditing_body = models.CharField(_("auditing body"), max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.full_name or str(_("Invitation"))

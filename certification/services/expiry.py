"""A certificate's validity ends: its holder is reminded 180, 90 and 30 days ahead, with the
way to renew it (the recertification, where it is possible, or the one under way).

The daily task sends each reminder once. The sent reminders are kept as rows of
`SurveillanceReminder` with kinds of their own ("expiry-180", "expiry-90", "expiry-30") and
the end of validity as their date: the same unique row per certificate, kind and date makes
a rerun, or two beat processes by mistake, send nothing twice.
"""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.services import activity_record
from cpo_portal.mail import lazy_format, mail_on_commit, organization_admin_emails

from ..models import Certificate, CertificateStatus, SurveillanceReminder

EXPIRY_REMINDER_DAYS = (180, 90, 30)
KIND_PREFIX = "expiry-"


def _days_for(days_left: int) -> int | None:
    """The reminder due with `days_left`: the nearest one ahead (a missed day catches up)."""
    if days_left < 0:
        return None  # the nightly expiry tells the holder itself
    for days in sorted(EXPIRY_REMINDER_DAYS):
        if days_left <= days:
            return days
    return None


def _renewal_path(certificate: Certificate) -> tuple[str, str]:
    """Where the reminder sends the holder: ("recertify" | "under_way" | "", path)."""
    from ..selectors import recertifications_of_organization

    options = recertifications_of_organization(certificate.organization, certificate=certificate)
    option = options[0] if options else None
    slug = certificate.organization.slug
    if option and option.open_application:
        return "under_way", reverse(
            "certification:application",
            kwargs={"org_slug": slug, "pk": option.open_application.pk},
        )
    if option and option.possible:
        return "recertify", reverse(
            "certification:certificate_recertify", kwargs={"org_slug": slug, "pk": certificate.pk}
        )
    return "", reverse("certification:applications", kwargs={"org_slug": slug})


def _send(certificate: Certificate, days: int) -> None:
    renewal, path = _renewal_path(certificate)
    mail_on_commit(
        subject=lazy_format(
            gettext_lazy("Certificate %(number)s expires in %(days)s days"),
            number=certificate.number,
            days=days,
        ),
        template="certification/email/expiry_reminder.txt",
        context={"certificate": certificate, "days": days, "renewal": renewal, "path": path},
        to=organization_admin_emails(certificate.organization),
    )


def certificate_expiry_reminders_send(*, today: date | None = None) -> int:
    """Send the expiry reminders due today (180, 90 and 30 days ahead), each once."""
    today = today or timezone.now().date()
    horizon = today + timedelta(days=max(EXPIRY_REMINDER_DAYS))
    with scopes_disabled():
        candidates = list(
            Certificate.objects.filter(
                status__in=(CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED),
                valid_until__gte=today,
                valid_until__lte=horizon,
            )
            .select_related("organization")
            .order_by("valid_until", "pk")
        )
    sent = 0
    for certificate in candidates:
        days = _days_for((certificate.valid_until - today).days)
        if days is None:
            continue
        kind = f"{KIND_PREFIX}{days}"
        try:
            with transaction.atomic(), scope(organization=certificate.organization):
                SurveillanceReminder.objects.create(
                    certificate=certificate, kind=kind, due=certificate.valid_until
                )
                _send(certificate, days)
                activity_record(
                    actor=None,
                    organization=certificate.organization,
                    verb="certificate.expiry_reminder",
                    target=certificate,
                    data={"days": days, "valid_until": str(certificate.valid_until)},
                )
        except IntegrityError:
            continue  # already sent
        sent += 1
    return sent


__all__ = ["EXPIRY_REMINDER_DAYS", "certificate_expiry_reminders_send"]

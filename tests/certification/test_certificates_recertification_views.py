"""Recertification is offered wherever the holder looks: on the certificate's page, on the
certification page and in the expiry reminders — exactly when it is possible (a live
certificate within its validity, no recertification under way, an approved signee, for a
product a valid organizational certificate, and someone who may apply)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from certification import tasks
from certification.selectors.certificates import recertifications_of_organization
from certification.services.applications import application_create, application_withdraw
from certification.services.certificates import certificate_expiry_reminders_send
from cpo_portal.errors import DomainError
from signees.models import Signee
from tests.certification.helpers import (
    TODAY,
    make_certificates,
    set_fields,
)

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"certification:{name}", kwargs=kwargs)


def recertify_url(certificate):
    return url("certificate_recertify", org_slug="alpha", pk=certificate.pk)


def certificate_page(client, certificate):
    response = client.get(url("certificate", org_slug="alpha", pk=certificate.pk))
    assert response.status_code == 200
    return response.content.decode()


def overview(client):
    response = client.get(url("applications", org_slug="alpha"))
    assert response.status_code == 200
    return response.content.decode()


def start_recertification(certificate, alice):
    return application_create(
        organization=certificate.organization,
        kind=certificate.kind,
        by=alice,
        certificate=certificate,
        scope_description="Whole company",
        window_start=TODAY + timedelta(days=30),
        window_end=TODAY + timedelta(days=60),
    )


# --- the certificate's page and the certification page ---------------------------------------


def test_a_valid_certificate_offers_recertification_to_its_admins(client, certificate, alice):
    client.force_login(alice)
    assert recertify_url(certificate) in certificate_page(client, certificate)
    assert recertify_url(certificate) in overview(client)


def test_a_suspended_certificate_can_be_recertified_too(client, certificate, alice):
    set_fields(certificate, status="suspended")
    client.force_login(alice)
    assert recertify_url(certificate) in certificate_page(client, certificate)
    assert recertify_url(certificate) in overview(client)


def test_a_plain_member_is_not_offered_what_they_may_not_do(client, certificate, bob):
    client.force_login(bob)
    page = certificate_page(client, certificate)
    assert recertify_url(certificate) not in page
    assert "Owners and admins" in page
    assert recertify_url(certificate) not in overview(client)


@pytest.mark.parametrize("status", ["withdrawn", "expired", "superseded"])
def test_an_ended_certificate_offers_no_recertification(client, certificate, alice, status):
    set_fields(certificate, status=status)
    client.force_login(alice)
    assert recertify_url(certificate) not in certificate_page(client, certificate)
    assert recertify_url(certificate) not in overview(client)


def test_a_certificate_past_its_validity_offers_none(client, certificate, alice):
    # Not yet marked expired by the nightly job: the validity decides.
    set_fields(certificate, valid_until=TODAY - timedelta(days=1))
    client.force_login(alice)
    assert recertify_url(certificate) not in certificate_page(client, certificate)
    assert recertify_url(certificate) not in overview(client)


def test_a_recertification_under_way_is_linked_instead(client, certificate, alice):
    application = start_recertification(certificate, alice)
    client.force_login(alice)
    application_url = url("application", org_slug="alpha", pk=application.pk)
    for page in (certificate_page(client, certificate), overview(client)):
        assert recertify_url(certificate) not in page
        assert application_url in page
    # The recertification page says so too, instead of a form that would be refused.
    response = client.get(recertify_url(certificate))
    assert not response.context["recertifiable"]
    assert application_url in response.content.decode()
    # Once it is withdrawn, recertification is offered again.
    application_withdraw(application=application, by=alice)
    assert recertify_url(certificate) in certificate_page(client, certificate)


def test_without_an_approved_signature_none_is_offered(client, certificate, alice):
    with scopes_disabled():
        Signee.objects.filter(organization=certificate.organization).update(status="withdrawn")
    client.force_login(alice)
    assert recertify_url(certificate) not in certificate_page(client, certificate)
    assert recertify_url(certificate) not in overview(client)


def test_a_product_certificate_needs_a_valid_organizational_one(
    client, certificate, product, alice
):
    client.force_login(alice)
    assert recertify_url(product) in certificate_page(client, product)
    set_fields(certificate, status="withdrawn")
    assert recertify_url(product) not in certificate_page(client, product)
    assert recertify_url(product) not in overview(client)


def test_the_offer_matches_what_the_service_allows(certificate, alice):
    """The selector and the service agree: offered → accepted; not offered → refused."""
    [option] = recertifications_of_organization(certificate.organization)
    assert option.possible
    start_recertification(certificate, alice)
    [option] = recertifications_of_organization(certificate.organization)
    assert not option.possible and option.open_application is not None
    with pytest.raises(DomainError):
        start_recertification(certificate, alice)


def test_the_certification_page_reads_in_a_fixed_number_of_queries(
    client, certificate, alice, catalogue, alpha
):
    client.force_login(alice)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            overview(client)
        return len(ctx)

    one = count()
    make_certificates(alpha, catalogue, 5, start=500)
    assert count() == one


# --- the expiry reminders ---------------------------------------------------------------------


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def run(today):
        with django_capture_on_commit_callbacks(execute=True):
            return certificate_expiry_reminders_send(today=today)

    return run


def test_expiry_reminders_180_90_and_30_days_ahead_once_each(
    certificate, send, alice, bob, settings
):
    mail.outbox.clear()
    end = certificate.valid_until
    sent_on = {}
    for days_left in range(200, -3, -1):
        day = end - timedelta(days=days_left)
        sent = send(day)
        assert send(day) == 0  # a rerun the same day sends nothing
        if sent:
            sent_on[days_left] = sent
    assert sent_on == {180: 1, 90: 1, 30: 1}
    n = certificate.number
    assert [m.subject for m in mail.outbox] == [
        f"Certificate {n} expires in 180 days",
        f"Certificate {n} expires in 90 days",
        f"Certificate {n} expires in 30 days",
    ]
    message = mail.outbox[0]
    assert message.to == [alice.email]  # the owners and admins, not the plain member
    assert f"{settings.SITE_URL}{recertify_url(certificate)}" in message.body


def test_the_reminder_links_the_recertification_exactly_when_possible(certificate, send, alice):
    end = certificate.valid_until
    mail.outbox.clear()
    send(end - timedelta(days=180))
    assert recertify_url(certificate) in mail.outbox[-1].body
    application = start_recertification(certificate, alice)
    send(end - timedelta(days=90))
    body = mail.outbox[-1].body
    assert recertify_url(certificate) not in body
    assert url("application", org_slug="alpha", pk=application.pk) in body


def test_a_suspended_certificate_is_reminded_an_ended_one_is_not(certificate, send):
    end = certificate.valid_until
    set_fields(certificate, status="suspended")
    assert send(end - timedelta(days=90)) == 1
    for status in ("withdrawn", "expired", "superseded"):
        set_fields(certificate, status=status)
        assert send(end - timedelta(days=30)) == 0


def test_the_reminder_without_recertification_says_how_to_apply_anew(certificate, send, alice):
    with scopes_disabled():
        Signee.objects.filter(organization=certificate.organization).update(status="withdrawn")
    mail.outbox.clear()
    send(certificate.valid_until - timedelta(days=30))
    assert recertify_url(certificate) not in mail.outbox[-1].body


def test_the_daily_beat_job_sends_the_reminders(certificate, time_machine, settings):
    from datetime import UTC, datetime

    entry = settings.CELERY_BEAT_SCHEDULE["certification-expiry-reminders"]
    assert entry["task"] == "certification.tasks.send_expiry_reminders"
    moment = datetime.combine(
        certificate.valid_until - timedelta(days=90), datetime.min.time(), tzinfo=UTC
    )
    time_machine.move_to(moment + timedelta(hours=8), tick=False)
    assert tasks.send_expiry_reminders.delay().get() == 1
    assert tasks.send_expiry_reminders.delay().get() == 0

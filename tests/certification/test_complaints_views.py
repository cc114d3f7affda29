"""Complaint pages: the public form (success with the reference, validation errors, the
honeypot, a post too fast, a forged or stale timestamp, the rate limit's 429, a double
submit), the links to it; the office's list (filters, overdue markers, bounded queries) and
a complaint's page with its actions (reviewer role, certifier for the certificate, 404 for
everyone outside the office); nothing about a complainant on any public page."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from certification.forms.complaints import form_token
from certification.models import Complaint
from certification.services import complaints as services
from tests.factories import UserFactory, make_office

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))
EMAIL = "visitor@example.net"
NEW = reverse("certification:complaint_new")
LIST = reverse("certification:office_complaints")


@pytest.fixture(autouse=True)
def _december():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reviewer(db, activate_totp):
    return activate_totp(make_office(UserFactory(full_name="Rita Reviewer"), "reviewer"))


@pytest.fixture
def certifier(db, activate_totp):
    return activate_totp(make_office(UserFactory(full_name="Carl Certifier"), "certifier"))


def form_data(**changes):
    data = {
        "subject": "seal_misuse",
        "certificate_number": "",
        "subject_detail": "https://shop.example.com",
        "description": "A web shop shows the CPO seal without a certificate.",
        "name": "Vera Visitor",
        "email": EMAIL,
        "organization": "",
        "consent": "on",
        "website": "",
        # Shown a minute ago.
        "started": form_token(NOW.timestamp() - 60),
    }
    return {**data, **changes}


def post(client, **changes):
    return client.post(NEW, form_data(**changes), REMOTE_ADDR="203.0.113.9")


def complaint_of(**extra):
    values = {
        "subject": "company",
        "description": "Their audit was a sham.",
        "name": "Vera Visitor",
        "email": EMAIL,
    }
    return services.complaint_submit(**(values | extra))[0]


# --- The public form -----------------------------------------------------------------------------


def test_the_form_is_public_with_the_honeypot_hidden_and_labelled(client):
    page = client.get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="website"' in html
    assert "Leave this field empty" in html
    assert 'class="visually-hidden"' in html
    assert 'name="started"' in html
    assert "What happens next" in html


def test_a_complaint_is_received_with_its_reference_and_receipt(
    client, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    page = client.get(response["Location"])
    assert complaint.reference in page.content.decode()
    assert EMAIL not in page.content.decode()
    assert complaint.subject_detail == "https://shop.example.com"
    assert complaint.complainant is None
    receipt = next(m for m in mailoutbox if m.to == [EMAIL])
    assert complaint.reference in receipt.subject


def test_a_signed_in_person_is_prefilled_and_recorded(client, alice):
    client.force_login(alice)
    page = client.get(NEW)
    assert alice.email in page.content.decode()
    post(client, email=alice.email, name=alice.full_name)
    assert Complaint.objects.get().complainant == alice


def test_validation_errors_are_shown_on_the_form(client):
    response = post(client, description="", email="not an address", consent="")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"description", "email", "consent"}
    assert not Complaint.objects.exists()


def test_an_unknown_certificate_number_is_refused_a_known_one_links(client, certificate):
    response = post(client, certificate_number="CPO-O-1999-0001")
    assert "certificate_number" in response.context["form"].errors
    post(client, certificate_number=certificate.number)
    complaint = Complaint.objects.get()
    assert complaint.certificate == certificate
    assert complaint.organization == certificate.organization


@pytest.mark.parametrize(
    "changes",
    [
        {"website": "http://spam.example"},  # the honeypot
        {"started": form_token(NOW.timestamp() - 1)},  # faster than anyone fills it in
        {"started": "forged"},
        {"started": ""},
    ],
)
def test_a_bots_post_looks_like_a_success_and_stores_nothing(client, mailoutbox, changes):
    response = post(client, **changes)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "has been received" in page.content.decode()
    assert not Complaint.objects.exists()
    assert mailoutbox == []


def test_a_form_open_for_more_than_a_day_is_sent_again(client):
    response = post(client, started=form_token(NOW.timestamp() - 2 * 24 * 3600))
    assert response.status_code == 200
    assert "more than a day" in response.content.decode()
    assert not Complaint.objects.exists()
    # The page carries a fresh timestamp: sent again a minute later, it goes through.
    fresh = response.context["form"].data["started"]
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert post(client, started=fresh).status_code == 302
    assert Complaint.objects.count() == 1


def test_a_double_submit_creates_one_complaint(client, mailoutbox):
    first = post(client)
    second = post(client)
    assert first.status_code == second.status_code == 302
    assert Complaint.objects.count() == 1


def test_posts_are_rate_limited_per_client_address(client, settings):
    settings.COMPLAINT_RATE_LIMIT = 2
    for n in range(2):
        assert post(client, description=f"Complaint {n}").status_code == 302
    refused = post(client, description="One too many")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Complaint.objects.count() == 2
    other = client.post(NEW, form_data(description="Elsewhere"), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 302
    # Reading the form is not counted.
    assert client.get(NEW, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_a_forged_receipt_token_shows_no_reference(client):
    page = client.get(reverse("certification:complaint_received", args=["CPL-2026-0001"]))
    assert page.status_code == 200
    assert "<strong>CPL-2026-0001</strong>" not in page.content.decode()
    assert "Your reference is" not in page.content.decode()


def test_the_form_is_linked_from_the_footer_and_the_verify_page(client, certificate):
    assert NEW in client.get(reverse("home")).content.decode()
    verify = client.get(reverse("certification:verify", args=[certificate.number])).content
    assert "Report misuse of this seal" in verify.decode()
    assert f"{NEW}?about=seal_misuse&amp;certificate={certificate.number}" in verify.decode()


def test_the_verify_link_prefills_the_form(client, certificate):
    page = client.get(NEW, {"about": "seal_misuse", "certificate": certificate.number})
    form = page.context["form"]
    assert form.initial["certificate_number"] == certificate.number
    assert form.initial["subject"] == "seal_misuse"


# --- Nothing public about a complainant -----------------------------------------------------------


def test_no_public_page_shows_a_complaint_or_its_complainant(client, certificate, alice, reviewer):
    complaint = complaint_of(certificate=certificate)
    services.complaint_acknowledge(complaint=complaint, by=reviewer)
    pages = [
        reverse("home"),
        reverse("certification:seal"),
        reverse("certification:verify", args=[certificate.number]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert EMAIL not in html and "Vera Visitor" not in html
        assert complaint.description not in html
    # The company concerned sees its certificate, not the complaint or who sent it.
    client.force_login(alice)
    company = client.get(
        reverse(
            "certification:certificate",
            kwargs={"org_slug": certificate.organization.slug, "pk": certificate.pk},
        )
    )
    assert company.status_code == 200
    assert "Vera Visitor" not in company.content.decode()
    assert EMAIL not in company.content.decode()


@pytest.mark.parametrize("who", ["visitor", "alice", "auditor_user"])
def test_the_office_pages_are_404_outside_the_office(client, who, request):
    complaint = complaint_of()
    urls = [
        LIST,
        reverse("certification:office_complaint", args=[complaint.pk]),
        reverse("certification:office_complaint_action", args=[complaint.pk, "acknowledge"]),
    ]
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))
    for url in urls:
        status = client.get(url).status_code
        assert status == (302 if who == "visitor" else 404), url
    if who != "visitor":
        assert client.post(urls[2]).status_code == 404
    assert Complaint.objects.get().status == "received"


# --- The office ---------------------------------------------------------------------------------


def test_the_list_filters_marks_overdue_and_bounds_its_queries(
    client, office_user, django_assert_max_num_queries
):
    client.force_login(office_user)
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        late = complaint_of(description="Old one.")
    complaint_of(subject="body", description="New one.")
    page = client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert late.reference in html and "overdue" in html
    overdue = client.get(LIST, {"overdue": "on"}).context["complaints"]
    assert [c.pk for c in overdue] == [late.pk]
    body = client.get(LIST, {"subject": "body"}).context["complaints"]
    assert [c.subject for c in body] == ["body"]
    assert client.get(LIST, {"status": "decided"}).context["complaints"] == []
    with django_assert_max_num_queries(20) as few:
        client.get(LIST)
    for n in range(12):
        complaint_of(description=f"More {n}.")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_the_reviewer_works_through_a_complaint_on_its_pages(
    client, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    complaint = complaint_of()
    client.force_login(reviewer)
    detail = reverse("certification:office_complaint", args=[complaint.pk])
    page = client.get(detail)
    assert page.status_code == 200
    assert set(page.context["forms"]) == {"take", "acknowledge", "note", "dates", "link"}

    def act(action, **data):
        url = reverse("certification:office_complaint_action", args=[complaint.pk, action])
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, {f"{action}-{k}": v for k, v in data.items()})

    assert act("take").status_code == 302
    assert act("acknowledge", message="Thank you.").status_code == 302
    assert act("investigate", note="").status_code == 302
    assert act("note", note="Asked the shop.").status_code == 302
    refused = act("dates", acknowledge_by="2026-12-10", answer_by="2026-12-01", reason="x")
    assert refused.status_code == 400
    assert act("dates", acknowledge_by="2026-12-10", answer_by="2027-03-01", reason="More time.")[
        "Location"
    ].endswith(detail)
    assert act("decide", outcome="upheld", decision="True.", answer="We acted.").status_code == 302
    assert act("close", note="").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    assert str(complaint.answer_by) == "2027-03-01"
    history = client.get(detail)
    html = history.content.decode()
    assert "Asked the shop." in html and "More time." in html
    assert [e.action for e in history.context["events"]] == [
        "received",
        "assigned",
        "acknowledged",
        "investigating",
        "noted",
        "dates_changed",
        "decided",
        "closed",
    ]
    assert history.context["forms"] == {}
    assert len([m for m in mailoutbox if m.to == [EMAIL]]) == 2


def test_the_close_page_asks_before_it_acts(client, reviewer):
    complaint = complaint_of()
    client.force_login(reviewer)
    url = reverse("certification:office_complaint_action", args=[complaint.pk, "close"])
    page = client.get(url)
    assert page.status_code == 200
    assert "cannot be changed this way" in page.content.decode()  # not decided yet
    assert client.post(url).status_code == 400
    assert Complaint.objects.get().status == "received"


def test_an_office_member_without_the_reviewer_role_reads_but_cannot_act(client, certifier):
    complaint = complaint_of()
    client.force_login(certifier)
    page = client.get(reverse("certification:office_complaint", args=[complaint.pk]))
    assert page.status_code == 200
    assert page.context["forms"] == {}
    assert "An office reviewer handles this complaint." in page.content.decode()
    url = reverse("certification:office_complaint_action", args=[complaint.pk, "acknowledge"])
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    assert Complaint.objects.get().status == "received"


def test_the_certifier_suspends_the_linked_certificate_from_the_complaint(
    client, certifier, reviewer, certificate
):
    complaint = complaint_of(certificate=certificate)
    client.force_login(reviewer)
    page = client.get(reverse("certification:office_complaint", args=[complaint.pk]))
    assert {"special_audit", "link"} <= set(page.context["forms"])
    assert "suspend" not in page.context["forms"]
    client.force_login(certifier)
    page = client.get(reverse("certification:office_complaint", args=[complaint.pk]))
    assert set(page.context["forms"]) == {"suspend", "withdraw"}
    url = reverse("certification:office_complaint_action", args=[complaint.pk, "suspend"])
    assert client.post(url, {"suspend-reason": "Seal misused."}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "suspended"
    assert complaint.reference in certificate.status_reason


def test_the_reviewer_opens_a_special_audit(client, reviewer, certificate):
    complaint = complaint_of(certificate=certificate)
    client.force_login(reviewer)
    url = reverse("certification:office_complaint_action", args=[complaint.pk, "special_audit"])
    response = client.post(
        url,
        {"special_audit-window_start": "2026-12-14", "special_audit-window_end": "2026-12-18"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.special_audit.audit_type == "special"
    page = client.get(reverse("certification:office_complaint", args=[complaint.pk]))
    assert f"#{complaint.special_audit.pk}" in page.content.decode()


def test_an_unknown_action_or_complaint_is_404(client, reviewer):
    complaint = complaint_of()
    client.force_login(reviewer)
    assert (
        client.get(
            reverse("certification:office_complaint_action", args=[complaint.pk, "delete"])
        ).status_code
        == 404
    )
    assert client.get(reverse("certification:office_complaint", args=[999])).status_code == 404


def test_the_office_to_do_list_counts_open_complaints(client, office_user):
    from django.test import RequestFactory

    from cpo_portal.navigation import Audience, todo_items

    request = RequestFactory().get("/")
    request.user = office_user
    assert not [i for i in todo_items(request, Audience.OFFICE) if i.key == "complaints"]
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        complaint_of(description="Old.")
    complaint_of(description="New.")
    item = next(i for i in todo_items(request, Audience.OFFICE) if i.key == "complaints")
    assert item.count == 2
    assert item.overdue
    assert item.url == LIST
    assert item.oldest == NOW - timedelta(days=10)

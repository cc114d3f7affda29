"""Signing the CPO through the pages: the flow, its refusals, the status page, the logo pack."""

import hashlib
import io
import zipfile

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.tenancy.models import Organization
from criteria.services.catalogue import catalogue_retire
from signees.declaration import declaration_text
from signees.models import Signature, Signee, SigneeReview, SigneeStatus
from signees.services.signing import signee_approve, signee_reject, signee_return, signee_withdraw

from .helpers import post_signature, sign

pytestmark = pytest.mark.django_db

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _counts():
    with scopes_disabled():
        return (
            Organization.objects.count(),
            Signee.objects.count(),
            Signature.objects.count(),
            SigneeReview.objects.count(),
            Document.objects.count(),
            ActivityEntry.objects.count(),
        )


def _url(name, org=None, **query):
    url = reverse(f"signees:{name}", kwargs={"org_slug": org.slug} if org else None)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _signee(org):
    with scope(organization=org):
        return Signee.objects.get()


# --- The flow ----------------------------------------------------------------------------


def test_home_page_calls_to_sign(client):
    response = client.get(reverse("home"))
    assert f'href="{reverse("signees:sign_start")}"' in response.content.decode()
    assert "Sign the CPO" in response.content.decode()


def test_visitor_sees_the_steps_and_links_that_come_back_to_signing(client, mini_catalogue):
    response = client.get(_url("sign_start"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/accounts/signup/?next=/sign/" in page
    assert "/accounts/login/?next=/sign/" in page


def test_full_flow_creates_a_pending_signee_with_the_exact_text(
    client, mini_catalogue, alice, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    response = client.post(
        _url("sign_start"),
        {
            "legal_name": "Openness Works GmbH",
            "legal_form": "GmbH",
            "country": "DE",
            "address": "Dieselstraße 1\n64283 Darmstadt",
            "website": "www.openness.example",
        },
    )
    org = Organization.objects.get(legal_name="Openness Works GmbH")
    assert org.website == "https://www.openness.example"
    assert response.url == _url("sign", org)

    page = client.get(response.url).content.decode()
    for definition in (
        "Uses and buys IT systems and services.",
        "Develops software as its dominant business.",
        "may ship related tools",
    ):
        assert definition in page
    assert page.count('type="radio"') == 3

    declaration = client.get(_url("sign", org, step="declaration", group="it_service_provider"))
    page = declaration.content.decode()
    assert "DECLARATION OF COMMITMENT" in page
    assert "as IT service provider" in page
    assert "t-1" in page
    assert 'class="placeholder"' in page

    form = client.get(_url("sign", org, step="sign", group="it_service_provider"))
    assert "I confirm that I am authorised to sign for the company." in form.content.decode()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signature(client, org, group="it_service_provider")
    assert response.status_code == 302
    assert response.url == _url("status", org)

    signee = _signee(org)
    assert signee.status == SigneeStatus.PENDING
    assert signee.group == "it_service_provider"
    with scope(organization=org):
        signature = Signature.objects.get()
    expected = declaration_text(
        organization=org,
        group="it_service_provider",
        version=mini_catalogue,
        signatory_name="Alice Owner",
        signatory_position="Managing Director",
    )
    assert signature.declaration_text == expected
    assert signature.declaration_sha256 == hashlib.sha256(expected.encode()).hexdigest()
    assert signature.catalogue_version == mini_catalogue
    assert signature.ip_address == "198.51.100.23"
    assert signature.user_agent == "Mozilla/5.0 (Signing test)"
    assert signature.signed_by == alice
    assert signature.authority_confirmed is True
    assert any(
        m.to == [alice.email] and "signed the Code of PLM Openness" in m.subject
        for m in mail.outbox
    )
    with scopes_disabled():
        document = Document.objects.get(kind="signed_declaration", owner_id=str(signature.pk))
    assert document.status == DocumentStatus.READY

    status = client.get(_url("status", org)).content.decode()
    assert "Pending review" in status
    assert signature.declaration_sha256 in status
    assert reverse("documents:download", args=[org.slug, document.pk]) in status


def test_start_page_offers_the_users_organizations_that_may_sign(
    client, mini_catalogue, alpha, beta, alice, bob
):
    client.force_login(alice)
    page = client.get(_url("sign_start")).content.decode()
    assert _url("sign", alpha) in page
    assert _url("sign", beta) not in page  # charlie's

    client.force_login(bob)  # a plain member of Alpha
    page = client.get(_url("sign_start")).content.decode()
    assert _url("sign", alpha) not in page
    assert "Only an owner or admin" in page


def test_start_page_shows_signed_organizations_with_their_status(client, signed, alpha, alice):
    client.force_login(alice)
    page = client.get(_url("sign_start")).content.decode()
    assert _url("sign", alpha) not in page
    assert _url("status", alpha) in page


def test_a_signed_organization_is_sent_to_its_status(client, signed, alpha, alice):
    client.force_login(alice)
    response = client.get(_url("sign", alpha))
    assert response.status_code == 302
    assert response.url == _url("status", alpha)


def test_group_step_without_a_choice_asks_for_one(client, mini_catalogue, alpha, alice):
    client.force_login(alice)
    for group in ("", "it_astronaut"):
        response = client.get(_url("sign", alpha, step="declaration", group=group))
        assert response.status_code == 200
        assert "Choose the group the company signs in." in response.content.decode()


def test_declaration_shows_a_reading_aid_in_german(client, mini_catalogue, alpha, alice):
    client.force_login(alice)
    url = _url("sign", alpha, step="declaration", group="it_vendor")
    assert "reading-aid" not in client.get(url).content.decode()
    client.cookies["django_language"] = "de"  # German chosen in the footer
    page = client.get(url).content.decode()
    assert "reading-aid" in page
    assert 'lang="en"' in page  # the signed text stays English


def test_demo_catalogue_is_labelled_on_the_declaration(client, mini_catalogue, alpha, alice):
    mini_catalogue.is_demo = True
    mini_catalogue.save(update_fields=["is_demo"])
    client.force_login(alice)
    page = client.get(_url("sign", alpha, step="declaration", group="it_vendor")).content.decode()
    assert "not the official DIN SPEC 91372 text" in page


# --- Refusals write nothing --------------------------------------------------------------


def test_signing_twice_is_refused(client, signed, alpha, alice):
    client.force_login(alice)
    before = _counts()
    response = post_signature(client, alpha)
    assert _counts() == before
    follow = client.get(response.url).content.decode()
    assert "already signed" in follow


def test_signing_twice_in_a_race_is_a_form_error(client, signed, alpha, alice, monkeypatch):
    # Another tab signed between the view's check and the service's: the service decides.
    monkeypatch.setattr("signees.views.signing._may_sign", lambda signee: True)
    client.force_login(alice)
    before = _counts()
    response = post_signature(client, alpha)
    assert response.status_code == 200
    assert "already signed the CPO" in response.content.decode()
    assert _counts() == before


def test_sign_form_carries_the_catalogue_version_that_was_read(
    client, mini_catalogue, alpha, alice
):
    client.force_login(alice)
    page = client.get(_url("sign", alpha, step="sign", group="it_vendor")).content.decode()
    assert '<input type="hidden" name="version" value="t-1"' in page


@pytest.mark.parametrize(
    ("read", "message"),
    [
        ("t-1", "version t-2 is in force"),
        (None, "Read the declaration of the current catalogue version"),
    ],
)
def test_a_catalogue_published_while_reading_sends_back_to_the_declaration(
    client, newer_mini_catalogue, alpha, alice, read, message
):
    client.force_login(alice)
    before = _counts()
    response = post_signature(client, alpha, group="it_customer", version=read)
    assert response.status_code == 302
    assert response.url == _url("sign", alpha, step="declaration", group="it_customer")
    page = client.get(response.url).content.decode()
    assert message in page
    assert "in the catalogue version t-2" in page  # the declaration now in force
    assert _counts() == before


def test_signing_without_authority_is_refused(client, mini_catalogue, alpha, alice):
    client.force_login(alice)
    before = _counts()
    response = post_signature(client, alpha, authority_confirmed=None)
    assert response.status_code == 200
    assert "Confirm that you are authorised to sign for the company." in response.content.decode()
    assert _counts() == before


@pytest.mark.parametrize("field", ["signatory_name", "signatory_position"])
def test_signing_without_signatory_is_refused(client, mini_catalogue, alpha, alice, field):
    client.force_login(alice)
    before = _counts()
    response = post_signature(client, alpha, **{field: "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert _counts() == before


def test_a_tampered_group_sends_back_to_choosing(client, mini_catalogue, alpha, alice):
    client.force_login(alice)
    before = _counts()
    response = post_signature(client, alpha, group="it_astronaut")
    assert response.status_code == 302
    assert "Choose the group" in client.get(response.url).content.decode()
    assert _counts() == before


def test_plain_member_gets_403_and_writes_nothing(client, mini_catalogue, alpha, bob):
    client.force_login(bob)
    before = _counts()
    assert client.get(_url("sign", alpha)).status_code == 403
    assert post_signature(client, alpha).status_code == 403
    assert _counts() == before


def test_outsider_gets_404_and_writes_nothing(client, mini_catalogue, alpha, charlie):
    client.force_login(charlie)
    before = _counts()
    assert client.get(_url("sign", alpha)).status_code == 404
    assert post_signature(client, alpha).status_code == 404
    assert _counts() == before


def test_visitor_is_sent_to_sign_in(client, mini_catalogue, alpha):
    response = client.get(_url("sign", alpha))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_without_a_published_catalogue_a_clear_page_and_nothing_written(
    client, mini_catalogue, alpha, alice
):
    catalogue_retire(version=mini_catalogue, by=None)
    client.force_login(alice)
    before = _counts()
    page = client.get(_url("sign", alpha)).content.decode()
    assert "cannot be signed at the moment" in page
    response = post_signature(client, alpha)
    assert "cannot be signed at the moment" in response.content.decode()
    assert _counts() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "Select a valid choice."),
        ("country", "", "This field is required."),
        ("website", "not a url at all", "Enter a valid URL."),
        ("website", "javascript:alert(1)", "Enter a valid URL."),
        ("legal_name", "", "This field is required."),
    ],
)
def test_invalid_organization_is_refused_and_writes_nothing(
    client, mini_catalogue, alice, field, value, message
):
    client.force_login(alice)
    data = {"legal_name": "Gamma AG", "country": "CH", "website": "https://gamma.example"}
    data[field] = value
    before = _counts()
    response = client.post(_url("sign_start"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _counts() == before


def test_signing_again_after_withdrawal_works(client, approved, alpha, alice):
    signee_withdraw(signee=approved, by=alice)
    client.force_login(alice)
    assert client.get(_url("sign", alpha)).status_code == 200
    response = post_signature(client, alpha, group="it_customer")
    assert response.url == _url("status", alpha)
    signee = _signee(alpha)
    assert signee.status == SigneeStatus.PENDING
    assert signee.group == "it_customer"
    with scope(organization=alpha):
        assert Signature.objects.count() == 2


def test_signing_again_after_rejection_works(client, signed, office_user, alpha, alice):
    signee_reject(signee=signed, by=office_user, reason="Unknown company")
    client.force_login(alice)
    page = client.get(_url("status", alpha)).content.decode()
    assert "Unknown company" in page
    assert _url("sign", alpha) in page
    post_signature(client, alpha)
    assert _signee(alpha).status == SigneeStatus.PENDING


# --- The status page and what admins do there --------------------------------------------


def test_status_page_before_signing_offers_to_sign(client, alpha, alice, bob):
    client.force_login(alice)
    page = client.get(_url("status", alpha)).content.decode()
    assert "Not signed yet" in page
    assert _url("sign", alpha) in page
    client.force_login(bob)
    page = client.get(_url("status", alpha)).content.decode()
    assert _url("sign", alpha) not in page


def test_status_page_shows_reason_and_history(client, signed, office_user, alpha, bob):
    signee_return(signee=signed, by=office_user, reason="Please add the postal address")
    client.force_login(bob)  # members read it too
    page = client.get(_url("status", alpha)).content.decode()
    assert "Returned for changes" in page
    assert "Please add the postal address" in page
    assert "CPO office" in page
    assert office_user.email not in page
    assert _url("resubmit", alpha) not in page  # bob is no admin


def test_resubmit_through_the_page(client, signed, office_user, alpha, alice, bob):
    signee_return(signee=signed, by=office_user, reason="Add the address")
    client.force_login(bob)
    assert client.post(_url("resubmit", alpha)).status_code == 403
    client.force_login(alice)
    assert _url("resubmit", alpha) in client.get(_url("status", alpha)).content.decode()
    response = client.post(_url("resubmit", alpha))
    assert response.url == _url("status", alpha)
    assert _signee(alpha).status == SigneeStatus.PENDING
    assert client.get(_url("resubmit", alpha)).status_code == 405


def test_resubmit_when_not_returned_is_a_message(client, signed, alpha, alice):
    client.force_login(alice)
    before = _counts()
    response = client.post(_url("resubmit", alpha), follow=True)
    assert "cannot be changed this way" in response.content.decode()
    assert _counts() == before


def test_change_group_of_an_approved_signee_goes_back_to_review(client, approved, alpha, alice):
    client.force_login(alice)
    page = client.get(_url("change_group", alpha)).content.decode()
    assert "goes back to review" in page
    response = client.post(_url("change_group", alpha), {"group": "it_customer"})
    assert response.url == _url("status", alpha)
    signee = _signee(alpha)
    assert signee.group == "it_customer"
    assert signee.status == SigneeStatus.PENDING


def test_change_group_refuses_an_unknown_group(client, signed, alpha, alice):
    client.force_login(alice)
    before = _counts()
    response = client.post(_url("change_group", alpha), {"group": "it_astronaut"})
    assert response.status_code == 200
    assert "Choose the group the company signs in." in response.content.decode()
    assert _counts() == before
    assert _signee(alpha).group == "it_vendor"


def test_change_group_is_for_admins(client, signed, alpha, bob):
    client.force_login(bob)
    assert client.get(_url("change_group", alpha)).status_code == 403
    assert client.post(_url("change_group", alpha), {"group": "it_customer"}).status_code == 403
    assert _signee(alpha).group == "it_vendor"


def test_withdraw_asks_first_then_withdraws_and_tells_the_office(
    client, approved, alpha, alice, office_user, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    page = client.get(_url("withdraw", alpha)).content.decode()
    assert "removed from the public list" in page
    assert _signee(alpha).status == SigneeStatus.APPROVED  # a GET changes nothing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("withdraw", alpha))
    assert response.url == _url("status", alpha)
    assert _signee(alpha).status == SigneeStatus.WITHDRAWN
    with scope(organization=alpha):
        assert Signature.objects.get().withdrawn_at is not None
    assert any(m.to == [office_user.email] for m in mail.outbox)
    page = client.get(_url("status", alpha)).content.decode()
    assert "Withdrawn" in page
    assert _url("sign", alpha) in page


def test_withdraw_is_for_admins(client, approved, alpha, bob):
    client.force_login(bob)
    assert client.post(_url("withdraw", alpha)).status_code == 403
    assert _signee(alpha).status == SigneeStatus.APPROVED


def test_actions_without_a_signature_are_404(client, alpha, alice):
    client.force_login(alice)
    for name in ("resubmit", "withdraw", "change_group"):
        assert client.post(_url(name, alpha)).status_code == 404


def test_status_page_queries_are_bounded(
    client, approved, office_user, alpha, alice, django_assert_max_num_queries
):
    client.force_login(alice)
    client.get(_url("status", alpha))  # warm the content-type cache
    with django_assert_max_num_queries(12):
        client.get(_url("status", alpha))
    # More history does not cost more queries.
    for _ in range(5):
        signee = _signee(alpha)
        signee_withdraw(signee=signee, by=alice)
        sign(alpha, alice)
        signee_approve(signee=_signee(alpha), by=office_user)
    with django_assert_max_num_queries(12):
        response = client.get(_url("status", alpha))
    assert response.status_code == 200


# --- The logo pack -----------------------------------------------------------------------


def test_logo_pack_only_once_approved(client, signed, alpha, alice):
    client.force_login(alice)
    assert client.get(_url("logo_pack", alpha)).status_code == 404
    assert _url("logo_pack", alpha) not in client.get(_url("status", alpha)).content.decode()


def test_logo_pack_before_signing_is_404(client, alpha, alice):
    client.force_login(alice)
    assert client.get(_url("logo_pack", alpha)).status_code == 404


def test_logo_pack_after_withdrawal_is_404(client, approved, alpha, alice):
    signee_withdraw(signee=approved, by=alice)
    client.force_login(alice)
    assert client.get(_url("logo_pack", alpha)).status_code == 404


def test_logo_pack_of_an_approved_signee(client, approved, alpha, bob):
    client.force_login(bob)  # any member
    assert _url("logo_pack", alpha) in client.get(_url("status", alpha)).content.decode()
    response = client.get(_url("logo_pack", alpha))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    names = pack.namelist()
    svgs = [n for n in names if n.endswith(".svg")]
    pngs = [n for n in names if n.endswith(".png")]
    assert len(svgs) == 2  # English and German
    assert len(pngs) == 6  # three sizes each
    for name in svgs:
        svg = pack.read(name).decode()
        assert svg.startswith("<?xml") and "<svg" in svg
        assert "Code of PLM Openness" in svg
        assert "IT vendor" in svg or "IT-Anbieter" in svg
    for name in pngs:
        assert pack.read(name).startswith(PNG_MAGIC)
    terms = pack.read("cpo-signee-logo/USAGE-TERMS.txt").decode()
    assert "Alpha" in terms
    assert f"/signees/{alpha.slug}/" in terms
    assert "NUTZUNGSBEDINGUNGEN" in terms


def test_logo_pack_pngs_have_the_announced_sizes(client, approved, alpha, alice):
    from PIL import Image

    client.force_login(alice)
    pack = zipfile.ZipFile(io.BytesIO(client.get(_url("logo_pack", alpha)).content))
    widths = sorted(
        Image.open(io.BytesIO(pack.read(n))).size[0]
        for n in pack.namelist()
        if n.endswith("-en-280px.png") or n.endswith("-en-1120px.png")
    )
    assert widths == [280, 1120]


def test_logo_pack_for_outsiders_is_404(client, approved, alpha, charlie):
    client.force_login(charlie)
    assert client.get(_url("logo_pack", alpha)).status_code == 404


# --- Outsiders ---------------------------------------------------------------------------

ORG_URLS = ["sign", "status", "resubmit", "change_group", "withdraw", "logo_pack"]


@pytest.mark.parametrize("name", ORG_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_on_every_signing_url(client, approved, alpha, charlie, name, method):
    client.force_login(charlie)
    before = _counts()
    assert getattr(client, method)(_url(name, alpha)).status_code == 404
    assert _counts() == before
    assert _signee(alpha).status == SigneeStatus.APPROVED


# --- The exact text ----------------------------------------------------------------------

AWKWARD = 'Müller & Söhne "Quote" <b>'
AWKWARD_ON_PAGE = "Müller &amp; Söhne &quot;Quote&quot; &lt;b&gt;"  # escaped once, by the page
DOUBLE_ESCAPED = ("&amp;amp;", "&amp;quot;", "&amp;lt;", "&amp;#x27;")


def _awkward_org(alice):
    from cpo_portal.tenancy.services import organization_create

    return organization_create(by=alice, legal_name=AWKWARD, country="DE")


def test_an_awkward_name_is_signed_stored_hashed_and_shown_exactly(
    client, mini_catalogue, alice, django_capture_on_commit_callbacks
):
    org = _awkward_org(alice)
    client.force_login(alice)
    page = client.get(_url("sign", org, step="declaration", group="it_vendor")).content.decode()
    assert f"{AWKWARD_ON_PAGE}, Germany, hereinafter" in page
    assert not any(entity in page for entity in DOUBLE_ESCAPED)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_signature(client, org, signatory_name="Ann O'Brien & Co")
    assert response.status_code == 302
    with scope(organization=org):
        signature = Signature.objects.get()
    # The stored, hashed text is the plain text the signer read: no HTML entities in it.
    assert f"\n\n{AWKWARD}, Germany, hereinafter" in signature.declaration_text
    assert "Signed for the company by Ann O'Brien & Co, Managing Director" in (
        signature.declaration_text
    )
    assert "&" not in signature.declaration_text.replace("& Söhne", "").replace("& Co", "")
    assert signature.declaration_sha256 == (
        hashlib.sha256(signature.declaration_text.encode("utf-8")).hexdigest()
    )
    assert signature.declaration_verifies

    status = client.get(_url("status", org)).content.decode()
    assert f"{AWKWARD_ON_PAGE}, Germany, hereinafter" in status
    assert "Ann O&#x27;Brien &amp; Co" in status
    assert not any(entity in status for entity in DOUBLE_ESCAPED)


def test_a_signature_recorded_escaped_reads_plain_on_the_status_page(client, mini_catalogue, alice):
    from django.utils.html import escape

    from signees.models import DeclarationFormat

    org = _awkward_org(alice)
    signature = sign(org, alice)
    legacy_text = str(escape(signature.declaration_text))
    with scope(organization=org):
        Signature.objects.filter(pk=signature.pk).update(
            declaration_text=legacy_text,
            declaration_sha256=hashlib.sha256(legacy_text.encode()).hexdigest(),
            declaration_format=DeclarationFormat.HTML_ESCAPED,
        )
    client.force_login(alice)
    status = client.get(_url("status", org)).content.decode()
    assert f"{AWKWARD_ON_PAGE}, Germany, hereinafter" in status
    assert not any(entity in status for entity in DOUBLE_ESCAPED)
    assert "recorded with HTML character references" in status


def test_signing_receipt_mail_states_the_time_in_utc(
    mini_catalogue, alpha, alice, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    summer = datetime(2026, 7, 15, 12, 5, 9, tzinfo=UTC)  # 14:05 in Berlin
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(summer, tick=False),
    ):
        sign(alpha, alice)
    [receipt] = [m for m in mail.outbox if m.to == [alice.email]]
    assert "2026-07-15 12:05 UTC" in receipt.body
    assert "14:05" not in receipt.body


def test_status_page_states_the_signing_time_in_utc(client, signed, alpha, alice):
    from datetime import UTC, datetime

    winter = datetime(2026, 1, 15, 12, 5, 9, tzinfo=UTC)  # 13:05 in Berlin
    with scope(organization=alpha):
        Signature.objects.filter(signee=signed).update(signed_at=winter)
    client.force_login(alice)
    status = client.get(_url("status", alpha)).content.decode()
    assert ">2026-01-15 12:05 UTC</time>" in status
    assert "Jan. 15, 2026" not in status  # Berlin's wall clock, no zone named


def test_signing_mails_link_to_site_url(
    mini_catalogue, alpha, alice, office_user, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://127.0.0.1:8102"  # as `make run PORT=8102` sets it
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign(alpha, alice)
    [receipt] = [m for m in mail.outbox if m.to == [alice.email]]
    assert "http://127.0.0.1:8102/o/alpha/signing/" in receipt.body
    office = [m for m in mail.outbox if office_user.email in m.to]
    assert office and all("http://127.0.0.1:8102/office/signees/" in m.body for m in office)
    assert not any("127.0.0.1:8000" in m.body for m in mail.outbox)

"""The public seal: registry, export, feed, verification (HTML + JSON), caching, rate limit,
hostile numbers; the holder's workspace pages; seals on the signee and home pages."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import CertificateEvent
from certification.services.certificates import (
    certificate_reinstate,
    certificate_suspend,
    certificate_withdraw,
    certificates_expire_due,
)
from cpo_portal.documents.models import Document
from criteria.models import AssessmentScheme, SchemeKind
from tests.certification.helpers import make_certificates, set_fields

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


# --- Fixtures ------------------------------------------------------------------------------


def certificate_document(certificate):
    with scopes_disabled():
        return Document.objects.filter(kind="certificate", owner_id=str(certificate.pk)).first()


@pytest.fixture
def ready_pdf(certificate):
    """The certificate's PDF as the pipeline leaves it when rendering succeeded."""
    with scopes_disabled():
        document = certificate_document(certificate)
        document.file.save("certificate.pdf", ContentFile(b"%PDF-1.7 signed"), save=False)
        document.status = "ready"
        document.sha256 = "ab" * 32
        document.status_changed_at = timezone.now()
        document.save()
    return document


def scheme_of(catalogue, kind=SchemeKind.ORGANIZATIONAL):
    return AssessmentScheme.objects.get(version=catalogue, kind=kind)


def _text(response):
    """A CSV export as text, without its byte-order mark (UTF-8 with BOM, for Excel)."""
    return b"".join(response.streaming_content).decode("utf-8-sig")


def verify_url(number):
    return reverse("certification:verify", args=[number])


# --- Registry ------------------------------------------------------------------------------


def test_registry_lists_every_certificate_with_its_status(client, certificate):
    response = client.get(reverse("certification:seal"))
    assert response.status_code == 200
    text = response.content.decode()
    assert certificate.number in text
    assert verify_url(certificate.number) in text
    assert "Valid" in text
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]


def test_registry_shows_effective_expiry_before_the_daily_task(client, certificate):
    set_fields(certificate, valid_until=TODAY - timedelta(days=1), status="active")
    text = client.get(reverse("certification:seal")).content.decode()
    assert "seal-status-expired" in text
    expired = client.get(reverse("certification:seal"), {"status": "expired"}).content.decode()
    active = client.get(reverse("certification:seal"), {"status": "active"}).content.decode()
    assert certificate.number in expired
    assert certificate.number not in active


def test_registry_filters_and_search(client, catalogue, alpha, beta):
    make_certificates(alpha, catalogue, 2)
    make_certificates(
        alpha, catalogue, 1, kind=SchemeKind.PRODUCT, product_name="Alpha PLM", start=7
    )
    make_certificates(beta, catalogue, 1, start=50, holder_group="it_customer", status="withdrawn")
    url = reverse("certification:seal")

    def numbers(**query):
        page = client.get(url, query).content.decode()
        return {
            n for n in ("O-2025-0001", "O-2025-0002", "P-2025-0007", "O-2025-0050") if n in page
        }

    assert numbers() == {"O-2025-0001", "O-2025-0002", "P-2025-0007", "O-2025-0050"}
    assert numbers(kind="product") == {"P-2025-0007"}
    assert numbers(status="withdrawn") == {"O-2025-0050"}
    assert numbers(group="it_customer") == {"O-2025-0050"}
    assert numbers(country="FR") == {"O-2025-0050"}
    assert numbers(q="plm") == {"P-2025-0007"}
    assert numbers(q="cpo-o-2025-0002") == {"O-2025-0002"}
    assert numbers(q="beta") == {"O-2025-0050"}


def test_registry_ignores_a_hand_edited_filter_value(client, certificate):
    response = client.get(reverse("certification:seal"), {"status": "bogus", "page": "x"})
    assert response.status_code == 200
    assert certificate.number in response.content.decode()


def test_registry_and_export_bounded_with_5000_certificates(
    client, catalogue, alpha, django_assert_max_num_queries
):
    make_certificates(alpha, catalogue, 5000)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("certification:seal"), {"page": "100"})
    assert response.status_code == 200
    assert "CPO-O-2025-0050" in response.content.decode()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("certification:seal"), {"q": "CPO-O", "status": "active"})
    assert "5000 certificates match" in response.content.decode()
    with django_assert_max_num_queries(5):
        response = client.get(reverse("certification:seal_csv"))
        body = b"".join(response.streaming_content).decode()
    assert len(body.splitlines()) == 5001


def test_csv_export_has_effective_status_and_no_formulas(client, catalogue, alpha):
    make_certificates(alpha, catalogue, 1, holder_name="=HYPERLINK(evil)")
    make_certificates(alpha, catalogue, 1, start=2, valid_until=TODAY - timedelta(days=3))
    response = client.get(reverse("certification:seal_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(_text(response))))
    by_number = {row["number"]: row for row in rows}
    assert by_number["CPO-O-2025-0001"]["holder"] == "'=HYPERLINK(evil)"
    assert by_number["CPO-O-2025-0002"]["status"] == "expired"
    assert by_number["CPO-O-2025-0001"]["verify_url"].endswith("/verify/CPO-O-2025-0001/")
    assert "(illustrative demo)" in by_number["CPO-O-2025-0001"]["catalogue_version"]
    filtered = client.get(reverse("certification:seal_csv"), {"status": "expired"})
    assert b"CPO-O-2025-0001" not in b"".join(filtered.streaming_content)


def test_atom_feed_of_new_and_changed_certificates(client, certificate, office_user):
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    response = client.get(reverse("certification:seal_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    assert text.count("<entry>") == 2
    assert f"{certificate.number} · Alpha: Suspended" in text
    assert "Audit overdue" in text
    assert f"/verify/{certificate.number}/" in text


# --- Verification --------------------------------------------------------------------------


def test_verify_page_shows_everything_at_a_glance(client, certificate):
    response = client.get(verify_url(certificate.number))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'role="status"' in text
    assert "seal-verdict-active" in text and "This certificate is genuine and valid today." in text
    assert "Alpha" in text
    assert "Whole company, PLM business unit" in text
    assert "Organizational certificate" in text
    assert "Initial certification" in text
    assert certificate.catalogue_version.code in text and "illustrative demo" in text
    assert "Issued" in text and certificate.valid_until.strftime("%Y") in text
    assert "being prepared" in text


def test_verify_page_shows_the_pdf_hash_when_ready(client, ready_pdf, certificate):
    text = client.get(verify_url(certificate.number)).content.decode()
    assert "ab" * 32 in text
    assert "being prepared" not in text


@pytest.mark.parametrize(
    ("change", "word", "css"),
    [
        ("suspend", "Suspended", "suspended"),
        ("withdraw", "Withdrawn", "withdrawn"),
        ("expire", "Expired", "expired"),
        ("effective_expiry", "Expired", "expired"),
        ("supersede", "Superseded", "superseded"),
    ],
)
def test_verify_page_in_each_status(client, certificate, office_user, change, word, css):
    if change == "suspend":
        certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    elif change == "withdraw":
        certificate_withdraw(certificate=certificate, reason="Misuse", by=office_user)
    elif change == "expire":
        certificates_expire_due(today=certificate.valid_until + timedelta(days=1))
    elif change == "effective_expiry":
        set_fields(certificate, valid_until=TODAY - timedelta(days=1))
    else:
        set_fields(certificate, status="superseded")
    text = client.get(verify_url(certificate.number)).content.decode()
    assert f"seal-verdict-{css}" in text
    assert f'<p class="seal-verdict-word">{word}</p>' in text
    if change in ("suspend", "withdraw"):
        assert ("Audit overdue" if change == "suspend" else "Misuse") in text
    data = client.get(reverse("certification:verify_json", args=[certificate.number])).json()
    assert data["status"] == css and data["valid"] is False


def test_verify_shows_the_full_history_with_reasons(client, certificate, office_user):
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    certificate_reinstate(certificate=certificate, reason="Audit passed", by=office_user)
    text = client.get(verify_url(certificate.number)).content.decode()
    for label in ("Issued", "Suspended", "Reinstated", "Audit overdue", "Audit passed"):
        assert label in text


def test_verify_links_predecessor_and_successor(client, certificate, catalogue, alpha):
    (successor,) = make_certificates(alpha, catalogue, 1, start=900, predecessor=certificate)
    set_fields(certificate, status="superseded")
    old = client.get(verify_url(certificate.number)).content.decode()
    new = client.get(verify_url(successor.number)).content.decode()
    assert verify_url(successor.number) in old
    assert verify_url(certificate.number) in new
    data = client.get(reverse("certification:verify_json", args=[successor.number])).json()
    assert data["predecessor"] == certificate.number


def test_verify_within_three_queries(client, ready_pdf, certificate, django_assert_max_num_queries):
    client.get(verify_url(certificate.number))  # warm caches that are not per request
    with django_assert_max_num_queries(3):
        assert client.get(verify_url(certificate.number)).status_code == 200
    with django_assert_max_num_queries(3):
        url = reverse("certification:verify_json", args=[certificate.number])
        assert client.get(url).status_code == 200


def test_verify_is_cacheable_and_answers_conditional_gets(client, certificate, office_user):
    url = verify_url(certificate.number)
    response = client.get(url)
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    etag, modified = response["ETag"], response["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_verify_json_for_machines(client, ready_pdf, certificate):
    response = client.get(reverse("certification:verify_json", args=[certificate.number]))
    assert response.status_code == 200
    data = response.json()
    assert data["number"] == certificate.number
    assert data["status"] == "active" and data["valid"] is True
    assert data["holder"]["name"] == "Alpha"
    assert data["scope"]["description"] == "Whole company, PLM business unit"
    assert data["issued_on"] == certificate.issued_on.isoformat()
    assert data["valid_until"] == certificate.valid_until.isoformat()
    assert data["sha256"] == "ab" * 32
    assert data["verify_url"] == f"http://127.0.0.1:8000/verify/{certificate.number}/"
    assert [e["action"] for e in data["events"]] == ["issued"]
    assert (
        client.get(
            reverse("certification:verify_json", args=[certificate.number]),
            HTTP_IF_NONE_MATCH=response["ETag"],
        ).status_code
        == 304
    )


def test_lower_case_number_is_found(client, certificate):
    assert client.get(verify_url(certificate.number.lower())).status_code == 200


HOSTILE = [
    "CPO-O-2026-9999",
    "nope",
    "x" * 60,
    "ünïcødé-✓",
    "CPO-O-2026-0001'--",
    "<script>alert(1)<\\script>",
    "..",
    "%2e%2e",
    "CPO-O-2026-0001%20OR%201=1",
]


@pytest.mark.parametrize("number", HOSTILE)
def test_unknown_or_malformed_number_is_a_helpful_404(client, certificate, number):
    response = client.get(f"/verify/{number}/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "No such certificate" in text
    assert "<script>alert" not in text
    response = client.get(f"/verify/{number}.json")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/verify/" + "x" * 500 + "/",
        "/verify/a%00b/",
        "/verify/..%2F..%2Fetc%2Fpasswd/",
        "/verify/" + "x" * 500 + ".json",
        "/seal/" + "x" * 500 + ".svg",
    ],
)
def test_paths_beyond_the_pattern_are_404_not_500(client, path):
    assert client.get(path).status_code in (400, 404)


def test_unknown_number_costs_no_query_when_malformed(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/verify/nope/").status_code == 404


def test_verification_lookups_are_rate_limited_per_client(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 3
    url = verify_url(certificate.number)
    statuses = [client.get(url, REMOTE_ADDR="203.0.113.5").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = client.get(
        reverse("certification:verify_json", args=["nope"]), REMOTE_ADDR="203.0.113.5"
    )
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    page = client.get(url, REMOTE_ADDR="203.0.113.5")
    assert page.status_code == 429 and "Too many lookups" in page.content.decode()
    assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 200


# --- Workspace ------------------------------------------------------------------------------


def test_workspace_lists_own_certificates(client, bob, alpha, certificate):
    client.force_login(bob)
    response = client.get(reverse("certification:certificates", args=[alpha.slug]))
    assert response.status_code == 200
    assert certificate.number in response.content.decode()


def test_workspace_certificate_offers_pdf_hash_and_embed_snippets(
    client, bob, alpha, certificate, ready_pdf
):
    client.force_login(bob)
    response = client.get(reverse("certification:certificate", args=[alpha.slug, certificate.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert reverse("documents:download", args=[alpha.slug, ready_pdf.pk]) in text
    assert "ab" * 32 in text
    verify = f"http://127.0.0.1:8000/verify/{certificate.number}/"
    badge = f"http://127.0.0.1:8000/seal/{certificate.number}.svg"
    assert verify in text
    # The snippets are shown as text, escaped once for the page.
    assert f"&lt;a href=&quot;{verify}&quot;&gt;&lt;img src=&quot;{badge}&quot;" in text
    assert f"]({badge})]({verify})" in text
    download = client.get(reverse("documents:download", args=[alpha.slug, ready_pdf.pk]))
    assert download.status_code == 200


def test_embed_snippets_and_verify_json_follow_site_url(
    client, bob, alpha, certificate, ready_pdf, settings
):
    settings.SITE_URL = "http://127.0.0.1:8102"  # as `make run PORT=8102` sets it
    verify = f"http://127.0.0.1:8102/verify/{certificate.number}/"
    badge = f"http://127.0.0.1:8102/seal/{certificate.number}.svg"
    client.force_login(bob)
    text = client.get(
        reverse("certification:certificate", args=[alpha.slug, certificate.pk])
    ).content.decode()
    assert f"&lt;a href=&quot;{verify}&quot;&gt;&lt;img src=&quot;{badge}&quot;" in text
    assert f"]({badge})]({verify})" in text
    assert "127.0.0.1:8000" not in text
    data = client.get(reverse("certification:verify_json", args=[certificate.number])).json()
    assert data["verify_url"] == verify


def test_workspace_certificate_says_pdf_is_being_prepared(client, bob, alpha, certificate):
    client.force_login(bob)
    text = client.get(
        reverse("certification:certificate", args=[alpha.slug, certificate.pk])
    ).content.decode()
    assert "being prepared" in text or "could not be prepared" in text


def test_workspace_outsider_gets_404(client, charlie, beta, alpha, certificate):
    client.force_login(charlie)
    assert client.get(reverse("certification:certificates", args=[alpha.slug])).status_code == 404
    assert (
        client.get(
            reverse("certification:certificate", args=[alpha.slug, certificate.pk])
        ).status_code
        == 404
    )
    # Through charlie's own organization, Alpha's certificate does not exist either.
    assert (
        client.get(
            reverse("certification:certificate", args=[beta.slug, certificate.pk])
        ).status_code
        == 404
    )


def test_workspace_visitor_is_sent_to_login(client, alpha, certificate):
    response = client.get(reverse("certification:certificates", args=[alpha.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_workspace_list_bounded(client, bob, alpha, catalogue, django_assert_max_num_queries):
    make_certificates(alpha, catalogue, 60)
    client.force_login(bob)
    client.get(reverse("certification:certificates", args=[alpha.slug]))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("certification:certificates", args=[alpha.slug]))
    assert response.status_code == 200


def test_organization_home_links_to_certificates(client, bob, alpha):
    client.force_login(bob)
    text = client.get(reverse("tenancy:home", args=[alpha.slug])).content.decode()
    assert reverse("certification:certificates", args=[alpha.slug]) in text


# --- Signee and home pages -------------------------------------------------------------------


def test_signee_page_lists_the_company_seals(client, alpha, certificate, office_user):
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    text = client.get(reverse("signees:detail", args=[alpha.slug])).content.decode()
    assert f'href="{verify_url(certificate.number)}"' in text
    assert f"{certificate.number} · Organizational certificate · Suspended" in text


def test_signee_page_lists_product_name(client, alpha, alpha_signee, catalogue):
    make_certificates(
        alpha,
        catalogue,
        1,
        kind=SchemeKind.PRODUCT,
        product_name="Alpha PLM",
        product_version="7.1",
    )
    text = client.get(reverse("signees:detail", args=[alpha.slug])).content.decode()
    assert "CPO-P-2025-0001 · Product certificate: Alpha PLM 7.1 · Valid" in text


def test_home_page_shows_latest_certificates(client, certificate):
    text = client.get("/").content.decode()
    assert "Latest certificates" in text
    assert verify_url(certificate.number) in text


@pytest.mark.through_services  # the event certificate_issue writes
def test_events_are_public_history(certificate):
    with scopes_disabled():
        assert CertificateEvent.objects.filter(certificate=certificate).count() == 1


# --- Certificate content and the organizational basis (issue 16) ---------------------------


@pytest.fixture
def embedded_body(settings):
    for name in ("NAME", "ADDRESS"):
        setattr(settings, f"CERTIFICATION_BODY_{name}", "")
    for name in ("BODY", "NUMBER", "MARK"):
        setattr(settings, f"CERTIFICATION_ACCREDITATION_{name}", "")


def json_url(number):
    return reverse("certification:verify_json", args=[number])


def policy_off(office_user):
    from certification.services.deadlines import certification_policy_update

    certification_policy_update(
        values={"suspend_products_with_organizational": False}, based_on=None, by=office_user
    )


def test_verify_page_names_the_body_the_certifier_and_both_scopes(
    client, embedded_body, certificate, product
):
    set_fields(product, scope_description_de="Das Produkt PLM Bridge")
    text = client.get(verify_url(product.number)).content.decode()
    assert "Certification body" in text and "CPO Portal certification body" in text
    assert "Not accredited." in text
    assert "Decided by" in text and "Otto Office" in text  # office2, who granted it
    assert "Das Produkt PLM Bridge" in text and 'lang="de"' in text
    # The organizational certificate it rests on, linked, and valid.
    assert f'href="{verify_url(certificate.number)}"' in text
    assert "not currently backed" not in text


def test_verify_json_names_the_body_the_certifier_and_the_basis(
    client, embedded_body, certificate, product
):
    data = client.get(json_url(product.number)).json()
    assert data["issuer"] == {
        "name": "CPO Portal certification body",
        "address": "",
        "accredited": False,
        "accreditation_body": "",
        "accreditation_number": "",
    }
    assert data["certifier"] == "Otto Office"
    assert data["scope"]["description_de"] == data["scope"]["description"]  # no German given
    basis = data["organizational_certificate"]
    assert basis["number"] == certificate.number and basis["backed"] is True
    assert basis["verify_url"].endswith(verify_url(certificate.number))
    assert data["valid"] is True
    # An organizational certificate rests on nothing.
    assert client.get(json_url(certificate.number)).json()["organizational_certificate"] is None


@pytest.mark.parametrize(
    ("end", "words"),
    [
        (certificate_suspend, "is suspended"),
        (certificate_withdraw, "has been withdrawn"),
    ],
)
def test_while_the_organizational_certificate_is_not_valid_everything_says_so(
    client, certificate, product, office_user, end, words
):
    policy_off(office_user)  # so that the product certificate itself stays valid
    page = client.get(verify_url(product.number))
    etag = page["ETag"]
    end(certificate=certificate, reason="Audit overdue", by=office_user)
    note = (
        f"The organizational certificate {certificate.number} {words}: "
        "this product certificate is not currently backed."
    )
    changed = client.get(verify_url(product.number), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and note in changed.content.decode()
    data = client.get(json_url(product.number)).json()
    assert data["status"] == "active" and data["valid"] is False
    assert data["organizational_certificate"]["backed"] is False
    assert data["organizational_certificate"]["note"] == note
    registry = client.get(reverse("certification:seal")).content.decode()
    assert note in registry
    badge = client.get(reverse("certification:seal_badge", args=[product.number]))
    assert "not backed: organizational certificate" in badge.content.decode()


def test_an_expired_organizational_certificate_shows_before_the_daily_task(
    client, certificate, product, office_user
):
    policy_off(office_user)
    set_fields(product, valid_until=certificate.valid_until + timedelta(days=400))
    set_fields(certificate, valid_until=TODAY - timedelta(days=1))
    text = client.get(verify_url(product.number)).content.decode()
    assert f"The organizational certificate {certificate.number} has expired" in text


def test_a_suspended_product_says_it_waits_for_the_office_after_reinstatement(
    client, certificate, product, office_user
):
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    text = client.get(verify_url(product.number)).content.decode()
    assert "seal-verdict-suspended" in text and "not currently backed" in text
    certificate_reinstate(certificate=certificate, by=office_user)
    text = client.get(verify_url(product.number)).content.decode()
    assert "seal-verdict-suspended" in text
    assert "stays suspended until the office has reviewed and reinstated it" in text


def test_product_verification_within_three_queries(
    client, certificate, product, django_assert_max_num_queries
):
    client.get(verify_url(product.number))
    with django_assert_max_num_queries(3):
        assert client.get(verify_url(product.number)).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(json_url(product.number)).status_code == 200


def test_registry_with_product_certificates_stays_bounded(
    client, catalogue, alpha, certificate, office_user, django_assert_max_num_queries
):
    """The basis of every product row comes with the page's query."""
    make_certificates(alpha, catalogue, 3, kind=SchemeKind.PRODUCT)
    with scopes_disabled():
        from certification.models import Certificate

        Certificate.objects.filter(kind=SchemeKind.PRODUCT).update(
            organizational_certificate=certificate
        )
    with django_assert_max_num_queries(5):
        few = client.get(reverse("certification:seal"))
    make_certificates(alpha, catalogue, 30, kind=SchemeKind.PRODUCT, start=10)
    with scopes_disabled():
        Certificate.objects.filter(kind=SchemeKind.PRODUCT).update(
            organizational_certificate=certificate
        )
    with django_assert_max_num_queries(5):
        many = client.get(reverse("certification:seal"))
    assert few.status_code == many.status_code == 200


def test_the_holder_sees_its_product_certificate_is_not_backed(
    client, bob, alpha, certificate, product, office_user
):
    policy_off(office_user)
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    client.force_login(bob)
    path = reverse("certification:certificate", kwargs={"org_slug": alpha.slug, "pk": product.pk})
    text = client.get(path).content.decode()
    assert f"The organizational certificate {certificate.number} is suspended" in text


# --- cleanup: the CSV export names a product certificate's organizational basis -------------


def test_csv_export_names_the_organizational_basis(client, certificate, product):
    response = client.get(reverse("certification:seal_csv"))
    rows = list(csv.DictReader(io.StringIO(_text(response))))
    by_number = {row["number"]: row for row in rows}
    assert by_number[product.number]["organizational_basis"] == certificate.number
    assert by_number[certificate.number]["organizational_basis"] == ""


def test_csv_export_names_a_recorded_grant_as_the_basis(client, certificate, product):
    set_fields(
        product,
        organizational_certificate=None,
        issuer={**product.issuer, "organizational_grant": {"id": 1, "reference": "OLD-17"}},
    )
    response = client.get(reverse("certification:seal_csv"))
    rows = list(csv.DictReader(io.StringIO(_text(response))))
    assert {row["number"]: row for row in rows}[product.number]["organizational_basis"] == "OLD-17"

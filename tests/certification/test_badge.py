"""The live SVG badge: its look per status, escaping, and the view's headers and caching."""

from datetime import date, timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.badge import badge_svg, text_width
from certification.models import Certificate
from certification.services.certificates import certificate_suspend
from certification.services.deadlines import certification_policy_update

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg):
    root = ElementTree.fromstring(svg)
    return [t.text for t in root.iter(f"{SVG}text")], root.find(f"{SVG}title").text, root


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("active", "valid until 2029-12"),
        ("suspended", "suspended"),
        ("withdrawn", "withdrawn"),
        ("expired", "expired"),
        ("superseded", "superseded"),
        (None, "unknown certificate"),
    ],
)
def test_badge_says_the_status_in_words(status, words):
    svg = badge_svg(status=status, valid_until=date(2029, 12, 31), number="CPO-O-2026-0001")
    labels, title, root = texts(svg)
    assert labels[1] == words
    # Only a valid certificate's badge begins "CPO certified" (issue 16).
    assert labels[0] == {"active": "CPO certified", None: "CPO"}.get(status, "CPO certificate")
    assert root.get("role") == "img" and root.get("aria-label") == title
    if status != "active":
        assert "CPO certified" not in svg


def test_each_status_has_its_own_icon_shape_and_colour():
    shapes = set()
    colours = set()
    for status in ("active", "suspended", "withdrawn", "expired", "superseded", None):
        _labels, _title, root = texts(badge_svg(status=status, valid_until=date(2029, 12, 31)))
        shapes.add(root.find(f"{SVG}g/{SVG}path").get("d"))
        colours.add(root.find(f"{SVG}rect").get("fill"))
    assert len(shapes) == 6 and len(colours) == 6


def test_badge_escapes_every_text():
    holder = 'Evil <script>alert("x")</script> & Co \x00\x07'
    svg = badge_svg(status="active", valid_until=date(2029, 12, 31), number="N<1>", holder=holder)
    assert "<script>" not in svg and "& Co" not in svg
    _labels, title, _root = texts(svg)  # well-formed XML despite the control characters
    assert 'Evil <script>alert("x")</script> & Co' in title
    assert "N<1>" in title


def test_badge_width_grows_with_the_text():
    assert text_width("valid until 2029-12") > text_width("expired") > 0
    narrow = ElementTree.fromstring(badge_svg(status="expired"))
    wide = ElementTree.fromstring(badge_svg(status="active", valid_until=date(2029, 12, 1)))
    assert int(wide.get("width")) > int(narrow.get("width"))


# --- The view ------------------------------------------------------------------------------


def badge_url(number):
    return reverse("certification:seal_badge", args=[number])


def test_badge_view_headers(client, certificate):
    response = client.get(badge_url(certificate.number))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert response["ETag"] and response["Last-Modified"]
    text = response.content.decode()
    assert f"valid until {certificate.valid_until:%Y-%m}" in text
    assert "Alpha" in text


def test_badge_conditional_get_and_change(client, certificate, office_user):
    url = badge_url(certificate.number)
    etag = client.get(url)["ETag"]
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert ">suspended<" in changed.content.decode()


def test_badge_shows_effective_expiry(client, certificate):
    with scopes_disabled():
        Certificate.objects.filter(pk=certificate.pk).update(
            valid_until=timezone.localdate() - timedelta(days=1)
        )
    assert ">expired<" in client.get(badge_url(certificate.number)).content.decode()


@pytest.mark.parametrize("number", ["CPO-O-2026-9999", "nope", "ü", "x" * 60])
def test_unknown_badge_is_grey_with_404(client, db, number):
    response = client.get(f"/seal/{number}.svg")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "unknown certificate" in response.content.decode()


def test_badge_within_one_query(client, certificate, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get(badge_url(certificate.number)).status_code == 200


def test_badge_rate_limited(client, certificate, settings):
    settings.CERTIFICATE_BADGE_RATE_LIMIT = 2
    url = badge_url(certificate.number)
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    limited = client.get(url)
    assert limited.status_code == 429 and limited["Retry-After"]


# --- A product certificate's organizational basis (issue 16) ------------------------------


@pytest.mark.parametrize(
    ("basis", "words"),
    [
        ("suspended", "not backed: organizational certificate suspended"),
        ("withdrawn", "not backed: organizational certificate withdrawn"),
        ("expired", "not backed: organizational certificate expired"),
    ],
)
def test_a_valid_product_badge_whose_basis_is_not_valid_says_so(basis, words):
    svg = badge_svg(
        status="active",
        valid_until=date(2029, 12, 31),
        number="CPO-P-2026-0001",
        basis_status=basis,
    )
    labels, title, root = texts(svg)
    assert labels == ["CPO certificate", words]
    assert "CPO certified" not in svg and words in title
    # The suspended look: the pause bars, not the tick.
    suspended = texts(badge_svg(status="suspended"))[2]
    assert root.find(f"{SVG}g/{SVG}path").get("d") == suspended.find(f"{SVG}g/{SVG}path").get("d")


def test_product_badge_follows_its_organizational_certificate(
    client, certificate, product, office_user
):
    url = badge_url(product.number)
    first = client.get(url)
    assert ">CPO certified<" in first.content.decode()
    certification_policy_update(
        values={"suspend_products_with_organizational": False}, based_on=None, by=office_user
    )
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    text = changed.content.decode()
    assert "not backed: organizational certificate suspended" in text
    assert ">CPO certified<" not in text
    # The Last-Modified moves with the organizational certificate's change.
    assert changed["Last-Modified"] != first["Last-Modified"] or changed["ETag"] != first["ETag"]


def test_product_badge_suspended_with_its_organizational_certificate(
    client, certificate, product, office_user
):
    """The policy is on by default: the product certificate is suspended itself."""
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    text = client.get(badge_url(product.number)).content.decode()
    assert ">CPO certificate<" in text and ">suspended<" in text


def test_product_badge_within_one_query(
    client, certificate, product, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        assert client.get(badge_url(product.number)).status_code == 200

"""The verification page and the badge behind the page cache: answered from the cache, yet
every lookup is counted by the rate limit, conditional GETs still get 304, and a status
change shows at once."""

import pytest

from certification.services.certificates import certificate_suspend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300


def test_a_repeated_verification_costs_no_query(client, certificate, django_assert_num_queries):
    url = f"/verify/{certificate.number}/"
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_a_cached_answer_still_counts_for_the_rate_limit(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 2
    url = f"/verify/{certificate.number}/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_a_conditional_get_is_answered_304_from_the_cache(client, certificate):
    url = f"/verify/{certificate.number}/"
    etag = client.get(url)["ETag"]
    client.get(url)  # now cached
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_suspension_shows_at_once_on_the_page_and_the_badge(client, certificate, office_user):
    page, badge = f"/verify/{certificate.number}/", f"/seal/{certificate.number}.svg"
    assert "Valid" in client.get(page).content.decode()
    assert b"suspended" not in client.get(badge).content

    certificate_suspend(certificate=certificate, reason="Audit overdue.", by=office_user)

    assert "Suspended" in client.get(page).content.decode()
    assert b"suspended" in client.get(badge).content


def test_the_organizational_certificate_s_suspension_shows_at_once_on_its_products(
    client, certificate, product, office_user
):
    """Certificate content (issue 16): a product's cached page and badge follow its basis."""
    from certification.services.deadlines import certification_policy_update

    certification_policy_update(
        values={"suspend_products_with_organizational": False}, based_on=None, by=office_user
    )
    page, badge = f"/verify/{product.number}/", f"/seal/{product.number}.svg"
    assert "not currently backed" not in client.get(page).content.decode()
    assert b"not backed" not in client.get(badge).content

    certificate_suspend(certificate=certificate, reason="Audit overdue.", by=office_user)

    assert "not currently backed" in client.get(page).content.decode()
    assert b"not backed" in client.get(badge).content

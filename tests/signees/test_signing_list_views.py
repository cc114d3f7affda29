"""The public signee pages: the list with search, filters, sorting, counts, pagination and
its CSV/JSON exports; one signee with its statement, seals and Quick Check; the home page.

Only approved signees are public: every other status is checked against every public way in.
"""

import csv
import io
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from django_scopes import scope, scopes_disabled

from signees.models import Signee, Statement
from signees.services.signing import signee_unpublish
from tests.signees.helpers import HIDDEN_STATUSES, publish_statement

pytestmark = pytest.mark.django_db

CSV_HEADER = [
    "name",
    "legal_name",
    "group",
    "group_code",
    "country",
    "country_code",
    "website",
    "signee_since",
    "profile_url",
    "statement_url",
    "valid_seal",
    "organizational_seals",
    "product_seals",
]


def names_on(response):
    return [row["signee"].listed_name for row in response.context["rows"]]


def consume(response):
    assert response.streaming is True
    return b"".join(response.streaming_content).decode()


def csv_rows(response):
    body = consume(response)
    assert body.startswith("\ufeff")  # UTF-8 with a byte-order mark, for Excel
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.fixture
def hidden(bulk_signees):
    """One signee in each status that is not public, all named "Hidden …"."""
    return [
        bulk_signees(1, prefix=f"Hidden {status}", status=status)[0] for status in HIDDEN_STATUSES
    ]


# --- The list --------------------------------------------------------------------------


def test_list_shows_approved_signees_by_name_with_links(client, three):
    response = client.get("/signees/")
    assert response.status_code == 200
    assert names_on(response) == ["Acme", "Bolt", "Cobalt"]
    html = response.content.decode()
    assert f'href="/signees/{three[0].organization.slug}/"' in html
    assert "IT service provider" in html
    assert "Germany" in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("acme", ["Acme"]),  # the listed name, any case
        ("BOLT 1 gmbh", ["Bolt"]),  # every word of the legal name
        ("cobalt-2.example", ["Cobalt"]),  # the website
        ("nothing-like-this", []),
    ],
)
def test_search_by_name_legal_name_and_website(client, three, q, expected):
    assert names_on(client.get("/signees/", {"q": q})) == expected


def test_filter_by_group_and_country(client, three):
    assert names_on(client.get("/signees/", {"group": "it_vendor"})) == ["Acme"]
    assert names_on(client.get("/signees/", {"country": "DE"})) == ["Acme", "Cobalt"]
    assert names_on(client.get("/signees/", {"country": "DE", "group": "it_customer"})) == []


def test_country_choices_are_the_countries_of_published_signees(client, three, hidden):
    choices = dict(client.get("/signees/").context["form"].fields["country"].choices)
    # hidden signees are from other countries in the fixture cycle; only DE and FR are public
    assert set(choices) == {"", "DE", "FR"}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Acme", "Bolt", "Cobalt"]),
        ("-name", ["Cobalt", "Bolt", "Acme"]),
        ("since", ["Acme", "Cobalt", "Bolt"]),
        ("-since", ["Bolt", "Cobalt", "Acme"]),
    ],
)
def test_sort(client, three, sort, expected):
    assert names_on(client.get("/signees/", {"sort": sort})) == expected


def test_counts_per_group_follow_search_and_country_but_not_the_group(client, three):
    facets = client.get("/signees/", {"country": "DE", "group": "it_vendor"}).context[
        "group_facets"
    ]
    counts = {facet["value"]: facet["count"] for facet in facets}
    assert counts == {"": 2, "it_customer": 0, "it_vendor": 1, "it_service_provider": 1}
    current = [facet["value"] for facet in facets if facet["current"]]
    assert current == ["it_vendor"]
    # A facet link keeps the country and switches the group.
    vendor_link = next(f["url"] for f in facets if f["value"] == "it_customer")
    assert "country=DE" in vendor_link
    assert "group=it_customer" in vendor_link


def test_bad_filter_values_are_reported_and_ignored(client, three):
    response = client.get("/signees/", {"group": "robots", "country": "ZZ", "sort": "evil"})
    assert response.status_code == 200
    assert names_on(response) == ["Acme", "Bolt", "Cobalt"]
    assert set(response.context["form"].errors) == {"group", "country", "sort"}


def test_pagination_50_per_page_and_bad_pages_show_the_nearest(client, bulk_signees):
    bulk_signees(120)
    first = client.get("/signees/")
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.num_pages == 3
    assert "page=2" in first.content.decode()
    assert len(client.get("/signees/", {"page": 3}).context["rows"]) == 20
    assert client.get("/signees/", {"page": 999}).context["page"].number == 3
    assert client.get("/signees/", {"page": "abc"}).context["page"].number == 1
    # Pages do not overlap.
    page1 = set(names_on(first))
    page2 = set(names_on(client.get("/signees/", {"page": 2})))
    assert not page1 & page2


def test_pagination_total_respects_the_filter(client, bulk_signees):
    bulk_signees(60, group="it_vendor")
    bulk_signees(5, prefix="Other", group="it_customer")
    response = client.get("/signees/", {"group": "it_customer"})
    assert response.context["page"].paginator.count == 5
    assert response.context["page"].paginator.num_pages == 1


def test_empty_list_says_so(client, db):
    response = client.get("/signees/")
    assert response.status_code == 200
    assert "No company has been listed as a signee yet." in response.content.decode()


def test_list_links_to_published_statements(client, three, mini_catalogue):
    acme, bolt, _cobalt = three
    publish_statement(acme, mini_catalogue)
    publish_statement(bolt, mini_catalogue, kind="link", external_url="https://bolt.example/")
    html = client.get("/signees/").content.decode()
    assert f'href="/signees/{acme.organization.slug}/statement/"' in html
    assert 'href="https://bolt.example/"' in html


# --- Visitors see approved signees only ------------------------------------------------------


def test_unapproved_signees_never_appear_on_the_list(client, three, hidden):
    response = client.get("/signees/")
    assert names_on(response) == ["Acme", "Bolt", "Cobalt"]
    assert "Hidden" not in response.content.decode()
    assert names_on(client.get("/signees/", {"q": "hidden"})) == []
    counts = {f["value"]: f["count"] for f in response.context["group_facets"]}
    assert counts[""] == 3


def test_unapproved_signees_have_no_public_page(client, hidden):
    for signee in hidden:
        assert client.get(f"/signees/{signee.organization.slug}/").status_code == 404


@pytest.mark.parametrize("url", ["/signees/?format=csv", "/signees.csv"])
def test_unapproved_signees_are_not_in_the_csv(client, three, hidden, url):
    rows = csv_rows(client.get(url))
    assert [row[0] for row in rows[1:]] == ["Acme", "Bolt", "Cobalt"]


@pytest.mark.parametrize("url", ["/signees/?format=json", "/signees.json"])
def test_unapproved_signees_are_not_in_the_json(client, three, hidden, url):
    assert [r["name"] for r in json.loads(consume(client.get(url)))] == ["Acme", "Bolt", "Cobalt"]


def test_an_unpublished_signee_leaves_the_list_and_its_old_link_shows_a_tombstone(
    client, approved, office_user
):
    slug = approved.organization.slug
    assert client.get(f"/signees/{slug}/").status_code == 200
    signee_unpublish(signee=approved, by=office_user, reason="Not a company.")
    response = client.get(f"/signees/{slug}/")
    # 410 Gone: the link was right once; the page says when, not why.
    assert response.status_code == 410
    page = response.content.decode()
    assert "No longer a signee" in page
    assert "took the organization off the list" in page
    assert date_format(timezone.localtime(approved.approved_at).date(), "DATE_FORMAT") in page
    assert "Not a company." not in page
    assert "@" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert names_on(client.get("/signees/")) == []
    assert csv_rows(client.get("/signees.csv")) == [CSV_HEADER]


def test_a_withdrawn_signee_has_a_tombstone_with_its_time_on_the_list(
    client, approved, alice, django_assert_max_num_queries
):
    from signees.services.signing import signee_withdraw

    slug = approved.organization.slug
    signee_withdraw(signee=approved, by=alice)
    with django_assert_max_num_queries(8):
        response = client.get(f"/signees/{slug}/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "withdrew its signature" in page
    assert "Signee from" in page and "Signee until" in page


def test_unapproved_signees_are_not_on_the_home_page(client, three, hidden):
    response = client.get("/")
    assert "Hidden" not in response.content.decode()
    assert response.context["signee_total"] == 3


# --- Exports --------------------------------------------------------------------------


def test_csv_export_headers_and_rows(client, three, mini_catalogue):
    acme = three[0]
    publish_statement(acme, mini_catalogue)
    response = client.get("/signees/", {"format": "csv", "group": "it_vendor"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="cpo-signees-{today}.csv"'
    rows = csv_rows(response)
    slug = acme.organization.slug
    assert rows == [
        CSV_HEADER,
        [
            "Acme",
            acme.organization.legal_name,
            "IT vendor",
            "it_vendor",
            "Germany",
            "DE",
            acme.organization.website,
            (timezone.localdate() - timedelta(days=30)).isoformat(),
            f"http://testserver/signees/{slug}/",
            f"http://testserver/signees/{slug}/statement/",
            "no",
            "",
            "",
        ],
    ]


def test_csv_export_keeps_the_sort_and_filters(client, three):
    rows = csv_rows(client.get("/signees.csv", {"sort": "-name", "country": "DE"}))
    assert [row[0] for row in rows[1:]] == ["Cobalt", "Acme"]


def test_csv_cells_never_start_a_spreadsheet_formula(client, three):
    with scopes_disabled():
        Signee.objects.filter(pk=three[0].pk).update(listed_name="=HYPERLINK(1)")
    rows = csv_rows(client.get("/signees.csv"))
    assert [row[0] for row in rows if "HYPERLINK" in row[0]] == ["'=HYPERLINK(1)"]


def test_json_export_is_an_array_of_objects(client, three, mini_catalogue):
    publish_statement(three[1], mini_catalogue, kind="link", external_url="https://b.example/")
    response = client.get("/signees.json", {"q": "bolt"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (record,) = json.loads(consume(response))
    assert list(record) == CSV_HEADER
    assert record["name"] == "Bolt"
    assert record["group"] == "IT customer"
    assert record["group_code"] == "it_customer"
    assert record["country"] == "France"
    assert record["country_code"] == "FR"
    assert record["valid_seal"] is False
    assert record["statement_url"] == "https://b.example/"
    assert record["profile_url"] == f"http://testserver/signees/{three[1].organization.slug}/"


def test_json_export_of_nothing_is_an_empty_array(client, db):
    assert json.loads(consume(client.get("/signees.json"))) == []


def test_export_streams_in_chunks_through_an_iterator(client, bulk_signees):
    bulk_signees(3000)
    calls = []
    original = QuerySet.iterator

    def spy(queryset, *args, **kwargs):
        calls.append(kwargs.get("chunk_size", args[0] if args else None))
        return original(queryset, *args, **kwargs)

    with mock.patch.object(QuerySet, "iterator", spy):
        response = client.get("/signees.csv")
        pieces = list(response.streaming_content)
    assert calls == [2000]
    assert len(pieces) > 1  # sent as it is read, not as one body
    assert sum(piece.count(b"\n") for piece in pieces) == 3001


# --- Query counts ------------------------------------------------------------------------


def _queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_list_page_queries_do_not_grow_with_10000_signees(
    client, bulk_signees, django_assert_max_num_queries
):
    bulk_signees(20)
    small = _queries(lambda: client.get("/signees/", {"q": "company", "sort": "-since"}))
    bulk_signees(9980)
    with django_assert_max_num_queries(small):
        response = client.get("/signees/", {"q": "company", "sort": "-since"})
    assert small <= 3
    assert response.context["page"].paginator.count == 10000
    assert len(response.context["rows"]) == 50


def test_csv_export_queries_do_not_grow_with_10000_signees(
    client, bulk_signees, django_assert_max_num_queries
):
    bulk_signees(20)
    small = _queries(lambda: consume(client.get("/signees.csv")))
    bulk_signees(9980)
    with django_assert_max_num_queries(small):
        body = consume(client.get("/signees.csv"))
    assert small <= 2
    assert body.count("\n") == 10001


def test_detail_page_queries_are_fixed(client, approved, django_assert_max_num_queries):
    # signee + statement, and one for the seals held (signees.extensions, from certification)
    with django_assert_max_num_queries(3):
        client.get(f"/signees/{approved.organization.slug}/")


# --- Caching --------------------------------------------------------------------------


def test_visitors_get_cacheable_pages_signed_in_users_do_not(client, approved, bob):
    for url in ("/signees/", f"/signees/{approved.organization.slug}/", "/signees.csv"):
        response = client.get(url)
        assert "public" in response["Cache-Control"], url
        assert "max-age=300" in response["Cache-Control"], url
    client.force_login(bob)
    assert "public" not in client.get("/signees/").get("Cache-Control", "")


# --- One signee ------------------------------------------------------------------------


def test_detail_shows_the_facts(client, approved, mini_catalogue):
    response = client.get(f"/signees/{approved.organization.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Alpha</h1>" in html
    assert "IT vendor" in html
    assert "Develops software as its dominant business." in html
    assert "Germany" in html
    assert f'href="/criteria/{mini_catalogue.code}/"' in html
    assert "Signee since" in html
    assert "No certificates yet." in html


def test_detail_of_an_unknown_slug_is_404(client, db):
    assert client.get("/signees/no-such-company/").status_code == 404


def test_vendor_without_statement_shows_the_due_date_and_ol1_not_met(client, approved):
    response = client.get(f"/signees/{approved.organization.slug}/")
    html = response.content.decode()
    assert "The CPO Statement has not been published yet." in html
    assert "it is due by" in html
    assert response.context["ol1_met"] is False
    assert '<span class="badge badge-not-met">not met</span>' in html
    assert "OL2 – increased need" in html
    assert "OL3 – strategic need" in html


def test_overdue_statement_says_it_was_due(client, approved):
    with scopes_disabled():
        Signee.objects.filter(pk=approved.pk).update(
            statement_due=timezone.localdate() - timedelta(days=1)
        )
    assert "it was due by" in client.get(f"/signees/{approved.organization.slug}/").content.decode()


def test_published_statement_meets_ol1_and_is_linked(client, approved, mini_catalogue):
    publish_statement(approved, mini_catalogue)
    slug = approved.organization.slug
    response = client.get(f"/signees/{slug}/")
    html = response.content.decode()
    assert response.context["ol1_met"] is True
    assert '<span class="badge badge-met">met</span>' in html
    assert f'href="/signees/{slug}/statement/"' in html
    assert "it is due by" not in html


def test_external_statement_is_linked_directly(client, approved, mini_catalogue):
    publish_statement(approved, mini_catalogue, kind="link", external_url="https://a.example/s")
    html = client.get(f"/signees/{approved.organization.slug}/").content.decode()
    assert 'href="https://a.example/s" rel="noopener nofollow"' in html


def test_a_draft_statement_does_not_count(client, approved, mini_catalogue):
    with scope(organization=approved.organization):
        Statement.objects.create(
            signee=approved, number=1, catalogue_version=mini_catalogue, status="draft"
        )
    response = client.get(f"/signees/{approved.organization.slug}/")
    assert response.context["ol1_met"] is False
    assert response.context["statement"] is None


def test_newest_published_statement_is_shown(client, approved, mini_catalogue):
    publish_statement(approved, mini_catalogue, number=1)
    newer = publish_statement(approved, mini_catalogue, number=2)
    assert client.get(f"/signees/{approved.organization.slug}/").context["statement"] == newer


def test_it_customers_get_no_quick_check(client, bulk_signees):
    (customer,) = bulk_signees(1, group="it_customer")
    html = client.get(f"/signees/{customer.organization.slug}/").content.decode()
    assert "Openness Quick Check" not in html
    assert "not required to publish one" in html


def test_website_is_linked_only_when_it_is_a_web_address(client, bulk_signees):
    (signee,) = bulk_signees(1)
    organization = signee.organization
    organization.website = "javascript:alert(1)"
    organization.save(update_fields=["website"])
    html = client.get(f"/signees/{organization.slug}/").content.decode()
    assert "javascript:" not in html


def test_german_pages_render(client, approved):
    for url in ("/signees/", f"/signees/{approved.organization.slug}/", "/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        html = response.content.decode()
        assert response.status_code == 200, url
        assert '<html lang="de">' in html, url
        assert "IT-Anbieter" in html, url
    assert "Deutschland" in client.get("/signees/", HTTP_ACCEPT_LANGUAGE="de").content.decode()


# --- Home page -------------------------------------------------------------------------


def test_home_shows_counts_and_latest_signees(client, three, django_assert_max_num_queries):
    # counts + latest signees, and one for the latest certificates (signees.extensions)
    with django_assert_max_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200
    assert response.context["signee_total"] == 3
    assert [count for _label, count, _value in response.context["signee_counts"]] == [1, 1, 1]
    assert [s.listed_name for s in response.context["latest_signees"]] == [
        "Bolt",
        "Cobalt",
        "Acme",
    ]
    assert response.context["latest_certificates"] == []
    html = response.content.decode()
    assert f'href="/signees/{three[1].organization.slug}/"' in html
    assert "Latest signees" in html
    assert 'href="/signees/?group=it_vendor"' in html


def test_home_shows_at_most_five_latest(client, bulk_signees):
    bulk_signees(8)
    response = client.get("/")
    assert len(response.context["latest_signees"]) == 5
    assert response.context["signee_total"] == 8


def test_home_without_signees(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["signee_total"] == 0
    assert "No company has been listed as a signee yet." in response.content.decode()

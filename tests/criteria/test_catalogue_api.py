"""The public, read-only catalogue API under /api/v1/catalogue/."""

import pytest
import yaml

from tests.criteria.helpers import big_payload, catalogue_payload, import_catalogue

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalogue"


def version_paths(code: str) -> list[str]:
    return [
        f"{BASE}/versions/{code}/",
        f"{BASE}/versions/{code}/categories/",
        f"{BASE}/versions/{code}/criteria/",
        f"{BASE}/versions/{code}/criteria/2.4.1/",
        f"{BASE}/versions/{code}/schemes/",
    ]


@pytest.mark.parametrize("path", [f"{BASE}/versions/", *version_paths("v1")])
def test_anyone_may_read(api, catalogue_v1, path):
    response = api.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", [f"{BASE}/versions/", *version_paths("v1")])
def test_signed_in_users_read_the_same(api, catalogue_v1, bob, path):
    api.force_authenticate(bob)
    assert api.get(path).status_code == 200


# --- Versions -----------------------------------------------------------------------------


def test_versions_lists_public_versions_newest_first_paginated(
    api, catalogue_v2, retired_catalogue, draft_catalogue
):
    body = api.get(f"{BASE}/versions/").json()
    assert body["count"] == 3
    assert [v["code"] for v in body["results"]] == ["old-0.9", "v2", "v1"]
    v2 = body["results"][1]
    assert v2["status"] == "published"
    assert v2["criteria_count"] == 9
    assert v2["title"] == {"en": "Catalogue v2", "de": "Katalog v2"}
    assert v2["url"] == "http://testserver/api/v1/catalogue/versions/v2/"
    assert body["results"][0]["status"] == "retired"
    assert body["results"][0]["retired_at"] is not None


def test_versions_pagination(api, catalogue_v1):
    for i in range(3):
        import_catalogue(catalogue_payload(f"extra-{i}"))
    body = api.get(f"{BASE}/versions/", {"page_size": 2}).json()
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]


def test_version_detail_with_languages_demo_flag_and_counts(api, catalogue_v1, demo_catalogue):
    body = api.get(f"{BASE}/versions/v1/").json()
    assert body["code"] == "v1"
    assert body["languages"] == ["en", "de"]
    assert body["is_demo"] is False
    assert body["status"] == "published"
    assert body["counts"] == {"total": 9, "shall": 4, "should": 3, "may": 2}
    assert body["categories"] == 7
    assert body["notes"] == {"en": "Notes on v1.", "de": "Anmerkungen zu v1."}
    assert body["html_url"] == "http://testserver/criteria/v1/"
    assert api.get(f"{BASE}/versions/demo-t/").json()["is_demo"] is True


def test_one_language_catalogue_has_null_for_the_other_language(api, english_only_catalogue):
    body = api.get(f"{BASE}/versions/en-1/").json()
    assert body["languages"] == ["en"]
    assert body["title"] == {"en": "Catalogue en-1", "de": None}


# --- Categories and criteria ------------------------------------------------------------


def test_categories_in_order_with_counts(api, catalogue_v1):
    body = api.get(f"{BASE}/versions/v1/categories/").json()
    assert [c["number"] for c in body["results"]] == [
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "2.6",
        "2.7",
    ]
    interfaces = body["results"][3]
    assert interfaces["key"] == "interfaces"
    assert interfaces["title"] == {"en": "Interfaces", "de": "Schnittstellen"}
    assert interfaces["counts"] == {"total": 2, "shall": 1, "should": 1, "may": 0}


def test_criteria_carry_every_field_and_the_mapping(api, catalogue_v1):
    body = api.get(f"{BASE}/versions/v1/criteria/").json()
    assert body["count"] == 9
    criterion = next(c for c in body["results"] if c["code"] == "2.4.1")
    assert criterion == {
        "code": "2.4.1",
        "category": "2.4",
        "title": {"en": "Documented interfaces", "de": "Dokumentierte Schnittstellen"},
        "text": {
            "en": "Offered interfaces are documented understandably and maintained regularly.",
            "de": "Angebotene Schnittstellen sind verständlich dokumentiert und werden gepflegt.",
        },
        "obligation": "shall",
        "applies_to": ["it_vendor", "it_service_provider"],
        "flags": {
            "justification_required": False,
            "evidence_required": True,
            "not_applicable_allowed": False,
        },
        "verified_by": ["O-1.1", "P-2.4.1"],
        "html_url": "http://testserver/criteria/v1/2.4.1/",
    }


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"obligation": "may"}, ["2.2.1", "2.6.1"]),
        ({"group": "it_customer"}, ["2.2.1", "2.5.1", "2.7.1"]),
        ({"category": "2.4"}, ["2.4.1", "2.4.2"]),
        ({"q": "development environment"}, ["2.3.1"]),
        ({"q": "Kennungen"}, ["2.1.2"]),
        ({"group": "it_vendor", "obligation": "should", "category": "2.4"}, ["2.4.2"]),
        ({"category": "9.9"}, []),
    ],
)
def test_criteria_filters(api, catalogue_v1, query, codes):
    response = api.get(f"{BASE}/versions/v1/criteria/", query)
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["results"]] == codes


def test_empty_filters_are_no_filters(api, catalogue_v1):
    body = api.get(f"{BASE}/versions/v1/criteria/", {"q": "", "obligation": "", "group": ""}).json()
    assert body["count"] == 9


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"obligation": "must"}, "obligation"),
        ({"group": "aliens"}, "group"),
        ({"q": "x" * 201}, "q"),
        ({"category": "x" * 11}, "category"),
    ],
)
def test_bad_criteria_filters_are_400_with_field_errors(api, catalogue_v1, query, field):
    response = api.get(f"{BASE}/versions/v1/criteria/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_criterion_detail_names_its_verifiers(api, catalogue_v1):
    body = api.get(f"{BASE}/versions/v1/criteria/2.4.1/").json()
    assert body["code"] == "2.4.1"
    assert body["verified_by"] == [
        {
            "code": "O-1.1",
            "scheme": "organizational",
            "area": "1",
            "title": {"en": "Check management", "de": "Prüfung Management"},
            "obligation": "shall",
        },
        {
            "code": "P-2.4.1",
            "scheme": "product",
            "area": "2.4",
            "title": {
                "en": "Verify Documented interfaces",
                "de": "Prüfe Dokumentierte Schnittstellen",
            },
            "obligation": "shall",
        },
    ]


def test_criterion_codes_of_another_version_are_404(api, catalogue_v2):
    assert api.get(f"{BASE}/versions/v1/criteria/2.6.1/").status_code == 200
    assert api.get(f"{BASE}/versions/v2/criteria/2.6.1/").status_code == 404


# --- Schemes ----------------------------------------------------------------------------------


# --- Drafts and unknown versions ----------------------------------------------------------------


@pytest.mark.parametrize("path", version_paths("draft-9"))
def test_drafts_are_404(api, draft_catalogue, path):
    response = api.get(path)
    assert response.status_code == 404
    assert "Secret" not in response.content.decode()


@pytest.mark.parametrize("path", version_paths("draft-9"))
def test_drafts_are_404_for_the_office_too(api, draft_catalogue, office_user, path):
    api.force_authenticate(office_user)
    assert api.get(path).status_code == 404


def test_drafts_are_not_listed(api, catalogue_v1, draft_catalogue):
    codes = [v["code"] for v in api.get(f"{BASE}/versions/").json()["results"]]
    assert codes == ["v1"]


@pytest.mark.parametrize("path", version_paths("v9"))
def test_unknown_version_is_404(api, catalogue_v1, path):
    assert api.get(path).status_code == 404


def test_unknown_criterion_is_404(api, catalogue_v1):
    assert api.get(f"{BASE}/versions/v1/criteria/9.9.9/").status_code == 404


# --- Diff ---------------------------------------------------------------------------------------


def test_diff_summary_and_entries(api, catalogue_v2):
    response = api.get(f"{BASE}/diff/", {"from": "v1", "to": "v2"})
    assert response.status_code == 200
    body = response.json()
    assert body["from_version"] == "v1" and body["to_version"] == "v2"
    assert body["summary"] == {
        "added": 1,
        "removed": 1,
        "changed": 2,
        "reworded": 1,
        "obligation_changed": 1,
        "unchanged": 6,
    }
    assert body["added"] == ["2.6.2"]
    assert body["removed"] == ["2.6.1"]
    changed = {c["code"]: c for c in body["changed"]}
    assert changed["2.4.2"]["obligation_before"] == "should"
    assert changed["2.4.2"]["obligation_after"] == "shall"
    assert changed["2.4.2"]["changed_fields"] == ["obligation"]
    assert changed["2.1.2"]["obligation_before"] == changed["2.1.2"]["obligation_after"]
    assert changed["2.1.2"]["changed_fields"] == ["text.en", "text.de"]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, {"from", "to"}),
        ({"from": "v1"}, {"to"}),
        ({"from": "v1", "to": "nope"}, {"to"}),
        ({"from": "draft-9", "to": "v2"}, {"from"}),
        ({"from": "nope", "to": "draft-9"}, {"from", "to"}),
        ({"from": "v1", "to": "v1"}, {"to"}),
        ({"from": "x" * 41, "to": "v1"}, {"from"}),
    ],
)
def test_bad_diff_parameters_are_400_with_field_errors(
    api, catalogue_v2, draft_catalogue, query, fields
):
    response = api.get(f"{BASE}/diff/", query)
    assert response.status_code == 400
    assert set(response.json()) == fields


def test_a_draft_code_gets_the_same_answer_as_an_unknown_one(api, catalogue_v1, draft_catalogue):
    draft = api.get(f"{BASE}/diff/", {"from": "v1", "to": "draft-9"}).json()
    unknown = api.get(f"{BASE}/diff/", {"from": "v1", "to": "draft-0"}).json()
    assert draft["to"][0].replace("draft-9", "X") == unknown["to"][0].replace("draft-0", "X")


# --- Bounded queries and the schema -----------------------------------------------------------


@pytest.mark.parametrize(
    "query", [{}, {"page_size": 200}, {"group": "it_vendor", "obligation": "shall", "q": "7"}]
)
def test_criteria_list_queries_do_not_grow_with_the_catalogue(
    api, big_catalogue, django_assert_max_num_queries, query
):
    with django_assert_max_num_queries(6):
        response = api.get(f"{BASE}/versions/big-1/criteria/", query)
    assert response.status_code == 200
    assert len(response.json()["results"]) > 0


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/versions/",
        f"{BASE}/versions/big-1/",
        f"{BASE}/versions/big-1/categories/",
        f"{BASE}/versions/big-1/criteria/2.1.1/",
        f"{BASE}/versions/big-1/schemes/",
    ],
)
def test_other_endpoints_queries_are_bounded(
    api, big_catalogue, django_assert_max_num_queries, path
):
    with django_assert_max_num_queries(6):
        assert api.get(path).status_code == 200


def test_diff_queries_are_bounded(api, big_catalogue, django_assert_max_num_queries):
    import_catalogue(big_payload("big-2", changed_every=5))
    with django_assert_max_num_queries(5):
        body = api.get(f"{BASE}/diff/", {"from": "big-1", "to": "big-2"}).json()
    assert body["summary"]["changed"] == 100
    assert body["summary"]["obligation_changed"] == 50


def test_schema_documents_the_catalogue_api(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    for path in (
        "/api/v1/catalogue/versions/",
        "/api/v1/catalogue/versions/{version}/",
        "/api/v1/catalogue/versions/{version}/categories/",
        "/api/v1/catalogue/versions/{version}/criteria/",
        "/api/v1/catalogue/versions/{version}/criteria/{code}/",
        "/api/v1/catalogue/versions/{version}/schemes/",
        "/api/v1/catalogue/diff/",
    ):
        assert path in paths, path
    parameters = {
        p["name"]
        for p in paths["/api/v1/catalogue/versions/{version}/criteria/"]["get"]["parameters"]
    }
    assert {"q", "obligation", "group", "category", "page", "version"} <= parameters
    diff_parameters = {p["name"] for p in paths["/api/v1/catalogue/diff/"]["get"]["parameters"]}
    assert diff_parameters == {"from", "to"}

"""The CPO office's catalogue pages: access, import, publishing, draft editing, export."""

import copy
import csv
import io

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from criteria.interchange import parse
from criteria.models import (
    AssessmentCriterion,
    CatalogueVersion,
    Criterion,
    VersionStatus,
)
from criteria.selectors.catalogue import CSV_COLUMNS, catalogue_as_canonical
from criteria.services.catalogue import catalogue_create_draft
from tests.criteria.helpers import catalogue_payload, criterion_entry, import_catalogue

pytestmark = pytest.mark.django_db

BASE = "/office/criteria/"


def _upload(payload, name="catalogue.yaml"):
    text = yaml.safe_dump(payload, allow_unicode=True, sort_keys=False)
    return SimpleUploadedFile(name, text.encode(), content_type="application/yaml")


def _verbs():
    with scopes_disabled():
        return list(ActivityEntry.objects.values_list("verb", flat=True))


def _entries(verb):
    with scopes_disabled():
        return list(ActivityEntry.objects.filter(verb=verb))


def _version_urls(version, criterion, scheme_kind="product"):
    """Every office URL of one version with the method it is used with."""
    assessment = AssessmentCriterion.objects.filter(
        scheme__version=version, scheme__kind=scheme_kind
    ).first()
    category = version.categories.first()
    v = f"{BASE}versions/{version.code}/"
    return [
        ("get", v),
        ("get", f"{v}publish/"),
        ("post", f"{v}publish/"),
        ("get", f"{v}retire/"),
        ("post", f"{v}retire/"),
        ("get", f"{v}export/yaml/"),
        ("get", f"{v}export/json/"),
        ("get", f"{v}export/csv/"),
        ("get", f"{v}categories/{category.pk}/"),
        ("post", f"{v}categories/{category.pk}/"),
        ("get", f"{v}criteria/add/"),
        ("post", f"{v}criteria/add/"),
        ("get", f"{v}criteria/{criterion.pk}/"),
        ("post", f"{v}criteria/{criterion.pk}/"),
        ("get", f"{v}criteria/{criterion.pk}/delete/"),
        ("post", f"{v}criteria/{criterion.pk}/delete/"),
        ("get", f"{v}schemes/{scheme_kind}/"),
        ("post", f"{v}schemes/{scheme_kind}/"),
        ("get", f"{v}schemes/{scheme_kind}/criteria/{assessment.pk}/mapping/"),
        ("post", f"{v}schemes/{scheme_kind}/criteria/{assessment.pk}/mapping/"),
    ]


def _all_urls(version):
    criterion = version.criteria.first()
    return [
        ("get", BASE),
        ("get", f"{BASE}import/"),
        ("post", f"{BASE}import/"),
        ("get", f"{BASE}new-draft/"),
        ("post", f"{BASE}new-draft/"),
        *_version_urls(version, criterion),
    ]


def _snapshot():
    return (
        list(CatalogueVersion.objects.order_by("pk").values_list("code", "status")),
        Criterion.objects.count(),
        len(_verbs()),
    )


# --- who gets in --------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client, draft_catalogue):
    for method, url in _all_urls(draft_catalogue):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_non_office_user_gets_404_everywhere_and_changes_nothing(
    client, request, draft_catalogue, who
):
    urls = _all_urls(draft_catalogue)
    before = _snapshot()
    client.force_login(request.getfixturevalue(who))
    answers = {
        (method, url): getattr(client, method)(url, {"confirm": "on", "code": "x"}).status_code
        for method, url in urls
    }
    assert set(answers.values()) == {404}, answers
    assert _snapshot() == before


def test_office_user_reaches_every_page(client, office_user, draft_catalogue):
    client.force_login(office_user)
    for method, url in _all_urls(draft_catalogue):
        if method == "get":
            # A draft cannot be retired: that page sends the office back to the version.
            expected = 302 if url.endswith("/retire/") else 200
            assert client.get(url).status_code == expected, url


def test_office_start_page_and_navigation_link_to_the_catalogue(client, office_user):
    client.force_login(office_user)
    page = client.get("/office/").content.decode()
    assert f'href="{BASE}"' in page
    assert "Criteria catalogue" in page


def test_unknown_export_format_and_unknown_version_are_404(client, office_user, catalogue_v1):
    client.force_login(office_user)
    assert client.get(f"{BASE}versions/v1/export/xml/").status_code == 404
    assert client.get(f"{BASE}versions/nope/").status_code == 404
    assert client.get(f"{BASE}versions/v1/schemes/other/").status_code == 404


def test_objects_are_looked_up_within_their_version(
    client, office_user, catalogue_v1, draft_catalogue
):
    """A criterion, category or assessment criterion of v1 is not found under the draft."""
    client.force_login(office_user)
    other = catalogue_v1.criteria.first()
    category = catalogue_v1.categories.first()
    assessment = AssessmentCriterion.objects.filter(scheme__version=catalogue_v1).first()
    draft = f"{BASE}versions/{draft_catalogue.code}/"
    payload = {"code": "9.9", "title_en": "Hijack", "text_en": "x", "confirm": "on"}
    assert client.get(f"{draft}criteria/{other.pk}/").status_code == 404
    assert client.post(f"{draft}criteria/{other.pk}/", payload).status_code == 404
    assert client.post(f"{draft}criteria/{other.pk}/delete/", payload).status_code == 404
    assert client.post(f"{draft}categories/{category.pk}/", payload).status_code == 404
    kind = assessment.scheme.kind
    assert client.get(f"{draft}schemes/{kind}/criteria/{assessment.pk}/mapping/").status_code == 404
    assert Criterion.objects.filter(pk=other.pk, code=other.code).exists()


# --- list and preview ---------------------------------------------------------------------


def test_version_list_shows_every_version_with_counts(
    client, office_user, catalogue_v1, draft_catalogue
):
    client.force_login(office_user)
    response = client.get(BASE)
    rows = {v.code: v for v in response.context["page"].object_list}
    assert set(rows) == {"v1", "draft-9"}
    assert rows["v1"].criterion_count == 9
    assert rows["v1"].category_count == 7
    assert rows["v1"].scheme_count == 2
    page = response.content.decode()
    assert f"{BASE}versions/draft-9/publish/" in page
    assert f"{BASE}versions/v1/retire/" in page


def test_version_list_query_count_does_not_grow(client, office_user, django_assert_max_num_queries):
    client.force_login(office_user)
    import_catalogue(catalogue_payload("a-1"))
    with django_assert_max_num_queries(12) as few:
        client.get(BASE)
    for i in range(2, 8):
        import_catalogue(catalogue_payload(f"a-{i}"), publish=i % 2 == 0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(BASE)


def test_draft_preview_shows_its_criteria_and_edit_links(client, office_user, draft_catalogue):
    client.force_login(office_user)
    page = client.get(f"{BASE}versions/draft-9/").content.decode()
    assert "Secret draft title" in page
    criterion = draft_catalogue.criteria.get(code="2.1.1")
    assert f"{BASE}versions/draft-9/criteria/{criterion.pk}/" in page
    assert "Organizational scheme" in page


def test_published_version_page_offers_no_edit_links(client, office_user, catalogue_v1):
    client.force_login(office_user)
    page = client.get(f"{BASE}versions/v1/").content.decode()
    criterion = catalogue_v1.criteria.get(code="2.1.1")
    assert f"criteria/{criterion.pk}/" not in page
    assert "/criteria/add/" not in page


def test_preview_of_a_big_version_uses_a_bounded_number_of_queries(
    client, office_user, big_catalogue, django_assert_max_num_queries
):
    client.force_login(office_user)
    with django_assert_max_num_queries(16):
        response = client.get(f"{BASE}versions/{big_catalogue.code}/")
    assert response.status_code == 200
    assert response.context["criterion_count"] == 504


# --- import -------------------------------------------------------------------------------


def test_import_of_a_good_file_creates_a_draft(client, office_user):
    client.force_login(office_user)
    response = client.post(f"{BASE}import/", {"file": _upload(catalogue_payload("imp-1"))})
    version = CatalogueVersion.objects.get(code="imp-1")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}versions/imp-1/"
    assert version.status == VersionStatus.DRAFT
    assert version.criteria.count() == 9
    message = str(next(iter(response.wsgi_request._messages)))
    assert "created" in message
    assert "9 criteria" in message
    assert "catalogue.imported_created" in _verbs()


def test_import_of_the_same_file_again_changes_nothing(client, office_user):
    client.force_login(office_user)
    payload = catalogue_payload("imp-1")
    client.post(f"{BASE}import/", {"file": _upload(payload)})
    before = _snapshot()
    response = client.post(f"{BASE}import/", {"file": _upload(payload)}, follow=True)
    assert "unchanged" in response.content.decode()
    assert _snapshot() == before


def test_import_of_a_changed_file_replaces_the_draft(client, office_user):
    client.force_login(office_user)
    payload = catalogue_payload("imp-1")
    client.post(f"{BASE}import/", {"file": _upload(payload)})
    criterion_entry(payload, "2.1.1")["title"] = {"en": "Reworded", "de": "Umformuliert"}
    response = client.post(f"{BASE}import/", {"file": _upload(payload)}, follow=True)
    assert "replaced" in response.content.decode()
    assert Criterion.objects.get(version__code="imp-1", code="2.1.1").title_en == "Reworded"


def test_import_of_a_json_file_with_publish_publishes_it(client, office_user):
    import json

    client.force_login(office_user)
    upload = SimpleUploadedFile(
        "catalogue.json", json.dumps(catalogue_payload("imp-json")).encode()
    )
    client.post(f"{BASE}import/", {"file": upload, "publish": "on"})
    assert CatalogueVersion.objects.get(code="imp-json").status == VersionStatus.PUBLISHED


def test_import_of_a_bad_file_lists_every_error_and_writes_nothing(client, office_user):
    client.force_login(office_user)
    payload = catalogue_payload("bad-1")
    payload["categories"][2]["criteria"][0]["obligation"] = "must"
    payload["categories"][3]["criteria"][1]["code"] = "2.4.1"
    payload["schemes"][0]["subject_areas"][1]["criteria"][0]["verifies"] = ["9.9.9"]
    before = _snapshot()

    response = client.post(f"{BASE}import/", {"file": _upload(payload, "bad.yaml")})

    assert response.status_code == 200
    paths = [e.path for e in response.context["import_errors"]]
    assert "categories[2].criteria[0].obligation" in paths
    assert "categories[3].criteria[1].code" in paths
    assert "schemes[0].subject_areas[1].criteria[0].verifies[0]" in paths
    page = response.content.decode()
    assert "<code>categories[2].criteria[0].obligation</code>" in page
    assert "Nothing was stored" in page
    assert _snapshot() == before


def test_import_of_malformed_yaml_reports_where(client, office_user):
    client.force_login(office_user)
    upload = SimpleUploadedFile("broken.yaml", b"format: [unclosed\nversion: x\n")
    response = client.post(f"{BASE}import/", {"file": upload})
    assert response.status_code == 200
    assert "line" in str(response.context["import_errors"][0])
    assert CatalogueVersion.objects.count() == 0


def test_import_refuses_a_changed_file_for_a_published_version(client, office_user, catalogue_v1):
    client.force_login(office_user)
    payload = catalogue_payload("v1")
    criterion_entry(payload, "2.1.1")["title"] = {"en": "Changed", "de": "Geändert"}
    before = _snapshot()
    response = client.post(f"{BASE}import/", {"file": _upload(payload)})
    assert response.status_code == 200
    assert [e.path for e in response.context["import_errors"]] == ["version"]
    assert _snapshot() == before


def test_import_refuses_wrong_file_types_and_sizes(client, office_user, settings):
    client.force_login(office_user)
    response = client.post(f"{BASE}import/", {"file": SimpleUploadedFile("c.txt", b"x: 1")})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    big = SimpleUploadedFile("c.yaml", b"#" * (5 * 1024 * 1024 + 1))
    response = client.post(f"{BASE}import/", {"file": big})
    assert "5 MB" in str(response.context["form"].errors["file"])
    response = client.post(f"{BASE}import/", {})
    assert "file" in response.context["form"].errors
    assert CatalogueVersion.objects.count() == 0


# --- publish and retire -------------------------------------------------------------------


def test_publish_asks_for_confirmation_then_publishes(client, office_user, draft_catalogue):
    client.force_login(office_user)
    url = f"{BASE}versions/draft-9/publish/"

    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "cannot be undone" in text
    assert page.context["summary"].criteria == 9
    assert page.context["summary"].mappings > 0

    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 200
    assert unconfirmed.context["form"].errors
    draft_catalogue.refresh_from_db()
    assert draft_catalogue.status == VersionStatus.DRAFT

    done = client.post(url, {"confirm": "on"})
    assert done.status_code == 302
    draft_catalogue.refresh_from_db()
    assert draft_catalogue.status == VersionStatus.PUBLISHED
    assert draft_catalogue.published_by == office_user
    assert "catalogue.published" in _verbs()


def test_publish_refusal_of_the_service_is_shown_on_the_page(client, office_user, draft_catalogue):
    # A criterion without text (written past the services) makes catalogue_publish refuse.
    Criterion.objects.filter(version=draft_catalogue, code="2.1.1").update(text_en="", text_de="")
    client.force_login(office_user)
    response = client.post(f"{BASE}versions/draft-9/publish/", {"confirm": "on"})
    assert response.status_code == 200
    assert "cannot be published" in response.content.decode()
    draft_catalogue.refresh_from_db()
    assert draft_catalogue.status == VersionStatus.DRAFT


def test_publishing_a_published_version_again_is_refused_not_an_error(
    client, office_user, catalogue_v1
):
    client.force_login(office_user)
    response = client.get(f"{BASE}versions/v1/publish/")
    assert response.status_code == 302
    response = client.post(f"{BASE}versions/v1/publish/", {"confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    catalogue_v1.refresh_from_db()
    assert catalogue_v1.status == VersionStatus.PUBLISHED


def test_retire_asks_for_confirmation_then_retires(client, office_user, catalogue_v1):
    client.force_login(office_user)
    url = f"{BASE}versions/v1/retire/"
    assert "Retiring cannot be undone" in client.get(url).content.decode()
    assert client.post(url, {"confirm": "on"}).status_code == 302
    catalogue_v1.refresh_from_db()
    assert catalogue_v1.status == VersionStatus.RETIRED


# --- new draft ----------------------------------------------------------------------------


def test_new_draft_from_a_published_version_copies_all_criteria_and_mappings(
    client, office_user, catalogue_v1
):
    client.force_login(office_user)
    assert client.get(f"{BASE}new-draft/?source=v1").context["form"]["source"].value() == "v1"

    response = client.post(f"{BASE}new-draft/", {"source": "v1", "code": "v1.1"})

    assert response.status_code == 302
    draft = CatalogueVersion.objects.get(code="v1.1")
    assert draft.status == VersionStatus.DRAFT
    assert draft.cloned_from == catalogue_v1
    copied, source = catalogue_as_canonical(draft), catalogue_as_canonical(catalogue_v1)
    assert copied.pop("version") == "v1.1"
    source.pop("version")
    assert copied == source
    links = AssessmentCriterion.verifies.through.objects
    assert (
        links.filter(criterion__version=draft).count()
        == links.filter(criterion__version=catalogue_v1).count()
    )
    assert "catalogue.draft_created" in _verbs()


def test_new_draft_under_an_existing_code_is_refused(client, office_user, catalogue_v1):
    client.force_login(office_user)
    response = client.post(f"{BASE}new-draft/", {"source": "v1", "code": "v1"})
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors)
    response = client.post(f"{BASE}new-draft/", {"source": "v1", "code": "bad code/"})
    assert "code" in response.context["form"].errors
    assert CatalogueVersion.objects.count() == 1


# --- editing a draft ----------------------------------------------------------------------


def _criterion_post(criterion, **changes):
    data = {
        "code": criterion.code,
        "category": criterion.category_id,
        "title_en": criterion.title_en,
        "title_de": criterion.title_de,
        "text_en": criterion.text_en,
        "text_de": criterion.text_de,
        "obligation": criterion.obligation,
        "applies_to": list(criterion.applies_to),
    }
    for flag in ("justification_required", "evidence_required", "na_allowed"):
        if getattr(criterion, flag):
            data[flag] = "on"
    data.update(changes)
    return data


def test_editing_a_criterion_of_a_draft_saves_and_logs_it(client, office_user, draft_catalogue):
    client.force_login(office_user)
    criterion = draft_catalogue.criteria.get(code="2.1.2")
    url = f"{BASE}versions/draft-9/criteria/{criterion.pk}/"
    assert client.get(url).context["form"]["title_en"].value() == "Preserved identifiers"

    response = client.post(
        url,
        _criterion_post(
            criterion,
            title_en="Identifiers are kept",
            obligation="shall",
            applies_to=["it_service_provider", "it_customer"],
        ),
    )

    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.title_en == "Identifiers are kept"
    assert criterion.obligation == "shall"
    assert criterion.applies_to == ["it_customer", "it_service_provider"]
    (entry,) = _entries("criterion.updated")
    assert entry.actor == office_user
    assert entry.data["before"]["title_en"] == "Preserved identifiers"
    assert entry.data["after"]["title_en"] == "Identifiers are kept"
    assert set(entry.data["after"]) == {"title_en", "obligation", "applies_to"}


def test_saving_an_unchanged_criterion_writes_nothing(client, office_user, draft_catalogue):
    client.force_login(office_user)
    criterion = draft_catalogue.criteria.get(code="2.1.2")
    url = f"{BASE}versions/draft-9/criteria/{criterion.pk}/"
    response = client.post(url, _criterion_post(criterion), follow=True)
    assert "Nothing was changed" in response.content.decode()
    assert _entries("criterion.updated") == []


def test_criterion_form_validates_its_input(client, office_user, draft_catalogue, catalogue_v1):
    client.force_login(office_user)
    criterion = draft_catalogue.criteria.get(code="2.1.2")
    url = f"{BASE}versions/draft-9/criteria/{criterion.pk}/"
    foreign_category = catalogue_v1.categories.first()
    response = client.post(
        url,
        _criterion_post(
            criterion,
            code="2.1.1",
            category=foreign_category.pk,
            text_en="",
            text_de="",
            obligation="must",
            applies_to=[],
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"code", "category", "text_en", "obligation", "applies_to"} <= set(errors)
    criterion.refresh_from_db()
    assert criterion.code == "2.1.2"
    assert _entries("criterion.updated") == []


def test_editing_a_criterion_of_a_published_version_is_refused(client, office_user, catalogue_v1):
    client.force_login(office_user)
    criterion = catalogue_v1.criteria.get(code="2.1.2")
    url = f"{BASE}versions/v1/criteria/{criterion.pk}/"
    before = _snapshot()

    shown = client.get(url, follow=True)
    assert shown.redirect_chain[-1][0] == f"{BASE}versions/v1/"
    assert "cannot be changed" in shown.content.decode()

    response = client.post(url, _criterion_post(criterion, title_en="Sneaky change"))
    assert response.status_code == 200
    assert "cannot be changed" in response.content.decode()
    criterion.refresh_from_db()
    assert criterion.title_en == "Preserved identifiers"
    assert _snapshot() == before


def test_every_edit_of_a_published_version_is_refused_without_a_server_error(
    client, office_user, catalogue_v1
):
    client.force_login(office_user)
    before = _snapshot()
    canonical = catalogue_as_canonical(catalogue_v1)
    criterion = catalogue_v1.criteria.first()
    for method, url in _version_urls(catalogue_v1, criterion):
        if "publish" in url or "retire" in url or "export" in url:
            continue
        data = {
            **_criterion_post(criterion, title_en="Changed"),
            "confirm": "on",
            "title_en": "Changed",
            "should_share_percent": "50",
            "validity_months": "24",
            "surveillance_months": "12",
            "verifies": [criterion.pk],
        }
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302), (method, url, response.status_code)
    assert _snapshot() == before
    assert catalogue_as_canonical(catalogue_v1) == canonical


def test_adding_a_criterion_puts_it_at_the_end_of_its_category(
    client, office_user, draft_catalogue
):
    client.force_login(office_user)
    category = draft_catalogue.categories.get(number="2.4")
    response = client.post(
        f"{BASE}versions/draft-9/criteria/add/",
        {
            "code": "2.4.3",
            "category": category.pk,
            "title_en": "Versioned interfaces",
            "text_en": "Interfaces carry a version number.",
            "obligation": "may",
            "applies_to": ["it_vendor"],
            "evidence_required": "on",
        },
    )
    assert response.status_code == 302
    added = draft_catalogue.criteria.get(code="2.4.3")
    assert added.category == category
    assert added.evidence_required and not added.na_allowed
    assert [c.code for c in category.criteria.order_by("position")] == ["2.4.1", "2.4.2", "2.4.3"]
    assert "criterion.created" in _verbs()


def test_deleting_a_criterion_asks_first_then_deletes_and_logs(
    client, office_user, draft_catalogue
):
    client.force_login(office_user)
    criterion = draft_catalogue.criteria.get(code="2.4.1")
    url = f"{BASE}versions/draft-9/criteria/{criterion.pk}/delete/"
    response = client.get(url)
    # The assessment criteria that lose their link; P-2.4.1 verified nothing else.
    orphaned = {a.code: a.links == 1 for a in response.context["verified_by"]}
    assert orphaned == {"O-1.1": False, "P-2.4.1": True}
    assert "verifies no CPO criterion afterwards" in response.content.decode()

    assert client.post(url, {}).status_code == 200
    assert Criterion.objects.filter(pk=criterion.pk).exists()

    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert not Criterion.objects.filter(pk=criterion.pk).exists()
    assert "criterion.deleted" in _verbs()


def test_editing_a_category_saves_titles_and_description(client, office_user, draft_catalogue):
    client.force_login(office_user)
    category = draft_catalogue.categories.get(number="2.3")
    url = f"{BASE}versions/draft-9/categories/{category.pk}/"
    data = {
        "title_en": "Extensibility",
        "title_de": "Erweiterbarkeit",
        "description_en": "How customers extend the system.",
        "description_de": "",
    }
    assert client.post(url, data).status_code == 302
    category.refresh_from_db()
    assert category.description_en == "How customers extend the system."
    assert category.description_de == ""
    assert "category.updated" in _verbs()

    response = client.post(url, {**data, "title_en": "", "title_de": ""})
    assert response.status_code == 200
    assert "title_en" in response.context["form"].errors


def test_edit_forms_offer_only_the_version_languages(client, office_user, english_only_catalogue):
    client.force_login(office_user)
    draft = catalogue_create_draft(source=english_only_catalogue, code="en-2", by=office_user)
    criterion = draft.criteria.first()
    form = client.get(f"{BASE}versions/en-2/criteria/{criterion.pk}/").context["form"]
    assert "title_en" in form.fields
    assert "title_de" not in form.fields


# --- export -------------------------------------------------------------------------------


def test_yaml_and_json_exports_are_the_canonical_catalogue(client, office_user, catalogue_v1):
    client.force_login(office_user)
    for fmt in ("yaml", "json"):
        response = client.get(f"{BASE}versions/v1/export/{fmt}/")
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="cpo-catalogue-v1.{fmt}"'
        data = parse(response.content, filename=f"export.{fmt}")
        assert data == catalogue_as_canonical(catalogue_v1)


def test_csv_export_has_a_header_and_one_row_per_criterion(client, office_user, catalogue_v1):
    client.force_login(office_user)
    response = client.get(f"{BASE}versions/v1/export/csv/")
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="cpo-criteria-v1.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == CSV_COLUMNS
    assert [r[2] for r in rows[1:]] == [
        c.code for c in catalogue_v1.criteria.order_by("category__position", "position")
    ]
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert first == {
        "version": "v1",
        "category": "2.1",
        "code": "2.1.1",
        "obligation": "shall",
        "applies_to": "it_vendor",
        "title_en": "Neutral exchange formats",
        "title_de": "Neutrale Austauschformate",
        "text_en": "The system exports its product data in an openly documented format.",
        "text_de": "Das System exportiert seine Produktdaten in einem offen dokumentierten Format.",
    }


def test_csv_export_neutralises_a_cell_that_starts_like_a_formula(client, office_user):
    # A spreadsheet runs "=…" (and "+", "-", "@") as a formula: the export makes it text.
    payload = catalogue_payload("formula-1")
    criterion_entry(payload, "2.1.1")["title"]["en"] = '=HYPERLINK("https://evil.example","x")'
    criterion_entry(payload, "2.1.2")["text"]["de"] = "@SUM(A1:A2)"
    import_catalogue(payload)
    client.force_login(office_user)
    response = client.get(f"{BASE}versions/formula-1/export/csv/")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_code = {row[2]: dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_code["2.1.1"]["title_en"] == '\'=HYPERLINK("https://evil.example","x")'
    assert by_code["2.1.2"]["text_de"] == "'@SUM(A1:A2)"
    assert by_code["2.1.1"]["title_de"] == "Neutrale Austauschformate"  # plain text untouched


def test_csv_export_of_500_criteria_uses_a_bounded_number_of_queries(
    client, office_user, big_catalogue, django_assert_max_num_queries
):
    client.force_login(office_user)
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}versions/{big_catalogue.code}/export/csv/")
        body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 + 504
    assert rows[-1][1] == "2.7"


def test_export_of_a_draft_imports_again_unchanged(client, office_user, draft_catalogue):
    client.force_login(office_user)
    exported = client.get(f"{BASE}versions/draft-9/export/yaml/").content
    before = _snapshot()
    upload = SimpleUploadedFile("draft-9.yaml", exported)
    response = client.post(f"{BASE}import/", {"file": upload}, follow=True)
    assert "unchanged" in response.content.decode()
    assert _snapshot() == before


def test_export_after_editing_round_trips_under_a_new_code(client, office_user, draft_catalogue):
    client.force_login(office_user)
    criterion = draft_catalogue.criteria.get(code="2.2.1")
    client.post(
        f"{BASE}versions/draft-9/criteria/{criterion.pk}/",
        _criterion_post(criterion, title_en="Edited title"),
    )
    data = yaml.safe_load(client.get(f"{BASE}versions/draft-9/export/yaml/").content)
    renamed = copy.deepcopy(data)
    renamed["version"] = "draft-10"
    client.post(f"{BASE}import/", {"file": _upload(renamed)})
    again = catalogue_as_canonical(CatalogueVersion.objects.get(code="draft-10"))
    assert again == renamed
    assert criterion_entry(again, "2.2.1")["title"]["en"] == "Edited title"

"""The public catalogue pages: versions, one version, one criterion, the schemes, the diff."""

import re

import pytest

from criteria.services.catalogue import catalogue_retire
from tests.criteria.helpers import (
    big_payload,
    catalogue_payload,
    criterion_entry,
    import_catalogue,
)

pytestmark = pytest.mark.django_db

DEMO_NOTICE = "Illustrative demo catalogue — not the official DIN SPEC 91372 text"


def html(response) -> str:
    return response.content.decode()


def main(response) -> str:
    return html(response).split("<main", 1)[1].split("</main>", 1)[0]


def articles(response) -> list[str]:
    """Criterion codes on a catalogue page, in page order."""
    return re.findall(r'<article class="criterion[^"]*" id="c-([^"]+)"', html(response))


def version_pages(code: str) -> list[str]:
    return [
        f"/criteria/{code}/",
        f"/criteria/{code}/2.4.1/",
        f"/criteria/{code}/schemes/organizational/",
        f"/criteria/{code}/schemes/product/",
    ]


# --- Every page, both languages ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/criteria/",
        "/criteria/versions/",
        "/criteria/diff/",
        "/criteria/diff/?from=v1&to=v2",
        *version_pages("v1"),
    ],
)
def test_every_page_answers_in_english(client, catalogue_v2, path):
    response = client.get(path)
    assert response.status_code == 200
    assert '<html lang="en">' in html(response)
    assert "<main" in html(response)
    assert html(response).count("<h1") == 1


@pytest.mark.parametrize(
    ("path", "german_content"),
    [
        ("/criteria/", "Neutrale Austauschformate"),
        ("/criteria/versions/", "Katalog v2"),
        ("/criteria/diff/?from=v1&to=v2", "Austauschbare Komponenten"),
        ("/criteria/v1/", "Dokumentierte Schnittstellen"),
        ("/criteria/v1/2.4.1/", "Angebotene Schnittstellen sind verständlich dokumentiert"),
        ("/criteria/v1/schemes/organizational/", "Kundenorientierung"),
        ("/criteria/v1/schemes/product/", "Prüfe Dokumentierte Schnittstellen"),
    ],
)
def test_every_page_answers_in_german_with_german_content(
    client, catalogue_v2, path, german_content
):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    assert '<html lang="de">' in html(response)
    assert german_content in html(response)


# --- The catalogue ------------------------------------------------------------------------


def test_criteria_root_shows_the_newest_published_version(client, catalogue_v2):
    response = client.get("/criteria/")
    assert response.status_code == 200
    assert "Catalogue version v2" in html(response)
    assert "Replaceable components" in html(response)
    assert "Modular architecture" not in html(response)  # removed in v2
    assert '<link rel="canonical" href="/criteria/v2/">' in html(response)


def test_criteria_root_without_a_published_version_says_so(client, draft_catalogue):
    response = client.get("/criteria/")
    assert response.status_code == 200
    assert "No version of the criteria catalogue is in force" in html(response)
    assert "Secret draft title" not in html(response)
    assert "/criteria/versions/" not in main(response)


def test_criteria_root_with_only_retired_versions_links_to_them(client, retired_catalogue):
    response = client.get("/criteria/")
    assert "No version of the criteria catalogue is in force" in html(response)
    assert "See earlier, retired versions" in html(response)


def test_catalogue_lists_the_seven_categories_in_order_with_descriptions(client, catalogue_v1):
    page = html(client.get("/criteria/v1/"))
    headings = re.findall(
        r'<h2 id="cat-[^"]+-title"><span class="code">([^<]+)</span> ([^<]+)</h2>', page
    )
    assert headings == [
        ("2.1", "Interoperability"),
        ("2.2", "Infrastructure"),
        ("2.3", "Extensibility"),
        ("2.4", "Interfaces"),
        ("2.5", "Standards"),
        ("2.6", "Architecture"),
        ("2.7", "Partnership"),
    ]
    assert "About interoperability." in page


def test_catalogue_shows_each_criterion_with_text_groups_flags_and_permalink(client, catalogue_v1):
    response = client.get("/criteria/v1/")
    page = html(response)
    assert articles(response) == [
        "2.1.1",
        "2.1.2",
        "2.2.1",
        "2.3.1",
        "2.4.1",
        "2.4.2",
        "2.5.1",
        "2.6.1",
        "2.7.1",
    ]
    article = page.split('id="c-2.4.1"')[1].split("</article>")[0]
    assert 'href="/criteria/v1/2.4.1/"' in article
    assert "Offered interfaces are documented understandably and maintained regularly." in article
    assert "IT vendor, IT service provider" in article
    assert "Evidence required" in article
    assert "O-1.1" in article  # verified by
    assert 'href="/criteria/v1/schemes/organizational/#ac-O-1.1"' in article


def test_obligations_differ_in_wording_and_colour(client, catalogue_v1):
    page = html(client.get("/criteria/v1/"))
    assert '<span class="badge badge-obligation badge-shall" title="mandatory">SHALL' in page
    assert '<span class="badge badge-obligation badge-should" title="desired">SHOULD' in page
    assert '<span class="badge badge-obligation badge-may" title="optional">MAY' in page


def test_catalogue_counts_per_obligation_and_category(client, catalogue_v1):
    response = client.get("/criteria/v1/")
    assert response.context["totals"] == {"shall": 4, "should": 3, "may": 2}
    assert response.context["total"] == 9
    interfaces = response.context["blocks"][3]
    assert interfaces.category.number == "2.4"
    assert interfaces.counts == {"shall": 1, "should": 1, "may": 0}
    page = html(response)
    assert re.search(r'<strong class="count">4</strong>\s*<span class="badge[^"]*badge-shall', page)
    assert "9 of 9 criteria" in page


def test_catalogue_links_both_schemes_and_the_versions(client, catalogue_v1):
    page = html(client.get("/criteria/v1/"))
    assert 'href="/criteria/v1/schemes/organizational/"' in page
    assert 'href="/criteria/v1/schemes/product/"' in page
    assert 'href="/criteria/versions/"' in page


def test_catalogue_without_schemes_does_not_link_them(client, db):
    payload = catalogue_payload("bare")
    payload["schemes"] = []
    import_catalogue(payload)
    page = html(client.get("/criteria/bare/"))
    assert "/schemes/" not in page


# --- Filters and search -------------------------------------------------------------------


def test_filter_by_obligation(client, catalogue_v1):
    response = client.get("/criteria/v1/", {"obligation": "may"})
    assert articles(response) == ["2.2.1", "2.6.1"]
    assert "2 of 9 criteria" in html(response)
    # Counts stay those of the whole catalogue; the select keeps the choice.
    assert response.context["totals"]["shall"] == 4
    assert '<option value="may" selected>' in html(response)


def test_filter_by_group(client, catalogue_v1):
    response = client.get("/criteria/v1/", {"group": "it_customer"})
    assert articles(response) == ["2.2.1", "2.5.1", "2.7.1"]


def test_filters_combine(client, catalogue_v1):
    response = client.get("/criteria/v1/", {"group": "it_vendor", "obligation": "should"})
    assert articles(response) == ["2.1.2", "2.4.2", "2.5.1"]


def test_search_finds_english_text(client, catalogue_v1):
    response = client.get("/criteria/v1/", {"q": "development environment"})
    assert articles(response) == ["2.3.1"]
    assert "1 of 9 criteria" in html(response)


def test_search_finds_german_text_whatever_the_page_language(client, catalogue_v1):
    for language in ("en", "de"):
        response = client.get("/criteria/v1/", {"q": "Kennungen"}, HTTP_ACCEPT_LANGUAGE=language)
        assert articles(response) == ["2.1.2"]


def test_search_by_code(client, catalogue_v1):
    assert articles(client.get("/criteria/v1/", {"q": "2.7.1"})) == ["2.7.1"]


def test_search_without_results_keeps_the_categories(client, catalogue_v1):
    response = client.get("/criteria/v1/", {"q": "nothing-like-this"})
    assert articles(response) == []
    assert "0 of 9 criteria" in html(response)
    assert html(response).count("No criteria in this category match the filter.") == 7
    assert 'href="/criteria/v1/"' in html(response)  # "Show all"


def test_a_bad_filter_value_is_ignored_and_explained(client, catalogue_v1):
    response = client.get("/criteria/v1/", {"obligation": "must", "group": "aliens"})
    assert response.status_code == 200
    assert len(articles(response)) == 9
    assert "Select a valid choice" in html(response)


def test_filter_form_is_labelled_and_works_without_javascript(client, catalogue_v1):
    page = html(client.get("/criteria/v1/"))
    form = page.split('<form class="filter-form" method="get"')[1].split("</form>")[0]
    for name in ("q", "obligation", "group"):
        assert f'<label for="id_{name}">' in form
        assert f'name="{name}"' in form
    assert 'type="submit"' in form


# --- Drafts, unknown versions, retired versions --------------------------------------------


@pytest.mark.parametrize("path", version_pages("draft-9"))
def test_drafts_are_404_on_every_public_page(client, draft_catalogue, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Secret draft title" not in html(response)


@pytest.mark.parametrize("path", version_pages("draft-9"))
def test_drafts_are_404_even_for_the_office(client, draft_catalogue, office_user, path):
    client.force_login(office_user)
    assert client.get(path).status_code == 404


def test_drafts_are_not_listed_among_the_versions(client, catalogue_v1, draft_catalogue):
    page = html(client.get("/criteria/versions/"))
    assert "draft-9" not in page
    assert "v1" in page


@pytest.mark.parametrize(
    "path",
    [
        "/criteria/v9/",
        "/criteria/v9/2.1.1/",
        "/criteria/v1/9.9.9/",
        "/criteria/v1/schemes/financial/",
        "/criteria/v1/schemes/organizational/extra/",
        "/criteria/-bad-/",
    ],
)
def test_unknown_versions_criteria_and_schemes_are_404(client, catalogue_v1, path):
    assert client.get(path).status_code == 404


def test_versions_and_diff_are_never_read_as_version_codes(client, catalogue_v1):
    assert client.get("/criteria/versions/").resolver_match.url_name == "versions"
    assert client.get("/criteria/diff/").resolver_match.url_name == "diff"


@pytest.mark.parametrize("path", version_pages("old-0.9"))
def test_retired_version_stays_public_with_a_banner(client, retired_catalogue, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "This version is retired." in html(response)
    assert 'href="/criteria/"' in html(response)


def test_published_version_has_no_retired_banner(client, catalogue_v1):
    assert "This version is retired." not in html(client.get("/criteria/v1/"))


# --- Demo label and languages -------------------------------------------------------------


@pytest.mark.parametrize("path", version_pages("demo-t"))
def test_demo_catalogue_is_labelled_on_every_page(client, demo_catalogue, path):
    page = html(client.get(path))
    assert DEMO_NOTICE in page
    assert "Notes on demo-t." in page


def test_demo_label_on_the_root_page_and_the_diff(client, demo_catalogue):
    payload = catalogue_payload("demo-u", demo=True)
    criterion_entry(payload, "2.1.1")["obligation"] = "should"
    import_catalogue(payload)
    assert DEMO_NOTICE in html(client.get("/criteria/"))
    assert DEMO_NOTICE in html(client.get("/criteria/diff/?from=demo-t&to=demo-u"))


def test_the_real_demo_catalogue_is_labelled(client, db):
    from criteria.demo import demo_catalogue_data

    import_catalogue(demo_catalogue_data())
    page = html(client.get("/criteria/"))
    assert DEMO_NOTICE in page
    assert "not the official text of DIN SPEC 91372" in page  # the version's notes


def test_an_official_catalogue_carries_no_demo_label(client, catalogue_v1):
    for path in version_pages("v1"):
        assert DEMO_NOTICE not in html(client.get(path))


@pytest.mark.parametrize("path", version_pages("en-1"))
def test_one_language_catalogue_in_german_marks_the_language(client, english_only_catalogue, path):
    page = html(client.get(path, HTTP_ACCEPT_LANGUAGE="de"))
    assert '<html lang="de">' in page
    assert page.count('class="alert notice-language"') == 1
    note = page.split('class="alert notice-language"')[1].split("</p>")[0]
    assert "Englisch" in note  # "This catalogue is available in English only."
    assert re.search(
        r'lang="en"[^>]*>[^<]*(Offered interfaces|Documented interfaces|Customer)', page
    )


def test_one_language_catalogue_in_its_own_language_needs_no_note(client, english_only_catalogue):
    page = main(client.get("/criteria/en-1/"))
    assert "notice-language" not in page
    assert ' lang="en"' not in page


def test_bilingual_catalogue_needs_no_language_marks(client, catalogue_v1):
    page = main(client.get("/criteria/v1/", HTTP_ACCEPT_LANGUAGE="de"))
    assert "notice-language" not in page
    assert ' lang="en"' not in page


# --- One criterion and the mapping, both ways ----------------------------------------------


def test_criterion_page_shows_all_fields(client, catalogue_v1):
    response = client.get("/criteria/v1/2.4.1/")
    page = html(response)
    assert '<h1><span class="code">2.4.1</span> Documented interfaces</h1>' in page
    assert "Offered interfaces are documented understandably and maintained regularly." in page
    assert "badge-shall" in page
    assert "IT vendor, IT service provider" in page
    assert 'href="/criteria/v1/#cat-2.4"' in page
    assert "http://testserver/criteria/v1/2.4.1/" in page  # the permanent link


def test_criterion_page_lists_verifying_assessment_criteria_grouped_by_scheme(client, catalogue_v1):
    response = client.get("/criteria/v1/2.4.1/")
    groups = response.context["verified_by"]
    assert [(g.kind, [ac.code for ac in g.criteria]) for g in groups] == [
        ("organizational", ["O-1.1"]),
        ("product", ["P-2.4.1"]),
    ]
    page = html(response)
    organizational = page.index("Organizational assessment scheme</h3>")
    product = page.index("Product assessment scheme</h3>")
    assert organizational < page.index("O-1.1</span> Check management") < product
    assert 'href="/criteria/v1/schemes/organizational/#ac-O-1.1"' in page
    assert 'href="/criteria/v1/schemes/product/#ac-P-2.4.1"' in page


def test_criterion_without_verifiers_says_so(client, db):
    payload = catalogue_payload("nomap")
    payload["schemes"] = []
    import_catalogue(payload)
    page = html(client.get("/criteria/nomap/2.1.1/"))
    assert "No assessment criterion of this version verifies this criterion." in page


# --- Versions ------------------------------------------------------------------------------


def test_versions_page_lists_public_versions_with_status_date_and_count(
    client, catalogue_v2, retired_catalogue
):
    response = client.get("/criteria/versions/")
    page = html(response)
    rows = re.findall(r'<th scope="row"[^>]*><a href="/criteria/([^/]+)/">', page)
    assert rows == ["old-0.9", "v2", "v1"]  # newest publication first
    v2 = page.split('href="/criteria/v2/"')[1].split("</tr>")[0]
    assert "badge-current" in v2
    assert '<td data-label="Criteria" class="num">9</td>' in v2
    old = page.split('href="/criteria/old-0.9/"')[1].split("</tr>")[0]
    assert "badge-retired" in old


def test_versions_page_offers_the_diff_form_preset_to_the_last_change(client, catalogue_v2):
    page = html(client.get("/criteria/versions/"))
    form = page.split('action="/criteria/diff/"')[1].split("</form>")[0]
    assert '<label for="id_from">From' in form
    assert '<option value="v1" selected>' in form.split('name="to"')[0]
    assert '<option value="v2" selected>' in form.split('name="to"')[1]


def test_versions_page_queries_are_bounded(client, django_assert_max_num_queries, catalogue_v1):
    for i in range(10):
        import_catalogue(catalogue_payload(f"extra-{i}"))
    with django_assert_max_num_queries(6):
        response = client.get("/criteria/versions/")
    assert response.status_code == 200


def test_versions_page_with_one_version_explains_the_diff_needs_two(client, catalogue_v1):
    assert "A comparison needs at least two published versions." in html(
        client.get("/criteria/versions/")
    )


# --- Diff ---------------------------------------------------------------------------------


def test_diff_summarizes_and_lists_added_removed_and_changed(client, catalogue_v2):
    response = client.get("/criteria/diff/", {"from": "v1", "to": "v2"})
    assert response.status_code == 200
    assert response.context["summary"] == {
        "added": 1,
        "removed": 1,
        "changed": 2,
        "reworded": 1,
        "obligation_changed": 1,
        "unchanged": 6,
    }
    page = html(response)
    added = page.split('id="added"')[1].split("</section>")[0]
    assert 'href="/criteria/v2/2.6.2/"' in added and "Replaceable components" in added
    removed = page.split('id="removed"')[1].split("</section>")[0]
    assert 'href="/criteria/v1/2.6.1/"' in removed and "Modular architecture" in removed
    assert "<del>" in removed and "<ins>" in added


def test_diff_shows_rewording_word_by_word(client, catalogue_v2):
    page = html(client.get("/criteria/diff/", {"from": "v1", "to": "v2"}))
    change = page.split('id="change-2.1.2"')[1].split("</article>")[0]
    assert "Exchanged objects keep their identifiers" in change
    assert '<ins><span class="visually-hidden">added: </span>, versions</ins>' in change
    assert '<del><span class="visually-hidden">removed: </span>versions</del>' in change
    assert '<ins><span class="visually-hidden">added: </span>relationships</ins>' in change


def test_diff_highlights_obligation_changes_first(client, catalogue_v2):
    page = html(client.get("/criteria/diff/", {"from": "v1", "to": "v2"}))
    section = page.split('id="obligation-changes"')[1].split("</section>")[0]
    assert 'id="change-2.4.2"' in section
    assert 'id="change-2.1.2"' not in section  # reworded only: listed under other changes
    change = section.split('id="change-2.4.2"')[1].split("</article>")[0]
    assert "obligation-raised" in change
    assert re.search(r"badge-should.*→.*badge-shall", change, re.S)
    assert "Obligation changed from" in change
    assert "more binding" in change
    assert page.index('id="obligation-changes"') < page.index('id="added"')
    assert page.index('id="obligation-changes"') < page.index('id="changed"')


def test_diff_shows_a_lowered_obligation(client, catalogue_v1):
    payload = catalogue_payload("v1b")
    criterion_entry(payload, "2.7.1")["obligation"] = "may"
    import_catalogue(payload)
    page = html(client.get("/criteria/diff/", {"from": "v1", "to": "v1b"}))
    change = page.split('id="change-2.7.1"')[1].split("</article>")[0]
    assert "obligation-lowered" in change and "less binding" in change


def test_diff_shows_moved_criteria_and_changed_groups(client, catalogue_v1):
    payload = catalogue_payload("v1c")
    moved = criterion_entry(payload, "2.4.2")
    moved["applies_to"] = ["it_customer", "it_vendor"]
    payload["categories"][3]["criteria"].remove(moved)
    payload["categories"][2]["criteria"].append(moved)
    import_catalogue(payload)
    page = html(client.get("/criteria/diff/", {"from": "v1", "to": "v1c"}))
    change = page.split('id="change-2.4.2"')[1].split("</article>")[0]
    assert re.search(r"<del>.*2\.4 Interfaces</del> → <ins>.*2\.3 Extensibility</ins>", change)
    assert "IT customer, IT vendor</ins>" in change


def test_diff_in_german_shows_the_german_wording_first(client, catalogue_v2):
    page = html(
        client.get("/criteria/diff/", {"from": "v1", "to": "v2"}, HTTP_ACCEPT_LANGUAGE="de")
    )
    change = page.split('id="change-2.1.2"')[1].split("</article>")[0]
    assert change.index('lang="de"') < change.index("<details>")
    assert '<ins><span class="visually-hidden">hinzugefügt: </span>Beziehungen</ins>' in change


def test_diff_form_without_parameters(client, catalogue_v2):
    response = client.get("/criteria/diff/")
    assert response.status_code == 200
    assert "Choose two published versions" in html(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "v1"}, "Choose a version."),
        ({"to": "v2"}, "Choose a version."),
        ({"from": "v1", "to": "nope"}, "There is no published catalogue version “nope”."),
        ({"from": "draft-9", "to": "v2"}, "There is no published catalogue version “draft-9”."),
        ({"from": "v2", "to": "v2"}, "Choose two different versions."),
        ({"from": "", "to": ""}, "Choose a version."),
        ({"from": "x" * 500, "to": "v2"}, "There is no published catalogue version"),
        ({"page": "2"}, "Choose a version."),
    ],
)
def test_bad_diff_parameters_are_a_400_with_the_form_again(
    client, catalogue_v2, draft_catalogue, query, message
):
    response = client.get("/criteria/diff/", query)
    assert response.status_code == 400
    page = html(response)
    assert message in page
    assert "These versions cannot be compared." in page
    assert 'action="/criteria/diff/"' in page
    assert "Secret draft title" not in page
    assert '<option value="draft-9"' not in page


def test_diff_of_identical_texts_reports_no_changes(client, catalogue_v1):
    import_catalogue(catalogue_payload("v1-copy"))
    response = client.get("/criteria/diff/", {"from": "v1", "to": "v1-copy"})
    assert response.context["summary"]["unchanged"] == 9
    assert "No criterion changed its obligation." in html(response)
    assert "No criterion was added." in html(response)


def test_diff_can_go_backwards(client, catalogue_v2):
    response = client.get("/criteria/diff/", {"from": "v2", "to": "v1"})
    assert [c.code for c in response.context["diff"].added] == ["2.6.1"]
    assert "less binding" in html(response)


# --- Queries and caching ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query", [{}, {"obligation": "shall"}, {"group": "it_vendor", "q": "requirement 7"}]
)
def test_catalogue_page_queries_do_not_grow_with_the_catalogue(
    client, big_catalogue, django_assert_max_num_queries, query
):
    with django_assert_max_num_queries(9):
        response = client.get("/criteria/big-1/", query)
    assert response.status_code == 200
    assert response.context["total"] == 504


def test_current_catalogue_queries_are_bounded(
    client, big_catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9):
        response = client.get("/criteria/")
    assert len(articles(response)) == 504


def test_scheme_and_criterion_pages_queries_are_bounded(
    client, big_catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        assert client.get("/criteria/big-1/schemes/product/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/criteria/big-1/2.3.5/").status_code == 200


def test_diff_page_queries_are_bounded(client, big_catalogue, django_assert_max_num_queries):
    import_catalogue(big_payload("big-2", changed_every=5))
    with django_assert_max_num_queries(6):
        response = client.get("/criteria/diff/", {"from": "big-1", "to": "big-2"})
    assert response.status_code == 200
    assert response.context["summary"]["changed"] == 100


def test_visitors_may_cache_public_pages(client, catalogue_v1):
    response = client.get("/criteria/v1/")
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert "Cookie" in response["Vary"] and "Accept-Language" in response["Vary"]


def test_signed_in_pages_are_not_publicly_cacheable(client, catalogue_v1, alice):
    client.force_login(alice)
    response = client.get("/criteria/v1/")
    assert "public" not in response.get("Cache-Control", "")


def test_errors_are_not_cached(client, catalogue_v1):
    assert not client.get("/criteria/v9/").has_header("Cache-Control")
    assert not client.get("/criteria/diff/", {"from": "v1"}).has_header("Cache-Control")


def test_retiring_makes_the_previous_version_current_again(client, catalogue_v2):
    catalogue_retire(version=catalogue_v2, by=None)
    page = html(client.get("/criteria/"))
    assert "Catalogue version v1" in page

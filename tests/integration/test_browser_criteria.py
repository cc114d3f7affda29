"""Read the catalogue in a real Chromium: filter it, open a criterion, compare two versions."""

import re

import pytest
from playwright.sync_api import expect

from tests.criteria.helpers import catalogue_payload, import_catalogue, successor_payload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHALL_RED = "rgb(143, 29, 33)"  # --badge-shall / the obligation-change frame in portal.css


@pytest.fixture
def two_versions():
    import_catalogue(catalogue_payload("v1"))
    return import_catalogue(successor_payload("v2"))


def test_filter_the_catalogue_open_a_criterion_and_compare_versions(
    live_server, page, two_versions
):
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/criteria/")

    expect(page.locator("h1")).to_have_text("Catalogue v2")
    expect(page.locator(".result-count")).to_have_text("9 of 9 criteria")
    expect(page.locator("section.category-block h2")).to_have_count(7)
    page.screenshot(path="/tmp/criteria-catalogue.png", full_page=True)

    # The filter is a plain GET form: choose, submit, read the result.
    page.get_by_label("Obligation").select_option("may")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/criteria/\?(.*&)?obligation=may"))
    expect(page.locator(".result-count")).to_have_text("1 of 9 criteria")
    expect(page.locator("article.criterion")).to_have_count(1)
    expect(page.locator("article.criterion .badge-may")).to_contain_text("MAY")
    expect(page.get_by_label("Obligation")).to_have_value("may")

    # Each criterion links to its permalink, which shows the mapping to the schemes.
    page.get_by_role("link", name=re.compile(r"2\.2\.1\s+Documented operating environment")).click()
    expect(page).to_have_url(f"{live_server.url}/criteria/v2/2.2.1/")
    expect(page.locator("h1")).to_contain_text("Documented operating environment")
    verified = page.locator("section", has=page.locator("#verified-title"))
    expect(verified.get_by_role("link", name=re.compile("P-2.2.1"))).to_have_attribute(
        "href", "/criteria/v2/schemes/product/#ac-P-2.2.1"
    )

    # The versions page offers a comparison, preset to the previous and the newest version.
    page.get_by_role("link", name="All versions and changes").click()
    expect(page).to_have_url(f"{live_server.url}/criteria/versions/")
    expect(page.get_by_label("From")).to_have_value("v1")
    expect(page.get_by_label("To")).to_have_value("v2")
    page.get_by_role("button", name="Show changes").click()
    expect(page).to_have_url(re.compile(r"/criteria/diff/\?from=v1&to=v2$"))
    expect(page.locator("h1")).to_have_text("Changes from v1 to v2")

    # The obligation change comes first, framed, with both badges and the direction.
    obligations = page.locator("#obligation-changes")
    change = obligations.locator('[id="change-2.4.2"]')
    expect(change.locator(".obligation-change")).to_contain_text("SHOULD")
    expect(change.locator(".obligation-change")).to_contain_text("SHALL")
    expect(change.locator(".obligation-change")).to_contain_text("more binding")
    assert obligations.evaluate("el => getComputedStyle(el).borderTopColor") == SHALL_RED
    first_section = page.locator("section.diff-section").first
    expect(first_section).to_have_id("obligation-changes")

    # Rewording is shown word by word, marked for sight and for screen readers.
    reworded = page.locator('[id="change-2.1.2"]')
    expect(reworded.locator("ins").first).to_have_text("added: , versions")
    expect(reworded.locator("del").first).to_have_text("removed: versions")
    expect(page.locator("#added")).to_contain_text("Replaceable components")
    expect(page.locator("#removed")).to_contain_text("Modular architecture")
    page.screenshot(path="/tmp/criteria-diff.png", full_page=True)


def test_the_catalogue_reads_without_javascript(live_server, browser, two_versions):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/criteria/v1/?group=it_customer")
        expect(page.locator(".result-count")).to_have_text("3 of 9 criteria")
        page.get_by_label("Search").fill("Kennungen")
        page.get_by_label("Applies to").select_option("")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("article.criterion")).to_have_count(1)
        expect(page.locator("article.criterion h3")).to_contain_text("2.1.2")
    finally:
        context.close()

"""The assessment schemes' pages: a public version's schemes; the office's scheme and
mapping forms."""

import re
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from criteria.models import AssessmentCriterion
from tests.criteria.helpers import catalogue_payload, import_catalogue

BASE = "/office/criteria/"


def _verbs():
    with scopes_disabled():
        return list(ActivityEntry.objects.values_list("verb", flat=True))


def _entries(verb):
    with scopes_disabled():
        return list(ActivityEntry.objects.filter(verb=verb))


pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_scheme_missing_from_a_version_is_404(client, db):
    payload = catalogue_payload("org-only")
    payload["schemes"] = payload["schemes"][:1]
    import_catalogue(payload)
    assert client.get("/criteria/org-only/schemes/organizational/").status_code == 200
    assert client.get("/criteria/org-only/schemes/product/").status_code == 404


def test_organizational_scheme_shows_pass_rule_and_the_eight_areas_in_order(client, catalogue_v1):
    page = html(client.get("/criteria/v1/schemes/organizational/"))
    assert "75%" in page
    assert "36 months" in page
    assert "every 12 months" in page
    areas = re.findall(r'<h2 id="area-[^"]+-title">\s*<span class="code">([^<]+)</span>', page)
    assert areas == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert "Organizational measures to provide for modularization" in page


def test_scheme_lists_the_cpo_criteria_each_assessment_criterion_verifies(client, catalogue_v1):
    page = html(client.get("/criteria/v1/schemes/organizational/"))
    article = page.split('id="ac-O-1.1"')[1].split("</article>")[0]
    assert "The organization shows management." in article
    assert 'href="/criteria/v1/2.4.1/"' in article
    assert 'href="/criteria/v1/2.7.1/"' in article
    assert "badge-shall" in article


def test_product_scheme_areas_are_the_cpo_categories(client, catalogue_v1):
    page = html(client.get("/criteria/v1/schemes/product/"))
    areas = re.findall(
        r'<h2 id="area-[^"]+-title">\s*<span class="code">([^<]+)</span> ([^<]+)', page
    )
    assert [number for number, _title in areas] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"]
    assert areas[3][1].strip() == "Interfaces"
    assert "80%" in page and "24 months" in page


def test_scheme_pages_with_german_percent(client, catalogue_v1):
    page = html(client.get("/criteria/v1/schemes/product/", HTTP_ACCEPT_LANGUAGE="de"))
    assert "Produktschema" in page
    assert "80" in page


def test_editing_a_scheme_takes_the_share_in_percent(client, office_user, draft_catalogue):
    client.force_login(office_user)
    url = f"{BASE}versions/draft-9/schemes/organizational/"
    form = client.get(url).context["form"]
    assert form["should_share_percent"].value() == Decimal(75)
    data = {
        "title_en": "Organizational scheme",
        "title_de": "Organisatorisches Schema",
        "should_share_percent": "80",
        "validity_months": "36",
        "surveillance_months": "6",
    }
    assert client.post(url, data).status_code == 302
    scheme = draft_catalogue.schemes.get(kind="organizational")
    assert scheme.should_share == Decimal("0.80")
    assert scheme.surveillance_months == 6
    (entry,) = _entries("scheme.updated")
    assert entry.data["after"] == {"should_share": "0.80", "surveillance_months": "6"}


def test_scheme_form_refuses_impossible_pass_rules(client, office_user, draft_catalogue):
    client.force_login(office_user)
    url = f"{BASE}versions/draft-9/schemes/organizational/"
    response = client.post(
        url,
        {
            "title_en": "Organizational scheme",
            "should_share_percent": "150",
            "validity_months": "12",
            "surveillance_months": "24",
        },
    )
    assert response.status_code == 200
    assert {"should_share_percent", "surveillance_months"} <= set(response.context["form"].errors)
    assert draft_catalogue.schemes.get(kind="organizational").should_share == Decimal("0.75")


def test_editing_a_mapping_sets_the_verified_criteria(
    client, office_user, draft_catalogue, catalogue_v1
):
    client.force_login(office_user)
    assessment = AssessmentCriterion.objects.get(scheme__version=draft_catalogue, code="O-2.1")
    url = f"{BASE}versions/draft-9/schemes/organizational/criteria/{assessment.pk}/mapping/"
    wanted = list(draft_catalogue.criteria.filter(code__in=["2.1.1", "2.3.1"]))

    assert client.post(url, {"verifies": [c.pk for c in wanted]}).status_code == 302
    assert {c.code for c in assessment.verifies.all()} == {"2.1.1", "2.3.1"}
    assert "mapping.updated" in _verbs()

    foreign = catalogue_v1.criteria.get(code="2.5.1")
    response = client.post(url, {"verifies": [foreign.pk]})
    assert response.status_code == 200
    assert "verifies" in response.context["form"].errors
    assert {c.code for c in assessment.verifies.all()} == {"2.1.1", "2.3.1"}

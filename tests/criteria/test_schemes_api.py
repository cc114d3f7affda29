"""The public API of the assessment schemes."""

import pytest

pytestmark = pytest.mark.django_db


BASE = "/api/v1/catalogue"


def test_schemes_with_pass_rules_areas_and_mapping(api, catalogue_v1):
    body = api.get(f"{BASE}/versions/v1/schemes/").json()
    assert [s["kind"] for s in body] == ["organizational", "product"]
    organizational, product = body
    assert organizational["pass_rule"] == {
        "should_share": 0.75,
        "validity_months": 36,
        "surveillance_months": 12,
    }
    assert [a["number"] for a in organizational["subject_areas"]] == [str(n) for n in range(1, 9)]
    assert organizational["subject_areas"][6]["title"]["en"] == "Customer focus"
    assert organizational["subject_areas"][0]["category"] is None
    first = organizational["subject_areas"][0]["criteria"][0]
    assert first["code"] == "O-1.1"
    assert first["verifies"] == ["2.4.1", "2.7.1"]
    assert product["pass_rule"]["should_share"] == 0.8
    area = product["subject_areas"][3]
    assert (area["category"], area["title"]["de"]) == ("2.4", "Schnittstellen")
    assert [ac["verifies"] for ac in area["criteria"]] == [["2.4.1"], ["2.4.2"]]

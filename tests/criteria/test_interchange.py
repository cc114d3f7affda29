"""The interchange format: validation refuses a file as a whole; export and import round-trip."""

import json
from typing import Any

import pytest
import yaml

from criteria.interchange import (
    MAX_BYTES,
    CatalogueInvalid,
    ImportError_,
    content_hash,
    dump,
    normalize,
    parse,
)
from criteria.models import CatalogueVersion
from criteria.selectors.catalogue import catalogue_as_canonical
from criteria.services.catalogue import catalogue_import
from tests.criteria.helpers import content_counts, demo_payload, two_category_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(office_user_without_mfa):
    return office_user_without_mfa


@pytest.fixture
def existing(office) -> CatalogueVersion:
    """A draft under the same version code as the payloads: a refused file must not touch it."""
    version, _outcome = catalogue_import(data=two_category_payload("test-1"), by=office)
    return version


@pytest.fixture
def refused(existing, office):
    """Import a payload that must be refused; return its errors after checking nothing changed."""

    def run(payload: dict[str, Any]) -> list[ImportError_]:
        counts = content_counts()
        canonical = catalogue_as_canonical(existing)
        with pytest.raises(CatalogueInvalid) as excinfo:
            catalogue_import(data=payload, by=office)
        assert content_counts() == counts
        assert catalogue_as_canonical(existing) == canonical
        assert CatalogueVersion.objects.get(pk=existing.pk).content_hash == existing.content_hash
        return excinfo.value.errors

    return run


def paths(errors: list[ImportError_]) -> list[str]:
    return [e.path for e in errors]


def only(errors: list[ImportError_]) -> ImportError_:
    assert len(errors) == 1, errors
    return errors[0]


# --- Validation: each error refuses the whole file ----------------------------------------


def test_duplicate_criterion_code_is_reported_at_the_second_occurrence(refused):
    payload = two_category_payload()
    payload["categories"][1]["criteria"][1]["code"] = "2.1.1"

    error = only(refused(payload))

    assert error.path == "categories[1].criteria[1].code"
    assert error.reason == "duplicate code '2.1.1' (also at categories[0].criteria[0])"


def test_duplicate_criterion_code_within_one_category_is_refused(refused):
    payload = two_category_payload()
    payload["categories"][0]["criteria"][1]["code"] = "2.1.1"

    assert paths(refused(payload)) == ["categories[0].criteria[1].code"]


def test_duplicate_assessment_code_is_refused_across_schemes(refused):
    payload = two_category_payload()
    payload["schemes"][1]["subject_areas"][0]["criteria"][0]["code"] = "O-5.1"

    error = only(refused(payload))

    assert error.path == "schemes[1].subject_areas[0].criteria[0].code"
    assert "duplicate code 'O-5.1'" in error.reason
    assert "schemes[0].subject_areas[0].criteria[0]" in error.reason


def test_assessment_code_equal_to_a_criterion_code_is_refused(refused):
    payload = two_category_payload()
    payload["schemes"][0]["subject_areas"][0]["criteria"][0]["code"] = "2.4.2"

    error = only(refused(payload))

    assert error.path == "schemes[0].subject_areas[0].criteria[0].code"
    assert "duplicate code '2.4.2'" in error.reason


def test_unknown_category_in_a_product_area_is_refused(refused):
    payload = two_category_payload()
    payload["schemes"][1]["subject_areas"][0]["category"] = "2.9"

    error = only(refused(payload))

    assert error == ImportError_("schemes[1].subject_areas[0].category", "unknown category '2.9'")


def test_product_area_for_the_same_category_twice_is_refused(refused):
    payload = two_category_payload()
    areas = payload["schemes"][1]["subject_areas"]
    areas.append({**areas[0], "criteria": [{**areas[0]["criteria"][0], "code": "P-2.4.2"}]})

    assert paths(refused(payload)) == ["schemes[1].subject_areas[1].category"]


@pytest.mark.parametrize("obligation", ["must", "SHALL", "", None, 1])
def test_invalid_obligation_is_refused(refused, obligation):
    payload = two_category_payload()
    payload["categories"][0]["criteria"][1]["obligation"] = obligation

    error = only(refused(payload))

    assert error.path == "categories[0].criteria[1].obligation"
    assert error.reason.startswith(f"invalid obligation {obligation!r}")
    assert "shall, should or may" in error.reason


def test_mapping_to_a_missing_criterion_is_reported_at_its_list_position(refused):
    payload = two_category_payload()
    payload["schemes"][0]["subject_areas"][0]["criteria"][0]["verifies"] = ["2.4.1", "2.9.1"]

    error = only(refused(payload))

    assert error.path == "schemes[0].subject_areas[0].criteria[0].verifies[1]"
    assert error.reason == "maps to missing criterion '2.9.1'"


@pytest.mark.parametrize("verifies", [None, [], "2.4.1"])
def test_assessment_criterion_must_verify_at_least_one_criterion(refused, verifies):
    payload = two_category_payload()
    payload["schemes"][0]["subject_areas"][0]["criteria"][0]["verifies"] = verifies

    assert paths(refused(payload)) == ["schemes[0].subject_areas[0].criteria[0].verifies"]


@pytest.mark.parametrize("text", [{}, {"en": "", "de": "   "}, None])
def test_criterion_with_no_text_in_any_language_is_refused(refused, text):
    payload = two_category_payload()
    payload["categories"][0]["criteria"][0]["text"] = text

    error = only(refused(payload))

    assert error == ImportError_("categories[0].criteria[0].text", "has no text in any language")


def test_text_given_as_a_plain_string_is_refused(refused):
    payload = two_category_payload()
    payload["categories"][0]["criteria"][0]["text"] = "The system exports."

    assert paths(refused(payload)) == ["categories[0].criteria[0].text"]


def test_text_in_a_language_not_listed_in_languages_is_refused(refused):
    payload = two_category_payload(languages=("en",))
    payload["categories"][0]["criteria"][0]["text"]["de"] = "Das System exportiert."

    error = only(refused(payload))

    assert error.path == "categories[0].criteria[0].text.de"
    assert "not listed in `languages`" in error.reason


def test_text_in_an_unknown_language_is_refused(refused):
    payload = two_category_payload()
    payload["categories"][0]["title"]["fr"] = "Interopérabilité"

    assert paths(refused(payload)) == ["categories[0].title.fr"]


@pytest.mark.parametrize("languages", [[], ["fr"], ["en", "en"], "en", None])
def test_invalid_languages_list_is_refused(refused, languages):
    payload = two_category_payload()
    payload["languages"] = languages

    assert "languages" in paths(refused(payload))


@pytest.mark.parametrize("fmt", ["cpo-catalogue/2", "", None, "CPO-CATALOGUE/1"])
def test_wrong_format_string_is_refused(refused, fmt):
    payload = two_category_payload()
    payload["format"] = fmt

    error = only(refused(payload))

    assert error == ImportError_("format", "must be 'cpo-catalogue/1'")


@pytest.mark.parametrize("version", ["has space", "a/b", "", "x" * 41, None, "-leading"])
def test_invalid_version_code_is_refused(refused, version):
    payload = two_category_payload()
    payload["version"] = version

    assert paths(refused(payload)) == ["version"]


@pytest.mark.parametrize(
    "applies_to",
    [["it_vendor", "martians"], [], "it_vendor", ["it_vendor", "it_vendor"]],
)
def test_bad_applies_to_is_refused(refused, applies_to):
    payload = two_category_payload()
    payload["categories"][0]["criteria"][0]["applies_to"] = applies_to

    error = only(refused(payload))

    assert error.path == "categories[0].criteria[0].applies_to"
    assert "it_customer, it_vendor, it_service_provider" in error.reason


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ({"should_share": 1.5}, "should_share"),
        ({"should_share": -0.01}, "should_share"),
        ({"should_share": "most"}, "should_share"),
        ({"should_share": True}, "should_share"),
        ({"validity_months": 0}, "validity_months"),
        ({"validity_months": 121}, "validity_months"),
        ({"validity_months": 12.5}, "validity_months"),
        ({"surveillance_months": 0}, "surveillance_months"),
        ({"validity_months": 12, "surveillance_months": 24}, "surveillance_months"),
        ({"should_sahre": 0.5}, "should_sahre"),
    ],
)
def test_pass_rule_out_of_range_is_refused(refused, rule, path):
    payload = two_category_payload()
    payload["schemes"][0]["pass_rule"] = rule

    assert paths(refused(payload)) == [f"schemes[0].pass_rule.{path}"]


def test_unknown_fields_are_refused_at_every_level(refused):
    payload = two_category_payload()
    payload["autor"] = "x"
    payload["categories"][0]["descripton"] = {"en": "x"}
    payload["categories"][0]["criteria"][0]["obligaton"] = "shall"
    payload["schemes"][0]["subject_areas"][0]["criteria"][0]["evidence"] = True
    payload["schemes"][1]["subject_areas"][0]["title"] = {"en": "Not used in product areas"}

    errors = refused(payload)

    assert paths(errors) == [
        "autor",
        "categories[0].descripton",
        "categories[0].criteria[0].obligaton",
        "schemes[0].subject_areas[0].criteria[0].evidence",
        "schemes[1].subject_areas[0].title",
    ]
    assert {e.reason for e in errors} == {"unknown field"}


@pytest.mark.parametrize("field", ["number", "code"])
def test_codes_written_as_numbers_are_refused(refused, field):
    payload = two_category_payload()
    if field == "number":
        payload["categories"][0]["number"] = 2.1
        path = "categories[0].number"
    else:
        payload["categories"][1]["criteria"][1]["code"] = 242
        path = "categories[1].criteria[1].code"

    error = only(refused(payload))

    assert error.path == path
    assert "must be a string" in error.reason


def test_non_boolean_flag_is_refused(refused):
    payload = two_category_payload()
    payload["categories"][0]["criteria"][0]["evidence_required"] = "yes"

    error = only(refused(payload))

    assert error == ImportError_(
        "categories[0].criteria[0].evidence_required", "must be true or false"
    )


def test_second_scheme_of_the_same_kind_is_refused(refused):
    payload = two_category_payload()
    payload["schemes"][1]["kind"] = "organizational"
    payload["schemes"][1]["subject_areas"] = [
        {**payload["schemes"][0]["subject_areas"][0], "criteria": []}
    ]

    assert "schemes[1].kind" in paths(refused(payload))


def test_duplicate_category_number_and_key_are_refused(refused):
    payload = two_category_payload()
    payload["categories"][1]["number"] = "2.1"
    payload["categories"][1]["key"] = "interoperability"

    errors = refused(payload)

    assert paths(errors)[:2] == ["categories[1].number", "categories[1].key"]


def test_missing_numbers_are_reported_once_each_not_as_duplicates(refused):
    payload = two_category_payload()
    del payload["categories"][0]["number"]
    del payload["categories"][1]["number"]
    del payload["schemes"][1]["subject_areas"][0]["category"]
    areas = payload["schemes"][0]["subject_areas"]
    areas.append({**areas[0], "criteria": [{**areas[0]["criteria"][0], "code": "O-5.2"}]})
    del areas[0]["number"]
    del areas[1]["number"]

    errors = refused(payload)

    assert paths(errors) == [
        "categories[0].number",
        "categories[1].number",
        "schemes[0].subject_areas[0].number",
        "schemes[0].subject_areas[1].number",
        "schemes[1].subject_areas[0].category",
    ]
    assert not [e for e in errors if "duplicate" in e.reason or "twice" in e.reason]


def test_multiple_errors_are_reported_together_in_file_order(refused):
    payload = two_category_payload()
    payload["format"] = "cpo-catalogue/0"
    payload["categories"][0]["criteria"][1]["obligation"] = "must"
    payload["categories"][1]["criteria"][1]["text"] = {}
    payload["schemes"][0]["subject_areas"][0]["criteria"][0]["verifies"] = ["2.9.9"]
    payload["schemes"][1]["subject_areas"][0]["category"] = "2.8"

    errors = refused(payload)

    assert paths(errors) == [
        "format",
        "categories[0].criteria[1].obligation",
        "categories[1].criteria[1].text",
        "schemes[0].subject_areas[0].criteria[0].verifies[0]",
        "schemes[1].subject_areas[0].category",
    ]
    message = str(CatalogueInvalid(errors))
    assert message.startswith("format: must be 'cpo-catalogue/1'; categories[0]")


def test_a_new_version_with_an_error_creates_nothing(refused):
    payload = two_category_payload("brand-new")
    payload["categories"][0]["criteria"][0]["obligation"] = "must"

    refused(payload)

    assert not CatalogueVersion.objects.filter(code="brand-new").exists()


# --- parse: the file itself --------------------------------------------------------------


def test_malformed_yaml_is_refused_with_line_and_column():
    text = 'format: cpo-catalogue/1\nversion: "x"\ntitle: {en: "a"\nlanguages: [en]\n'

    with pytest.raises(CatalogueInvalid) as excinfo:
        parse(text)

    error = only(excinfo.value.errors)
    assert error.path == ""
    assert error.reason.startswith("Malformed file (line 4, column 1)")


def test_bad_indentation_is_refused_with_its_line():
    with pytest.raises(CatalogueInvalid, match=r"line 2, column 10"):
        parse("format: cpo-catalogue/1\n  version: x\n")


def test_json_file_is_read_strictly_as_json():
    with pytest.raises(CatalogueInvalid, match="Malformed file"):
        parse("format: cpo-catalogue/1\n", filename="catalogue.json")
    with pytest.raises(CatalogueInvalid, match="line 1 column 9"):
        parse('{"a": 1,}', filename="catalogue.json")
    assert parse('{"a": 1}', filename="catalogue.json") == {"a": 1}


@pytest.mark.parametrize(
    ("text", "filename"),
    [("- a\n- b\n", "c.yaml"), ("just text\n", "c.yaml"), ("", "c.yaml"), ("[]", "c.json")],
)
def test_top_level_that_is_not_a_mapping_is_refused(text, filename):
    with pytest.raises(CatalogueInvalid) as excinfo:
        parse(text, filename=filename)

    assert only(excinfo.value.errors).reason == "The file must contain one mapping (object)."


@pytest.mark.parametrize("as_bytes", [True, False])
def test_file_larger_than_five_megabytes_is_refused(as_bytes):
    text = "# " + "x" * MAX_BYTES + "\nformat: cpo-catalogue/1\n"

    with pytest.raises(CatalogueInvalid) as excinfo:
        parse(text.encode() if as_bytes else text)

    assert only(excinfo.value.errors).reason == "The file is larger than 5 MB."


def test_file_of_exactly_five_megabytes_is_read():
    text = "format: cpo-catalogue/1\n#"
    text += "x" * (MAX_BYTES - len(text))

    assert parse(text.encode()) == {"format": "cpo-catalogue/1"}


def test_non_utf8_bytes_are_refused():
    latin1 = 'format: cpo-catalogue/1\ntitle: {de: "Größe"}\n'.encode("latin-1")

    with pytest.raises(CatalogueInvalid) as excinfo:
        parse(latin1)

    assert only(excinfo.value.errors).reason == "The file is not UTF-8 text."


def test_utf8_bytes_are_decoded():
    data = parse('title: {de: "Schnittstellen für Größe"}\n'.encode())

    assert data == {"title": {"de": "Schnittstellen für Größe"}}


def test_parse_errors_write_nothing_through_the_import_path(existing):
    counts = content_counts()

    for text in ["a: [", "- 1", b"\xff\xfe"]:
        with pytest.raises(CatalogueInvalid):
            catalogue_import(data=parse(text), by=None)

    assert content_counts() == counts


# --- normalize: the canonical form -------------------------------------------------------


def test_normalize_fills_defaults_and_strips_texts():
    payload = two_category_payload()
    criterion = payload["categories"][0]["criteria"][1]
    del criterion["applies_to"]
    criterion["title"]["en"] = "  Complete export \n"
    del payload["schemes"][1]["subject_areas"][0]["criteria"][0]["verifies"][1]
    payload["schemes"][0]["pass_rule"] = {"should_share": 0.8}
    del payload["demo"]

    canonical = normalize(payload)

    out = canonical["categories"][0]["criteria"][1]
    assert out["applies_to"] == ["it_customer", "it_vendor", "it_service_provider"]
    assert out["title"]["en"] == "Complete export"
    assert out["evidence_required"] is False
    assert out["not_applicable_allowed"] is False
    assert canonical["demo"] is False
    assert canonical["schemes"][0]["pass_rule"] == {
        "should_share": 0.8,
        "validity_months": 36,
        "surveillance_months": 12,
    }
    assert canonical["schemes"][1]["pass_rule"]["should_share"] == 0.75


def test_normalize_puts_verifies_in_catalogue_order_and_is_idempotent():
    payload = two_category_payload()
    payload["schemes"][1]["subject_areas"][0]["criteria"][0]["verifies"] = ["2.4.1", "2.1.1"]
    payload["languages"] = ["de", "en"]

    canonical = normalize(payload)

    assert canonical["schemes"][1]["subject_areas"][0]["criteria"][0]["verifies"] == [
        "2.1.1",
        "2.4.1",
    ]
    assert canonical["languages"] == ["en", "de"]
    assert normalize(canonical) == canonical


def test_content_hash_depends_on_content_not_key_order():
    canonical = normalize(two_category_payload())
    reordered = json.loads(json.dumps(canonical, sort_keys=True))
    changed = normalize(two_category_payload())
    changed["categories"][0]["criteria"][0]["obligation"] = "should"

    assert content_hash(reordered) == content_hash(canonical)
    assert content_hash(changed) != content_hash(canonical)
    assert len(content_hash(canonical)) == 64


# --- Round trip --------------------------------------------------------------------------


def test_imported_demo_exports_exactly_its_canonical_form(office):
    version, _outcome = catalogue_import(data=demo_payload(), by=office)

    assert catalogue_as_canonical(version) == normalize(demo_payload())


@pytest.mark.parametrize(("fmt", "filename"), [("yaml", "c.yaml"), ("json", "c.json")])
def test_dump_and_parse_back_gives_the_same_canonical(fmt, filename):
    canonical = normalize(demo_payload())

    text = dump(canonical, fmt)
    back = parse(text.encode(), filename=filename)

    assert back == canonical
    assert normalize(back) == canonical


def test_yaml_dump_keeps_umlauts_and_quotes_codes():
    text = dump(normalize(two_category_payload()), "yaml")

    assert "Interoperabilität" in text
    assert "\\x" not in text and "\\u" not in text
    assert yaml.safe_load(text)["categories"][0]["number"] == "2.1"


def test_export_imported_under_a_new_code_exports_the_same_content(office):
    first, _outcome = catalogue_import(data=demo_payload(), by=office)
    exported = catalogue_as_canonical(first)

    again = parse(dump({**exported, "version": "demo-2"}, "yaml"))
    second, outcome = catalogue_import(data=again, by=office)

    assert outcome == "created"
    assert {**catalogue_as_canonical(second), "version": "demo-1"} == exported


def test_content_hash_of_the_export_equals_the_stored_hash(office):
    version, _outcome = catalogue_import(data=demo_payload(), by=office)

    assert content_hash(catalogue_as_canonical(version)) == version.content_hash


def test_reimporting_an_export_changes_nothing(office):
    version, _outcome = catalogue_import(data=demo_payload(), by=office, publish=True)
    counts = content_counts()

    exported = dump(catalogue_as_canonical(version), "json")
    same, outcome = catalogue_import(data=parse(exported, filename="x.json"), by=office)

    assert (same.pk, outcome) == (version.pk, "unchanged")
    assert content_counts() == counts


def test_one_language_catalogue_round_trips(office):
    payload = two_category_payload("de-only", languages=("de",))
    version, _outcome = catalogue_import(data=payload, by=office)

    canonical = catalogue_as_canonical(version)

    assert canonical == normalize(two_category_payload("de-only", languages=("de",)))
    assert all(set(c["text"]) == {"de"} for cat in canonical["categories"] for c in cat["criteria"])


@pytest.mark.parametrize("code", ["versions", "diff"])
def test_version_codes_that_would_hide_a_page_are_refused(code):
    from criteria.interchange import CatalogueInvalid, normalize

    payload = two_category_payload()
    payload["version"] = code
    with pytest.raises(CatalogueInvalid) as refused:
        normalize(payload)
    assert [e.path for e in refused.value.errors] == ["version"]

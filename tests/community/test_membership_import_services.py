"""The prostep ivip member list: reading the file, the dry run (match by number, by name,
no match, ambiguous, errors with row and column), applying it exactly, idempotence and the
refusal of a stale dry run."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from community import member_list
from community.models import AssociationMembership, MembershipImport
from community.models import MembershipStatus as M
from community.selectors.membership import default_valid_until, member_list_dry_run
from community.services import membership as services
from cpo_portal.activity.models import ActivityEntry
from tests.community.factories import AssociationMembershipFactory
from tests.factories import OrganizationFactory, UserFactory
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
NEXT_YEAR = date(TODAY().year + 1, 12, 31)
HEADER = "Mitgliedsnummer;Firma;Mitglied seit;Gültig bis\n"


def csv(*lines, header=HEADER):
    return (header + "\n".join(lines) + "\n").encode()


def signee(legal_name, display_name=None, status="approved"):
    """An approved signee (by default) of an organization with these names."""
    organization = OrganizationFactory(
        legal_name=legal_name, display_name=display_name or legal_name
    )
    SigneeFactory(organization=organization, signed_by=None, **{status: True} if status else {})
    return organization


def membership(organization, **kwargs):
    return AssociationMembershipFactory(organization=organization, **kwargs)


def dry_run(content):
    return member_list_dry_run(rows=member_list.parse(content).rows)


def reload(organization):
    with scopes_disabled():
        return AssociationMembership.objects.filter(organization=organization).first()


# --- Reading the file ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"PK\x03\x04binary", "spreadsheet workbook"),
        (b"\x00\x01\x02", "not a CSV"),
        (b"Name;Street\nPlexa;Main", "must name the columns"),
        (HEADER.encode(), "no member rows"),
        (b"x" * (member_list.MAX_BYTES + 1), "larger than 2 MB"),
    ],
)
def test_a_file_that_is_no_member_list_is_refused_with_the_reason(content, message):
    with pytest.raises(ValidationError, match=message):
        member_list.parse(content)


def test_headers_in_english_with_commas_and_a_bom():
    parsed = member_list.parse(
        "\ufeffMember number,Company name,Member since,Valid until\n"
        'PI-1,"Plexa Software, Inc.",2020-01-01,31.12.2030\n'.encode()
    )
    assert parsed.columns == {
        "number": "Member number",
        "name": "Company name",
        "member_since": "Member since",
        "valid_until": "Valid until",
    }
    [row] = parsed.rows
    assert row["row"] == 2
    assert row["name"] == "Plexa Software, Inc."
    assert (row["member_since"], row["valid_until"]) == ("2020-01-01", "2030-12-31")


def test_windows_1252_from_an_older_excel_is_read():
    parsed = member_list.parse(csv("PI-1;Würth GmbH;;").decode().encode("cp1252"))
    assert parsed.rows[0]["name"] == "Würth GmbH"


def test_bad_rows_name_their_row_and_column():
    parsed = member_list.parse(
        csv(";Nordwerk AG;01.01.2020;", "PI-2;;;", "PI-3;Plexa;2020-13-01;", "", "PI-5;X;;1.1.")
    )
    errors = [(row["row"], row["errors"]) for row in parsed.rows]
    assert errors == [
        (2, [{"column": "number", "code": "missing", "value": ""}]),
        (3, [{"column": "name", "code": "missing", "value": ""}]),
        (4, [{"column": "member_since", "code": "date", "value": "2020-13-01"}]),
        # The empty line 5 is skipped, the numbering stays the file's.
        (6, [{"column": "valid_until", "code": "date", "value": "1.1."}]),
    ]


def test_company_names_compare_without_legal_form_case_punctuation_and_umlauts():
    key = member_list.company_key
    assert key("Würth Elektronik GmbH & Co. KG") == key("WUERTH ELEKTRONIK")
    assert key("Wurth Elektronik") == key("Würth Elektronik AG")
    assert key("Integra Consulting B.V.") == key("Integra-Consulting BV")
    assert key("Plexa Software, Inc.") == key("plexa software ltd.")
    assert key("Nordwerk Automotive SE") != key("Nordwerk Logistics SE")
    # A name of nothing but a legal form does not match every company.
    assert key("AG") == "ag"


# --- The dry run ------------------------------------------------------------------------


def test_a_declared_number_matches_and_will_be_verified(catalogue):
    plexa = signee("Plexa Software GmbH")
    declared = membership(plexa, number="PI-00042")
    report = dry_run(csv(f"pi 00042;Somebody Else AG;01.01.2020;{NEXT_YEAR:%d.%m.%Y}"))
    [row] = report["rows"]
    assert row["outcome"] == "match" and row["match_by"] == "number"
    assert row["action"] == "verify"
    assert row["organization"] == {"id": plexa.pk, "name": "Plexa Software GmbH"}
    assert row["membership"]["id"] == declared.pk
    assert report["counts"]["changes"] == 1
    assert reload(plexa).status == M.DECLARED  # a dry run writes nothing


def test_without_a_declared_number_the_company_name_matches_and_creates_a_membership(
    catalogue,
):
    wuerth = signee("Würth Elektronik eiSos GmbH & Co. KG", "Würth Elektronik")
    report = dry_run(csv("PI-7;WUERTH ELEKTRONIK EISOS;01.07.2019;"))
    [row] = report["rows"]
    assert (row["outcome"], row["match_by"], row["action"]) == ("match", "name", "create")
    assert row["organization"]["id"] == wuerth.pk and row["membership"] is None
    # Without a validity in the list: to the end of the year.
    assert row["valid_until"] == default_valid_until(TODAY()).isoformat()
    assert row["default_valid_until"] is True


def test_a_name_match_whose_declared_number_differs_changes_nothing(catalogue):
    plexa = signee("Plexa Software GmbH")
    membership(plexa, number="PI-1")
    [row] = dry_run(csv("PI-2;Plexa Software AG;01.01.2020;"))["rows"]
    assert (row["outcome"], row["action"]) == ("match", "number_differs")


def test_verified_memberships_are_extended_or_left_alone_and_lapsed_ones_renewed(catalogue):
    soon, later, lapsed, rejected = (signee(f"Company {n} AG") for n in "ABCD")
    membership(soon, verified=True, number="A", valid_until=TODAY() + timedelta(days=10))
    membership(later, verified=True, number="B", valid_until=NEXT_YEAR + timedelta(days=400))
    membership(lapsed, lapsed=True, number="C")
    membership(rejected, rejected=True, number="D")
    rows = dry_run(csv(*(f"{n};x;;{NEXT_YEAR}" for n in "ABCD")))["rows"]
    assert [row["action"] for row in rows] == ["extend", "current", "renew", "rejected"]


def test_no_match_ambiguous_and_unapproved_signees(catalogue):
    signee("Twin Systems GmbH")
    signee("Twin Systems AG")
    signee("Pending Corp", status="pending")
    report = dry_run(csv("PI-1;Nobody Ltd;;", "PI-2;twin systems;;", "PI-3;Pending Corp;;"))
    outcomes = [row["outcome"] for row in report["rows"]]
    assert outcomes == ["no_match", "ambiguous", "no_match"]
    names = sorted(c["name"] for c in report["rows"][1]["candidates"])
    assert names == ["Twin Systems AG", "Twin Systems GmbH"]
    assert report["counts"] | {"today": 0} == {
        "rows": 3,
        "match": 0,
        "no_match": 2,
        "ambiguous": 1,
        "error": 0,
        "changes": 0,
        "missing": 0,
        "today": 0,
    }


def test_rows_that_cannot_be_applied_are_errors(catalogue):
    signee("Newcomer GmbH")
    plexa = signee("Plexa GmbH")
    membership(plexa, number="P-1")
    rows = dry_run(
        csv(
            "N-1;Newcomer;;",  # creating needs "member since"
            f"P-1;Plexa;;{NEXT_YEAR}",
            f"P-1;Plexa;;{NEXT_YEAR}",  # the same signee again
            "P-9;Bad;2020-01-01;2019-12-31",
        )
    )["rows"]
    assert [(row["row"], row["outcome"]) for row in rows] == [
        (2, "error"),
        (3, "match"),
        (4, "error"),
        (5, "error"),
    ]
    assert rows[0]["errors"][0] | {"value": ""} == {
        "column": "member_since",
        "code": "needed",
        "value": "",
    }
    assert rows[2]["errors"] == [{"column": "number", "code": "duplicate", "value": 3}]
    assert rows[3]["errors"][0]["code"] == "before_since"


def test_declared_memberships_missing_from_the_list_are_listed_for_information(catalogue):
    listed, unlisted, lapsed = signee("Listed AG"), signee("Unlisted AG"), signee("Old AG")
    membership(listed, number="L-1")
    membership(unlisted, verified=True, number="U-1")
    membership(lapsed, lapsed=True, number="O-1")
    report = dry_run(csv(f"L-1;Listed;;{NEXT_YEAR}"))
    assert [item["organization"]["name"] for item in report["missing"]] == ["Unlisted AG"]


def test_the_dry_run_takes_one_query(catalogue, django_assert_num_queries):
    for n in range(5):
        membership(signee(f"Company {n} AG"), number=f"N-{n}")
    rows = member_list.parse(csv(*(f"N-{n};Company {n};;" for n in range(5)))).rows
    with django_assert_num_queries(1):
        report = member_list_dry_run(rows=rows)
    assert report["counts"]["match"] == 5


# --- Applying ---------------------------------------------------------------------------


def sample(alpha, office_user):
    """Alpha declared PI-1; Würth has no membership; a third row matches nobody."""
    SigneeFactory(approved=True, organization=alpha, reviewed_by=office_user)
    membership(alpha, number="PI-1")
    wuerth = signee("Würth Elektronik GmbH & Co. KG")
    content = csv(
        f"PI-1;Alpha;2020-01-01;{NEXT_YEAR:%d.%m.%Y}",
        f"PI-2;Wurth Elektronik;01.07.2019;{NEXT_YEAR:%d.%m.%Y}",
        "PI-3;Nobody;;",
    )
    return wuerth, content


def test_applying_verifies_and_creates_exactly_what_the_dry_run_listed(
    catalogue, alpha, alice, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    wuerth, content = sample(alpha, office_user)
    imported = services.membership_import_create(
        file_name="members.csv", content=content, by=office_user
    )
    assert imported.report["counts"]["changes"] == 2
    assert reload(alpha).status == M.DECLARED
    with django_capture_on_commit_callbacks(execute=True):
        applied = services.membership_import_apply(membership_import=imported, by=office_user)
    assert applied.applied_by == office_user and applied.applied_at is not None
    verified = reload(alpha)
    assert (verified.status, verified.valid_until, verified.verified_by) == (
        M.VERIFIED,
        NEXT_YEAR,
        office_user,
    )
    created = reload(wuerth)
    assert (created.number, created.status, created.member_since, created.valid_until) == (
        "PI-2",
        M.VERIFIED,
        date(2019, 7, 1),
        NEXT_YEAR,
    )
    with scopes_disabled():
        entries = ActivityEntry.objects.filter(verb="membership.verified").order_by("pk")
        assert [(e.organization_id, e.data["import_file"]) for e in entries] == [
            (alpha.pk, "members.csv"),
            (wuerth.pk, "members.csv"),
        ]
        assert ActivityEntry.objects.filter(verb="membership_import.applied").count() == 1
    # Alpha's owner hears of it as from a verification by hand (Würth has nobody to tell).
    assert [m.to for m in mailoutbox] == [[alice.email]]
    assert "verified" in mailoutbox[0].subject


def test_applying_twice_or_the_same_file_again_changes_nothing(catalogue, alpha, office_user):
    _wuerth, content = sample(alpha, office_user)
    imported = services.membership_import_create(
        file_name="members.csv", content=content, by=office_user
    )
    services.membership_import_apply(membership_import=imported, by=office_user)
    verified_at = reload(alpha).verified_at
    with scopes_disabled():
        entries = ActivityEntry.objects.count()

    again = services.membership_import_apply(membership_import=imported, by=office_user)
    assert again.applied_at == MembershipImport.objects.get(pk=imported.pk).applied_at
    with scopes_disabled():
        assert ActivityEntry.objects.count() == entries

    second = services.membership_import_create(
        file_name="members.csv", content=content, by=office_user
    )
    assert second.sha256 == imported.sha256
    assert second.report["counts"]["changes"] == 0
    assert [row.get("action") for row in second.report["rows"]] == ["current", "current", None]
    services.membership_import_apply(membership_import=second, by=office_user)
    assert reload(alpha).verified_at == verified_at


def test_a_dry_run_overtaken_by_a_verification_by_hand_is_refused_as_a_whole(
    catalogue, alpha, office_user
):
    wuerth, content = sample(alpha, office_user)
    imported = services.membership_import_create(
        file_name="members.csv", content=content, by=office_user
    )
    services.membership_verify(
        membership=reload(alpha), valid_until=TODAY() + timedelta(days=30), by=office_user
    )
    with pytest.raises(ValidationError, match="changed since this dry run"):
        services.membership_import_apply(membership_import=imported, by=office_user)
    assert reload(wuerth) is None  # nothing of it was applied
    assert MembershipImport.objects.get(pk=imported.pk).applied_at is None

    fresh = services.membership_import_rerun(membership_import=imported, by=office_user)
    assert [row.get("action") for row in fresh.report["rows"]] == ["extend", "create", None]
    services.membership_import_apply(membership_import=fresh, by=office_user)
    assert reload(alpha).valid_until == NEXT_YEAR


def test_a_dry_run_of_another_day_is_run_again(catalogue, alpha, office_user):
    _wuerth, content = sample(alpha, office_user)
    imported = services.membership_import_create(
        file_name="members.csv", content=content, by=office_user
    )
    tomorrow = time_machine.travel(timezone.now() + timedelta(days=1))
    with tomorrow, pytest.raises(ValidationError, match="Run the dry run again"):
        services.membership_import_apply(membership_import=imported, by=office_user)


def test_only_the_office_or_the_system_imports(catalogue, alpha, alice, office_user):
    _wuerth, content = sample(alpha, office_user)
    with pytest.raises(ValidationError, match="Only the CPO office"):
        services.membership_import_create(file_name="m.csv", content=content, by=alice)
    imported = services.membership_import_create(file_name="m.csv", content=content, by=None)
    with pytest.raises(ValidationError, match="Only the CPO office"):
        services.membership_import_apply(membership_import=imported, by=UserFactory())
    assert services.membership_import_apply(membership_import=imported, by=None).applied_at


def test_the_activity_log_reads_the_import_as_sentences():
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    def sentence(verb, **data):
        entry = SimpleNamespace(verb=verb, data=data, target_label="members.csv")
        return " ".join(render_to_string("activity/_description.html", {"entry": entry}).split())

    assert sentence("membership.verified", valid_until="2027-12-31", import_file="m.csv") == (
        "Verified the prostep ivip membership from the member list m.csv, valid until 2027-12-31"
    )
    assert sentence("membership.verified", valid_until="2027-12-31") == (
        "Verified the prostep ivip membership, valid until 2027-12-31"
    )
    assert sentence("membership_import.applied", file="m.csv", changes=2) == (
        "Applied the prostep ivip member list m.csv (memberships verified, created or extended: 2)"
    )
    assert sentence(
        "membership_import.created", file="m.csv", counts={"rows": 3, "changes": 1}
    ) == ("Read the prostep ivip member list m.csv for a dry run (rows: 3, changes: 1)")

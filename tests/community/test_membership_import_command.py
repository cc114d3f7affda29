"""`manage.py import_members FILE [--apply]`: the dry run printed, applied on request; on the
sample file of the README, with organizations named like the demo signees."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from community.models import AssociationMembership, MembershipImport
from community.models import MembershipStatus as M
from tests.community.factories import AssociationMembershipFactory
from tests.factories import OrganizationFactory
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "members-sample.csv"


@pytest.fixture
def demo_signees(catalogue):
    """The three demo companies, their memberships declared as on a fresh demo database."""
    names = [
        ("Nordwerk Automotive AG", "Nordwerk Automotive", "PI-00001"),
        ("Plexa Software GmbH", "Plexa Software", "PI-00002"),
        ("Integra Consulting B.V.", "Integra Consulting", "PI-00003"),
    ]
    organizations = []
    for legal_name, display_name, number in names:
        organization = OrganizationFactory(legal_name=legal_name, display_name=display_name)
        SigneeFactory(approved=True, organization=organization, signed_by=None)
        AssociationMembershipFactory(
            organization=organization, number=number, member_since=date(2023, 1, 1)
        )
        organizations.append(organization)
    return organizations


def run(*args):
    out = StringIO()
    call_command("import_members", *args, stdout=out)
    return out.getvalue()


def statuses():
    with scopes_disabled():
        return sorted(AssociationMembership.objects.values_list("number", "status"))


def test_the_dry_run_is_printed_and_changes_nothing(demo_signees):
    out = run(str(SAMPLE))
    assert "row 2: PI-00001 Nordwerk Automotive AG → match by number: Nordwerk Automotive:" in out
    assert "verify the declared membership, valid until 2028-12-31" in out
    assert "row 5: PI-00512 Würth Elektronik eiSos GmbH & Co. KG → no match" in out
    assert "row 6: PI-00600 Muster Maschinenbau SE → ERROR column “Mitglied seit”" in out
    assert "row 7: – Ohne Nummer GmbH → ERROR column “Mitgliedsnummer”: empty" in out
    assert "6 rows: 3 matches (3 changes), 1 without a match, 0 ambiguous, 2 errors" in out
    assert "nothing was changed" in out
    assert statuses() == [(f"PI-0000{n}", M.DECLARED) for n in (1, 2, 3)]
    assert MembershipImport.objects.get().applied_at is None


def test_apply_verifies_and_a_second_run_changes_nothing(demo_signees, office_user):
    out = run(str(SAMPLE), "--apply", "--by", office_user.email)
    assert "Applied: 3 membership(s)" in out
    assert statuses() == [(f"PI-0000{n}", M.VERIFIED) for n in (1, 2, 3)]
    applied = MembershipImport.objects.get()
    assert applied.applied_by == office_user and applied.created_by == office_user
    again = run(str(SAMPLE), "--apply")
    assert "nothing: verified until 2028-12-31 already" in again
    assert "Applied: 0 membership(s)" in again


def test_a_file_that_cannot_be_read_or_a_person_outside_the_office_is_refused(
    demo_signees, tmp_path, alice
):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty"):
        run(str(empty))
    with pytest.raises(CommandError, match="Only the CPO office"):
        run(str(SAMPLE), "--by", alice.email)
    assert not MembershipImport.objects.exists()

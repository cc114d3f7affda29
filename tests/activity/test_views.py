import pytest

from cpo_portal.activity.services import activity_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(alpha, alice):
    """Alpha signed the CPO (as in tests/signees), pending the office's review."""
    from criteria.interchange import parse
    from criteria.services.catalogue import catalogue_import
    from tests.signees.helpers import MINI_CATALOGUE, sign

    catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    return sign(alpha, alice).signee


def test_owner_sees_the_organization_log_but_not_another_one(client, alpha, beta, alice, charlie):
    activity_record(actor=charlie, organization=beta, verb="beta.secret")
    client.force_login(alice)
    response = client.get("/o/alpha/activity/")
    assert response.status_code == 200
    verbs = {e.verb for e in response.context["page"].object_list}
    assert "organization.created" in verbs
    assert "beta.secret" not in verbs
    assert b"beta.secret" not in response.content


def test_admin_sees_the_organization_log(client, alpha, alice, bob):
    from django_scopes import scope

    from cpo_portal.tenancy.models import Membership, Role
    from cpo_portal.tenancy.services import membership_change_role

    with scope(organization=alpha):
        membership = Membership.objects.get(user=bob)
    membership_change_role(membership=membership, role=Role.ADMIN, by=alice)
    client.force_login(bob)
    assert client.get("/o/alpha/activity/").status_code == 200


def test_log_pages_past_the_end_show_the_last_page(client, alpha, alice):
    client.force_login(alice)
    for page in ("999", "abc", "-1"):
        assert client.get(f"/o/alpha/activity/?page={page}").status_code == 200


def test_outsider_gets_404_for_the_log(client, alpha, charlie):
    client.force_login(charlie)
    assert client.get("/o/alpha/activity/").status_code == 404


def test_office_log_can_be_read_by_the_office_only(client, alpha, office_user, alice):
    client.force_login(alice)
    assert client.get("/office/activity/").status_code == 404
    client.force_login(office_user)
    assert client.get("/office/activity/").status_code == 200


# --- Each reader reads the log in their own language ------------------------------------


def _activity_page(client, user, language):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get("/o/alpha/activity/").content.decode()


def test_an_entry_made_by_a_german_user_reads_in_english_for_an_english_reader(
    client, signed, alice, office_user
):
    from django.utils import translation

    from signees.services.signing import signee_approve

    office_user.language = "de"
    office_user.save(update_fields=["language"])
    with translation.override("de"):  # the German office user's request
        signee_approve(signee=signed, by=office_user)

    page = _activity_page(client, alice, "en")

    assert "Approved the signature: listed as signee" in page
    assert "Alpha (IT vendor)" in page
    assert "IT-Anbieter" not in page


def test_an_entry_made_by_an_english_user_reads_in_german_for_a_german_reader(
    client, signed, alice, office_user
):
    from django.utils import translation

    from signees.services.signing import signee_approve

    with translation.override("en"):
        signee_approve(signee=signed, by=office_user)
    alice.language = "de"
    alice.save(update_fields=["language"])

    page = _activity_page(client, alice, "de")

    assert "Alpha (IT-Anbieter)" in page
    assert "Alpha (IT vendor)" not in page


def test_the_organization_log_names_the_office_member_without_their_address(
    client, alpha, alice, office_user
):
    # Company members read who acted on their organization: a name, never the address of
    # someone outside it.
    activity_record(actor=office_user, organization=alpha, verb="signee.approved")
    client.force_login(alice)
    page = client.get(f"/o/{alpha.slug}/activity/").content.decode()
    assert office_user.public_name in page
    assert office_user.email not in page

import pytest

from cpo_portal.activity.services import activity_record

pytestmark = pytest.mark.django_db


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

"""The CPO office area: 404 for everyone who is not the office, login for visitors."""

import pytest
from django.contrib.auth.models import Group

from cpo_portal.accounts.models import OFFICE_ROLE_GROUPS, OFFICE_ROLE_PERMISSIONS, OfficeRole
from cpo_portal.accounts.roles import is_auditor, is_office, office_permissions
from tests.factories import make_office

pytestmark = pytest.mark.django_db

OFFICE_PAGES = ["/office/", "/office/activity/"]


@pytest.mark.parametrize("path", OFFICE_PAGES)
@pytest.mark.parametrize("who", ["bob", "charlie", "auditor_user"])
def test_non_office_user_gets_404_in_the_office(client, request, alpha, beta, who, path):
    client.force_login(request.getfixturevalue(who))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", OFFICE_PAGES)
def test_anonymous_is_sent_to_login_from_the_office(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", OFFICE_PAGES)
def test_office_user_sees_the_office(client, office_user, alpha, beta, path):
    client.force_login(office_user)
    assert client.get(path).status_code == 200


def test_office_activity_shows_every_organization(client, office_user, alpha, beta):
    client.force_login(office_user)
    page = client.get("/office/activity/").context["page"]
    assert {e.organization for e in page.object_list} >= {alpha, beta}


def test_office_activity_query_count_does_not_grow(
    client, office_user, alice, django_assert_max_num_queries
):
    from cpo_portal.tenancy.services import organization_create

    client.force_login(office_user)
    organization_create(by=alice, legal_name="Org 0", country="DE")
    with django_assert_max_num_queries(12) as few:
        client.get("/office/activity/")
    for i in range(1, 40):
        organization_create(by=alice, legal_name=f"Org {i}", country="DE")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/office/activity/")


@pytest.mark.parametrize("role", list(OfficeRole))
def test_each_office_role_group_grants_office_access_and_its_own_permission(role):
    group = Group.objects.get(name=OFFICE_ROLE_GROUPS[role])
    codes = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }
    assert "accounts.office_access" in codes
    assert codes == {*office_permissions(), OFFICE_ROLE_PERMISSIONS[role]}


def test_office_role_comes_from_the_permission_not_from_is_staff(make_user):
    staff = make_user(is_staff=True)
    assert not is_office(staff)
    member = make_user()
    make_office(member)
    member = type(member).objects.get(pk=member.pk)  # permission cache
    assert is_office(member)


def test_inactive_office_user_is_not_office(office_user):
    office_user.is_active = False
    assert not is_office(office_user)


def test_auditor_role_needs_an_active_profile(auditor_user, bob):
    assert is_auditor(auditor_user)
    assert not is_auditor(bob)

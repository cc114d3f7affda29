"""RequireMFAMiddleware: staff, the CPO office and auditors set up TOTP before anything else."""

import pytest

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def staff_user_without_mfa(make_user):
    return make_user(email="staff@example.org", is_staff=True)


ROLE_USERS = ["office_user_without_mfa", "auditor_user_without_mfa", "staff_user_without_mfa"]


@pytest.mark.parametrize("who", ROLE_USERS)
@pytest.mark.parametrize("path", ["/dashboard/", "/office/", "/o/", "/accounts/api-token/"])
def test_role_without_mfa_is_sent_to_totp_setup(client, request, who, path):
    client.force_login(request.getfixturevalue(who))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE


@pytest.mark.parametrize("who", ROLE_USERS)
def test_role_without_mfa_gets_403_json_from_the_api(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"


@pytest.mark.parametrize("who", ROLE_USERS)
def test_role_without_mfa_can_still_set_up_totp_and_sign_out(client, request, who):
    client.force_login(request.getfixturevalue(who))

    setup = client.get(ACTIVATE)
    # allauth may ask for the password again first; that page is reachable too.
    if setup.status_code == 302:
        assert setup["Location"].startswith("/accounts/reauthenticate/")
        assert client.get(setup["Location"]).status_code == 200
    else:
        assert setup.status_code == 200
    assert client.get("/healthz").status_code == 200

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_office_user_with_totp_reaches_the_office(client, office_user):
    client.force_login(office_user)
    assert client.get("/office/").status_code == 200
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/api/v1/me/").json()["is_office"] is True


def test_auditor_with_totp_reaches_the_dashboard(client, auditor_user):
    client.force_login(auditor_user)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/api/v1/me/").json()["is_auditor"] is True


def test_staff_with_totp_is_not_held_back(client, staff_user_without_mfa, activate_totp):
    client.force_login(activate_totp(staff_user_without_mfa))
    assert client.get("/dashboard/").status_code == 200


def test_ordinary_user_is_not_forced_to_set_up_mfa(client, alpha, bob):
    client.force_login(bob)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/o/alpha/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_inactive_auditor_profile_does_not_require_mfa(client, auditor_user_without_mfa):
    auditor_user_without_mfa.auditor.is_active = False
    auditor_user_without_mfa.auditor.save(update_fields=["is_active"])
    client.force_login(auditor_user_without_mfa)
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("who", ROLE_USERS)
def test_role_without_mfa_still_gets_the_favicon(client, request, who):
    """A browser asks for /favicon.ico on every page; it must not queue a warning message."""
    client.force_login(request.getfixturevalue(who))
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] != ACTIVATE
    assert "favicon" in response["Location"]

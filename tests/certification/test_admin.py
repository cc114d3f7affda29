"""The admin shows certification records and changes none of them."""

import pytest
from django_scopes import scopes_disabled

from certification.models import ApplicationStatus, Finding


@pytest.fixture
def admin_client_mfa(client, make_user, activate_totp):
    client.force_login(activate_totp(make_user(is_staff=True, is_superuser=True)))
    return client


def test_admin_lists_and_shows_records_read_only(admin_client_mfa, in_audit):
    for url in (
        "/admin/certification/application/",
        f"/admin/certification/application/{in_audit.pk}/change/",
        "/admin/certification/finding/",
        "/admin/certification/scorechange/",
        "/admin/certification/organizationalgrant/",
        "/admin/certification/auditorqualification/",
        "/admin/certification/auditorconflict/",
    ):
        assert admin_client_mfa.get(url).status_code == 200, url
    assert admin_client_mfa.get("/admin/certification/application/add/").status_code == 403
    response = admin_client_mfa.post(
        f"/admin/certification/application/{in_audit.pk}/change/", {"status": "decided"}
    )
    assert response.status_code == 403
    in_audit.refresh_from_db()
    assert in_audit.status == ApplicationStatus.AUDIT
    with scopes_disabled():
        assert not Finding.objects.exists()

"""The safety net: tenant-owned models refuse to be read without a tenant scope."""

import pytest
from django_scopes import ScopeError, scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import Document
from cpo_portal.tenancy.models import Invitation, Membership
from signees.models import Signee

pytestmark = pytest.mark.django_db

TENANT_MODELS = [Membership, Invitation, ActivityEntry, Document, Signee]


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
def test_unscoped_query_on_tenant_model_fails(alpha, model):
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(organization=alpha).count()


def test_scope_shows_only_the_own_organization(alpha, beta, alice, bob, charlie):
    with scope(organization=alpha):
        assert {m.user for m in Membership.objects.all()} == {alice, bob}
        assert {e.organization_id for e in ActivityEntry.objects.all()} == {alpha.pk}
    with scope(organization=beta):
        assert [m.user for m in Membership.objects.all()] == [charlie]


def test_scopes_disabled_sees_everything(alpha, beta):
    with scopes_disabled():
        assert Membership.objects.count() == 3

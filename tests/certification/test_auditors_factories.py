"""AuditorFactory writes what auditor_create and auditor_qualifications_set write (as the
helper make_auditor calls them): the auditor and one qualification row per scheme kind."""

import pytest
import time_machine

from certification.models import AuditorQualification
from cpo_portal.accounts.models import Auditor

from .factories import AuditorFactory
from .helpers import make_auditor
from .test_applications_factories import INSTANT, columns

pytestmark = pytest.mark.django_db


def _state(user):
    auditor = Auditor.objects.get(user=user)
    return {
        "auditor": columns(auditor),
        # Whose they are aside: a profile deleted and made again has a new id.
        "qualifications": [
            columns(q) | {"auditor_id": None}
            for q in AuditorQualification.objects.filter(auditor=auditor).order_by("pk")
        ],
    }


@pytest.mark.parametrize("kinds", [(), ("organizational",), ("product",)])
@pytest.mark.parametrize("who", ["auditor_user", "co_user"])
def test_qualified_is_what_the_services_leave(request, who, kinds):
    """The root auditor_user has a profile already (kept); co_user gets one."""
    user = request.getfixturevalue(who)
    had_profile = Auditor.objects.filter(user=user).exists()
    with time_machine.travel(INSTANT, tick=False):
        make_auditor(user, *kinds)
        expected = _state(user)
        AuditorQualification.objects.filter(auditor__user=user).delete()
        if not had_profile:
            Auditor.objects.filter(user=user).delete()
        AuditorFactory(user=user, qualified=list(kinds) or True)
        built = _state(user)

    assert built == expected
    assert len(built["qualifications"]) == (len(kinds) or 2)


def test_qualifying_again_adds_only_what_is_missing(auditor_user):
    AuditorFactory(user=auditor_user, qualified=["product"])
    auditor = AuditorFactory(user=auditor_user, qualified=True)
    assert sorted(auditor.qualifications.values_list("scheme_kind", flat=True)) == [
        "organizational",
        "product",
    ]

"""AuditorFactory and QualificationFactory write what the services write (as the helpers
make_auditor and qualify call them: the auditor applies, an office administrator approves):
the auditor and one approved qualification row per scheme kind with its validity."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from certification.models import AuditorQualification
from certification.services.auditors import (
    qualification_apply,
    qualification_refuse,
    qualification_revoke,
    qualification_withdraw,
)
from cpo_portal.accounts.models import Auditor

from .factories import AuditorFactory, QualificationFactory
from .helpers import EXPERIENCE, TRAINING, make_auditor, qualification_validity
from .test_applications_factories import INSTANT, columns

pytestmark = pytest.mark.django_db


def _rows(auditor):
    # Whose they are and who decided aside: a profile deleted and made again has a new id,
    # and the factory names no administrator.
    return [
        columns(q) | {"auditor_id": None, "decided_by_id": None}
        for q in AuditorQualification.objects.filter(auditor=auditor).order_by("pk")
    ]


def _state(user):
    auditor = Auditor.objects.get(user=user)
    return {"auditor": columns(auditor), "qualifications": _rows(auditor)}


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
    assert {q["status"] for q in built["qualifications"]} == {"approved"}
    with time_machine.travel(INSTANT, tick=False):
        assert {(q["valid_from"], q["valid_until"]) for q in built["qualifications"]} == {
            qualification_validity()
        }


def test_qualifying_again_adds_only_what_is_missing(auditor_user):
    AuditorFactory(user=auditor_user, qualified=["product"])
    auditor = AuditorFactory(user=auditor_user, qualified=True)
    assert sorted(auditor.qualifications.values_list("scheme_kind", flat=True)) == [
        "organizational",
        "product",
    ]


def _decided(trait, auditor, office_user):
    if trait == "applied":
        return None
    applied = AuditorQualification.objects.get(auditor=auditor, status="applied")
    if trait == "withdrawn":
        return qualification_withdraw(qualification=applied, by=auditor.user)
    if trait == "refused":
        return qualification_refuse(
            qualification=applied, reason="Not enough audit experience yet.", by=office_user
        )
    raise AssertionError(trait)


@pytest.mark.parametrize("trait", ["applied", "withdrawn", "refused"])
def test_qualification_traits_are_what_the_services_leave(trait, co_user, office_user):
    with time_machine.travel(INSTANT, tick=False):
        auditor = Auditor.objects.create(user=co_user)
        qualification_apply(
            auditor=auditor,
            scheme_kind="organizational",
            training=TRAINING,
            experience=EXPERIENCE,
            by=co_user,
        )
        _decided(trait, auditor, office_user)
        expected = _rows(auditor)
        AuditorQualification.objects.filter(auditor=auditor).delete()
        traits = {} if trait == "applied" else {trait: True}
        QualificationFactory(auditor=auditor, **traits)
        built = _rows(auditor)
    assert built == expected


def test_revoked_trait_is_what_revoking_leaves(co_user, office_user):
    with time_machine.travel(INSTANT, tick=False):
        auditor = make_auditor(co_user, "organizational")
        qualification_revoke(
            qualification=auditor.qualifications.get(),
            reason="Left the auditing body.",
            by=office_user,
        )
        expected = _rows(auditor)
        AuditorQualification.objects.filter(auditor=auditor).delete()
        QualificationFactory(auditor=auditor, revoked=True)
        built = _rows(auditor)
    assert built == expected


def test_expired_and_legacy_traits(co_user):
    auditor = Auditor.objects.create(user=co_user)
    expired = QualificationFactory(auditor=auditor, expired=True)
    legacy = QualificationFactory(auditor=auditor, scheme_kind="product", legacy=True)
    assert expired.status == legacy.status == "approved"
    assert expired.valid_until == timezone.localdate() - timedelta(days=1)
    assert (legacy.valid_from, legacy.valid_until) == (None, None)

"""The certification agreement's services: the office administrator drafts, edits and
publishes versions (a published one never changes), a company's owner or admin accepts the
version in force once, recorded like the CPO signature, a new version asks the holders, and
the office accepts an application only once its company has accepted the version in force."""

import hashlib
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from certification.models import (
    AgreementAcceptance,
    AgreementVersion,
    ApplicationEvent,
    CertificationPolicy,
    Deadline,
    DeadlineKind,
)
from certification.selectors.agreements import agreement_accepted_by, agreement_in_force
from certification.services.agreements import (
    AgreementChanged,
    AgreementConflict,
    agreement_accept,
    agreement_draft,
    agreement_publish,
    agreement_update,
)
from certification.services.applications import application_accept
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from tests.factories import UserFactory, make_office
from tests.tenancy.test_seed_demo import seeded_demo  # noqa: F401  the seeded demo

from .factories import (
    AGREEMENT_TEXT,
    AgreementAcceptanceFactory,
    AgreementVersionFactory,
    ApplicationFactory,
    CertificateFactory,
)
from .helpers import accept_agreement, refreshed

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return make_office(UserFactory(full_name="Rita Reviewer"), "reviewer")


def _draft(by, **values):
    return agreement_draft(
        by=by,
        title=values.get("title", "CPO certification agreement"),
        text=values.get("text", AGREEMENT_TEXT),
        changes=values.get("changes", ""),
    )


def _published(by, **values):
    return agreement_publish(agreement=_draft(by, **values), by=by)


def _accept(organization, user, **extra):
    return agreement_accept(
        organization=organization,
        by=user,
        signatory_name=extra.pop("signatory_name", "Alice Owner"),
        signatory_position=extra.pop("signatory_position", "Managing Director"),
        authority_confirmed=extra.pop("authority_confirmed", True),
        **extra,
    )


def _verbs():
    with scopes_disabled():
        return list(
            ActivityEntry.objects.filter(verb__startswith="certification.agreement_")
            .order_by("pk")
            .values_list("verb", flat=True)
        )


def _acceptances():
    with scopes_disabled():
        return AgreementAcceptance.objects.count()


def _agreement_deadlines(organization):
    with scope(organization=organization):
        return list(
            Deadline.objects.filter(organization=organization, kind=DeadlineKind.AGREEMENT)
            .select_related("agreement")
            .order_by("pk")
        )


# --- Versions -------------------------------------------------------------------------------


def test_the_administrator_drafts_edits_and_publishes(office_user):
    draft = _draft(office_user, text="1. Conditions\r\nThe scheme applies.   \r\n")
    assert (draft.number, draft.status, draft.version) == (1, "draft", 1)
    assert draft.text == "1. Conditions\nThe scheme applies."  # normalised line endings
    assert agreement_in_force() is None  # a draft is not in force

    draft = agreement_update(
        agreement=draft,
        by=office_user,
        title="CPO certification agreement",
        text=AGREEMENT_TEXT,
        changes="First version.",
        expected_version=1,
    )
    assert (draft.version, draft.changes) == (2, "First version.")

    published = agreement_publish(agreement=draft, by=office_user, expected_version=2)
    assert published.status == "published"
    assert published.published_by == office_user
    assert published.published_at is not None
    assert agreement_in_force() == published
    assert _verbs() == [
        "certification.agreement_drafted",
        "certification.agreement_updated",
        "certification.agreement_published",
    ]


def test_versions_are_numbered_and_the_latest_published_is_in_force(office_user):
    first = _published(office_user)
    second = _draft(office_user, changes="Fees updated.")
    assert second.number == 2
    assert agreement_in_force() == first
    agreement_publish(agreement=second, by=office_user)
    assert agreement_in_force() == second


def test_one_draft_at_a_time(office_user):
    _draft(office_user)
    with pytest.raises(DomainError) as refused:
        _draft(office_user)
    assert refused.value.code == "agreement_draft_exists"
    assert AgreementVersion.objects.count() == 1


@pytest.mark.parametrize("who", ["reviewer", "alice", "auditor_user", None])
def test_only_the_office_administrator_changes_versions(request, office_user, who):
    user = request.getfixturevalue(who) if who else None
    draft = _draft(office_user)
    with pytest.raises(DomainError) as refused:
        _draft(user)
    assert refused.value.code in ("office_role", "agreement_draft_exists")
    with pytest.raises(DomainError):
        agreement_update(agreement=draft, by=user, title="Hijacked", text="Hijacked")
    with pytest.raises(DomainError):
        agreement_publish(agreement=draft, by=user)
    draft.refresh_from_db()
    assert (draft.title, draft.status, draft.version) == ("CPO certification agreement", "draft", 1)


def test_a_non_administrator_cannot_start_the_first_draft(reviewer):
    with pytest.raises(DomainError) as refused:
        _draft(reviewer)
    assert refused.value.code == "office_role"
    assert AgreementVersion.objects.count() == 0


def test_a_published_version_is_immutable(office_user):
    published = _published(office_user)
    with pytest.raises(DomainError) as refused:
        agreement_update(
            agreement=published, by=office_user, title="Changed", text="Changed", changes=""
        )
    assert refused.value.code == "agreement_published"
    with pytest.raises(DomainError) as refused:
        agreement_publish(agreement=published, by=office_user)
    assert refused.value.code == "agreement_published"
    stored = AgreementVersion.objects.get(pk=published.pk)
    assert (stored.title, stored.text, stored.version) == (
        "CPO certification agreement",
        AGREEMENT_TEXT,
        1,
    )
    assert _verbs() == ["certification.agreement_drafted", "certification.agreement_published"]


def test_a_stale_save_of_the_draft_is_refused_with_the_saved_text(office_user):
    draft = _draft(office_user)
    agreement_update(
        agreement=draft, by=office_user, title=draft.title, text="Theirs", expected_version=1
    )
    with pytest.raises(AgreementConflict) as refused:
        agreement_update(
            agreement=draft, by=office_user, title=draft.title, text="Mine", expected_version=1
        )
    assert refused.value.current.text == "Theirs"
    assert refused.value.current.version == 2
    # "Keep mine": the same values on top of the version saved in between.
    kept = agreement_update(
        agreement=draft, by=office_user, title=draft.title, text="Mine", expected_version=2
    )
    assert (kept.text, kept.version) == ("Mine", 3)


def test_saving_the_same_text_again_changes_nothing(office_user):
    draft = _draft(office_user)
    same = agreement_update(
        agreement=draft, by=office_user, title=draft.title, text=draft.text, expected_version=0
    )
    assert same.version == 1
    assert _verbs() == ["certification.agreement_drafted"]


def test_publishing_a_draft_changed_since_it_was_reviewed_is_refused(office_user):
    draft = _draft(office_user)
    agreement_update(agreement=draft, by=office_user, title=draft.title, text="Changed")
    with pytest.raises(DomainError):
        agreement_publish(agreement=draft, by=office_user, expected_version=1)
    assert agreement_in_force() is None


# --- Accepting ------------------------------------------------------------------------------


def test_the_owner_accepts_the_exact_text_with_its_hash(
    alpha, alice, office_user, django_capture_on_commit_callbacks, mailoutbox
):
    agreement = _published(office_user)
    with django_capture_on_commit_callbacks(execute=True):
        acceptance = _accept(
            alpha,
            alice,
            agreement_number=agreement.number,
            ip_address="203.0.113.9",
            user_agent="Firefox",
        )
    assert acceptance.agreement == agreement
    assert acceptance.text.startswith("ACCEPTANCE OF THE CPO CERTIFICATION AGREEMENT\n")
    assert "Organization: Alpha" in acceptance.text
    assert "version 1" in acceptance.text
    assert "Alice Owner, Managing Director" in acceptance.text
    assert AGREEMENT_TEXT in acceptance.text
    assert "\r" not in acceptance.text
    assert acceptance.text_sha256 == hashlib.sha256(acceptance.text.encode()).hexdigest()
    assert acceptance.accepted_by == alice
    assert (acceptance.ip_address, acceptance.user_agent) == ("203.0.113.9", "Firefox")
    assert agreement_accepted_by(alpha) == acceptance
    assert _verbs()[-1] == "certification.agreement_accepted"
    with scopes_disabled():
        entry = ActivityEntry.objects.get(verb="certification.agreement_accepted")
    assert entry.organization == alpha
    assert entry.data["sha256"] == acceptance.text_sha256
    # The receipt: to the person accepting, with the version, the time in UTC and the hash.
    [receipt] = mailoutbox
    assert receipt.to == ["alice@example.org"]
    assert "version 1" in receipt.subject
    assert acceptance.text_sha256 in receipt.body
    assert " UTC" in receipt.body


def test_the_text_escapes_nothing(alice, office_user):
    from cpo_portal.tenancy.services import organization_create

    organization = organization_create(by=alice, legal_name="Müller & Söhne", country="DE")
    _published(office_user, text='Fees < 1000 € & "travel" at cost.')
    acceptance = _accept(organization, alice)
    assert "Müller & Söhne" in acceptance.text
    assert 'Fees < 1000 € & "travel" at cost.' in acceptance.text


@pytest.mark.parametrize("who", ["bob", "charlie", "office_user", None])
def test_only_owners_and_admins_accept(request, alpha, office_user, who):
    _published(office_user)
    user = request.getfixturevalue(who) if who else None
    with pytest.raises(DomainError):
        _accept(alpha, user)
    assert _acceptances() == 0


def test_accepting_needs_the_authority_and_the_signatory(alpha, alice, office_user):
    _published(office_user)
    with pytest.raises(DomainError) as refused:
        _accept(alpha, alice, authority_confirmed=False)
    assert refused.value.code == "authority"
    with pytest.raises(DomainError):
        _accept(alpha, alice, signatory_position="  ")
    assert _acceptances() == 0


def test_nothing_to_accept_before_the_first_version(alpha, alice, office_user):
    _draft(office_user)
    with pytest.raises(DomainError) as refused:
        _accept(alpha, alice)
    assert refused.value.code == "agreement_not_published"


def test_a_version_read_that_is_no_longer_in_force_is_refused(alpha, alice, office_user):
    _published(office_user)
    _published(office_user, changes="Fees.")
    with pytest.raises(AgreementChanged) as refused:
        _accept(alpha, alice, agreement_number=1)
    assert refused.value.code == "agreement_changed"
    assert _acceptances() == 0


def test_accepting_twice_is_refused_and_leaves_one_row(alpha, alice, office_user):
    _published(office_user)
    first = _accept(alpha, alice)
    with pytest.raises(DomainError) as refused:
        _accept(alpha, alice, signatory_name="Someone Else")
    assert refused.value.code == "agreement_already_accepted"
    assert _acceptances() == 1
    assert agreement_accepted_by(alpha) == first


def test_the_database_holds_one_acceptance_per_organization_and_version(alpha, office_user):
    first = AgreementAcceptanceFactory(organization=alpha)
    with pytest.raises(IntegrityError), transaction.atomic(), scope(organization=alpha):
        AgreementAcceptance.objects.create(
            organization=alpha,
            agreement=first.agreement,
            text=first.text,
            text_sha256=first.text_sha256,
            signatory_name="Twice",
            signatory_position="CEO",
            accepted_at=timezone.now(),
        )


def test_a_new_version_is_accepted_again(alpha, alice, office_user):
    _published(office_user)
    _accept(alpha, alice)
    second = _published(office_user, changes="Fees.")
    assert agreement_accepted_by(alpha) is None  # the version in force is not accepted
    acceptance = _accept(alpha, alice, agreement_number=2)
    assert acceptance.agreement == second
    assert _acceptances() == 2


# --- A new version asks the holders ---------------------------------------------------------


@pytest.fixture
def holders(alpha, alice, beta, charlie, office_user, catalogue, make_user):
    """Alpha holds a live certificate; Beta has a submitted application; Gamma only a draft;
    Delta a withdrawn certificate; none has accepted anything."""
    from cpo_portal.tenancy.services import organization_create

    with scopes_disabled():
        certificate = CertificateFactory(
            application=ApplicationFactory(
                reported=True, organization=alpha, office=office_user, agreement=False
            ),
            issued_by=office_user,
        )
    ApplicationFactory(submitted=True, organization=beta, agreement=False)
    gamma = organization_create(by=make_user(), legal_name="Gamma", country="DE")
    ApplicationFactory(organization=gamma)
    delta = organization_create(by=make_user(), legal_name="Delta", country="DE")
    withdrawn = CertificateFactory(
        application=ApplicationFactory(
            reported=True, organization=delta, office=office_user, agreement=False
        ),
        issued_by=office_user,
    )
    with scopes_disabled():
        type(withdrawn).objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta, "cert": certificate}


def test_publishing_asks_holders_and_running_applicants(
    holders, office_user, django_capture_on_commit_callbacks, mailoutbox
):
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"agreement_acceptance_days": 30})
    with django_capture_on_commit_callbacks(execute=True):
        agreement = _published(office_user)
    due = timezone.localdate() + timedelta(days=30)
    for key in ("alpha", "beta"):
        [deadline] = _agreement_deadlines(holders[key])
        assert (deadline.agreement, deadline.due_on, deadline.closed_at) == (agreement, due, None)
    assert _agreement_deadlines(holders["gamma"]) == []
    assert _agreement_deadlines(holders["delta"]) == []
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "charlie@example.org"]
    assert all("version 1" in m.subject for m in mailoutbox)
    assert "/o/alpha/certification/agreement/" in next(
        m.body for m in mailoutbox if m.to == ["alice@example.org"]
    )
    with scopes_disabled():
        entry = ActivityEntry.objects.get(verb="certification.agreement_published")
    assert entry.data["organizations_asked"] == 2


def test_the_mail_asking_is_in_the_recipients_language(
    holders, alice, office_user, django_capture_on_commit_callbacks, mailoutbox
):
    alice.language = "de"
    alice.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        _published(office_user)
    # Rendered once per language: alice's mail in German, charlie's in English.
    german = next(m for m in mailoutbox if m.to == ["alice@example.org"])
    english = next(m for m in mailoutbox if m.to == ["charlie@example.org"])
    assert "CPO-Portal" in german.body
    assert "CPO-Portal" not in english.body


def test_accepting_closes_the_deadline_of_this_and_older_versions(holders, alice, office_user):
    alpha = holders["alpha"]
    _published(office_user)
    second = _published(office_user, changes="Fees.")
    deadlines = _agreement_deadlines(alpha)
    # Publishing version 2 closed the open deadline of version 1 and opened its own.
    assert [(d.agreement.number, d.closed_at is None) for d in deadlines] == [
        (1, False),
        (2, True),
    ]
    _accept(alpha, alice, agreement_number=second.number)
    assert all(d.closed_at is not None for d in _agreement_deadlines(alpha))
    # Beta's stays open: it has not accepted.
    assert [
        d.closed_at for d in _agreement_deadlines(holders["beta"]) if d.agreement == second
    ] == [None]


# --- The rule: no accepted application without the agreement ----------------------------------


def test_no_application_is_accepted_before_a_version_is_published(alpha, office_user, catalogue):
    application = ApplicationFactory(submitted=True, organization=alpha, agreement=False)
    with pytest.raises(DomainError) as refused:
        application_accept(application=application, by=office_user)
    assert refused.value.code == "agreement_not_published"
    assert "office administrator publishes one first" in refused.value.messages[0]
    assert refreshed(application).status == "submitted"


def test_no_application_is_accepted_without_the_companys_acceptance(
    alpha, alice, office_user, catalogue
):
    _published(office_user)
    application = ApplicationFactory(submitted=True, organization=alpha, agreement=False)
    with scopes_disabled():
        events = ApplicationEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        application_accept(application=application, by=office_user)
    assert refused.value.code == "agreement_missing"
    assert "version 1" in refused.value.messages[0]
    assert refreshed(application).status == "submitted"
    with scopes_disabled():
        assert ApplicationEvent.objects.count() == events

    _accept(alpha, alice)
    assert application_accept(application=application, by=office_user).status == "accepted"


def test_a_new_version_must_be_accepted_before_the_next_application(
    alpha, alice, office_user, catalogue
):
    _published(office_user)
    _accept(alpha, alice)
    _published(office_user, changes="Fees.")
    application = ApplicationFactory(submitted=True, organization=alpha, agreement=False)
    with pytest.raises(DomainError) as refused:
        application_accept(application=application, by=office_user)
    assert refused.value.code == "agreement_missing"
    _accept(alpha, alice, agreement_number=2)
    assert application_accept(application=application, by=office_user).status == "accepted"


def test_an_out_of_order_accept_keeps_the_state_machines_reason(alpha, office_user, catalogue):
    application = ApplicationFactory(organization=alpha, agreement=False)  # a draft
    with pytest.raises(DomainError) as refused:
        application_accept(application=application, by=office_user)
    assert "cannot be changed this way" in refused.value.messages[0]


def test_the_helper_accepts_once(alpha, alice, catalogue):
    first = accept_agreement(alpha, alice)
    assert accept_agreement(alpha, alice) == first
    assert AgreementVersion.objects.get().number == 1
    assert AgreementVersionFactory(published=True).number == 2


# --- The demo ---------------------------------------------------------------------------------


def test_the_demo_publishes_a_demo_agreement_accepted_by_the_companies_it_certifies(
    seeded_demo,  # noqa: F811
):
    from certification.demo import DEMO_AGREEMENT_TEXT

    agreement = agreement_in_force()
    assert (agreement.number, agreement.text) == (1, DEMO_AGREEMENT_TEXT)
    assert agreement.text.startswith("DEMO TEXT:")
    for section in (
        "Conditions of certification",
        "Obligations of the client",
        "Use of the seal and the certificate",
        "Surveillance",
        "Suspension and withdrawal",
        "Fees",
    ):
        assert section in agreement.text
    with scopes_disabled():
        accepted = sorted(
            AgreementAcceptance.objects.values_list("organization__display_name", flat=True)
        )
        assert len(accepted) == 2  # the vendor and the service provider, who are certified
        deadlines = Deadline.objects.filter(kind=DeadlineKind.AGREEMENT, closed_at=None)
        assert not deadlines.exists()

"""The certification agreement's pages: the company reads the version in force and its owner
or admin accepts it; the office reads every version and who accepted it, its administrator
drafts, edits (two editors: the second is told) and publishes; outsiders get 404; the
application pages show the state; lists read in bounded queries."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_scopes import scopes_disabled

from certification.models import AgreementAcceptance, AgreementVersion, ApplicationStatus
from certification.selectors.agreements import agreement_accepted_by
from certification.services.agreements import agreement_update
from cpo_portal.tenancy.services import organization_create
from tests.factories import UserFactory, make_office

from .factories import (
    AGREEMENT_TEXT,
    AgreementAcceptanceFactory,
    AgreementVersionFactory,
    ApplicationFactory,
)
from .helpers import refreshed

pytestmark = pytest.mark.django_db


def _org_url(name, org="alpha", **kwargs):
    return reverse(f"certification:{name}", kwargs={"org_slug": org, **kwargs})


def _office_url(name, **kwargs):
    return reverse(f"certification:{name}", kwargs=kwargs or None)


def _messages(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _acceptances():
    with scopes_disabled():
        return AgreementAcceptance.objects.count()


@pytest.fixture
def in_force(db):
    return AgreementVersionFactory(published=True)


@pytest.fixture
def draft(in_force, office_user):
    return AgreementVersionFactory(draft=True, created_by=office_user, changes="Fees.")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def reviewer(activate_totp):
    return activate_totp(make_office(UserFactory(full_name="Rita Reviewer"), "reviewer"))


# --- The company ----------------------------------------------------------------------------


def test_members_read_the_version_in_force_and_the_todo(as_user, alpha, bob, in_force):
    page = as_user(bob).get(_org_url("agreement")).content.decode()
    assert "To do: accept the certification agreement." in page
    assert "1. Conditions of certification" in page
    assert _org_url("agreement_accept") not in page  # a plain member does not accept
    assert "Only owners and admins" in page


def test_the_owner_is_offered_to_accept(as_user, alpha, alice, in_force):
    page = as_user(alice).get(_org_url("agreement")).content.decode()
    assert _org_url("agreement_accept") in page


def test_before_the_first_version_there_is_nothing_to_accept(as_user, alpha, alice):
    response = as_user(alice).get(_org_url("agreement"))
    assert "No certification agreement is in force yet." in response.content.decode()
    response = as_user(alice).get(_org_url("agreement_accept"))
    assert response.status_code == 302


def test_the_accept_page_is_prefilled_and_names_the_organization(as_user, alpha, alice, in_force):
    page = as_user(alice).get(_org_url("agreement_accept")).content.decode()
    assert 'value="Alice Owner"' in page
    assert "I am authorised to accept the certification agreement for Alpha." in page
    assert f'name="agreement" value="{in_force.number}"' in page


def test_accepting_records_who_when_from_where(
    as_user, alpha, alice, in_force, django_capture_on_commit_callbacks, mailoutbox
):
    client = as_user(alice)
    data = {
        "agreement": in_force.number,
        "signatory_name": "Alice Owner",
        "signatory_position": "CEO",
        "authority_confirmed": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _org_url("agreement_accept"), data, HTTP_USER_AGENT="TestBrowser/1.0"
        )
    assert response.status_code == 302
    assert response["Location"] == _org_url("agreement")
    acceptance = agreement_accepted_by(alpha)
    assert (acceptance.accepted_by, acceptance.signatory_position) == (alice, "CEO")
    assert (acceptance.ip_address, acceptance.user_agent) == ("127.0.0.1", "TestBrowser/1.0")
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]

    page = client.get(_org_url("agreement")).content.decode()
    assert "Alpha has accepted this version." in page
    assert acceptance.text_sha256 in page
    assert " UTC" in page
    # Twice: refused, one row.
    response = client.post(_org_url("agreement_accept"), data)
    assert response.status_code == 302
    assert "already accepted" in _messages(response)
    assert _acceptances() == 1


def test_without_the_authority_nothing_is_recorded(as_user, alpha, alice, in_force):
    response = as_user(alice).post(
        _org_url("agreement_accept"),
        {"agreement": in_force.number, "signatory_name": "Alice", "signatory_position": "CEO"},
    )
    assert response.status_code == 200
    assert "Confirm that you are authorised" in response.content.decode()
    assert _acceptances() == 0


def test_a_version_replaced_while_reading_is_read_again(as_user, alpha, alice, in_force):
    AgreementVersionFactory(published=True)
    response = as_user(alice).post(
        _org_url("agreement_accept"),
        {
            "agreement": in_force.number,
            "signatory_name": "Alice",
            "signatory_position": "CEO",
            "authority_confirmed": "on",
        },
    )
    assert response["Location"] == _org_url("agreement_accept")
    assert "is not the certification agreement in force" in _messages(response)
    assert _acceptances() == 0


def test_a_plain_member_cannot_accept(as_user, alpha, bob, in_force):
    client = as_user(bob)
    assert client.get(_org_url("agreement_accept")).status_code == 403
    data = {"agreement": 1, "signatory_name": "Bob", "signatory_position": "x"}
    assert client.post(_org_url("agreement_accept"), data).status_code == 403
    assert _acceptances() == 0


def test_outsiders_get_404(as_user, alpha, beta, charlie, in_force, auditor_user, office_user):
    acceptance = AgreementAcceptanceFactory(organization=alpha)
    urls = [
        _org_url("agreement"),
        _org_url("agreement_accept"),
        _org_url("agreement_acceptance", pk=acceptance.pk),
    ]
    for user in (charlie, auditor_user, office_user):
        client = as_user(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(urls[1], {"authority_confirmed": "on"}).status_code == 404
    # Beta's owner asking for Alpha's acceptance under Beta: not Beta's, 404.
    url = _org_url("agreement_acceptance", org="beta", pk=acceptance.pk)
    assert as_user(charlie).get(url).status_code == 404
    assert _acceptances() == 1


def test_visitors_are_sent_to_sign_in(client, alpha, in_force):
    response = client.get(_org_url("agreement"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_recorded_text_is_shown_as_accepted(as_user, alpha, bob):
    acceptance = AgreementAcceptanceFactory(organization=alpha)
    page = as_user(bob).get(_org_url("agreement_acceptance", pk=acceptance.pk)).content.decode()
    assert acceptance.text_sha256 in page
    assert "ACCEPTANCE OF THE CPO CERTIFICATION AGREEMENT" in page


def test_the_history_reads_in_bounded_queries(as_user, alpha, alice, django_assert_max_num_queries):
    client = as_user(alice)
    for _ in range(2):
        AgreementAcceptanceFactory(
            organization=alpha, agreement=AgreementVersionFactory(published=True)
        )
    client.get(_org_url("agreement"))  # warm the session and the navigation
    with django_assert_max_num_queries(20) as few:
        client.get(_org_url("agreement"))
    for _ in range(6):
        AgreementAcceptanceFactory(
            organization=alpha, agreement=AgreementVersionFactory(published=True)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(_org_url("agreement")).content.decode()
    assert "Version 8" in page


# --- The office ---------------------------------------------------------------------------


def test_non_office_gets_404_on_every_office_page(as_user, alice, auditor_user, draft):
    acceptance = AgreementAcceptanceFactory(
        organization=organization_create(by=alice, legal_name="Alpha", country="DE")
    )
    urls = [
        _office_url("office_agreements"),
        _office_url("office_agreement_new"),
        _office_url("office_agreement", number=draft.number),
        _office_url("office_agreement_edit", number=draft.number),
        _office_url("office_agreement_publish", number=draft.number),
        _office_url("office_agreement_acceptance", pk=acceptance.pk),
    ]
    for user in (alice, auditor_user):
        client = as_user(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"title": "x", "text": "x"}).status_code == 404, url
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("draft", 1)


def test_every_office_member_reads_only_the_administrator_acts(as_user, reviewer, draft):
    client = as_user(reviewer)
    page = client.get(_office_url("office_agreements")).content.decode()
    assert "Only the office administrator drafts and publishes versions." in page
    assert _office_url("office_agreement_edit", number=draft.number) not in page
    page = client.get(_office_url("office_agreement_edit", number=draft.number)).content.decode()
    assert "<textarea" not in page
    response = client.post(
        _office_url("office_agreement_edit", number=draft.number),
        {"title": "Hijacked", "text": "Hijacked", "version": 1},
    )
    assert "Only the office administrator" in response.content.decode()
    response = client.post(_office_url("office_agreement_publish", number=draft.number), {})
    assert "Only the office administrator" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("CPO certification agreement", "draft")


def test_a_new_draft_starts_from_the_text_in_force(as_user, office_user, in_force):
    client = as_user(office_user)
    page = client.get(_office_url("office_agreement_new")).content.decode()
    assert "1. Conditions of certification" in page
    response = client.post(
        _office_url("office_agreement_new"),
        {
            "title": "CPO certification agreement",
            "text": AGREEMENT_TEXT + "\n7. Law",
            "changes": "Law.",
        },
    )
    created = AgreementVersion.objects.get(number=2)
    assert response["Location"] == _office_url("office_agreement", number=2)
    assert (created.status, created.changes, created.created_by) == ("draft", "Law.", office_user)
    # A draft exists: "new" leads to it.
    response = client.get(_office_url("office_agreement_new"))
    assert response["Location"] == _office_url("office_agreement_edit", number=2)


def test_two_editors_the_second_is_told(as_user, office_user, draft):
    client = as_user(office_user)
    url = _office_url("office_agreement_edit", number=draft.number)
    assert 'name="version" value="1"' in client.get(url).content.decode()
    agreement_update(agreement=draft, by=office_user, title=draft.title, text="Theirs")
    mine = {"title": draft.title, "text": "Mine", "changes": "Fees.", "version": 1}
    response = client.post(url, mine)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Not saved: the draft was changed in the meantime." in page
    assert "Theirs" in page and "Mine" in page
    assert refreshed(draft).text == "Theirs"
    response = client.post(url, {**mine, "keep_version": 2})
    assert response.status_code == 302
    assert refreshed(draft).text == "Mine"


def test_a_published_version_cannot_be_changed_through_the_form(as_user, office_user, in_force):
    client = as_user(office_user)
    url = _office_url("office_agreement_edit", number=in_force.number)
    response = client.get(url)
    assert response["Location"] == _office_url("office_agreement", number=in_force.number)
    response = client.post(url, {"title": "Changed", "text": "Changed", "version": 1})
    assert response.status_code == 200
    assert "is published and can no longer be changed" in response.content.decode()
    assert refreshed(in_force).text == AGREEMENT_TEXT
    response = client.post(_office_url("office_agreement_publish", number=in_force.number))
    assert response.status_code == 302
    assert AgreementVersion.objects.get(pk=in_force.pk).published_at == in_force.published_at


def test_publishing_is_confirmed_first(as_user, office_user, draft, alpha, catalogue):
    ApplicationFactory(organization=alpha, submitted=True)
    client = as_user(office_user)
    url = _office_url("office_agreement_publish", number=draft.number)
    page = client.get(url).content.decode()
    assert "Publishing cannot be undone." in page
    assert "1 organization holding a live certificate or running an application" in page
    assert refreshed(draft).status == "draft"
    response = client.post(url, {"version": draft.version})
    assert response["Location"] == _office_url("office_agreement", number=draft.number)
    assert refreshed(draft).status == "published"


def test_publishing_a_draft_changed_since_the_confirmation_is_refused(as_user, office_user, draft):
    client = as_user(office_user)
    agreement_update(agreement=draft, by=office_user, title=draft.title, text="Changed")
    response = client.post(
        _office_url("office_agreement_publish", number=draft.number), {"version": 1}
    )
    assert response.status_code == 200
    assert "changed since you reviewed it" in response.content.decode()
    assert refreshed(draft).status == "draft"


def test_the_version_lists_its_acceptances(as_user, office_user, in_force, alpha, alice):
    acceptance = AgreementAcceptanceFactory(organization=alpha, accepted_by=alice)
    client = as_user(office_user)
    page = client.get(_office_url("office_agreement", number=in_force.number)).content.decode()
    assert "Alpha" in page and acceptance.text_sha256 in page and "Alice Owner" in page
    assert "alice@example.org" not in page
    page = client.get(_office_url("office_agreements")).content.decode()
    assert "0 organizations have not accepted the version in force" in page
    record = client.get(_office_url("office_agreement_acceptance", pk=acceptance.pk))
    assert acceptance.text in record.content.decode().replace("&quot;", '"')


def test_unknown_versions_and_acceptances_are_404(as_user, office_user):
    client = as_user(office_user)
    assert client.get(_office_url("office_agreement", number=9)).status_code == 404
    assert client.get(_office_url("office_agreement_acceptance", pk=9)).status_code == 404


def _organizations(n, office_user, agreement, start=0):
    for i in range(start, start + n):
        organization = organization_create(
            by=UserFactory(), legal_name=f"Company {i}", country="DE"
        )
        AgreementAcceptanceFactory(organization=organization, agreement=agreement)


def test_office_pages_read_in_bounded_queries(
    as_user, office_user, in_force, django_assert_max_num_queries
):
    client = as_user(office_user)
    _organizations(2, office_user, in_force)
    urls = [
        _office_url("office_agreements"),
        _office_url("office_agreement", number=in_force.number),
    ]
    counts = {}
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(30) as few:
            assert client.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    _organizations(10, office_user, in_force, start=2)
    for _ in range(4):
        AgreementVersionFactory(published=True)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


# --- The application pages -------------------------------------------------------------------


def test_the_company_sees_the_todo_on_its_application(as_user, alpha, alice, catalogue, in_force):
    application = ApplicationFactory(organization=alpha, agreement=False)  # before submitting
    url = _org_url("application", pk=application.pk)
    page = as_user(alice).get(url).content.decode()
    assert "Accept the certification agreement" in page
    assert _org_url("agreement_accept") in page
    AgreementAcceptanceFactory(organization=alpha)
    page = as_user(alice).get(url).content.decode()
    assert "Your organization accepted the" in page


def test_the_office_sees_the_state_and_is_refused_with_the_reason(
    as_user, office_user, alpha, catalogue, in_force
):
    application = ApplicationFactory(organization=alpha, submitted=True, agreement=False)
    client = as_user(office_user)
    url = reverse("certification:office_application", kwargs={"pk": application.pk})
    page = client.get(url).content.decode()
    assert "The company has not accepted the certification agreement in force (version 1)." in page
    response = client.post(
        reverse("certification:office_review", kwargs={"pk": application.pk}), {"action": "accept"}
    )
    assert "has not accepted the certification agreement in force" in _messages(response)
    assert refreshed(application).status == ApplicationStatus.SUBMITTED


def test_the_office_is_told_when_no_version_is_published(as_user, office_user, alpha, catalogue):
    application = ApplicationFactory(organization=alpha, submitted=True, agreement=False)
    url = reverse("certification:office_application", kwargs={"pk": application.pk})
    page = as_user(office_user).get(url).content.decode()
    assert "No certification agreement in force:" in page


def test_the_activity_log_reads_the_agreement_steps(as_user, office_user, alpha, alice):
    from certification.services.agreements import agreement_draft, agreement_publish

    from .helpers import accept_agreement

    agreement_publish(
        agreement=agreement_draft(by=office_user, title="Agreement", text="Text."), by=office_user
    )
    accept_agreement(alpha, alice)
    page = as_user(office_user).get(reverse("activity:office")).content.decode()
    assert "Drafted version 1 of the certification agreement" in page
    assert "Published version 1 of the certification agreement" in page
    assert "Accepted version 1 of the certification agreement" in page

"""Sweeps over every URL pattern: nothing 500s for a visitor, and the workspace of an
organization is closed to outsiders, whatever a future URL under /o/ is."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django_scopes import scope

from cpo_portal.documents.models import Document
from cpo_portal.tenancy.models import Membership
from cpo_portal.tenancy.services import invitation_create

pytestmark = pytest.mark.django_db


def _patterns(resolvers=None, namespace="", converters=None):
    """(qualified name, {kwarg: converter}) for every named URL pattern."""
    resolvers = resolvers if resolvers is not None else get_resolver().url_patterns
    for entry in resolvers:
        found = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        regex_groups = dict.fromkeys(entry.pattern.regex.groupindex, None)
        found = {**regex_groups, **found}
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, ns, found)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", found


def _value(name, converter, fill):
    if name in fill:
        return fill[name]
    kind = type(converter).__name__ if converter is not None else ""
    return {"IntConverter": 1, "UUIDConverter": uuid.uuid4()}.get(kind, "x")


def _urls(fill=None):
    urls = set()
    for name, params in _patterns():
        kwargs = {p: _value(p, c, fill or {}) for p, c in params.items()}
        try:
            urls.add((name, reverse(name, kwargs=kwargs or None)))
        except NoReverseMatch:
            continue
    return sorted(urls)


def _argument_free_urls():
    return sorted(
        (name, reverse(name)) for name, params in _patterns() if not params and _reverses(name)
    )


def _reverses(name):
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def test_the_sweep_finds_the_portal_urls():
    names = {name for name, _url in _argument_free_urls()}
    assert {"home", "healthz", "dashboard", "office_home", "account_login", "api:me"} <= names


def test_every_argument_free_url_answers_a_visitor_without_a_server_error(client):
    failures = {}
    for name, url in _argument_free_urls():
        status = client.get(url).status_code
        if status >= 500:
            failures[name] = (url, status)
    assert failures == {}


@pytest.mark.parametrize("who", ["bob", "office_user", "auditor_user"])
def test_every_argument_free_url_answers_a_signed_in_user_without_a_server_error(
    client, request, alpha, who
):
    client.force_login(request.getfixturevalue(who))
    failures = {}
    for name, url in _argument_free_urls():
        if name in ("account_logout",):
            continue
        status = client.get(url).status_code
        if status >= 500:
            failures[name] = (url, status)
    assert failures == {}


def test_role_without_mfa_reaches_only_the_mfa_setup(client, office_user_without_mfa):
    from cpo_portal.accounts.middleware import _ALLOWED_PREFIXES

    client.force_login(office_user_without_mfa)
    opened = {}
    for name, url in _argument_free_urls():
        if url.startswith(_ALLOWED_PREFIXES):
            continue
        response = client.get(url)
        expected = 403 if url.startswith("/api/") else 302
        if response.status_code != expected or (
            expected == 302 and response["Location"] != "/accounts/2fa/totp/activate/"
        ):
            opened[name] = response.status_code
    assert opened == {}


@pytest.fixture
def alpha_objects(alpha, alice, bob):
    """Real ids inside Alpha, so an outsider test hits existing objects, not just 404s."""
    with scope(organization=alpha):
        membership = Membership.objects.get(user=bob)
        document = Document.objects.create(
            kind="organization_activity",
            owner=alpha,
            organization=alpha,
            title="Activity",
            status_changed_at=alpha.created_at,
        )
    invitation, _token = invitation_create(organization=alpha, by=alice, email="z@example.org")
    return {
        "membership": membership.pk,
        "document": document.pk,
        "invitation": invitation.pk,
        "application": _draft_application(alpha, alice).pk,
    }


def _draft_application(alpha, alice):
    """A draft certification application of Alpha, written directly: Alpha stays a
    non-signee, so the signing entries of the matrix keep their meaning."""
    from certification.models import Application
    from criteria.demo import DEMO_CATALOGUE
    from criteria.interchange import parse
    from criteria.services import catalogue_import

    data = parse(DEMO_CATALOGUE.read_text(encoding="utf-8"), filename="demo.yaml")
    version, _ = catalogue_import(data=data, by=None, publish=True)
    with scope(organization=alpha):
        return Application.objects.create(
            organization=alpha,
            kind="organizational",
            scheme=version.schemes.get(kind="organizational"),
            scope_description="Everything",
            window_start="2027-03-01",
            window_end="2027-03-31",
            created_by=alice,
        )


def _workspace_urls(alpha, objects):
    urls = []
    for name, url in _urls({"org_slug": alpha.slug, "kind": "organizational"}):
        if not url.startswith(f"/o/{alpha.slug}/"):
            continue
        if "/members/1/" in url:
            url = url.replace("/members/1/", f"/members/{objects['membership']}/")
        if "/documents/1/" in url:
            url = url.replace("/documents/1/", f"/documents/{objects['document']}/")
        if "/invitations/1/" in url:
            url = url.replace("/invitations/1/", f"/invitations/{objects['invitation']}/")
        if "/certification/1/" in url:
            url = url.replace("/certification/1/", f"/certification/{objects['application']}/")
        urls.append((name, url))
    return urls


def test_no_workspace_url_is_open_to_an_outsider(client, alpha, alpha_objects, beta, charlie):
    urls = _workspace_urls(alpha, alpha_objects)
    assert len(urls) >= 12
    client.force_login(charlie)

    answers = {}
    for name, url in urls:
        answers[(name, "GET")] = client.get(url).status_code
        answers[(name, "POST")] = client.post(url, {"role": "owner", "confirm": "yes"}).status_code

    assert {key: status for key, status in answers.items() if status != 404} == {}


def test_workspace_urls_send_visitors_to_login(client, alpha, alpha_objects):
    for _name, url in _workspace_urls(alpha, alpha_objects):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


# The permission matrix of the workspace's pages (GET): who sees what.
MATRIX = {
    # url name: (visitor, outsider, member, owner)
    # Alpha holds no certificate: the list is empty, a certificate id is unknown.
    "certification:certificates": (302, 404, 200, 200),
    "certification:certificate": (302, 404, 404, 404),
    "certification:certificate_recertify": (302, 404, 403, 404),
    "community:org_community": (302, 404, 200, 200),
    "community:org_membership": (302, 404, 403, 200),
    "tenancy:home": (302, 404, 200, 200),
    "tenancy:members": (302, 404, 200, 200),
    "tenancy:edit": (302, 404, 403, 200),
    "activity:organization": (302, 404, 403, 200),
    "documents:list": (302, 404, 200, 200),
    "documents:detail": (302, 404, 404, 200),  # the activity log PDF is for admins only
    "documents:download": (302, 404, 404, 404),  # not rendered yet
    # Alpha has not signed: signing is for admins, the rest shows nothing to show.
    "signees:sign": (302, 404, 403, 200),
    "signees:status": (302, 404, 200, 200),
    "signees:change_group": (302, 404, 403, 404),
    "signees:withdraw": (302, 404, 403, 404),
    "signees:logo_pack": (302, 404, 404, 404),
    "signees:statement": (302, 404, 200, 200),
    "signees:statement_draft": (302, 404, 404, 404),
    "signees:statement_publish": (302, 404, 403, 404),
    "signees:statement_version": (302, 404, 404, 404),
    "signees:statement_file": (302, 404, 404, 404),
    # The Core Team election (Alpha is no community member; there is no election 1).
    "community:org_elections": (302, 404, 200, 200),
    "community:org_nominate": (302, 404, 403, 404),
    "community:org_ballot": (302, 404, 403, 404),
    # Conference registration (there is no conference of year 1).
    "community:org_register": (302, 404, 404, 404),
    # Proposals (Alpha is no community member: the pages explain why there is no form).
    "community:org_proposals": (302, 404, 200, 200),
    "community:org_proposal_submit": (302, 404, 200, 200),
    # Certification: a draft application of Alpha (not a signee); members read, admins act.
    "certification:applications": (302, 404, 200, 200),
    "certification:application_new": (302, 404, 403, 200),
    "certification:application": (302, 404, 200, 200),
    "certification:application_edit": (302, 404, 403, 200),
    "certification:application_withdraw": (302, 404, 403, 200),
    "certification:self_assessment": (302, 404, 200, 200),
    "certification:finding_answer": (302, 404, 404, 404),  # no such finding
}


def test_permission_matrix(client, alpha, alpha_objects, alice, bob, charlie, beta):
    urls = dict(_workspace_urls(alpha, alpha_objects))
    assert set(MATRIX) <= set(urls), "a workspace page is missing from the matrix"
    got = {}
    for who in (None, charlie, bob, alice):
        client.logout()
        if who is not None:
            client.force_login(who)
        for name in MATRIX:
            got.setdefault(name, []).append(client.get(urls[name]).status_code)
    assert {name: tuple(statuses) for name, statuses in got.items()} == MATRIX


def test_every_get_page_of_the_workspace_is_in_the_matrix(alpha, alpha_objects):
    post_only = {
        "tenancy:member_role",
        "tenancy:member_remove",
        "tenancy:ownership_transfer",
        "tenancy:leave",
        "tenancy:invitation_revoke",
        "documents:activity_pdf",
        "documents:rerender",
        "signees:resubmit",
        "signees:statement_start",
        "signees:statement_answer",
        "signees:statement_summary",
        "signees:statement_kind",
        "signees:statement_link",
        "signees:statement_upload",
        "signees:statement_discard",
        "certification:application_submit",
        "certification:self_assessment_submit",
        "certification:self_assessment_answer",
        "certification:evidence_add",
        "certification:evidence_remove",
        "certification:finding_evidence_add",
        "community:org_registration_cancel",
    }
    names = {name for name, _url in _workspace_urls(alpha, alpha_objects)}
    assert names - post_only - set(MATRIX) == set()

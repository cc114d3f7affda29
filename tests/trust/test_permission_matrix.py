"""The permission matrix: every URL pattern of the portal and every route of the OpenAPI
schema, asked for by every role, against one table of what each role must get.

The routes come from the URL resolver (recursively, the API and the admin included) and
from the schema drf-spectacular generates, and the two are checked against each other, so a
new route cannot escape: a route without a row in the table fails
`test_every_route_is_classified`. URL parameters are filled from one populated portal
(tests/trust/conftest.py), so a route is asked for a real row, not for a row that does not
exist. Where the secret lies in which row is asked for (drafts, ballots, evidence files,
unpublished documents), the route is asked several times, once per row (`name[variant]`).

Cells: an HTTP status, LOGIN (a redirect to the sign-in page), or REDIRECT (any other
redirect). An outsider to the data (another organization's member, an auditor who is not
assigned) gets 404, never 403: DESIGN §3.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("matrix_media")]

ROLES = ("visitor", "other", "member", "owner", "idle_auditor", "auditor", "office", "core_team")
# Who plays each role in the world of tests/trust/conftest.py.
PLAYERS = {
    "visitor": None,
    "other": "charlie",  # owner of Beta, the other organization
    "member": "bob",  # plain member of Alpha
    "owner": "alice",  # owner of Alpha
    "idle_auditor": "idle",  # qualified auditor, not assigned to Alpha's audit
    "auditor": "lead",  # lead auditor assigned to Alpha's product audit
    "office": "office",  # CPO office, with a TOTP authenticator
    "core_team": "dora",  # elected to the Core Team; owner of Gamma
}

LOGIN = "login"
REDIRECT = "redirect"


@dataclass(frozen=True)
class Route:
    key: str  # URL name (namespace:name), or the route itself when unnamed
    name: str | None
    route: str  # the pattern as written, e.g. "o/<slug:org_slug>/"
    params: tuple[str, ...]


def _route_text(pattern: Any) -> str:
    return str(pattern)


def walk(patterns: Any = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URL pattern of the portal, from the resolver, recursively."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        route = prefix + _route_text(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
            yield Route(key=name or route, name=name, route=route, params=params)


# --- Filling the URL parameters from the world ---------------------------------------------


def _defaults(w: Any) -> dict[str, Any]:
    """The value of each URL parameter, unless the route's own entry says otherwise."""
    published = w.catalogue.criteria.order_by("pk").first()
    return {
        "org_slug": w.alpha.slug,
        "slug": w.alpha.slug,
        "kind": "organizational",
        "id": w.application.pk,
        "pk": w.application.pk,
        "criterion_id": w.criterion.pk,
        "evidence_id": w.evidence.pk,
        "finding_id": w.finding.pk,
        "assignment_id": w.assignment.pk,
        "conflict_id": w.conflict.pk,
        "objection_id": w.objection.pk,  # Audit plans (plans): Alpha's pending objection
        "appeal_id": w.appeal.pk,  # Appeals (appeals): Alpha's open appeal
        "cid": w.clarification.pk,  # Clarification requests (clarifications): the lead's
        "wid": w.working_paper.pk,  # Working papers (working_papers): the lead's, with a file
        # Auditor competence (auditors): the lead's pending renewal with its evidence file.
        "qualification_id": w.qualification.pk,
        "auditor_id": w.lead_auditor.pk,
        "number": w.certificate.number,
        "year": w.election.year,
        "version": w.catalogue.code,
        "code": published.code,
        "fmt": "yaml",
        "group": "it_customer",
        "registration_pk": w.registration.pk,
        "token": w.invitation_token,
        "key": "no-such-key",
        "uidb36": "0",
        "object_id": str(w.users["alice"].pk),
        "content_type_id": "1",
        "app_label": "accounts",
        "url": "no/such/page/",
    }


def _overrides(w: Any) -> dict[str, dict[str, Any]]:
    """Parameters that mean another row on some routes: by URL name or name prefix."""
    draft = w.draft_catalogue
    statement_criterion = w.alpha_signee.catalogue_version.criteria.order_by("pk").first()
    return {
        "accounts:office_person": {"pk": w.users["bob"].pk},
        # Staff (accounts): the lead auditor (of an open audit), the pending invitation.
        "accounts:office_staff_member": {"pk": w.users["lead"].pk},
        "accounts:office_staff_invitation_": {"pk": w.staff_invitation.pk},
        "accounts:staff_invitation_accept": {"token": w.staff_invitation_token},
        # Notifications: alice's one-click unsubscribe link of her weekly digest.
        "notifications:unsubscribe": {"token": _unsubscribe_token(w)},
        "tenancy:member_": {"pk": w.bob_membership.pk},
        "tenancy:ownership_transfer": {"pk": w.bob_membership.pk},
        "tenancy:invitation_revoke": {"pk": w.invitation.pk},
        "documents:": {"pk": w.certificate_pdf.pk},
        "certification:evidence_download": {"pk": w.evidence.pk},
        "certification:plan_version": {"number": w.plan.number},  # Audit plans (plans)
        # The certification agreement (agreements): version 1 in force (Alpha accepted it),
        # the draft of version 2 where it is edited and published.
        "certification:agreement_acceptance": {"pk": w.agreement_acceptance.pk},
        "certification:office_agreement": {"number": w.agreement.number},
        "certification:office_agreement_edit": {"number": w.agreement_draft.number},
        "certification:office_agreement_publish": {"number": w.agreement_draft.number},
        "certification:office_agreement_acceptance": {"pk": w.agreement_acceptance.pk},
        "certification:certificate": {"pk": w.certificate.pk},
        "certification:office_certificate": {"pk": w.certificate.pk, "action": "suspend"},
        "certification:office_open_surveillance": {"pk": w.certificate.pk},
        # Complaints (complaints): the visitor's complaint, its note form.
        "certification:office_complaint": {"pk": w.complaint.pk, "action": "note"},
        "community:office_membership": {"pk": w.alpha_membership.pk},
        "community:office_member_list": {"pk": w.membership_import.pk},
        "community:office_conference": {"pk": w.conference.pk},
        "community:office_registration_cancel": {"pk": w.conference.pk},
        "community:org_registration_cancel": {"pk": w.registration.pk},
        "community:office_election": {"pk": w.election.pk},
        "community:nomination": {"pk": w.candidate.pk},
        "community:proposal": {"pk": w.proposal.pk},
        "community:report_section": {"pk": w.report_section.pk},
        # The annual report's review: the section's comments, Dora's comment, a draft picture.
        "community:report_comments": {"pk": w.report_section.pk},
        "community:report_comment_": {"pk": w.report_comment.pk},
        "community:report_image": {"pk": w.report_image.pk},
        "signees:office_": {"pk": w.alpha_signee.pk, "action": "approve"},
        "signees:statement_answer": {"criterion_id": statement_criterion.pk},
        "signees:statement_version": {"number": w.statement.number},
        "signees:statement_file": {"number": w.statement.number},
        "signees:public_statement_": {"number": w.statement.number},
        "criteria:": {"kind": "organizational", "language": "en"},
        "criteria:office_": {
            "code": draft.code,
            "kind": "organizational",
            "pk": draft.criteria.order_by("pk").first().pk,
        },
        "criteria:office_category_edit": {
            "code": draft.code,
            "pk": draft.categories.order_by("pk").first().pk,
        },
        "criteria:office_mapping_edit": {
            "code": draft.code,
            "kind": "organizational",
            "pk": _draft_assessment_criterion(draft).pk,
        },
        "api:community-registration-cancel": {"id": w.registration.pk},
        "api:community-nomination-answer": {"id": w.candidate.pk},
        "api:community-proposal": {"id": w.proposal.pk},
        "api:office-certificate-": {"number": w.certificate.number},
        "api:certificate": {"number": w.certificate.number},
    }


def _unsubscribe_token(w: Any) -> str:
    from cpo_portal.notifications.kinds import DIGEST
    from cpo_portal.notifications.services import unsubscribe_token

    return unsubscribe_token(user=w.users["alice"], kind=DIGEST)


def _draft_assessment_criterion(draft: Any) -> Any:
    from criteria.models import AssessmentCriterion

    return AssessmentCriterion.objects.filter(scheme__version=draft).order_by("pk").first()


def _variants(w: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """The same route asked for a second row: drafts, other documents, the ballot receipt."""
    draft = w.draft_catalogue
    draft_criterion = draft.criteria.order_by("pk").first()
    draft_version = {"version": draft.code}
    statement_draft = {"number": w.statement_draft.number}
    return {
        "documents:detail": {
            "audit_report": {"pk": w.audit_report_pdf.pk},
            "statement": {"pk": w.statement_pdf.pk},
        },
        "documents:download": {
            "audit_report": {"pk": w.audit_report_pdf.pk},
            "statement": {"pk": w.statement_pdf.pk},
        },
        "documents:office_download": {"audit_report": {"pk": w.audit_report_pdf.pk}},
        # The assigned auditor's past audit (decided): read-only, the working routes closed.
        **{
            f"certification:{name}": {"past": {"pk": w.decided_application.pk}}
            for name in (
                "audit",
                "audit_report_pdf",
                "audit_summary",
                "finding_new",
                "audit_report",
                "audit_decline",
                "audit_plan",  # Audit plans (plans)
                "audit_clarifications",  # clarifications: read after the case ended
                "audit_working_papers",  # working_papers: read after the case ended
            )
        },
        # The certification agreement (agreements): the draft read; the published version
        # sent back from its edit page (it never changes).
        "certification:office_agreement": {"draft": {"number": w.agreement_draft.number}},
        "certification:office_agreement_edit": {"published": {"number": w.agreement.number}},
        "signees:statement_version": {"draft": statement_draft},
        "signees:statement_file": {"draft": statement_draft},
        "signees:public_statement_version": {"draft": statement_draft},
        "signees:public_statement_pdf": {"draft": statement_draft},
        "criteria:catalogue": {"draft": draft_version},
        "criteria:catalogue_pdf": {"draft": draft_version},
        "criteria:scheme": {"draft": draft_version},
        "criteria:criterion": {"draft": {**draft_version, "code": draft_criterion.code}},
        "api:catalogue-version": {"draft": draft_version},
        "api:catalogue-categories": {"draft": draft_version},
        "api:catalogue-criteria": {"draft": draft_version},
        "api:catalogue-schemes": {"draft": draft_version},
        "api:catalogue-criterion": {"draft": {**draft_version, "code": draft_criterion.code}},
        "community:election_receipt": {"code": {"?": f"code={w.receipt}"}},
        # A forged unsubscribe token: nothing to see, nothing changed.
        "notifications:unsubscribe": {"forged": {"token": "forged.token"}},
        "api:community-receipt": {"code": {"?": f"code={w.receipt}"}},
    }


def _fill(route: Route, values: dict[str, Any]) -> str:
    kwargs = {p: values[p] for p in route.params}
    if route.name:
        return reverse(route.name, kwargs=kwargs or None)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route.route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "")


def _values_for(key: str, defaults: dict, overrides: dict) -> dict[str, Any]:
    values = dict(defaults)
    # Longer prefixes are more specific: applied last.
    for prefix in sorted(overrides, key=len):
        if key.startswith(prefix):
            values.update(overrides[prefix])
    return values


def matrix_urls(w: Any) -> dict[str, str]:
    """{key: URL} for every route, and every variant as "key[variant]"."""
    defaults, overrides, variants = _defaults(w), _overrides(w), _variants(w)
    urls = {}
    for route in walk():
        values = _values_for(route.key, defaults, overrides)
        urls[route.key] = _fill(route, values)
        for label, extra in variants.get(route.key, {}).items():
            query = extra.get("?")
            url = _fill(route, {**values, **{k: v for k, v in extra.items() if k != "?"}})
            urls[f"{route.key}[{label}]"] = f"{url}?{query}" if query else url
    return urls


def _outcome(response: Any) -> int | str:
    if response.status_code in (301, 302, 303, 307, 308):
        return LOGIN if response["Location"].startswith("/accounts/login/") else REDIRECT
    return response.status_code


def _client_for(role: str, w: Any) -> Client:
    client = Client(raise_request_exception=False)
    if PLAYERS[role]:
        client.force_login(w.users[PLAYERS[role]])
    return client


# --- The table --------------------------------------------------------------------------
# Columns, in this order:
#    visitor, other org, member, owner, idle auditor, assigned auditor, office, Core Team
PUBLIC = (200, 200, 200, 200, 200, 200, 200, 200)
NOBODY = (404, 404, 404, 404, 404, 404, 404, 404)  # drafts, unpublished: not on public routes
POST_ONLY = (405, 405, 405, 405, 405, 405, 405, 405)  # refused before anything is looked up
SIGNED_IN = (LOGIN, 200, 200, 200, 200, 200, 200, 200)  # one's own account and lists
WORKSPACE = (LOGIN, 404, 200, 200, 404, 404, 404, 404)  # read by every member of Alpha
WORKSPACE_ADMIN = (LOGIN, 404, 403, 200, 404, 404, 404, 404)  # owners and admins act
WORKSPACE_POST = (LOGIN, 404, 405, 405, 404, 404, 404, 404)
AUDITORS = (LOGIN, 404, 404, 404, 200, 200, 404, 404)  # an auditor's own list and profile
ASSIGNED = (LOGIN, 404, 404, 404, 404, 200, 404, 404)  # the assigned auditor only
CLOSED = (LOGIN, 404, 404, 404, 404, 404, 404, 404)  # nobody: e.g. a past audit's working routes
OFFICE = (LOGIN, 404, 404, 404, 404, 404, 200, 404)
OFFICE_POST = (LOGIN, 404, 404, 404, 404, 404, 405, 404)
REPORT_EDITORS = (LOGIN, 404, 404, 404, 404, 404, 200, 200)  # the Core Team and the office
# The API answers an anonymous request with 401 where it requires a signed-in user.
API_SIGNED_IN = (401, 200, 200, 200, 200, 200, 200, 200)
API_WORKSPACE = (401, 404, 200, 200, 404, 404, 404, 404)
API_POST_ONLY = (401, 405, 405, 405, 405, 405, 405, 405)
API_AUDITORS = (401, 404, 404, 404, 200, 200, 404, 404)
API_ASSIGNED = (401, 404, 404, 404, 404, 200, 404, 404)
API_AUDIT_POST = (401, 404, 404, 404, 405, 405, 404, 404)
API_OFFICE = (401, 404, 404, 404, 404, 404, 200, 404)
API_OFFICE_POST = (401, 404, 404, 404, 404, 404, 405, 404)
# No role of the matrix is Django staff: the admin sends every one of them to its sign-in.
ADMIN = (REDIRECT,) * 8
SIGNED_OUT_ONLY = (200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)
ACCOUNT_STEP = (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)

EXPECTED: dict[str, tuple[int | str, ...]] = {
    # The floor
    "home": PUBLIC,
    "healthz": PUBLIC,
    "favicon": (REDIRECT,) * 8,  # to the static icon, for everyone
    "dashboard": SIGNED_IN,
    "office_home": OFFICE,
    "set_language": ADMIN,  # a redirect back, for everyone
    "accounts:api_token": SIGNED_IN,
    "accounts:profile": SIGNED_IN,
    # The office's people pages: a person's data on request (GDPR export and erasure).
    "accounts:office_people": OFFICE,
    "accounts:office_person": OFFICE,
    "accounts:office_person_export": OFFICE_POST,
    "accounts:office_person_erase": OFFICE,
    # The office's staff and auditors: every office member reads; the administrator acts
    # (the matrix's office holds all three roles; tests/accounts/test_staff_views.py has
    # each role). Deactivating the lead auditor of an open audit: the page says why not.
    "accounts:office_staff": OFFICE,
    "accounts:office_staff_invite": OFFICE,
    "accounts:office_staff_invitations": OFFICE,
    "accounts:office_staff_invitation_resend": OFFICE_POST,
    "accounts:office_staff_invitation_revoke": OFFICE_POST,
    "accounts:office_staff_member": OFFICE,
    "accounts:office_staff_member_roles": OFFICE_POST,
    "accounts:office_staff_member_deactivate": OFFICE,
    "accounts:office_staff_member_reactivate": OFFICE,
    # The token is the secret: its holder reads the invitation, signed in or not (anyone
    # but the invitee is told it was sent to another address).
    "accounts:staff_invitation_accept": PUBLIC,
    # Accounts (allauth): each person's own account only.
    "account_login": SIGNED_OUT_ONLY,
    "account_logout": (REDIRECT, 200, 200, 200, 200, 200, 200, 200),
    "account_inactive": PUBLIC,
    "account_signup": SIGNED_OUT_ONLY,
    "account_reauthenticate": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_email_verification_sent": PUBLIC,
    "account_change_password": SIGNED_IN,
    "account_set_password": ACCOUNT_STEP,  # everyone here has a password
    "account_reset_password": PUBLIC,
    "account_confirm_login_code": ACCOUNT_STEP,
    "account_confirm_email": PUBLIC,  # an unknown key: the page says so
    "account_reset_password_from_key_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,  # an unknown key: the page says so
    "account_reset_password_done": PUBLIC,
    "mfa_index": SIGNED_IN,
    "mfa_authenticate": ACCOUNT_STEP,
    # Only those with an authenticator (auditors, office) re-authenticate with it.
    "mfa_reauthenticate": (LOGIN, REDIRECT, REDIRECT, REDIRECT, 200, 200, 200, REDIRECT),
    "mfa_activate_totp": ACCOUNT_STEP,
    "mfa_deactivate_totp": (LOGIN, 404, 404, 404, REDIRECT, REDIRECT, REDIRECT, 404),
    "mfa_view_recovery_codes": (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    "mfa_generate_recovery_codes": ACCOUNT_STEP,
    "mfa_download_recovery_codes": (LOGIN, 404, 404, 404, 404, 404, 404, 404),
    # Tenancy
    "tenancy:list": SIGNED_IN,
    "tenancy:create": SIGNED_IN,
    "tenancy:home": WORKSPACE,
    "tenancy:edit": WORKSPACE_ADMIN,
    "tenancy:members": WORKSPACE,
    "tenancy:member_role": WORKSPACE_POST,
    "tenancy:member_remove": WORKSPACE_POST,
    "tenancy:ownership_transfer": WORKSPACE_POST,
    "tenancy:leave": WORKSPACE_POST,
    "tenancy:invitation_revoke": WORKSPACE_POST,
    # The token is the secret: its holder reads the invitation, signed in or not.
    "tenancy:invitation_accept": PUBLIC,
    "activity:organization": WORKSPACE_ADMIN,
    "activity:office": OFFICE,
    # Notifications: one's own settings; the unsubscribe link's token is the secret (its GET
    # only asks, whoever holds it; a forged token finds nothing); the office's record.
    "notifications:settings": SIGNED_IN,
    "notifications:unsubscribe": PUBLIC,
    "notifications:unsubscribe[forged]": NOBODY,
    "notifications:office": OFFICE,
    # Documents: the certificate PDF, the draft audit report, the statement PDF.
    "documents:list": WORKSPACE,
    "documents:detail": WORKSPACE,
    "documents:detail[audit_report]": WORKSPACE,
    "documents:detail[statement]": WORKSPACE,
    "documents:download": WORKSPACE,
    "documents:download[audit_report]": WORKSPACE,
    "documents:download[statement]": WORKSPACE,
    "documents:rerender": WORKSPACE_POST,
    "documents:activity_pdf": WORKSPACE_POST,
    "documents:office_download": OFFICE,
    "documents:office_download[audit_report]": OFFICE,
    # API of the floor
    "api:me": API_SIGNED_IN,
    "api:organizations": API_SIGNED_IN,  # one's own organizations
    "api:organization-members": API_WORKSPACE,
    "schema": PUBLIC,
    "api-docs": PUBLIC,
    # Criteria: the published catalogue is public, a draft version is nobody's business.
    "criteria:current": PUBLIC,
    "criteria:versions": PUBLIC,
    "criteria:diff": PUBLIC,
    "criteria:catalogue": PUBLIC,
    "criteria:catalogue[draft]": NOBODY,
    # The printable edition: public; the first request has it rendered (202 until ready).
    "criteria:catalogue_pdf": (202, 202, 202, 202, 202, 202, 202, 202),
    "criteria:catalogue_pdf[draft]": NOBODY,
    "criteria:scheme": PUBLIC,
    "criteria:scheme[draft]": NOBODY,
    "criteria:criterion": PUBLIC,
    "criteria:criterion[draft]": NOBODY,
    "criteria:office_versions": OFFICE,
    "criteria:office_import": OFFICE,
    "criteria:office_new_draft": OFFICE,
    "criteria:office_version": OFFICE,
    "criteria:office_publish": OFFICE,
    # A draft cannot be retired: the office is sent back to the version.
    "criteria:office_retire": (LOGIN, 404, 404, 404, 404, 404, REDIRECT, 404),
    "criteria:office_export": OFFICE,
    "criteria:office_category_edit": OFFICE,
    "criteria:office_criterion_add": OFFICE,
    "criteria:office_criterion_edit": OFFICE,
    "criteria:office_criterion_delete": OFFICE,
    "criteria:office_scheme_edit": OFFICE,
    "criteria:office_mapping_edit": OFFICE,
    "api:catalogue-versions": PUBLIC,
    "api:catalogue-version": PUBLIC,
    "api:catalogue-version[draft]": NOBODY,
    "api:catalogue-categories": PUBLIC,
    "api:catalogue-categories[draft]": NOBODY,
    "api:catalogue-criteria": PUBLIC,
    "api:catalogue-criteria[draft]": NOBODY,
    "api:catalogue-criterion": PUBLIC,
    "api:catalogue-criterion[draft]": NOBODY,
    "api:catalogue-schemes": PUBLIC,
    "api:catalogue-schemes[draft]": NOBODY,
    "api:catalogue-diff": (400,) * 8,  # needs ?from=&to=
    # Signees and statements: the published statement is public, the draft v2 is not.
    "signees:list": PUBLIC,
    "signees:export_csv": PUBLIC,
    "signees:export_json": PUBLIC,
    "signees:export_xlsx": PUBLIC,  # exports
    "signees:office_export_csv": OFFICE,  # exports: the review list
    "signees:office_export_xlsx": OFFICE,
    "signees:detail": PUBLIC,
    "signees:sign_start": PUBLIC,
    # Alpha has signed: its owner is sent to the status page.
    "signees:sign": (LOGIN, 404, 403, REDIRECT, 404, 404, 404, 404),
    "signees:status": WORKSPACE,
    "signees:resubmit": WORKSPACE_POST,
    "signees:change_group": WORKSPACE_ADMIN,
    "signees:withdraw": WORKSPACE_ADMIN,
    "signees:logo_pack": WORKSPACE,
    "signees:statement": WORKSPACE,
    "signees:statement_start": WORKSPACE_POST,
    "signees:statement_draft": WORKSPACE,
    "signees:statement_answer": WORKSPACE_POST,
    "signees:statement_summary": WORKSPACE_POST,
    "signees:statement_kind": WORKSPACE_POST,
    "signees:statement_link": WORKSPACE_POST,
    "signees:statement_upload": WORKSPACE_POST,
    "signees:statement_publish": WORKSPACE_ADMIN,
    "signees:statement_discard": WORKSPACE_POST,
    "signees:statement_version": WORKSPACE,
    "signees:statement_version[draft]": WORKSPACE,
    "signees:statement_file": WORKSPACE,
    "signees:statement_file[draft]": (LOGIN, 404, 404, 404, 404, 404, 404, 404),  # no PDF yet
    "signees:public_statement": PUBLIC,
    "signees:public_statement_version": PUBLIC,
    "signees:public_statement_version[draft]": NOBODY,
    "signees:public_statement_pdf": PUBLIC,
    "signees:public_statement_pdf[draft]": NOBODY,
    "signees:office_list": OFFICE,
    "signees:office_detail": OFFICE,
    "signees:office_decide": OFFICE_POST,
    "api:signees": PUBLIC,
    "api:signee": PUBLIC,
    "api:organization-signing": API_WORKSPACE,
    "api:organization-statement": API_WORKSPACE,
    # Certification: the company's side (the product application in audit).
    "certification:applications": WORKSPACE,
    "certification:application_new": WORKSPACE_ADMIN,
    "certification:application": WORKSPACE,
    # In audit, the application can no longer be edited: the owner is sent back.
    "certification:application_edit": (LOGIN, 404, 403, REDIRECT, 404, 404, 404, 404),
    "certification:application_submit": WORKSPACE_POST,
    "certification:application_withdraw": WORKSPACE_ADMIN,
    "certification:self_assessment": WORKSPACE,
    # A confirmation page (what submitting does) for the owner; the POST submits.
    "certification:self_assessment_submit": WORKSPACE_ADMIN,
    "certification:self_assessment_answer": WORKSPACE_POST,
    "certification:evidence_add": WORKSPACE_POST,
    "certification:evidence_remove": WORKSPACE_POST,
    "certification:finding_answer": WORKSPACE,
    "certification:finding_evidence_add": WORKSPACE_POST,
    # The evidence file: the company, the assigned auditor and the deciding office.
    "certification:evidence_download": (LOGIN, 404, 200, 200, 404, 200, 200, 404),
    # The auditor's side
    "certification:audits": AUDITORS,
    "certification:auditor_profile": AUDITORS,
    "certification:conflict_remove": POST_ONLY,
    "certification:audit": ASSIGNED,
    "certification:audit[past]": ASSIGNED,  # the decided audit stays readable, read-only
    "certification:score_save": POST_ONLY,
    "certification:audit_summary": ASSIGNED,
    "certification:audit_summary[past]": CLOSED,
    "certification:finding_new": ASSIGNED,
    "certification:finding_new[past]": CLOSED,
    "certification:finding_close": POST_ONLY,
    "certification:finding_reopen": POST_ONLY,
    "certification:request_corrections": POST_ONLY,
    "certification:resume_audit": POST_ONLY,
    "certification:audit_report": ASSIGNED,
    "certification:audit_report[past]": CLOSED,
    "certification:audit_report_pdf": ASSIGNED,
    "certification:audit_report_pdf[past]": ASSIGNED,  # their own report, kept
    "certification:audit_decline": ASSIGNED,
    "certification:audit_decline[past]": CLOSED,
    # The office's side
    "certification:office_applications": OFFICE,
    "certification:office_grants": OFFICE,
    "certification:office_auditors": OFFICE,
    "certification:office_application": OFFICE,
    "certification:office_review": OFFICE_POST,
    "certification:office_assign": OFFICE,  # the choice, with why not; POST assigns
    "certification:office_assignment_end": OFFICE_POST,
    "certification:office_decide": OFFICE,
    "certification:office_reopen": OFFICE_POST,
    "certification:office_score_history": OFFICE,
    "certification:office_certificates": OFFICE,
    "certification:office_certificates_attention": OFFICE,
    "certification:office_certification_policy": OFFICE,
    "certification:office_certificate": OFFICE,
    "certification:office_open_surveillance": OFFICE_POST,
    # Suspend, withdraw: a confirmation page (GET), whose form POSTs the step.
    "certification:office_certificate_action": OFFICE,
    # Audit plans and objections (plans): Alpha's product audit has a sent plan and Alpha's
    # pending objection to the lead. The team reads the plan; the lead drafts (no draft yet:
    # the page offers to start one; sending it sends you back to the plan). The company's
    # members read it; its owners and admins confirm or object (the confirmation page shows
    # while the objection waits; the service refuses the confirmation itself).
    "certification:plan": WORKSPACE,
    "certification:plan_version": WORKSPACE,
    "certification:plan_confirm": WORKSPACE_ADMIN,
    "certification:plan_object": WORKSPACE_ADMIN,
    "certification:audit_plan": ASSIGNED,
    "certification:audit_plan[past]": CLOSED,
    "certification:audit_plan_draft": ASSIGNED,
    "certification:audit_plan_send": (LOGIN, 404, 404, 404, 404, REDIRECT, 404, 404),
    "certification:office_objections": OFFICE,
    "certification:office_plan": OFFICE,
    "certification:office_plan_draft": OFFICE,
    "certification:office_plan_send": (LOGIN, 404, 404, 404, 404, 404, REDIRECT, 404),
    "certification:office_objection": OFFICE,
    # Deadlines, policy, to-do lists, confirmations (deadlines)
    "certification:office_deadlines": OFFICE,
    # Complaints (complaints): anyone complains; the office reads, reviewers act.
    "certification:complaint_new": PUBLIC,
    "certification:complaint_received": PUBLIC,
    "certification:office_complaints": OFFICE,
    "certification:office_complaint": OFFICE,
    "certification:office_complaint_action": OFFICE,
    # Clarification requests (clarifications): the assigned auditor asks, replies, closes (a
    # confirmation page); members read, owners and admins answer (POST); the office reads.
    "certification:audit_clarifications": ASSIGNED,
    "certification:audit_clarifications[past]": ASSIGNED,
    "certification:audit_clarification_new": ASSIGNED,
    "certification:audit_clarification": ASSIGNED,
    "certification:audit_clarification_reply": POST_ONLY,
    "certification:audit_clarification_close": ASSIGNED,
    "certification:clarifications": WORKSPACE,
    "certification:clarification": WORKSPACE,
    "certification:clarification_answer": WORKSPACE_POST,
    "certification:office_clarifications": OFFICE,
    # Working papers (working_papers): the audit team and the office only, never the
    # company; the author deletes (a confirmation page); files through checked views.
    "certification:audit_working_papers": ASSIGNED,
    "certification:audit_working_papers[past]": ASSIGNED,
    "certification:audit_working_paper_new": ASSIGNED,
    "certification:audit_working_paper": ASSIGNED,
    "certification:audit_working_paper_delete": ASSIGNED,
    "certification:audit_working_paper_file": ASSIGNED,
    "certification:office_working_papers": OFFICE,
    "certification:office_working_paper": OFFICE,
    "certification:office_working_paper_file": OFFICE,
    # Findings in steps (findings): the finding with its history, for the assigned auditor
    # (verify / send back on POST to finding_close / finding_reopen) and every office member.
    "certification:audit_finding": ASSIGNED,
    "certification:office_finding": OFFICE,
    # Appeals (appeals): members read Alpha's appeals; owners and admins file and withdraw
    # (a confirmation page); every office member reads; the decision takes a POST only.
    "certification:appeals": WORKSPACE,
    "certification:appeal_new": WORKSPACE_ADMIN,
    "certification:appeal": WORKSPACE,
    "certification:appeal_withdraw": WORKSPACE_ADMIN,
    "certification:office_appeals": OFFICE,
    "certification:office_appeal": OFFICE,
    "certification:office_appeal_assign": OFFICE,
    "certification:office_appeal_decide": OFFICE_POST,
    "certification:office_appeal_follow_up": OFFICE,
    # The certification agreement (agreements): members read; owners and admins accept (Alpha
    # has accepted the version in force: its owner is sent back to the agreement page). Every
    # office member reads the versions; a draft exists, so "new" leads to it.
    "certification:agreement": WORKSPACE,
    "certification:agreement_accept": (LOGIN, 404, 403, REDIRECT, 404, 404, 404, 404),
    "certification:agreement_acceptance": WORKSPACE,
    "certification:office_agreements": OFFICE,
    "certification:office_agreement_new": (LOGIN, 404, 404, 404, 404, 404, REDIRECT, 404),
    "certification:office_agreement": OFFICE,
    "certification:office_agreement[draft]": OFFICE,
    "certification:office_agreement_edit": OFFICE,
    "certification:office_agreement_edit[published]": (
        LOGIN,
        404,
        404,
        404,
        404,
        404,
        REDIRECT,
        404,
    ),
    "certification:office_agreement_publish": OFFICE,
    "certification:office_agreement_acceptance": OFFICE,
    # The seal: public
    "certification:seal": PUBLIC,
    "certification:seal_feed": PUBLIC,
    "certification:seal_csv": PUBLIC,
    "certification:seal_xlsx": PUBLIC,  # exports
    "certification:office_applications_csv": OFFICE,  # exports
    "certification:office_applications_xlsx": OFFICE,
    "certification:office_certificates_csv": OFFICE,
    "certification:office_certificates_xlsx": OFFICE,
    "certification:seal_badge": PUBLIC,
    "certification:verify_json": PUBLIC,
    "certification:verify": PUBLIC,
    # signatures: verify by file (GET the form / ?sha256=…; POST the file, CSRF-protected)
    "certification:verify_file": PUBLIC,
    "certification:certificates": WORKSPACE,
    "certification:certificate": WORKSPACE,
    "certification:certificate_recertify": WORKSPACE_ADMIN,
    "api:certification-applications": API_WORKSPACE,
    "api:certification-application": API_WORKSPACE,
    "api:certification-submit": API_POST_ONLY,
    "api:certification-withdraw": API_POST_ONLY,
    "api:certification-self-assessment": API_WORKSPACE,
    "api:certification-self-assessment-submit": API_POST_ONLY,
    "api:certification-answer": API_POST_ONLY,
    "api:certification-evidence-add": API_POST_ONLY,
    "api:certification-evidence": API_POST_ONLY,
    "api:certification-finding-answer": API_POST_ONLY,
    "api:certification-finding-evidence": API_POST_ONLY,
    # Audit plans and objections (plans): members read; owners and admins confirm, object.
    "api:certification-plan": API_WORKSPACE,
    "api:certification-plan-confirm": API_POST_ONLY,
    "api:certification-plan-objections": API_POST_ONLY,
    # Appeals (appeals): members read; owners and admins file (POST on the list).
    "api:certification-appeals": API_WORKSPACE,
    "api:certification-appeal-decisions": API_WORKSPACE,
    "api:certification-appeal": API_WORKSPACE,
    "api:audits": API_AUDITORS,
    "api:audit": API_ASSIGNED,
    "api:audit-score": API_AUDIT_POST,
    "api:audit-findings": API_AUDIT_POST,
    "api:audit-finding-close": API_AUDIT_POST,
    "api:audit-finding-reopen": API_AUDIT_POST,
    "api:audit-corrections": API_AUDIT_POST,
    "api:audit-resume": API_AUDIT_POST,
    "api:audit-report": API_AUDIT_POST,
    "api:audit-decline": API_AUDIT_POST,
    # The auditor's own profile: every auditor reads their own; the writes take no GET.
    "api:audit-profile": API_AUDITORS,
    "api:audit-profile-qualifications": API_AUDITORS,  # one's own rows; POST applies
    "api:audit-profile-conflicts": API_AUDIT_POST,
    "api:audit-profile-conflict": API_AUDIT_POST,
    "api:office-applications": API_OFFICE,
    "api:office-application": API_OFFICE,
    "api:office-accept": API_OFFICE_POST,
    "api:office-return": API_OFFICE_POST,
    "api:office-reject": API_OFFICE_POST,
    "api:office-reopen": API_OFFICE_POST,
    "api:office-assignments": API_OFFICE_POST,
    "api:office-assignment-end": API_OFFICE_POST,
    "api:office-decide": API_OFFICE_POST,
    "api:office-score-history": API_OFFICE,
    "api:office-grants": API_OFFICE,
    "api:certificates": PUBLIC,
    "api:certificate": PUBLIC,
    "api:office-certificate-suspend": API_OFFICE_POST,
    "api:office-certificate-reinstate": API_OFFICE_POST,
    "api:office-certificate-withdraw": API_OFFICE_POST,
    # Auditor competence (auditors): every auditor applies for their own qualifications; the
    # lead's application is theirs alone (withdraw, evidence); the office decides.
    "certification:qualification_apply": AUDITORS,
    "certification:qualification_withdraw": (LOGIN, 404, 404, 404, 404, 200, 404, 404),
    "certification:qualification_evidence": (LOGIN, 404, 404, 404, 404, 200, 404, 404),
    "certification:office_auditor": OFFICE,
    "certification:office_qualification_queue": OFFICE,
    "certification:office_qualification": OFFICE,
    "certification:office_qualification_evidence": OFFICE,
    "api:audit-profile-qualification-withdraw": API_AUDIT_POST,
    "api:office-qualifications": API_OFFICE,
    "api:office-qualification-approve": API_OFFICE_POST,
    "api:office-qualification-refuse": API_OFFICE_POST,
    "api:office-qualification-revoke": API_OFFICE_POST,
    # Community
    "community:home": PUBLIC,
    "community:org_community": WORKSPACE,
    "community:org_membership": WORKSPACE_ADMIN,
    "community:office_memberships": OFFICE,
    "community:office_memberships_all": OFFICE,
    "community:office_membership": OFFICE,
    "community:office_membership_verify": OFFICE_POST,
    "community:office_membership_reject": OFFICE_POST,
    # The prostep ivip member list (membership): the office uploads, checks the dry run, applies.
    "community:office_member_list_import": OFFICE,
    "community:office_member_list": OFFICE,
    "community:office_member_list_apply": OFFICE_POST,
    "community:office_member_list_rerun": OFFICE_POST,
    "community:conference": PUBLIC,
    "community:conference_year": PUBLIC,
    "community:conference_ics": PUBLIC,
    "community:org_register": WORKSPACE,
    "community:org_registration_cancel": WORKSPACE_POST,
    "community:office_conferences": OFFICE,
    "community:office_conference_create": OFFICE,
    "community:office_conference": OFFICE,
    "community:office_conference_edit": OFFICE,
    "community:office_conference_publish": OFFICE_POST,
    "community:office_conference_csv": OFFICE,
    "community:office_conference_xlsx": OFFICE,  # exports
    "community:office_memberships_csv": OFFICE,  # exports
    "community:office_memberships_xlsx": OFFICE,
    "community:office_election_participation_csv": OFFICE,  # exports: who voted, never how
    "community:office_election_participation_xlsx": OFFICE,
    "community:office_registration_cancel": OFFICE_POST,
    # Elections: Alpha's ballot is cast; the ballot page is its admins'.
    "community:office_elections": OFFICE,
    "community:office_election_create": OFFICE,
    "community:office_election": OFFICE,
    "community:office_election_tally": OFFICE_POST,
    "community:office_election_tie": OFFICE_POST,
    "community:office_election_publish": OFFICE_POST,
    "community:org_elections": WORKSPACE,
    "community:org_nominate": WORKSPACE_ADMIN,
    "community:org_ballot": WORKSPACE_ADMIN,
    "community:nomination": (LOGIN, 404, 404, 404, 404, 404, 404, 200),  # the nominee's own
    "community:core_team": PUBLIC,
    "community:election": PUBLIC,
    "community:election_receipt": PUBLIC,  # says whether a receipt was counted, nothing more
    "community:election_receipt[code]": PUBLIC,
    "community:proposals": PUBLIC,
    "community:proposal": PUBLIC,
    "community:proposal_comment": POST_ONLY,
    "community:proposal_move": POST_ONLY,
    "community:org_proposals": WORKSPACE,
    "community:org_proposal_submit": WORKSPACE,
    # Reports: this year's is a draft: not public, only its editors see it.
    "community:reports": PUBLIC,
    "community:report": NOBODY,
    "community:report_pdf": NOBODY,
    "community:report_drafts": REPORT_EDITORS,
    "community:report_edit": REPORT_EDITORS,
    "community:report_section_new": REPORT_EDITORS,
    "community:report_section": REPORT_EDITORS,
    "community:report_section_delete": POST_ONLY,
    "community:report_snapshot": POST_ONLY,
    "community:report_render": POST_ONLY,
    "community:report_status": (LOGIN, 404, 404, 404, 404, 404, REDIRECT, REDIRECT),
    "community:report_draft_pdf": (LOGIN, 404, 404, 404, 404, 404, 404, 404),  # not rendered
    "community:report_publish": POST_ONLY,
    "community:report_ready": POST_ONLY,  # the Core Team's "ready for review"
    "community:report_image_new": REPORT_EDITORS,
    "community:report_image_delete": REPORT_EDITORS,  # asks first, deletes on POST
    "community:report_image": (404, 404, 404, 404, 404, 404, 200, 200),  # a draft's picture
    "community:report_comments": REPORT_EDITORS,
    "community:report_comment_resolve": POST_ONLY,
    # Only its author (Dora, of the Core Team) may delete a comment: the office gets 404.
    "community:report_comment_delete": (LOGIN, 404, 404, 404, 404, 404, 404, 200),
    "api:community-conference": PUBLIC,
    "api:community-conference-year": PUBLIC,
    "api:community-membership": API_WORKSPACE,
    "api:community-registrations": API_WORKSPACE,
    "api:community-registration-cancel": API_POST_ONLY,
    "api:community-elections": PUBLIC,
    "api:community-election": PUBLIC,
    "api:community-results": PUBLIC,
    "api:community-receipt": POST_ONLY,
    "api:community-receipt[code]": POST_ONLY,
    "api:community-nomination-answer": API_POST_ONLY,
    "api:community-core-team": PUBLIC,
    "api:community-nominations": API_WORKSPACE,
    "api:community-ballot": API_WORKSPACE,
    "api:community-proposals": PUBLIC,
    "api:community-proposal": PUBLIC,
    "api:community-org-proposals": API_POST_ONLY,
    "api:community-reports": PUBLIC,
    "api:community-report": NOBODY,
}

# Whole families, by prefix of the URL name (or of the route, for unnamed patterns).
EXPECTED_BY_PREFIX: dict[str, tuple[int | str, ...]] = {
    "admin:login": (LOGIN,) * 8,
    "admin:": ADMIN,
    "admin/": ADMIN,
}

# The schema is the same document for everyone and costs seconds to build: two roles ask.
ASKED_BY_FEW = {"schema": ("visitor", "other"), "api-docs": ("visitor", "other")}


def expected_for(key: str) -> tuple[int | str, ...] | None:
    if key in EXPECTED:
        return EXPECTED[key]
    for prefix in sorted(EXPECTED_BY_PREFIX, key=len, reverse=True):
        if key.startswith(prefix):
            return EXPECTED_BY_PREFIX[prefix]
    return None


# --- The sweep ------------------------------------------------------------------------


def _outcome(response: Any) -> int | str:
    if response.status_code in (301, 302, 303, 307, 308):
        return LOGIN if response["Location"].startswith("/accounts/login/") else REDIRECT
    return response.status_code


def _client_for(role: str, world: Any) -> Client:
    client = Client(raise_request_exception=False)
    if PLAYERS[role]:
        client.force_login(world.users[PLAYERS[role]])
    return client


@pytest.fixture(scope="module")
def urls(matrix_world):
    return matrix_urls(matrix_world)


def test_every_route_is_classified(urls):
    assert len(urls) > 400
    assert [key for key in urls if expected_for(key) is None] == []
    assert [key for key in EXPECTED if key not in urls] == [], "rows for routes that are gone"


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, matrix_world, urls):
    column = ROLES.index(role)
    client = _client_for(role, matrix_world)
    wrong = {}
    for key, url in urls.items():
        if role not in ASKED_BY_FEW.get(key, ROLES):
            continue
        row = expected_for(key)
        # The Django admin answers every non-staff role alike (its sign-in): two roles
        # prove it for its ~150 routes, eight would only cost time.
        if row is ADMIN and role not in ("visitor", "office"):
            continue
        expected = row[column]
        got = _outcome(client.get(url))
        if got != expected:
            wrong[key] = f"{url}: expected {expected}, got {got}"
    assert wrong == {}


# --- The API: the resolver and the OpenAPI schema cover each other ---------------------------


@pytest.fixture(scope="module")
def schema_paths(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def _openapi_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _api_routes() -> dict[str, Route]:
    return {_openapi_path(r.route): r for r in walk() if r.route.startswith("api/v1/")}


def test_the_openapi_schema_and_the_url_resolver_list_the_same_api_routes(schema_paths):
    api_routes = _api_routes()
    assert len(api_routes) > 60
    assert sorted(set(schema_paths) - set(api_routes)) == [], "in the schema, not in the URLs"
    assert sorted(set(api_routes) - set(schema_paths)) == [], "in the URLs, not in the schema"
    assert [r.key for r in api_routes.values() if expected_for(r.key) is None] == []


def test_every_read_operation_of_the_schema_is_in_the_matrix_as_readable(schema_paths):
    """A GET operation in the schema is answered, for some role, by something else than 405."""
    api_routes = _api_routes()
    unread = [
        path
        for path, operations in schema_paths.items()
        if "get" in operations and set(EXPECTED[api_routes[path].key]) <= {401, 405}
    ]
    assert unread == []


# --- Writes by outsiders: refused, and nothing changes ----------------------------------------

# Where an outsider must not write: an organization's workspace, the audits, the office, the
# report drafts and the evidence files (HTML and API).
PROTECTED = (
    "/o/",
    "/audit/",
    "/office/",
    "/certification/evidence/",
    "/community/reports/drafts/",
    "/api/v1/organizations/",
    "/api/v1/audits/",
    "/api/v1/office/",
    "/api/v1/community/organizations/",
)
# Their own things, which outsiders may change (none of them Alpha's): their organizations
# (a new one included) and an auditor's own profile and list.
OWN = {
    "other": {"tenancy:list", "tenancy:create"},
    "idle_auditor": {
        "tenancy:list",
        "tenancy:create",
        "certification:audits",
        "certification:auditor_profile",
        "certification:qualification_apply",  # their own application
    },
}
# A form that fits most of the portal's write views: what an attacker would send.
PAYLOAD = {
    "role": "owner",
    "confirm": "on",
    "reason": "Because.",
    "rationale": "Because.",
    "note": "Because.",
    "decision": "grant",
    "recommendation": "grant",
    "summary": "All fine.",
    "rating": "fulfilled",
    "status": "implemented",
    "fulfilment": "fulfilled",
    "explanation": "We do.",
    "corrective_action": "Done.",
    "kind": "minor",
    "description": "A finding.",
    "title": "Hijacked",
    "body": "Hijacked",
    "url": "https://example.org/",
    "accept": "true",
    "auditor": "1",
    "attendee_name": "Mallory",
    "attendee_email": "mallory@example.org",
    "code": "0000-0000-0000-0000",
    "to": "accepted",
    "group": "it_vendor",
}


def _row_counts() -> dict[str, Any]:
    """Rows of the main models, and the states that a write would move."""
    from django.apps import apps
    from django_scopes import scopes_disabled

    from certification.models import Application, Certificate, Finding
    from community.models import AnnualReport, Proposal
    from signees.models import Signee, Statement

    labels = [
        "tenancy.Organization",
        "tenancy.Membership",
        "tenancy.Invitation",
        "signees.Signee",
        "signees.Statement",
        "signees.StatementAnswer",
        "certification.Application",
        "certification.Evidence",
        "certification.Finding",
        "certification.Score",
        "certification.ScoreChange",
        "certification.AuditorAssignment",
        "certification.AuditorConflict",
        "certification.AuditorQualification",
        "certification.AgreementVersion",
        "certification.AgreementAcceptance",
        "certification.Certificate",
        "certification.CertificateEvent",
        "documents.Document",
        "community.AssociationMembership",
        "community.MembershipImport",
        "community.Conference",
        "community.Registration",
        "community.Election",
        "community.Candidate",
        "community.BallotCast",
        "community.Ballot",
        "community.Proposal",
        "community.ProposalComment",
        "community.AnnualReport",
        "community.ReportSection",
        "criteria.CatalogueVersion",
        "criteria.Criterion",
        "activity.ActivityEntry",
    ]
    with scopes_disabled():
        counts: dict[str, Any] = {label: apps.get_model(label).objects.count() for label in labels}
        for model in (Application, Certificate, Finding, Signee, Statement, Proposal):
            counts[f"{model.__name__} states"] = sorted(model.objects.values_list("pk", "status"))
        counts["report published"] = list(AnnualReport.objects.values_list("published_at"))
    return counts


def _writes(urls: dict[str, str], schema_paths: dict) -> list[tuple[str, str, str]]:
    """(key, method, URL) of every write an outsider could try on a protected route."""
    api_methods = {
        route.key: [
            m for m in schema_paths.get(path, {}) if m in ("post", "put", "patch", "delete")
        ]
        for path, route in _api_routes().items()
    }
    writes = []
    for key, url in urls.items():
        if not url.startswith(PROTECTED):
            continue
        base = key.split("[")[0]
        for method in api_methods.get(base) or ["post"]:
            writes.append((key, method, url))
    return writes


@pytest.mark.parametrize("role", ["other", "idle_auditor"])
def test_an_outsider_writes_nothing_anywhere(role, matrix_world, urls, schema_paths):
    client = _client_for(role, matrix_world)
    before = _row_counts()
    answered = {}
    for key, method, url in _writes(urls, schema_paths):
        if key in OWN[role]:
            continue
        if url.startswith("/api/"):
            response = getattr(client, method)(url, PAYLOAD, content_type="application/json")
        else:
            response = getattr(client, method)(url, PAYLOAD)
        answered[(key, method)] = _outcome(response)
    assert len(answered) > 150
    # 405: the route takes no such method at all, whoever asks, whatever the row.
    assert {k: v for k, v in answered.items() if v not in (404, 405)} == {}
    assert _row_counts() == before


def test_the_table_keeps_the_rules_of_design():
    """403 only for Alpha's plain member; outsiders get 200 only on public pages and on
    their own account, organizations and auditor pages."""
    member, outsiders = ROLES.index("member"), (ROLES.index("other"), ROLES.index("idle_auditor"))
    own = {SIGNED_IN, API_SIGNED_IN, AUDITORS, API_AUDITORS}
    for key, row in EXPECTED.items():
        assert [i for i, cell in enumerate(row) if cell == 403 and i != member] == [], key
        if row[0] != 200 and row not in own and key != "account_logout":
            assert [row[i] for i in outsiders if row[i] == 200] == [] or key in {
                "mfa_reauthenticate"  # the idle auditor's own authenticator
            }, key

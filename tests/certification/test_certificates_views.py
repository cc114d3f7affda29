"""The office's certificate lifecycle pages and the company's recertification: who may see
them, every step and its refusals, the product policy, surveillance audits through to their
decision, and recertification through to the successor certificate."""

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_scopes import scopes_disabled

from certification.models import (
    Application,
    AuditType,
    Certificate,
    CertificateEvent,
    CertificationPolicy,
)
from certification.services.applications import application_create
from certification.services.certificates import (
    certificate_suspend,
    certificate_withdraw,
    certificates_expire_due,
    certification_policy,
)
from cpo_portal.errors import DomainError
from criteria.models import SchemeKind
from tests.certification.helpers import (
    TODAY,
    audit_to_report,
    certificate_of,
    decide,
    make_certificates,
    refreshed,
    set_fields,
)

pytestmark = pytest.mark.django_db


def url(name, *args, **kwargs):
    return reverse(f"certification:{name}", args=args, kwargs=kwargs)


def record_url(certificate):
    return url("office_certificate", certificate.pk)


def action_url(certificate, action):
    return url("office_certificate_action", certificate.pk, action)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def events(certificate):
    with scopes_disabled():
        return list(
            CertificateEvent.objects.filter(certificate=certificate).values_list(
                "action", flat=True
            )
        )


# --- Who may see the office pages ---------------------------------------------------------


def office_gets(certificate):
    return [
        url("office_certificates"),
        url("office_certificates_attention"),
        url("office_certification_policy"),
        record_url(certificate),
    ]


def office_posts(certificate):
    return [
        (action_url(certificate, "suspend"), {"reason": "Audit evidence lapsed."}),
        (action_url(certificate, "withdraw"), {"reason": "Fraud."}),
        (action_url(certificate, "reinstate"), {}),
        (url("office_open_surveillance", certificate.pk), {"window_start": "2027-01-01"}),
        (url("office_certification_policy"), {"suspend_products_with_organizational": "on"}),
    ]


def test_visitor_is_sent_to_login_everywhere(client, certificate):
    for path in office_gets(certificate):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
    for path, data in office_posts(certificate):
        assert client.post(path, data).status_code == 302, path
    assert refreshed(certificate).status == "active"


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "auditor_user"])
def test_non_office_gets_404_and_nothing_changes(client, certificate, request, who):
    client.force_login(request.getfixturevalue(who))
    # The policy is on by default since issue 16: the post would switch it off.
    policy = certification_policy()
    for path in office_gets(certificate):
        assert client.get(path).status_code == 404, path
    for path, data in office_posts(certificate):
        assert client.post(path, data).status_code == 404, path
    assert refreshed(certificate).status == "active"
    assert CertificationPolicy.objects.get(pk=policy.pk).updated_at == policy.updated_at


def test_office_sees_every_page(client, certificate, office_user):
    client.force_login(office_user)
    for path in office_gets(certificate):
        response = client.get(path)
        assert response.status_code == 200, path
    for path in (url("office_certificates"), record_url(certificate)):
        assert certificate.number in client.get(path).content.decode()


def test_office_home_links_the_certificate_pages(client, office_user):
    client.force_login(office_user)
    content = client.get(reverse("office_home")).content.decode()
    assert url("office_certificates") in content
    assert url("office_certificates_attention") in content


def test_unknown_certificate_and_action_are_404(client, certificate, office_user):
    client.force_login(office_user)
    assert client.get(url("office_certificate", 999999)).status_code == 404
    assert client.post(action_url(certificate, "expire"), {"reason": "x"}).status_code == 404
    assert client.post(action_url(certificate, "supersede"), {"reason": "x"}).status_code == 404
    assert client.post(url("office_certificate_action", 999999, "suspend")).status_code == 404
    # A GET shows the step's confirmation page (deadlines), and changes nothing.
    assert client.get(action_url(certificate, "suspend")).status_code == 200
    assert refreshed(certificate).status == "active"


# --- The list -----------------------------------------------------------------------------


def test_list_filters_by_status_type_and_search(client, catalogue, alpha, beta, office_user):
    make_certificates(alpha, catalogue, 2)
    make_certificates(beta, catalogue, 1, start=10, status="suspended")
    make_certificates(beta, catalogue, 1, kind=SchemeKind.PRODUCT, start=20, product_name="Bolt")
    client.force_login(office_user)
    page = lambda **q: client.get(url("office_certificates"), q).content.decode()  # noqa: E731
    assert "CPO-O-2025-0001" in page() and "CPO-P-2025-0020" in page()
    suspended = page(status="suspended")
    assert "CPO-O-2025-0010" in suspended and "CPO-O-2025-0001" not in suspended
    products = page(kind="product")
    assert "CPO-P-2025-0020" in products and "CPO-O-2025-0001" not in products
    assert "CPO-P-2025-0020" in page(q="bolt") and "CPO-O-2025-0001" not in page(q="bolt")
    assert "CPO-O-2025-0010" in page(q="Beta") and "CPO-O-2025-0001" not in page(q="Beta")
    # A hand-edited bad value is ignored, not a 500.
    assert client.get(url("office_certificates"), {"status": "bogus"}).status_code == 200


def test_list_is_paginated_in_a_fixed_number_of_queries(
    client, catalogue, alpha, office_user, django_assert_max_num_queries
):
    client.force_login(office_user)
    make_certificates(alpha, catalogue, 3)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url("office_certificates")).status_code == 200
    make_certificates(alpha, catalogue, 120, start=100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("office_certificates"))
    assert len(response.context["rows"]) == 50
    assert client.get(url("office_certificates"), {"page": "3"}).status_code == 200
    assert client.get(url("office_certificates"), {"page": "zzz"}).status_code == 200


# --- The attention list -------------------------------------------------------------------


def test_attention_lists_overdue_flagged_and_expiring(
    client, certificate, product, office_user, django_assert_max_num_queries
):
    set_fields(certificate, next_surveillance_due=TODAY - timedelta(days=3))
    set_fields(product, flagged_reason="The organizational certificate ended.")
    expiring = make_certificates(
        certificate.organization,
        certificate.catalogue_version,
        1,
        start=500,
        valid_until=TODAY + timedelta(days=40),
    )[0]
    client.force_login(office_user)
    with django_assert_max_num_queries(20):
        response = client.get(url("office_certificates_attention"))
    sections = {
        key: [r.row.certificate.number for r in rows]
        for key, _, _, rows in response.context["sections"]
    }
    assert sections["overdue"] == [certificate.number]
    assert sections["flagged"] == [product.number]
    assert sections["expiring"] == [expiring.number]
    content = response.content.decode()
    # Suspend and withdraw open their confirmation pages (deadlines), which return here.
    assert action_url(certificate, "suspend") + "?return_to=attention" in content
    assert action_url(product, "withdraw") + "?return_to=attention" in content


def test_an_action_from_the_attention_list_returns_there(client, certificate, office_user):
    client.force_login(office_user)
    response = client.post(
        action_url(certificate, "suspend"), {"reason": "Overdue.", "return_to": "attention"}
    )
    assert response["Location"] == url("office_certificates_attention")
    # Anything else goes back to the record: never an address from the request.
    response = client.post(
        action_url(certificate, "reinstate"), {"return_to": "https://evil.example/"}
    )
    assert response["Location"] == record_url(certificate)


# --- The record and its steps -------------------------------------------------------------


def test_record_shows_history_audits_and_pdf(client, certificate, reported, office_user):
    client.force_login(office_user)
    response = client.get(record_url(certificate))
    content = response.content.decode()
    assert [e.action for e, _ in response.context["events"]] == ["issued"]
    assert url("office_application", reported.pk) in content
    assert "(issued this certificate)" in content
    assert response.context["record"].document.status in ("pending", "ready", "failed")
    if response.context["record"].document.sha256:
        assert response.context["record"].document.sha256 in content


def test_suspend_reinstate_withdraw(client, certificate, office_user):
    client.force_login(office_user)
    response = client.post(action_url(certificate, "suspend"), {"reason": "Evidence lapsed."})
    assert response.status_code == 302
    assert refreshed(certificate).status == "suspended"
    assert certificate.status_reason == "Evidence lapsed."
    assert any("suspended" in m for m in texts(response))
    client.post(action_url(certificate, "reinstate"), {})
    assert refreshed(certificate).status == "active"
    client.post(action_url(certificate, "withdraw"), {"reason": "Misuse of the seal."})
    assert refreshed(certificate).status == "withdrawn"
    assert events(certificate) == ["issued", "suspend", "reinstate", "withdraw"]
    # The record then offers no further step.
    assert client.get(record_url(certificate)).context["actions"] == []


def test_suspend_without_reason_is_a_form_error(client, certificate, office_user):
    client.force_login(office_user)
    response = client.post(action_url(certificate, "suspend"), {"reason": "   "})
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    assert response.context["has_errors"]
    assert refreshed(certificate).status == "active"
    assert events(certificate) == ["issued"]


def test_reinstate_an_active_certificate_is_refused(client, certificate, office_user):
    client.force_login(office_user)
    response = client.post(action_url(certificate, "reinstate"), {}, follow=True)
    assert "cannot be changed this way" in " ".join(texts(response))
    assert refreshed(certificate).status == "active"
    assert events(certificate) == ["issued"]


def test_withdraw_a_withdrawn_certificate_is_refused(client, certificate, office_user):
    certificate_withdraw(certificate=certificate, reason="Misuse.", by=office_user)
    client.force_login(office_user)
    for data in ({"reason": "Again."}, {}):
        response = client.post(action_url(certificate, "withdraw"), data, follow=True)
        assert "cannot be changed this way" in " ".join(texts(response))
    assert events(certificate) == ["issued", "withdraw"]


def test_reinstate_after_the_validity_ended_is_refused(client, certificate, office_user):
    certificate_suspend(certificate=certificate, reason="Check.", by=office_user)
    set_fields(certificate, valid_until=TODAY - timedelta(days=1))
    client.force_login(office_user)
    response = client.post(action_url(certificate, "reinstate"), {}, follow=True)
    assert "validity has ended" in " ".join(texts(response))
    assert refreshed(certificate).status == "suspended"
    # Expired by the daily task: still refused, and the record offers the step no more.
    certificates_expire_due()
    assert refreshed(certificate).status == "expired"
    response = client.post(action_url(certificate, "reinstate"), {}, follow=True)
    assert "cannot be reinstated" in " ".join(texts(response))
    assert refreshed(certificate).status == "expired"
    assert events(certificate) == ["issued", "suspend", "expire"]
    assert response.context["actions"] == []


# --- The policy ---------------------------------------------------------------------------


def policy_data(**changes):
    """The whole policy form (deadlines: the page holds every setting) with `changes`."""
    from certification.services.deadlines import POLICY_FIELDS

    policy = certification_policy()
    data = {name: getattr(policy, name) for name in POLICY_FIELDS}
    data = {**data, **changes, "based_on": policy.updated_at.isoformat()}
    return {k: v for k, v in data.items() if v is not False}  # an unticked box is not sent


def test_policy_page_switches_the_setting(client, office_user):
    client.force_login(office_user)
    policy_url = url("office_certification_policy")
    response = client.post(policy_url, policy_data(suspend_products_with_organizational="on"))
    assert response["Location"] == policy_url
    assert certification_policy().suspend_products_with_organizational
    assert client.get(policy_url).context["form"].initial["suspend_products_with_organizational"]
    client.post(policy_url, policy_data(suspend_products_with_organizational=False))
    assert not certification_policy().suspend_products_with_organizational


def test_policy_on_suspends_the_product_certificates(client, certificate, product, office_user):
    client.force_login(office_user)
    client.post(
        url("office_certification_policy"), policy_data(suspend_products_with_organizational="on")
    )
    client.post(action_url(certificate, "suspend"), {"reason": "Audit failed."})
    product = refreshed(product)
    assert product.status == "suspended"
    assert certificate.number in product.flagged_reason
    assert events(product)[-1] == "suspend"


def test_policy_off_only_flags_the_product_certificates(client, certificate, product, office_user):
    client.force_login(office_user)
    client.post(
        url("office_certification_policy"), policy_data(suspend_products_with_organizational="")
    )
    assert not certification_policy().suspend_products_with_organizational
    client.post(action_url(certificate, "withdraw"), {"reason": "Withdrawn."})
    product = refreshed(product)
    assert product.status == "active"
    assert certificate.number in product.flagged_reason
    attention = client.get(url("office_certificates_attention")).context["sections"]
    flagged = next(rows for key, _, _, rows in attention if key == "flagged")
    assert [r.row.certificate.pk for r in flagged] == [product.pk]


# --- Surveillance audits ------------------------------------------------------------------


def open_surveillance(client, certificate):
    return client.post(
        url("office_open_surveillance", certificate.pk),
        {"window_start": "2027-06-01", "window_end": "2027-06-30"},
    )


def test_open_surveillance_redirects_to_the_audit(client, certificate, office_user):
    client.force_login(office_user)
    response = open_surveillance(client, certificate)
    with scopes_disabled():
        audit = Application.objects.get(certificate=certificate)
    assert audit.audit_type == AuditType.SURVEILLANCE and audit.status == "accepted"
    assert response["Location"] == url("office_application", audit.pk)
    # A second one while it is open is refused with a message.
    response = open_surveillance(client, certificate)
    assert response["Location"] == record_url(certificate)
    assert "already open" in " ".join(texts(response))
    record = client.get(record_url(certificate))
    assert record.context["record"].open_surveillance == audit
    assert not record.context["can_open_surveillance"]


def test_open_surveillance_with_a_bad_window_writes_nothing(client, certificate, office_user):
    client.force_login(office_user)
    for data in (
        {"window_start": "2027-06-30", "window_end": "2027-06-01"},
        {"window_start": "soon", "window_end": ""},
    ):
        response = client.post(url("office_open_surveillance", certificate.pk), data)
        assert response.status_code == 200
        assert response.context["surveillance_form"].errors
    with scopes_disabled():
        assert not Application.objects.filter(certificate=certificate).exists()


@pytest.mark.parametrize("grant", [True, False])
def test_surveillance_audit_decided(
    client, certificate, alice, lead, auditor_user, office_user, office2, grant
):
    client.force_login(office_user)
    open_surveillance(client, certificate)
    due = certificate.next_surveillance_due
    with scopes_disabled():
        audit = Application.objects.get(certificate=certificate)
    audit = audit_to_report(
        audit,
        company_user=alice,
        auditor=lead,
        auditor_user=auditor_user,
        office=office_user,
        grant=grant,
    )
    decide(audit, office2, "grant" if grant else "deny")
    certificate = refreshed(certificate)
    with scopes_disabled():
        assert Certificate.objects.count() == 1  # a surveillance audit issues nothing
    if grant:
        assert certificate.status == "active"
        assert certificate.next_surveillance_due > due
        assert events(certificate)[-1] == "surveillance_passed"
    else:
        assert certificate.status == "suspended"
        assert certificate.next_surveillance_due == due
    assert client.get(record_url(certificate)).context["can_open_surveillance"]


# --- Recertification ----------------------------------------------------------------------


def recertify_url(certificate, slug="alpha"):
    return url("certificate_recertify", org_slug=slug, pk=certificate.pk)


RECERTIFY = {
    "scope_description": "Whole company, PLM and ERP business units",
    "window_start": "2027-09-01",
    "window_end": "2027-09-30",
}


def test_recertify_form_is_prefilled(client, certificate, alice):
    client.force_login(alice)
    response = client.get(recertify_url(certificate))
    assert response.status_code == 200
    assert response.context["form"]["scope_description"].value() == certificate.scope_description
    assert response.context["recertifiable"]


def test_recertify_starts_a_recertification_application(client, certificate, alice):
    client.force_login(alice)
    response = client.post(recertify_url(certificate), RECERTIFY)
    with scopes_disabled():
        application = Application.objects.get(audit_type=AuditType.RECERTIFICATION)
    assert application.certificate == certificate
    assert application.status == "draft"
    assert application.scope_description == RECERTIFY["scope_description"]
    assert response["Location"] == url("application", org_slug="alpha", pk=application.pk)
    # One at a time: a second one is refused on the form.
    response = client.post(recertify_url(certificate), RECERTIFY)
    assert response.status_code == 200
    assert "already under way" in response.content.decode()
    with scopes_disabled():
        assert Application.objects.filter(audit_type=AuditType.RECERTIFICATION).count() == 1


def test_recertify_a_product_keeps_the_product(client, product, alice):
    client.force_login(alice)
    response = client.post(recertify_url(product), RECERTIFY | {"product_version": "8.0"})
    assert response.status_code == 302
    with scopes_disabled():
        application = Application.objects.get(audit_type=AuditType.RECERTIFICATION)
    assert application.kind == SchemeKind.PRODUCT
    assert (application.product_name, application.product_version) == ("Alpha PLM", "8.0")


def test_recertify_bad_input_writes_nothing(client, certificate, alice):
    client.force_login(alice)
    response = client.post(recertify_url(certificate), RECERTIFY | {"window_end": "2027-08-01"})
    assert response.status_code == 200 and response.context["form"].errors
    with scopes_disabled():
        assert not Application.objects.filter(audit_type=AuditType.RECERTIFICATION).exists()


def test_recertify_who_may(client, certificate, catalogue, beta, alice, bob, charlie, office_user):
    assert client.get(recertify_url(certificate)).status_code == 302  # visitor: login
    client.force_login(bob)
    assert client.get(recertify_url(certificate)).status_code == 403
    assert client.post(recertify_url(certificate), RECERTIFY).status_code == 403
    for outsider in (charlie, office_user):
        client.force_login(outsider)
        assert client.get(recertify_url(certificate)).status_code == 404
    other = make_certificates(beta, catalogue, 1, start=900)[0]
    client.force_login(alice)
    assert client.get(recertify_url(other)).status_code == 404
    assert client.post(recertify_url(other), RECERTIFY).status_code == 404
    assert client.get(url("certificate_recertify", org_slug="alpha", pk=999999)).status_code == 404
    with scopes_disabled():
        assert not Application.objects.filter(audit_type=AuditType.RECERTIFICATION).exists()


@pytest.mark.parametrize("status", ["withdrawn", "expired", "superseded"])
def test_an_ended_certificate_cannot_be_recertified(client, certificate, alice, status):
    set_fields(certificate, status=status)
    client.force_login(alice)
    response = client.get(recertify_url(certificate))
    assert not response.context["recertifiable"]
    response = client.post(recertify_url(certificate), RECERTIFY)
    assert response.status_code == 200
    assert "cannot be recertified" in response.content.decode()
    with scopes_disabled():
        assert not Application.objects.filter(audit_type=AuditType.RECERTIFICATION).exists()


def test_a_certificate_past_its_validity_cannot_be_recertified(certificate, alpha, alice):
    set_fields(certificate, valid_until=TODAY - timedelta(days=1))
    with pytest.raises(DomainError, match="cannot be recertified"):
        recertification(certificate, alpha, alice)


def test_a_suspended_certificate_can_be_recertified(certificate, alpha, alice, office_user):
    certificate_suspend(certificate=certificate, reason="Check.", by=office_user)
    assert recertification(certificate, alpha, alice).certificate == certificate


def recertification(certificate, organization, user, kind=None):
    return application_create(
        organization=organization,
        kind=kind or certificate.kind,
        by=user,
        certificate=certificate,
        scope_description="Whole company",
        window_start=date(2027, 9, 1),
        window_end=date(2027, 9, 30),
        product_name=certificate.product_name,
        product_version=certificate.product_version,
    )


def test_service_refuses_another_organizations_or_another_kinds_certificate(
    certificate, catalogue, beta, alpha, alice
):
    other = make_certificates(beta, catalogue, 1, start=900)[0]
    with pytest.raises(DomainError, match="your own certificate"):
        recertification(other, alpha, alice)
    with pytest.raises(DomainError, match="your own certificate"):
        recertification(certificate, alpha, alice, kind=SchemeKind.PRODUCT)
    with scopes_disabled():
        assert not Application.objects.filter(audit_type=AuditType.RECERTIFICATION).exists()


def test_initial_application_stays_initial(certificate, alpha, alice):
    application = application_create(
        organization=alpha,
        kind=SchemeKind.PRODUCT,
        by=alice,
        scope_description="PLM",
        window_start=date(2027, 9, 1),
        window_end=date(2027, 9, 30),
        product_name="Alpha CAD",
        product_version="1",
    )
    assert application.audit_type == AuditType.INITIAL and application.certificate is None


def test_recertification_granted_issues_the_successor(
    client, certificate, alpha, alice, lead, auditor_user, office_user, office2
):
    client.force_login(alice)
    client.post(recertify_url(certificate), RECERTIFY)
    with scopes_disabled():
        application = Application.objects.get(audit_type=AuditType.RECERTIFICATION)
    application = audit_to_report(
        application, company_user=alice, auditor=lead, auditor_user=auditor_user, office=office_user
    )
    decide(application, office2)
    successor = certificate_of(application)
    predecessor = refreshed(certificate)
    assert successor.predecessor == predecessor
    with scopes_disabled():
        assert predecessor.successor == successor
    assert successor.status == "active" and predecessor.status == "superseded"
    assert successor.number in predecessor.status_reason
    assert successor.scope_description == RECERTIFY["scope_description"]
    assert events(predecessor)[-1] == "supersede"
    # The office record links them both ways; the superseded one cannot be recertified again.
    client.force_login(office_user)
    content = client.get(record_url(predecessor)).content.decode()
    assert record_url(successor) in content
    client.force_login(alice)
    assert not client.get(recertify_url(predecessor)).context["recertifiable"]


def test_reinstating_an_organizational_certificate_says_products_stay_suspended(
    client, certificate, office_user
):
    """Certificate content (issue 16): the office reinstates product certificates itself."""
    certificate_suspend(certificate=certificate, reason="Audit overdue", by=office_user)
    client.force_login(office_user)
    text = client.get(action_url(certificate, "reinstate")).content.decode()
    assert "Product certificates suspended with it stay suspended" in text

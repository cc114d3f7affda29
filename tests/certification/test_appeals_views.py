"""Appeals' pages: the company's list, form, page and withdrawal; the office's list (bounded
queries), page, choice of the decider (eligible only, the others with why), decision."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from certification.models import Appeal, AppealStatus
from certification.services import appeals, certificates
from tests.certification.helpers import decide, refreshed
from tests.factories import UserFactory, make_office

pytestmark = [pytest.mark.django_db, pytest.mark.through_services]


@pytest.fixture
def office3(db, activate_totp):
    user = UserFactory(email="office3@example.org", full_name="Cleo Certifier")
    return activate_totp(make_office(user, "certifier"))


@pytest.fixture
def denied(reported, office2):
    decide(reported, office2, decision="deny")
    return refreshed(reported)


@pytest.fixture
def appeal(denied, alice):
    return appeals.appeal_file(
        organization=denied.organization,
        item=f"refusal:{denied.pk}",
        grounds="Our evidence was overlooked.",
        by=alice,
    )


def _org_url(name, organization, **kwargs):
    return reverse(f"certification:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def test_members_read_the_list_and_the_appeal_outsiders_get_404(
    client, appeal, alice, bob, charlie
):
    organization = appeal.organization
    pages = [
        _org_url("appeals", organization),
        _org_url("appeal", organization, appeal_id=appeal.pk),
    ]
    client.force_login(bob)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        assert appeal.reference in response.content.decode()
    page = client.get(pages[1]).content.decode()
    assert "Withdraw the appeal" not in page  # a plain member reads only
    assert "UTC" in page  # the history's times
    assert client.get(_org_url("appeal_new", organization)).status_code == 403
    client.force_login(charlie)
    for url in pages:
        assert client.get(url).status_code == 404
    client.force_login(alice)
    assert "Withdraw the appeal" in client.get(pages[1]).content.decode()


def test_the_form_offers_only_the_organizations_own_decisions(client, denied, alice, beta, charlie):
    client.force_login(alice)
    response = client.get(_org_url("appeal_new", denied.organization) + f"?refusal={denied.pk}")
    assert response.status_code == 200
    choices = [key for key, _label in response.context["form"].fields["item"].choices]
    assert f"refusal:{denied.pk}" in choices
    assert response.context["form"].initial["item"] == f"refusal:{denied.pk}"
    client.force_login(charlie)
    response = client.get(_org_url("appeal_new", beta))
    assert response.context["form"].fields["item"].choices == []
    # A forged choice of Alpha's decision from Beta's workspace is refused.
    response = client.post(
        _org_url("appeal_new", beta), {"item": f"refusal:{denied.pk}", "grounds": "x"}
    )
    assert response.status_code == 422
    with scope(organization=beta):
        assert not Appeal.objects.filter(organization=beta).exists()


def test_filing_through_the_form(client, denied, alice):
    client.force_login(alice)
    response = client.post(
        _org_url("appeal_new", denied.organization),
        {"item": f"refusal:{denied.pk}", "grounds": "The rationale ignores the evidence."},
    )
    assert response.status_code == 302
    with scope(organization=denied.organization):
        appeal = Appeal.objects.get()
    assert response.url == _org_url("appeal", denied.organization, appeal_id=appeal.pk)
    # The same decision again: refused on the form.
    response = client.post(
        _org_url("appeal_new", denied.organization),
        {"item": f"refusal:{denied.pk}", "grounds": "Again."},
    )
    assert response.status_code == 422
    assert "open already" in response.content.decode()


def test_the_case_page_links_the_appeal_and_lists_it(client, appeal, alice, office_user):
    application = appeal.application
    client.force_login(alice)
    page = client.get(_org_url("application", application.organization, pk=application.pk))
    content = page.content.decode()
    assert "Appeal this decision" in content and appeal.reference in content
    client.force_login(office_user)
    page = client.get(reverse("certification:office_application", kwargs={"pk": application.pk}))
    assert appeal.reference in page.content.decode()


def test_the_company_withdraws_on_a_confirmation_page(client, appeal, alice):
    url = _org_url("appeal_withdraw", appeal.organization, appeal_id=appeal.pk)
    client.force_login(alice)
    assert client.get(url).status_code == 200
    assert refreshed(appeal).status == AppealStatus.FILED  # GET changes nothing
    response = client.post(url, {"reason": "Settled."})
    assert response.status_code == 302
    assert refreshed(appeal).status == AppealStatus.WITHDRAWN


def test_office_pages_are_404_for_everyone_else(client, appeal, alice, auditor_user):
    urls = [
        reverse("certification:office_appeals"),
        reverse("certification:office_appeal", kwargs={"appeal_id": appeal.pk}),
        reverse("certification:office_appeal_assign", kwargs={"appeal_id": appeal.pk}),
    ]
    for user in (alice, auditor_user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404


def _make_appeals(organization, count):
    now = timezone.now()
    with scope(organization=organization):
        for n in range(count):
            Appeal.objects.create(
                reference=f"APL-1999-{n + 1:04d}",
                organization=organization,
                subject="other",
                decision_on=now.date(),
                grounds="x",
                filed_at=now,
                due_on=now.date(),
            )


def test_the_office_list_is_bounded(
    client, office_user, alpha, django_assert_max_num_queries, office3
):
    client.force_login(office_user)
    url = reverse("certification:office_appeals")
    _make_appeals(alpha, 2)
    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    with scope(organization=alpha):
        Appeal.objects.all().delete()
    _make_appeals(alpha, 12)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(url)
    assert response.content.decode().count("APL-1999-") >= 12
    assert len(many.captured_queries) == len(few.captured_queries)
    response = client.get(url + "?status=open")
    assert response.status_code == 200


def test_the_assign_page_offers_only_impartial_certifiers(
    client, appeal, office_user, office2, office3
):
    client.force_login(office_user)
    url = reverse("certification:office_appeal_assign", kwargs={"appeal_id": appeal.pk})
    response = client.get(url)
    assert response.status_code == 200
    offered = [pk for pk, _name in response.context["form"].fields["decider"].choices]
    assert office3.pk in offered and office_user.pk in offered
    assert office2.pk not in offered  # decided the case
    ineligible = response.content.decode().split('id="ineligible"')[1]
    assert office2.public_name in ineligible and "decided the case" in ineligible
    # A forged choice of office2 is refused by the form.
    response = client.post(url, {"decider": office2.pk})
    assert response.status_code == 422
    response = client.post(url, {"decider": office3.pk})
    assert response.status_code == 302
    assert refreshed(appeal).decider == office3


def test_the_decider_decides_on_the_appeals_page(client, appeal, office_user, office3):
    appeals.appeal_assign(appeal=appeal, decider=office3, by=office_user)
    page_url = reverse("certification:office_appeal", kwargs={"appeal_id": appeal.pk})
    decide_url = reverse("certification:office_appeal_decide", kwargs={"appeal_id": appeal.pk})
    client.force_login(office_user)
    assert "Record the decision" not in client.get(page_url).content.decode()
    response = client.post(decide_url, {"outcome": "dismissed", "reasons": "No."})
    assert response.status_code == 422  # not the assigned decider
    client.force_login(office3)
    assert "Record the decision" in client.get(page_url).content.decode()
    response = client.post(decide_url, {"outcome": "dismissed", "reasons": ""})
    assert response.status_code == 422
    response = client.post(decide_url, {"outcome": "dismissed", "reasons": "Weighed."})
    assert response.status_code == 302
    assert refreshed(appeal).status == AppealStatus.DECIDED


def test_the_certificate_page_links_an_appeal_of_its_suspension(
    client, certificate, alice, office_user
):
    certificates.certificate_suspend(certificate=certificate, reason="Misuse.", by=office_user)
    client.force_login(alice)
    url = reverse(
        "certification:certificate",
        kwargs={"org_slug": certificate.organization.slug, "pk": certificate.pk},
    )
    content = client.get(url).content.decode()
    assert f"?suspension={certificate.pk}" in content


def test_open_appeals_are_on_the_to_do_lists(rf, appeal, alice, office_user):
    from certification.views.appeals import office_appeal_todo, organization_appeal_todo

    request = rf.get("/")
    office = office_appeal_todo(request)
    assert [(item.key, item.count) for item in office] == [("appeals", 1)]
    assert office[0].oldest == appeal.filed_at
    company = organization_appeal_todo(request, appeal.organization)
    assert company[0].count == 1 and company[0].due_on == appeal.due_on
    appeals.appeal_withdraw(appeal=appeal, by=alice)
    assert organization_appeal_todo(request, appeal.organization) == []
    assert office_appeal_todo(request) == []


def test_the_follow_up_of_an_upheld_appeal_has_a_confirmation_page(
    client, certificate, alice, office_user, office3
):
    certificates.certificate_suspend(certificate=certificate, reason="Misuse.", by=office_user)
    appeal = appeals.appeal_file(
        organization=certificate.organization,
        item=f"suspension:{certificate.pk}",
        grounds="A reseller misused the seal, not us.",
        by=alice,
    )
    appeals.appeal_assign(appeal=appeal, decider=office3, by=office_user)
    appeals.appeal_decide(appeal=appeal, outcome="upheld", reasons="Proven.", by=office3)
    client.force_login(office_user)
    page = client.get(reverse("certification:office_appeal", kwargs={"appeal_id": appeal.pk}))
    assert "Take the follow-up" in page.content.decode()
    url = reverse("certification:office_appeal_follow_up", kwargs={"appeal_id": appeal.pk})
    assert client.get(url).status_code == 200
    assert refreshed(certificate).status == "suspended"  # GET changes nothing
    response = client.post(url, {"action": "reinstate", "note": ""})
    assert response.status_code == 302
    assert refreshed(certificate).status == "active"
    history = client.get(response.url).content.decode()
    assert f"certificate {certificate.number} reinstated" in history


def test_the_appeals_deadline_is_on_the_offices_list_of_deadlines(client, appeal, office_user):
    client.force_login(office_user)
    response = client.get(reverse("certification:office_deadlines") + "?kind=appeal")
    assert response.status_code == 200
    assert "Decide an appeal" in response.content.decode()

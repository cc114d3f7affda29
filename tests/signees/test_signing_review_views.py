"""The CPO office's review of signees: access, the queue, the record, decisions, warnings."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.services import organization_create
from signees.models import SIGNEE_EDGES, Signature, Signee, SigneeReview, SigneeStatus, Statement
from signees.selectors.signing import normalised_name, same_domain, website_domain
from signees.services.signing import signee_approve, signee_unpublish
from signees.views.signing import DECISIONS
from tests.factories import UserFactory
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db

LIST = "/office/signees/"


def _detail(signee):
    return f"{LIST}{signee.pk}/"


def _decide(signee, action):
    return f"{LIST}{signee.pk}/{action}/"


def _all_urls(signee):
    return [
        ("get", LIST),
        ("get", f"{LIST}?status=all&overdue=on&q=a"),
        ("get", _detail(signee)),
        *[("post", _decide(signee, action)) for action in DECISIONS],
    ]


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _reviews(signee):
    with scopes_disabled():
        return list(SigneeReview.objects.filter(signee=signee).order_by("pk"))


def _entries(verb):
    with scopes_disabled():
        return list(ActivityEntry.objects.filter(verb=verb))


def _fresh(signee):
    with scopes_disabled():
        return Signee.objects.select_related("organization").get(pk=signee.pk)


def _snapshot():
    with scopes_disabled():
        return (
            list(Signee.objects.order_by("pk").values_list("status", "status_reason")),
            SigneeReview.objects.count(),
            ActivityEntry.objects.count(),
        )


def _company(
    owner_email, legal_name, *, website="", country="DE", group="it_vendor", approved_by=None
):
    """A new organization whose owner has signed for it: its signee, pending review, or
    approved when `approved_by` is given."""
    owner = UserFactory(email=owner_email)
    org = organization_create(by=owner, legal_name=legal_name, country=country, website=website)
    return SigneeFactory(
        organization=org, group=group, approved=approved_by is not None, reviewed_by=approved_by
    )


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


# --- who gets in --------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client, signed):
    for method, url in _all_urls(signed):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("who", ["alice", "charlie", "auditor_user"])
def test_non_office_user_gets_404_everywhere_and_changes_nothing(client, request, signed, who):
    before = _snapshot()
    client.force_login(request.getfixturevalue(who))
    answers = {
        (method, url): getattr(client, method)(url, {"reason": "x"}).status_code
        for method, url in _all_urls(signed)
    }
    assert set(answers.values()) == {404}, answers
    assert _snapshot() == before


def test_office_user_without_mfa_is_sent_to_mfa_setup(client, signed, office_user_without_mfa):
    before = _snapshot()
    client.force_login(office_user_without_mfa)
    for method, url in _all_urls(signed):
        response = getattr(client, method)(url, {"reason": "x"})
        assert response.status_code == 302, (method, url)
        assert response["Location"] == reverse("mfa_activate_totp"), url
    assert _snapshot() == before


def test_unknown_signee_and_unknown_action_are_404(office_client, signed):
    assert office_client.get(f"{LIST}999999/").status_code == 404
    assert office_client.post(f"{LIST}999999/approve/").status_code == 404
    assert office_client.post(_decide(signed, "delete")).status_code == 404
    assert _fresh(signed).status == SigneeStatus.PENDING


def test_a_decision_is_never_taken_by_get(office_client, signed):
    assert office_client.get(_decide(signed, "approve")).status_code == 405
    assert _fresh(signed).status == SigneeStatus.PENDING


def test_office_navigation_links_to_the_queue(office_client):
    home = office_client.get("/office/")
    assert f'href="{LIST}"' in home.content.decode()
    queue = office_client.get(LIST)
    assert f'href="{LIST}" aria-current="page"' in queue.content.decode()


# --- the queue ----------------------------------------------------------------------------


def _names(response):
    return [signee.organization.legal_name for signee, _ in response.context["rows"]]


def test_queue_shows_pending_signees_by_default_oldest_first(office_client, signed, office_user):
    later = _company("gamma@gamma.example", "Gamma", website="https://gamma.example")
    _company("delta@delta.example", "Delta", approved_by=office_user)
    with scopes_disabled():
        Signee.objects.filter(pk=later.pk).update(signed_at=timezone.now() + timedelta(hours=1))

    response = office_client.get(LIST)

    assert response.status_code == 200
    assert _names(response) == ["Alpha", "Gamma"]
    # A page link carries only ?page=: it is still the default queue.
    assert _names(office_client.get(f"{LIST}?page=1")) == ["Alpha", "Gamma"]


def test_queue_filters(office_client, signed, office_user):
    gamma = _company("g@gamma.example", "Gamma", country="FR", group="it_customer")
    _company(
        "d@delta.example", "Delta Systems", website="https://delta.example", approved_by=office_user
    )

    def names(query):
        response = office_client.get(f"{LIST}?{query}")
        assert response.status_code == 200
        return sorted(_names(response))

    assert names("status=approved") == ["Delta Systems"]
    assert names("status=all") == ["Alpha", "Delta Systems", "Gamma"]
    assert names("status=all&group=it_customer") == ["Gamma"]
    assert names("status=all&country=FR") == ["Gamma"]
    assert names("status=all&q=systems") == ["Delta Systems"]
    assert names("status=all&q=delta.example") == ["Delta Systems"]
    assert names("status=pending&group=it_vendor") == ["Alpha"]
    assert gamma.status == SigneeStatus.PENDING
    # A hand-edited bad value is reported and ignored, never a 500.
    response = office_client.get(f"{LIST}?status=nonsense&group=nope")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_queue_columns(office_client, signed, office_user):
    signee_approve(signee=signed, by=office_user)
    with scopes_disabled():
        Organization.objects.filter(pk=signed.organization_id).update(
            legal_name="Alpha Software GmbH", display_name="Alpha"
        )
    page = office_client.get(f"{LIST}?status=approved").content.decode()
    assert "Alpha Software GmbH" in page
    assert "IT vendor" in page
    assert "Germany" in page
    assert "Approved" in page
    assert _detail(signed) in page


def test_overdue_statement_is_flagged_and_filtered(office_client, signed, office_user):
    on_time = _company("g@gamma.example", "Gamma")
    published = _company("d@delta.example", "Delta")
    customer = _company("e@epsilon.example", "Epsilon", group="it_customer")
    yesterday = timezone.localdate() - timedelta(days=1)
    with scopes_disabled():
        Signee.objects.exclude(pk=on_time.pk).update(statement_due=yesterday)
        Statement.objects.create(
            signee=published,
            number=1,
            catalogue_version=published.catalogue_version,
            status="published",
            published_at=timezone.now(),
        )
    assert customer.group == "it_customer"

    response = office_client.get(f"{LIST}?status=all&overdue=on")

    assert _names(response) == ["Alpha"]
    flags = {s.organization.legal_name: s.statement_overdue for s, _ in response.context["rows"]}
    assert flags == {"Alpha": True}
    assert "Overdue" in response.content.decode()
    everyone = office_client.get(f"{LIST}?status=all")
    flags = {s.organization.legal_name: s.statement_overdue for s, _ in everyone.context["rows"]}
    assert flags == {"Alpha": True, "Gamma": False, "Delta": False, "Epsilon": False}


def _bulk_signees(count, version, *, prefix="Company"):
    """`count` pending signees with one signature each, in a handful of queries."""
    users = UserFactory.create_batch(count, verified_email=False)
    orgs = Organization.objects.bulk_create(
        Organization(
            legal_name=f"{prefix} {i} GmbH",
            display_name=f"{prefix} {i}",
            slug=f"{prefix.lower()}-{i}",
            country="DE",
            website=f"https://www.{prefix.lower()}{i}.example",
        )
        for i in range(count)
    )
    now = timezone.now()
    with scopes_disabled():
        signees = Signee.objects.bulk_create(
            Signee(
                organization=org,
                group="it_vendor",
                status=SigneeStatus.PENDING,
                catalogue_version=version,
                signed_at=now,
                listed_name=org.display_name,
            )
            for org in orgs
        )
        Signature.objects.bulk_create(
            Signature(
                signee=signee,
                catalogue_version=version,
                group="it_vendor",
                declaration_text="text",
                declaration_sha256="0" * 64,
                signatory_name="Signatory",
                signatory_position="CEO",
                authority_confirmed=True,
                signed_by=user,
                signed_at=now,
            )
            for signee, user in zip(signees, users, strict=True)
        )
    return signees


def _queue_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12) as queries:
        response = client.get(f"{LIST}?status=all")
    assert response.status_code == 200
    return len(queries), response


def test_queue_query_count_does_not_grow_with_the_rows(
    office_client, mini_catalogue, django_assert_max_num_queries
):
    _bulk_signees(20, mini_catalogue, prefix="Small")
    few, response = _queue_queries(office_client, django_assert_max_num_queries)
    assert len(response.context["rows"]) == 20

    _bulk_signees(180, mini_catalogue, prefix="Large")
    many, response = _queue_queries(office_client, django_assert_max_num_queries)
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.count == 200
    assert few == many


# --- the record ---------------------------------------------------------------------------


def test_record_shows_the_full_signature(office_client, signed):
    response = office_client.get(_detail(signed))
    page = response.content.decode()
    with scopes_disabled():
        signature = Signature.objects.get(signee=signed)
    assert response.status_code == 200
    assert signature.declaration_sha256 in page
    assert "Alice Owner" in page  # signatory
    assert "alice@example.org" in page  # signer and member
    assert "bob@example.org" in page  # member
    assert "127.0.0.1" in page
    assert "pytest" in page  # user agent
    assert "Declaration text as signed" in page


def test_record_query_count_does_not_grow_with_its_history(
    office_client, signed, office_user, alice, django_assert_max_num_queries
):
    def queries():
        with django_assert_max_num_queries(16) as captured:
            assert office_client.get(_detail(signed)).status_code == 200
        return len(captured)

    first = queries()
    signee_approve(signee=signed, by=office_user)
    signee_unpublish(signee=signed, by=office_user, reason="Checking")
    signee_approve(signee=signed, by=office_user)
    _company("x@alpha-two.example", "Alpha GmbH")
    assert queries() == first


def test_record_links_the_signed_declaration_pdf(office_client, signed):
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile

    from cpo_portal.documents.models import Document

    with scopes_disabled():
        signature = Signature.objects.get(signee=signed)
        document = Document.objects.get(
            kind="signed_declaration",
            owner_type=ContentType.objects.get_for_model(Signature),
            owner_id=str(signature.pk),
        )
        document.file.save("declaration.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
        document.status = "ready"
        document.save()

    page = office_client.get(_detail(signed)).content.decode()

    download = reverse("documents:office_download", kwargs={"pk": document.pk})
    assert download in page
    assert office_client.get(download).status_code == 200


def test_record_offers_only_the_decisions_valid_now(office_client, signed, office_user):
    def offered():
        response = office_client.get(_detail(signed))
        return [d.name for d, _ in response.context["decisions"]]

    assert offered() == ["approve", "return", "reject"]
    signee_approve(signee=signed, by=office_user)
    assert offered() == ["unpublish"]
    signee_unpublish(signee=signed, by=office_user, reason="Broken website")
    assert offered() == ["approve"]


def test_offered_decisions_match_the_lifecycle_of_the_services():
    for name, decision in DECISIONS.items():
        assert set(decision.offered_from) == set(SIGNEE_EDGES[name]), name


# --- decisions ----------------------------------------------------------------------------


def _decide_post(client, signee, action, captured, **data):
    with captured(execute=True):
        return client.post(_decide(signee, action), data)


def test_approve_lists_the_signee_logs_and_tells_the_company(
    office_client, signed, office_user, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    response = _decide_post(office_client, signed, "approve", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == _detail(signed)
    signee = _fresh(signed)
    assert signee.status == SigneeStatus.APPROVED
    assert signee.approved_at is not None
    [review] = _reviews(signed)
    assert (review.action, review.by) == ("approve", office_user)
    [entry] = _entries("signee.approve")
    assert entry.actor == office_user
    assert entry.organization_id == signed.organization_id
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "approved" in " ".join(_messages(response))


@pytest.mark.parametrize(
    ("action", "status"),
    [("reject", SigneeStatus.REJECTED), ("return", SigneeStatus.CHANGES_REQUESTED)],
)
def test_reject_and_return_need_a_reason_the_company_receives(
    office_client, signed, office_user, django_capture_on_commit_callbacks, action, status
):
    mail.outbox.clear()
    reason = "The website does not name the signatory's company."
    response = _decide_post(
        office_client, signed, action, django_capture_on_commit_callbacks, reason=reason
    )

    assert response.status_code == 302
    signee = _fresh(signed)
    assert (signee.status, signee.status_reason) == (status, reason)
    [review] = _reviews(signed)
    assert (review.action, review.reason, review.by) == (action, reason, office_user)
    [entry] = _entries(f"signee.{action}")
    assert entry.data["reason"] == reason
    assert entry.actor == office_user
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert reason in message.body


def test_unpublish_with_reason(
    office_client, approved, office_user, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    response = _decide_post(
        office_client,
        approved,
        "unpublish",
        django_capture_on_commit_callbacks,
        reason="Company dissolved",
    )
    assert response.status_code == 302
    assert _fresh(approved).status == SigneeStatus.UNPUBLISHED
    assert [r.action for r in _reviews(approved)] == ["approve", "unpublish"]
    assert len(_entries("signee.unpublish")) == 1
    assert "Company dissolved" in mail.outbox[-1].body


@pytest.mark.parametrize("action", ["reject", "return"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_missing_reason_is_an_error_and_writes_nothing(
    office_client, signed, django_capture_on_commit_callbacks, action, reason
):
    mail.outbox.clear()
    before = _snapshot()
    data = {} if reason is None else {"reason": reason}
    response = _decide_post(
        office_client, signed, action, django_capture_on_commit_callbacks, **data
    )

    assert response.status_code == 200
    assert "Give a reason: the company sees it." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert _snapshot() == before
    assert mail.outbox == []


def test_unpublish_without_reason_writes_nothing(office_client, approved):
    before = _snapshot()
    response = office_client.post(_decide(approved, "unpublish"), {"reason": ""})
    assert response.status_code == 200
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("action", "data"),
    [("approve", {}), ("reject", {"reason": "x"}), ("return", {"reason": "x"})],
)
def test_invalid_transition_is_refused_with_a_message(office_client, approved, action, data):
    before = _snapshot()
    response = office_client.post(_decide(approved, action), data)

    assert response.status_code == 302
    assert response["Location"] == _detail(approved)
    assert any("cannot be changed this way" in m for m in _messages(response))
    assert _snapshot() == before


@pytest.mark.parametrize("reason", ["x", ""])
def test_unpublish_of_a_pending_signee_is_refused(office_client, signed, reason):
    before = _snapshot()
    response = office_client.post(_decide(signed, "unpublish"), {"reason": reason})
    assert response.status_code == 302
    assert any("cannot be changed this way" in m for m in _messages(response))
    assert _snapshot() == before


# --- warnings -----------------------------------------------------------------------------


def _warnings(client, signee):
    return client.get(_detail(signee)).context["record"].warnings


def test_same_website_domain_is_a_likely_duplicate(office_client, mini_catalogue):
    one = _company("a@one.example", "Northwind", website="https://www.northwind.example")
    two = _company("b@two.example", "Contoso", website="http://shop.northwind.example/de/")
    other = _company("c@other.example", "Fabrikam", website="https://fabrikam.example")

    warnings = _warnings(office_client, one)
    assert [(d.pk, d.same_website, d.similar_name) for d in warnings.duplicates] == [
        (two.pk, True, False)
    ]
    page = office_client.get(_detail(one)).content.decode()
    assert "Likely duplicate of" in page
    assert _detail(two) in page
    assert _warnings(office_client, other).duplicates == []


def test_similar_legal_name_is_a_likely_duplicate(office_client, mini_catalogue):
    gmbh = _company("a@alpha.example", "Alpha GmbH", website="https://alpha.example")
    ag = _company("b@alpha-ag.example", "Alpha AG", website="https://alpha-ag.example")
    typo = _company("c@ex.example", "Alpha Softwares Inc.", website="https://ex.example")
    near = _company("d@ex2.example", "Alpha Software Ltd", website="https://ex2.example")
    unrelated = _company("e@beta.example", "Betamax", website="https://beta.example")

    assert [d.pk for d in _warnings(office_client, gmbh).duplicates] == [ag.pk]
    assert [d.pk for d in _warnings(office_client, typo).duplicates] == [near.pk]
    assert _warnings(office_client, unrelated).duplicates == []
    response = office_client.get(f"{LIST}?status=all")
    counts = {s.organization.legal_name: w.count for s, w in response.context["rows"]}
    assert counts == {
        "Alpha GmbH": 1,
        "Alpha AG": 1,
        "Alpha Softwares Inc.": 1,
        "Alpha Software Ltd": 1,
        "Betamax": 0,
    }


def test_signer_email_domain_not_matching_the_website_is_a_warning(office_client, mini_catalogue):
    mismatch = _company("ceo@gmail.example", "Gamma", website="https://www.gamma.example")
    subdomain = _company("ceo@mail.delta.example", "Delta", website="https://www.delta.example")
    same = _company("ceo@epsilon.example", "Epsilon", website="https://epsilon.example/")
    no_site = _company("ceo@zeta.example", "Zeta")

    warnings = _warnings(office_client, mismatch)
    assert [(m.email_domain, m.website_domain) for m in warnings.email_mismatches] == [
        ("gmail.example", "gamma.example")
    ]
    assert "is not on the website" in office_client.get(_detail(mismatch)).content.decode()
    for fine in (subdomain, same, no_site):
        assert _warnings(office_client, fine).email_mismatches == [], fine
    queue = office_client.get(LIST)
    counts = {s.organization.legal_name: w.count for s, w in queue.context["rows"]}
    assert counts == {"Gamma": 1, "Delta": 0, "Epsilon": 0, "Zeta": 0}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Alpha GmbH", "alpha"),
        ("ALPHA AG", "alpha"),
        ("Alpha B.V.", "alpha"),
        ("Alpha S.A.", "alpha"),
        ("Alpha, Inc.", "alpha"),
        ("Alpha Software LLC", "alpha software"),
        ("Müller & Söhne GmbH & Co. KG", "muller sohne"),
        ("AG", "ag"),
    ],
)
def test_normalised_name(name, key):
    assert normalised_name(name) == key


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.Alpha.example/de/", "alpha.example"),
        ("alpha.example", "alpha.example"),
        ("http://shop.alpha.example:8080", "shop.alpha.example"),
        ("", ""),
    ],
)
def test_website_domain(url, domain):
    assert website_domain(url) == domain


def test_same_domain():
    assert same_domain("mail.alpha.example", "alpha.example")
    assert same_domain("alpha.example", "www.alpha.example")
    assert not same_domain("notalpha.example", "alpha.example")
    assert not same_domain("gmail.com", "alpha.example")
    assert not same_domain("", "alpha.example")


# --- admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client_mfa(client, make_user, activate_totp):
    client.force_login(activate_totp(make_user(is_staff=True, is_superuser=True)))
    return client


def test_admin_shows_signees_read_only(admin_client_mfa, signed):
    with scopes_disabled():
        signature = Signature.objects.get(signee=signed)
        review_count = SigneeReview.objects.count()
    for url in (
        "/admin/signees/signee/",
        f"/admin/signees/signee/{signed.pk}/change/",
        "/admin/signees/signature/",
        f"/admin/signees/signature/{signature.pk}/change/",
        "/admin/signees/signeereview/",
    ):
        response = admin_client_mfa.get(url)
        assert response.status_code == 200, url
    assert admin_client_mfa.get("/admin/signees/signee/add/").status_code == 403
    before = _snapshot()
    response = admin_client_mfa.post(
        f"/admin/signees/signee/{signed.pk}/change/", {"status": "approved"}
    )
    assert response.status_code == 403
    assert _snapshot() == before
    assert review_count == 0


def test_record_shows_a_declaration_recorded_escaped_as_plain_text(office_client, signed):
    import hashlib

    from django.utils.html import escape

    from signees.models import DeclarationFormat

    with scopes_disabled():
        signature = Signature.objects.get(signee=signed)
        legacy = str(escape(signature.declaration_text.replace("Alpha", "Alpha & Co")))
        Signature.objects.filter(pk=signature.pk).update(
            declaration_text=legacy,
            declaration_sha256=hashlib.sha256(legacy.encode()).hexdigest(),
            declaration_format=DeclarationFormat.HTML_ESCAPED,
        )
    page = office_client.get(_detail(signed)).content.decode()
    assert "Alpha &amp; Co" in page
    assert "&amp;amp;" not in page
    assert "recorded with HTML character references" in page

"""The statement follows the catalogue: a new catalogue version tells the signees (vendors
with an outdated statement are invited to update it), the update carries answers over where
a criterion kept its meaning and shows the differences, and a public statement answering an
older version says so (pages and PDF)."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.errors import DomainError
from cpo_portal.notifications.models import Delivery, Notice, NotificationPreference
from cpo_portal.tenancy.models import Role
from criteria.diff import catalogue_diff
from criteria.interchange import parse
from criteria.services.catalogue import catalogue_import
from signees.models import SigneeGroup, StatementAnswer, StatementStatus
from signees.selectors.statements import (
    catalogue_published_audience,
    meaning_changed,
    statement_changes,
)
from signees.services.statements import (
    CATALOGUE_PUBLISHED_KIND,
    catalogue_published_notify,
    statement_publish,
    statement_start_draft,
)
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

from .factories import SigneeFactory, StatementFactory
from .helpers import ANSWERS, MINI_CATALOGUE, answer_all

pytestmark = pytest.mark.django_db

# t-2 against t-1: 2.1.1 unchanged, 2.1.2 reworded, 2.1.3 removed, 2.1.4 new.
SUCCESSOR = (
    MINI_CATALOGUE.replace('version: "t-1"', 'version: "t-2"')
    .replace("Interfaces are documented.", "Interfaces are documented and versioned.")
    .replace(
        "Schnittstellen sind dokumentiert.", "Schnittstellen sind dokumentiert und versioniert."
    )
    .replace(
        """      - code: "2.1.3"
        title: {en: Open standards, de: Offene Standards}
        text: {en: "Open standards are preferred.", de: "Offene Standards werden bevorzugt."}
        obligation: may
""",
        """      - code: "2.1.4"
        title: {en: Export of history, de: Export der Historie}
        text: {en: "The change history can be exported.", de: "Die Historie ist exportierbar."}
        obligation: should
""",
    )
)


def import_successor(code="t-2", text=SUCCESSOR):
    version, _ = catalogue_import(
        data=parse(text.replace('version: "t-2"', f'version: "{code}"')), by=None, publish=True
    )
    return version


@pytest.fixture
def successor(published):
    """Alpha (IT vendor) published a statement answering t-1; then t-2 is published."""
    return import_successor()


def answers_of(statement):
    with scope(organization=statement.signee.organization):
        return {
            a.criterion.code: (a.fulfilment, a.explanation)
            for a in StatementAnswer.objects.filter(statement=statement).select_related("criterion")
        }


# --- The update carries answers over where the meaning is the same ------------------------


def test_the_update_answers_the_version_in_force_and_carries_unchanged_answers(
    published, successor, alice
):
    draft = statement_start_draft(signee=published.signee, by=alice)

    assert draft.catalogue_version == successor
    assert draft.based_on_id == published.pk
    assert draft.number == 2
    # 2.1.1 unchanged: carried; 2.1.2 reworded and 2.1.4 new: open; 2.1.3 gone.
    assert answers_of(draft) == {"2.1.1": ANSWERS["2.1.1"][:2]}
    with scope(organization=draft.signee.organization):
        entry = ActivityEntry.objects.get(verb="statement.draft_started")
    assert entry.data["copied"] == 1
    assert entry.data["based_on"] == 1
    assert entry.data["based_on_version"] == "t-1"


def test_a_new_version_of_the_same_catalogue_carries_every_answer(published, alice):
    draft = statement_start_draft(signee=published.signee, by=alice)

    assert draft.catalogue_version == published.catalogue_version
    assert draft.based_on_id == published.pk
    assert answers_of(draft) == {code: value[:2] for code, value in ANSWERS.items()}
    assert statement_changes(draft) is None  # nothing to compare


def test_an_obligation_change_alone_changes_the_meaning_a_category_move_does_not(
    mini_catalogue,
):
    raised = import_successor(
        "t-3",
        MINI_CATALOGUE.replace('version: "t-1"', 'version: "t-2"').replace(
            "obligation: may", "obligation: should"
        ),
    )
    changes = {c.code: c for c in catalogue_diff(mini_catalogue, raised).changed}

    assert meaning_changed(changes["2.1.3"])
    changes["2.1.3"].obligation_changed = False
    changes["2.1.3"].category_changed = True
    assert not meaning_changed(changes["2.1.3"])


def test_the_draft_lists_new_changed_and_removed_criteria_and_the_dropped_answers(
    published, successor, alice
):
    draft = statement_start_draft(signee=published.signee, by=alice)

    changes = statement_changes(draft)

    assert changes is not None
    assert (changes.old.code, changes.new.code) == ("t-1", "t-2")
    assert [c.code for c in changes.added] == ["2.1.4"]
    [changed] = changes.changed
    assert changed.change.code == "2.1.2" and not changed.carried
    assert changed.old_answer.fulfilment == "partially"
    assert [(r.criterion.code, r.old_answer.fulfilment) for r in changes.removed] == [
        ("2.1.3", "not_fulfilled")
    ]
    assert sorted(a.criterion.code for a in changes.dropped) == ["2.1.2", "2.1.3"]
    assert changes.to_answer == 2


def test_the_draft_page_shows_the_differences(client, published, successor, alice, alpha):
    statement_start_draft(signee=published.signee, by=alice)
    client.force_login(alice)

    html = client.get(reverse("signees:statement_draft", args=[alpha.slug])).content.decode()

    assert "What changed from catalogue version t-1 to t-2" in html
    assert "the version in force" in html
    assert "Interfaces are documented.</span></del>" in html
    assert "Interfaces are documented and versioned.</span></ins>" in html
    assert "Export of history" in html  # new
    assert "Open standards" in html  # removed
    assert "Proprietary formats only for now." in html  # its dropped answer
    assert "The REST API is documented; the SOAP API is not." in html  # not carried over


def test_publishing_the_update_supersedes_the_old_statement(published, successor, alice):
    draft = statement_start_draft(signee=published.signee, by=alice)
    answer_all(
        draft,
        alice,
        {
            "2.1.2": ("fulfilled", "", ""),
            "2.1.4": ("partially", "History of the last year only.", ""),
        },
    )

    statement_publish(statement=draft, by=alice)

    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == StatementStatus.SUPERSEDED
    assert draft.status == StatementStatus.PUBLISHED
    assert draft.signee.catalogue_version.code == "t-1"  # the signature stays as it was


def test_a_draft_of_a_version_neither_signed_nor_in_force_cannot_be_published(
    published, successor, alice
):
    draft = statement_start_draft(signee=published.signee, by=alice)
    import_successor("t-3")

    with pytest.raises(DomainError, match="neither the one your company signed"):
        statement_publish(statement=draft, by=alice)


# --- What the pages say -------------------------------------------------------------------


def test_the_workspace_invites_the_update(client, published, successor, alice, alpha):
    client.force_login(alice)

    html = client.get(reverse("signees:statement", args=[alpha.slug])).content.decode()

    assert "Your CPO Statement answers catalogue version t-1; version t-2 is in force." in html
    assert "Update to catalogue version t-2" in html
    assert f"{reverse('criteria:diff')}?from=t-1&amp;to=t-2" in html


def test_public_pages_say_the_statement_answers_an_older_version(
    client, published, successor, alpha
):
    note = "This statement answers version t-1; the version in force is t-2."

    statement_page = client.get(reverse("signees:public_statement", args=[alpha.slug]))
    signee_page = client.get(reverse("signees:detail", args=[alpha.slug]))

    assert note in statement_page.content.decode()
    assert note in signee_page.content.decode()


def test_a_statement_answering_the_version_in_force_says_nothing_of_versions(
    client, published, alpha
):
    statement_page = client.get(reverse("signees:public_statement", args=[alpha.slug]))
    signee_page = client.get(reverse("signees:detail", args=[alpha.slug]))

    for page in (statement_page, signee_page):
        assert "the version in force is" not in page.content.decode()


def test_the_note_is_german_on_german_pages(client, published, successor, alpha):
    client.cookies["django_language"] = "de"

    html = client.get(
        reverse("signees:public_statement", args=[alpha.slug]), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()

    assert 'lang="de"' in html
    assert "notice-older-version" in html and "t-1" in html and "t-2" in html


# --- Notices when a catalogue version is published ---------------------------------------


@pytest.fixture
def world(published, alice, bob, charlie, beta):
    """Alpha: IT vendor with a statement on t-1 (alice owner, bob plain member). Beta: IT
    customer (charlie owner, dana admin, who reads German). Gamma: signed, not approved."""
    SigneeFactory(approved=True, organization=beta, group=SigneeGroup.IT_CUSTOMER)
    dana = UserFactory(email="dana@example.org", full_name="Dana Admin", language="de")
    MembershipFactory(organization=beta, user=dana, role=Role.ADMIN)
    gamma = OrganizationFactory(legal_name="Gamma")
    eve = UserFactory(email="eve@example.org")
    MembershipFactory(organization=gamma, user=eve, role=Role.OWNER)
    SigneeFactory(pending=True, organization=gamma)
    return {"dana": dana, "eve": eve}


def notices():
    return {n.user.email: n for n in Notice.objects.select_related("user")}


def test_owners_and_admins_of_approved_signees_are_told_vendors_get_their_own_text(
    world, successor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        told = catalogue_published_notify(version=successor)

    assert told == 3
    got = notices()
    assert set(got) == {"alice@example.org", "charlie@example.org", "dana@example.org"}
    vendor, customer = got["alice@example.org"], got["charlie@example.org"]
    assert vendor.kind == customer.kind == CATALOGUE_PUBLISHED_KIND
    assert vendor.key == customer.key == "catalogue:t-2"
    assert "update your CPO Statement" in vendor.subject
    assert "answers an older version (t-1)" in vendor.body
    assert "/o/alpha/statement/" in vendor.body
    assert "/criteria/diff/?from=t-1&to=t-2" in vendor.body
    assert vendor.url.endswith("/o/alpha/statement/")
    assert customer.subject == "Version t-2 of the CPO catalogue is published"
    assert "/criteria/t-2/" in customer.body
    assert "/criteria/diff/?from=t-1&to=t-2" in customer.body
    assert "older version" not in customer.body
    assert got["dana@example.org"].language == "de"
    # Mailed at once, one message each, with the one-click unsubscribe headers.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(got)
    assert all("List-Unsubscribe" in m.extra_headers for m in mail.outbox)


def test_each_person_is_told_once_and_a_choice_of_off_is_honoured(
    world, successor, charlie, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(
        user=charlie, kind=CATALOGUE_PUBLISHED_KIND, delivery=Delivery.OFF
    )
    with django_capture_on_commit_callbacks(execute=True):
        catalogue_published_notify(version=successor)
        again = catalogue_published_notify(version=successor)

    assert again == 0
    assert Notice.objects.count() == 3
    off = notices()["charlie@example.org"]
    assert off.delivery == Delivery.OFF and off.sent_at is None
    assert "charlie@example.org" not in [m.to[0] for m in mail.outbox]


def test_publishing_a_catalogue_version_sends_the_notices_after_commit(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_successor()

    assert set(notices()) == {"alice@example.org", "charlie@example.org", "dana@example.org"}
    with scopes_disabled():
        entry = ActivityEntry.objects.get(verb="statement.catalogue_published_notified")
    assert entry.data["told"] == 3 and entry.data["outdated"] == 1


def test_the_outdated_statement_pdf_is_rendered_again_to_say_so(published, successor):
    with scopes_disabled():
        Document.objects.filter(kind="cpo_statement").update(status=DocumentStatus.READY)

    catalogue_published_notify(version=successor)

    with scopes_disabled():
        [document] = Document.objects.filter(kind="cpo_statement")
    assert document.status == DocumentStatus.PENDING


def test_the_statement_pdf_says_it_answers_an_older_version(published, successor):
    from cpo_portal.documents.rendering import render_html
    from signees.documents import _statement_context

    with scopes_disabled():
        [document] = Document.objects.filter(kind="cpo_statement").select_related("organization")
    with scope(organization=document.organization):
        html = render_html(
            "signees/statements/pdf/statement.html",
            {"document": document, **_statement_context(document)},
            language="en",
        )

    assert "This statement answers version t-1; the version in force is t-2." in html
    assert "when this PDF was made" in html


def test_the_audience_is_read_in_two_queries_whatever_the_number_of_signees(
    mini_catalogue, successor
):
    for i in range(5):
        organization = OrganizationFactory(legal_name=f"Vendor {i}")
        MembershipFactory(organization=organization, role=Role.OWNER)
        signee = SigneeFactory(
            approved=True, organization=organization, catalogue_version=mini_catalogue
        )
        StatementFactory(published=True, signee=signee)

    with CaptureQueriesContext(connection) as queries:
        audience = catalogue_published_audience(successor)

    assert len(queries) == 2
    assert len(audience.outdated) == 6  # alpha and the five
    assert all(len(item.people) >= 1 for item in audience.outdated)


def test_notices_cost_a_small_constant_per_signee(mini_catalogue, published, successor):
    def add_vendors(n, start):
        for i in range(start, start + n):
            organization = OrganizationFactory(legal_name=f"Vendor {i}")
            MembershipFactory(organization=organization, role=Role.OWNER)
            signee = SigneeFactory(
                approved=True, organization=organization, catalogue_version=mini_catalogue
            )
            StatementFactory(published=True, signee=signee)

    def cost():
        Notice.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            catalogue_published_notify(version=successor)
        return len(queries)

    add_vendors(2, 0)
    small = cost()
    add_vendors(4, 2)
    large = cost()
    assert Notice.objects.filter(subject__contains="update your CPO Statement").count() == 7

    # Measured: 9 per vendor (who was told already and their choices; the notice in its
    # savepoint; the statement PDF's re-render, locked in its own). No per-row growth beyond.
    assert (large - small) / 4 <= 10

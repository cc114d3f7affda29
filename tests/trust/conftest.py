"""One populated portal for the permission matrix, built once per module.

Alpha (alice owner, bob member) is an approved IT vendor signee and a community member: a
published CPO Statement and a draft of the next one, an organizational certificate with its
PDF (its audit, decided, is `lead`'s past audit), a product application in audit (evidence
file, findings, a draft audit report PDF) with `lead` assigned (who declared a conflict with
Beta) and `idle` qualified but not assigned. Beta (charlie) is the other
organization. Gamma (dora) is a community member whose dora was elected to the Core Team in
this year's published election, in which Alpha cast a ballot. There is a submitted
proposal, a draft annual report, a published conference with Alpha's registration and a
draft catalogue version.

The world lives in a transaction that is rolled back at the end of the module; every test
runs in a savepoint inside it. Work queued "on commit" (PDF rendering, e-mails) never runs:
the PDFs are written directly.
"""

import hashlib
import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled

# The smallest file the upload check accepts as a PDF.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    media_root: str = ""

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def _storage_settings(media_root: str) -> dict[str, Any]:
    from django.conf import settings

    return {
        "MEDIA_ROOT": media_root,
        "STORAGES": {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": media_root},
            },
        },
        "CELERY_TASK_ALWAYS_EAGER": True,
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    }


def _user(email: str, name: str, *, totp: bool = False) -> Any:
    from tests.conftest import _activate_totp
    from tests.factories import UserFactory

    user = UserFactory(email=email, full_name=name)
    return _activate_totp(user) if totp else user


def _ready_pdf(document: Any, name: str) -> Any:
    """A rendered document: the file is written directly (rendering is not under test)."""
    with scopes_disabled():
        document.file.save(name, ContentFile(PDF), save=False)
        document.status = "ready"
        document.size = len(PDF)
        document.sha256 = hashlib.sha256(PDF).hexdigest()
        document.rendered_at = timezone.now()
        document.save()
    return document


def _people(world: World) -> None:

    from certification.services.auditors import qualification_apply
    from criteria.models import SchemeKind
    from tests.certification.helpers import qualify
    from tests.factories import make_office

    u = world.users
    u["alice"] = _user("alice@example.org", "Alice Owner")
    u["bob"] = _user("bob@example.org", "Bob Member")
    u["charlie"] = _user("charlie@example.org", "Charlie Outsider")
    u["dora"] = _user("dora@example.org", "Dora Core Team")
    u["office"] = _user("office@example.org", "Olga Office", totp=True)
    make_office(u["office"])
    u["lead"] = _user("lead@example.org", "Lea Lead Auditor", totp=True)
    u["idle"] = _user("idle@example.org", "Ida Idle Auditor", totp=True)
    from cpo_portal.accounts.models import Auditor

    for key in ("lead", "idle"):
        auditor = Auditor.objects.create(user=u[key], organisation_name="Audit Body")
        # Auditor competence (auditors): applied for, approved by the office.
        qualify(auditor, office=u["office"])
        world.objects[f"{key}_auditor"] = auditor
    # The lead's application to renew the product qualification, with an evidence file.
    world.objects["qualification"] = qualification_apply(
        auditor=world.objects["lead_auditor"],
        scheme_kind=SchemeKind.PRODUCT,
        training="Refresher course, this year.",
        experience="Ten years.",
        evidence=SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf"),
        by=u["lead"],
    )
    # Staff (accounts): an invitation to the office's staff, pending.
    from cpo_portal.accounts.services.personnel import staff_invite

    world.objects["staff_invitation"], world.objects["staff_invitation_token"] = staff_invite(
        email="sam@example.org",
        full_name="Sam Staff",
        office_roles=["reviewer"],
        as_auditor=False,
        by=u["office"],
    )


def _organizations(world: World) -> None:
    from cpo_portal.tenancy.models import Membership, Role
    from cpo_portal.tenancy.services import invitation_create, organization_create
    from tests.community.helpers import member
    from tests.factories import MembershipFactory

    u, o = world.users, world.objects
    o["alpha"] = organization_create(by=u["alice"], legal_name="Alpha", country="DE")
    MembershipFactory(organization=o["alpha"], user=u["bob"], role=Role.MEMBER)
    o["beta"] = organization_create(by=u["charlie"], legal_name="Beta", country="FR")
    o["gamma"] = organization_create(by=u["dora"], legal_name="Gamma Motors", country="IT")
    o["alpha_membership"] = member(o["alpha"], u["alice"], u["office"])
    o["beta_membership"] = member(o["beta"], u["charlie"], u["office"], group="it_customer")
    o["gamma_membership"] = member(o["gamma"], u["dora"], u["office"], group="it_customer")
    with scope(organization=o["alpha"]):
        o["bob_membership"] = Membership.objects.get(user=u["bob"])
    o["invitation"], o["invitation_token"] = invitation_create(
        organization=o["alpha"], by=u["alice"], email="zoe@example.org"
    )


def _statements(world: World) -> None:
    from signees.models import Signee
    from signees.services.statements import statement_start_draft
    from tests.signees.helpers import publish_statement

    o = world.objects
    with scopes_disabled():
        o["alpha_signee"] = Signee.objects.select_related("catalogue_version").get(
            organization=o["alpha"]
        )
    o["statement"] = publish_statement(o["alpha_signee"], o["alpha_signee"].catalogue_version)
    o["statement_draft"] = statement_start_draft(signee=o["alpha_signee"], by=world.users["alice"])
    o["statement_pdf"] = _ready_pdf(
        _document("cpo_statement", o["statement"], o["alpha"], world), "statement.pdf"
    )


def _document(kind: str, owner: Any, organization: Any, world: World) -> Any:
    from cpo_portal.documents.models import Document

    with scopes_disabled():
        return Document.objects.create(
            kind=kind,
            owner=owner,
            organization=organization,
            title=f"{kind} {owner.pk}",
            status_changed_at=timezone.now(),
        )


def _certification(world: World) -> None:
    from certification.models import Certificate, FindingKind
    from certification.services.applications import application_accept, application_submit
    from certification.services.auditors import auditor_assign
    from certification.services.findings import finding_raise
    from certification.services.self_assessment import evidence_add_file, self_assessment_submit
    from cpo_portal.documents.models import Document
    from criteria.models import AssessmentCriterion, SchemeKind
    from tests.certification.helpers import answer_all, audit_to_report, decide, new_application

    u, o = world.users, world.objects
    organizational = audit_to_report(
        new_application(o["alpha"], u["alice"]),
        company_user=u["alice"],
        auditor=o["lead_auditor"],
        auditor_user=u["lead"],
        office=u["office"],
    )
    decide(organizational, u["office"])
    with scopes_disabled():
        o["certificate"] = Certificate.objects.get(application=organizational)
        o["certificate_pdf"] = _ready_pdf(
            Document.objects.get(owner_id=str(o["certificate"].pk), kind="certificate"),
            "certificate.pdf",
        )
    o["decided_application"] = organizational
    # Its audit report, which `lead` keeps reading as a past audit.
    with scopes_disabled():
        o["past_audit_report_pdf"] = _ready_pdf(
            Document.objects.get(owner_id=str(organizational.pk), kind="audit_report"),
            "past-report.pdf",
        )

    application = new_application(o["alpha"], u["alice"], kind=SchemeKind.PRODUCT)
    application_submit(application=application, by=u["alice"])
    application_accept(application=application, by=u["office"])
    o["assignment"] = auditor_assign(
        application=application, auditor=o["lead_auditor"], role="lead", by=u["office"]
    )
    answer_all(application, u["alice"])
    criterion = AssessmentCriterion.objects.filter(scheme_id=application.scheme_id).first()
    o["criterion"] = criterion
    o["evidence"] = evidence_add_file(
        application=application,
        upload=SimpleUploadedFile("handbook.pdf", PDF, content_type="application/pdf"),
        criterion_id=criterion.pk,
        by=u["alice"],
    )
    self_assessment_submit(application=application, by=u["alice"])
    o["finding"] = finding_raise(
        objective_evidence="Seen during the audit.",
        application=application,
        kind=FindingKind.MINOR,
        criterion_ids=[criterion.pk],
        description="The interface documentation is a year old.",
        by=u["lead"],
    )
    # Clarification requests and working papers (clarifications): the lead's question to
    # Alpha on the criterion, and the lead's working paper with a file.
    from certification.services.clarifications import clarification_ask
    from certification.services.working_papers import working_paper_add

    o["clarification"] = clarification_ask(
        application=application,
        criterion_id=criterion.pk,
        question="Who owns the interface documentation?",
        by=u["lead"],
    )
    o["working_paper"] = working_paper_add(
        application=application,
        criterion_id=criterion.pk,
        kind="test",
        title="Export test",
        body="Exported three sessions.",
        upload=SimpleUploadedFile("export.pdf", PDF, content_type="application/pdf"),
        by=u["lead"],
    )
    # Audit plans (plans): its plan, sent by the lead, and Alpha's objection to the lead,
    # awaiting the office's decision.
    from tests.certification.helpers import raise_objection, send_plan

    o["plan"] = send_plan(application, u["lead"])
    o["objection"] = raise_objection(o["plan"], o["assignment"], u["alice"])
    # Appeals (appeals): Alpha's open appeal against the lead's finding.
    from certification.services.appeals import appeal_file

    o["appeal"] = appeal_file(
        organization=o["alpha"],
        item=f"finding:{o['finding'].pk}",
        grounds="The documentation was updated last month.",
        by=u["alice"],
    )
    o["application"] = application
    o["audit_report_pdf"] = _ready_pdf(
        _document("audit_report", application, o["alpha"], world), "report.pdf"
    )
    from certification.models import AuditorConflict

    o["conflict"] = AuditorConflict.objects.create(
        auditor=o["lead_auditor"], organization=o["beta"], reason="Former employer"
    )


def _png() -> bytes:
    """A real, small PNG (a report picture)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "#1f5f8b").save(buffer, format="PNG")
    return buffer.getvalue()


def _community(world: World) -> None:
    from community.models import ProposalKind
    from community.services import conference as community_conference
    from community.services import elections as community_elections
    from community.services import membership as community_membership
    from community.services import proposals as community_proposals
    from community.services import reports as community_reports
    from tests.community.helpers import at_phase

    u, o = world.users, world.objects
    now = timezone.now()
    day = timedelta(days=1)
    election = community_elections.election_create(
        year=now.year,
        title="",
        nomination_opens=now - day,
        nomination_closes=now + day,
        voting_opens=now + 2 * day,
        voting_closes=now + 3 * day,
        by=u["office"],
    )
    candidate = community_elections.candidate_nominate(
        election=election,
        nominating_organization=o["gamma"],
        candidate_user=u["dora"],
        candidate_organization=o["gamma"],
        by=u["dora"],
    )
    community_elections.candidate_answer(candidate=candidate, accept=True, by=u["dora"])
    at_phase(election, "voting")
    o["receipt"] = community_elections.ballot_cast(
        election=election,
        organization=o["alpha"],
        choices={"it_customer": [candidate.pk]},
        by=u["alice"],
    )
    at_phase(election, "closed")
    community_elections.election_tally(election=election, by=u["office"])
    community_elections.results_publish(election=election, by=u["office"])
    o["election"], o["candidate"] = election, candidate

    o["proposal"] = community_proposals.proposal_submit(
        organization=o["alpha"],
        by=u["alice"],
        kind=ProposalKind.values[0],
        title="A criterion on data export",
        rationale="Customers ask for it.",
    )
    o["report"] = community_reports.report_create(year=now.year, by=u["dora"])
    o["report_section"] = o["report"].sections.order_by("position").first()
    o["report_comment"] = community_reports.report_comment_add(
        section=o["report_section"], by=u["dora"], body="Shorter, please."
    )
    o["report_image"] = community_reports.report_image_add(
        report=o["report"],
        by=u["dora"],
        upload=SimpleUploadedFile("team.png", _png(), content_type="image/png"),
        caption="The Core Team",
        alt_text="Five people in front of a whiteboard.",
        section=o["report_section"],
    )
    conference = community_conference.conference_save(
        by=u["office"],
        year=now.year,
        title="CPO Conference",
        starts_on=(now + 30 * day).date(),
        ends_on=(now + 31 * day).date(),
        venue="Darmstadt",
        capacity=50,
        registration_opens=now - day,
        registration_closes=now + 20 * day,
    )
    o["conference"] = community_conference.conference_publish(conference=conference, by=u["office"])
    o["registration"] = community_conference.registration_create(
        conference=o["conference"],
        organization=o["alpha"],
        attendee_name="Alice Owner",
        attendee_email="alice@example.org",
        by=u["alice"],
    )
    o["membership_import"] = community_membership.membership_import_create(
        file_name="members.csv", content=b"Member number;Company name\nPI-1;Alpha\n", by=u["office"]
    )


def _catalogue(world: World) -> None:
    from criteria.demo import demo_catalogue_data
    from criteria.services.catalogue import catalogue_create_draft, catalogue_import

    data = demo_catalogue_data()
    version, _ = catalogue_import(data=data, by=None, publish=True)
    world.objects["catalogue"] = version
    world.objects["draft_catalogue"] = catalogue_create_draft(
        source=version, code="draft-9", by=world.users["office"]
    )


def _agreements(world: World) -> None:
    """The certification agreement (agreements): version 1 in force, accepted by Alpha on
    the way to its certificate (tests.certification.helpers.audit_to_report), and the
    office administrator's draft of version 2."""
    from certification.selectors.agreements import agreement_accepted_by, agreement_in_force
    from certification.services.agreements import agreement_draft

    o = world.objects
    o["agreement"] = agreement_in_force()
    o["agreement_acceptance"] = agreement_accepted_by(o["alpha"], o["agreement"])
    o["agreement_draft"] = agreement_draft(
        by=world.users["office"], title="CPO certification agreement", text="Draft.", changes=""
    )


def _complaints(world: World) -> None:
    """Complaints (complaints): one from a visitor about Alpha's certificate."""
    from certification.services.complaints import complaint_submit

    world.objects["complaint"], _created = complaint_submit(
        subject="seal_misuse",
        description="The seal is shown on a product that is not certified.",
        name="Vera Visitor",
        email="vera@example.net",
        certificate=world.objects["certificate"],
    )


def build_world(media_root: str) -> World:
    world = World(media_root=media_root)
    _people(world)
    _catalogue(world)
    _organizations(world)
    _statements(world)
    _certification(world)
    _agreements(world)
    _complaints(world)
    _community(world)
    return world


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker, tmp_path_factory):
    media_root = str(tmp_path_factory.mktemp("matrix-media"))
    with django_db_blocker.unblock(), override_settings(**_storage_settings(media_root)):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(media_root)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def matrix_media(_isolated_settings, settings, matrix_world):
    """The files of the world stay readable in every test (the root conftest points
    MEDIA_ROOT at a fresh folder per test)."""
    for name, value in _storage_settings(matrix_world.media_root).items():
        setattr(settings, name, value)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cpo_portal.navigation import Audience, Place, register_card, register_link


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from cpo_portal.accounts.roles import register_office_permissions

        from . import documents  # noqa: F401  registers the audit report kind

        register_office_permissions(
            "certification.view_application",
            "certification.view_applicationevent",
            "certification.view_auditorassignment",
            "certification.view_score",
            "certification.view_scorechange",
            "certification.view_finding",
            "certification.view_evidence",
            "certification.view_organizationalgrant",
            "certification.view_auditorqualification",
            "certification.view_auditorconflict",
        )
        self._register_seals()
        # Independence holds for the whole audit: an auditor cannot join an organization
        # they audit (tenancy asks before inviting and before accepting).
        from cpo_portal.tenancy.extensions import register_membership_check

        # Imported once the app registry is ready: these modules import models.
        from .services.auditors import auditor_membership_refusal

        register_membership_check(auditor_membership_refusal)
        # The certification record in the office's export and erasure of a person's data.
        from . import personal_data

        personal_data.register()
        # Staff (cpo_portal.accounts): an auditor of an open audit is not deactivated; the
        # same open assignments stand in the way of an erasure.
        from cpo_portal.accounts.extensions import register_deactivation_check

        register_deactivation_check("certification", personal_data.blockers)
        # The app's entries in the floor's navigation (cpo_portal/navigation.py).
        _register_navigation()
        # Deadlines: the to-do lists of the office, the companies and the auditors.
        _register_todo()
        # Complaints (complaints): the office's card and to-do line, the annual report's counts.
        _register_complaints()
        # Appeals (appeals): the office's card and to-do line, the company's open appeals.
        _register_appeals()

    @staticmethod
    def _register_seals() -> None:
        """The signee page and the home page list certificates through signees.extensions,
        so that signees never imports certification."""
        # Imported once the app registry is ready: these modules import models.
        from signees.extensions import register_seals

        # Imported once the app registry is ready: these modules import models.
        from .selectors.seal import public_latest_seals, public_seals_of_organization

        register_seals(
            seals_for=public_seals_of_organization, latest_certificates=public_latest_seals
        )
        # The public signee list: each signee's seals and the "holds a valid seal" filter.
        from signees.extensions import register_listed_seals

        # Imported once the app registry is ready: these modules import models.
        from .selectors.seal import LISTED_SEALS

        register_listed_seals(LISTED_SEALS)
        # The annual CPO report (community) counts certificates through signees.extensions.
        from signees.extensions import register_certificate_figures

        # Imported once the app registry is ready: these modules import models.
        from .figures import certificate_figures

        register_certificate_figures(certificate_figures)


def _register_navigation() -> None:
    """The seal registry, audits and certification in the portal's header, an organization's
    workspace, the dashboard and the office's start page."""
    register_link(
        place=Place.HEADER,
        audience=Audience.VISITOR,
        order=20,
        label=_("Seal registry"),
        url_name="certification:seal",
    )
    register_link(
        place=Place.HEADER,
        audience=Audience.OFFICE,
        order=30,
        label=_("Certification"),
        url_name="certification:office_applications",
        section=True,
        hint=_("CPO office"),
    )
    register_link(
        place=Place.HEADER,
        audience=Audience.AUDITOR,
        order=10,
        label=_("Audits"),
        url_name="certification:audits",
    )
    register_link(
        place=Place.WORKSPACE,
        audience=Audience.MEMBER,
        order=10,
        label=_("Certification"),
        url_name="certification:applications",
    )
    register_link(
        place=Place.WORKSPACE,
        audience=Audience.MEMBER,
        order=20,
        label=_("Certificates"),
        url_name="certification:certificates",
    )
    # The same in the bar of every page of the organization; Certification stays the current
    # tab on its applications' pages, Appeals (below) on its own.
    register_link(
        place=Place.ORGANIZATION,
        audience=Audience.MEMBER,
        order=30,
        label=_("Certification"),
        url_name="certification:applications",
        section=True,
    )
    register_link(
        place=Place.ORGANIZATION,
        audience=Audience.MEMBER,
        order=32,
        label=_("Certificates"),
        url_name="certification:certificates",
        section=True,
    )
    # The certification agreement (agreements).
    register_link(
        place=Place.WORKSPACE,
        audience=Audience.MEMBER,
        order=15,
        label=_("Certification agreement"),
        url_name="certification:agreement",
    )
    register_card(
        place=Place.OFFICE,
        audience=Audience.OFFICE,
        order=45,
        key="agreements",
        title=_("Certification agreement"),
        text=_(
            "The versions of the agreement companies accept before their application is "
            "accepted, and who accepted which version."
        ),
        links=[(_("Certification agreement"), "certification:office_agreements")],
    )
    register_card(
        place=Place.DASHBOARD,
        audience=Audience.AUDITOR,
        order=10,
        key="auditor",
        title=_("Audits"),
        text=_("The assessments assigned to you for scoring."),
        links=[(_("Your audits"), "certification:audits")],
    )
    register_card(
        place=Place.OFFICE,
        audience=Audience.OFFICE,
        order=30,
        key="certificates",
        title=_("Certificates"),
        text=_(
            "Suspend, reinstate or withdraw certificates, open surveillance audits, and work "
            "through the suspension list."
        ),
        links=[
            (_("Certificates"), "certification:office_certificates"),
            (_("Needs attention"), "certification:office_certificates_attention"),
        ],
    )
    register_card(
        place=Place.OFFICE,
        audience=Audience.OFFICE,
        order=40,
        key="certification",
        title=_("Certification"),
        text=_(
            "Review applications, assign independent auditors, and decide on audit reports "
            "under the four-eyes rule."
        ),
        links=[
            (_("Certification queue"), "certification:office_applications"),
            (_("Auditors"), "certification:office_auditors"),
            (_("Recorded certifications"), "certification:office_grants"),
            # Audit plans: the queue of objections to auditors (fixes).
            (_("Objections to auditors"), "certification:office_objections"),
        ],
    )


# --- Deadlines: to-do lists, the auditors' landing page (deadlines) -------------------------


def _register_todo() -> None:
    """Each role's to-do list (the office's queues, what a company must do next, the reports
    an auditor owes) and the auditor's landing page after signing in."""
    from cpo_portal.navigation import register_landing, register_todo

    # Imported once the app registry is ready: these modules import models.
    from .views.deadlines import auditor_todo, office_todo, organization_todo_items

    register_todo(audience=Audience.OFFICE, key="certification", provider=office_todo, order=20)
    register_todo(
        audience=Audience.MEMBER,
        key="certification",
        provider=organization_todo_items,
        order=20,
    )
    register_todo(audience=Audience.AUDITOR, key="certification", provider=auditor_todo)
    register_landing(audience=Audience.AUDITOR, url_name="certification:audits", order=20)
    register_card(
        place=Place.OFFICE,
        audience=Audience.OFFICE,
        order=48,
        key="deadlines",
        title=_("Deadlines"),
        text=_(
            "Every waiting step has a due date from the certification policy; reminders and "
            "escalations go out by themselves."
        ),
        links=[
            (_("Open deadlines"), "certification:office_deadlines"),
            (_("Certification policy"), "certification:office_certification_policy"),
        ],
    )


# --- Complaints (complaints) ----------------------------------------------------------------


def _register_complaints() -> None:
    """The office's complaints card and to-do line; the complaints and appeals of the year for
    the annual CPO report (community), through signees.extensions."""
    from cpo_portal.navigation import register_todo
    from signees.extensions import register_case_figures

    # Imported once the app registry is ready: these modules import models.
    from .figures import complaint_and_appeal_figures
    from .views.complaints import office_complaints_todo

    register_todo(
        audience=Audience.OFFICE, key="complaints", provider=office_complaints_todo, order=25
    )
    register_case_figures(complaint_and_appeal_figures)
    register_card(
        place=Place.OFFICE,
        audience=Audience.OFFICE,
        order=45,
        key="complaints",
        title=_("Complaints"),
        text=_(
            "Complaints from anyone: acknowledge, investigate, decide and answer them within "
            "their due dates; open a special audit or suspend the certificate concerned."
        ),
        links=[(_("Complaints"), "certification:office_complaints")],
    )


# --- Appeals (appeals) --------------------------------------------------------------------------


def _register_appeals() -> None:
    """The office's appeals card and to-do line; a company's open appeals on its to-do list
    and its appeals in its workspace."""
    from cpo_portal.navigation import register_todo

    # Imported once the app registry is ready: these modules import models.
    from .views.appeals import office_appeal_todo, organization_appeal_todo

    register_todo(audience=Audience.OFFICE, key="appeals", provider=office_appeal_todo, order=26)
    register_todo(
        audience=Audience.MEMBER, key="appeals", provider=organization_appeal_todo, order=26
    )
    register_link(
        place=Place.WORKSPACE,
        audience=Audience.MEMBER,
        order=25,
        label=_("Appeals"),
        url_name="certification:appeals",
    )
    register_link(
        place=Place.ORGANIZATION,
        audience=Audience.MEMBER,
        order=34,
        label=_("Appeals"),
        url_name="certification:appeals",
        section=True,
    )
    register_card(
        place=Place.OFFICE,
        audience=Audience.OFFICE,
        order=46,
        key="appeals",
        title=_("Appeals"),
        text=_(
            "Clients' appeals against certification decisions, decided by a certifier who took "
            "no part in the decision or the audit."
        ),
        links=[(_("Appeals"), "certification:office_appeals")],
    )

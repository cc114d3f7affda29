from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
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

        from .services.auditors import auditor_membership_refusal

        register_membership_check(auditor_membership_refusal)
        # The certification record in the office's export and erasure of a person's data.
        from . import personal_data

        personal_data.register()

    @staticmethod
    def _register_seals() -> None:
        """The signee page and the home page list certificates through signees.extensions,
        so that signees never imports certification."""
        from signees.extensions import register_seals

        from .seal_selectors import public_latest_seals, public_seals_of_organization

        register_seals(
            seals_for=public_seals_of_organization, latest_certificates=public_latest_seals
        )
        # The annual CPO report (community) counts certificates through signees.extensions.
        from signees.extensions import register_certificate_figures

        from .figures import certificate_figures

        register_certificate_figures(certificate_figures)

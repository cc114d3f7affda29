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

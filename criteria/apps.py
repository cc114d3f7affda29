from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = _("Criteria")

    def ready(self) -> None:
        from cpo_portal.accounts.roles import register_office_permissions

        # The office works on the catalogue in the admin too; the admin itself keeps
        # published versions read-only and routes every change through the services.
        register_office_permissions(
            "criteria.view_catalogueversion",
            "criteria.view_category",
            "criteria.change_category",
            "criteria.view_criterion",
            "criteria.add_criterion",
            "criteria.change_criterion",
            "criteria.delete_criterion",
            "criteria.view_assessmentscheme",
            "criteria.change_assessmentscheme",
            "criteria.view_subjectarea",
            "criteria.view_assessmentcriterion",
            "criteria.change_assessmentcriterion",
        )

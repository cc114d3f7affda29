from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cpo_portal.navigation import Audience, Place, register_card, register_link


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = _("Criteria")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
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
        # The app's entries in the floor's navigation (cpo_portal/navigation.py).
        _register_navigation()
        # The printable edition of each catalogue version (a PDF per language).
        from . import documents

        documents.register_kinds()


def _register_navigation() -> None:
    """The catalogue in the portal's header and on the office's start page."""
    register_link(
        place=Place.HEADER,
        audience=Audience.VISITOR,
        order=30,
        label=_("Criteria"),
        url_name="criteria:current",
    )
    register_link(
        place=Place.HEADER,
        audience=Audience.OFFICE,
        order=10,
        label=_("Criteria"),
        url_name="criteria:office_versions",
        section=True,
        hint=_("CPO office"),
    )
    register_card(
        place=Place.OFFICE,
        audience=Audience.OFFICE,
        order=20,
        key="criteria",
        title=_("Criteria"),
        text=_(
            "Import, review, edit and publish versions of the CPO catalogue and its "
            "assessment schemes."
        ),
        links=[(_("Criteria catalogue"), "criteria:office_versions")],
    )

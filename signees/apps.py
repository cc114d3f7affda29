from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cpo_portal.navigation import Audience, Place, register_card, register_link

if TYPE_CHECKING:  # the models are not loaded yet when Django imports an AppConfig
    from cpo_portal.accounts.models import User
    from cpo_portal.tenancy.models import Organization


class SigneesConfig(AppConfig):
    name = "signees"
    verbose_name = _("Signees")

    def ready(self) -> None:
        # Imported once the app registry is ready: these modules import models.
        from cpo_portal.accounts.roles import register_office_permissions
        from cpo_portal.tenancy.signals import organization_updated

        # Imported once the app registry is ready: these modules import models.
        from . import (
            documents,  # noqa: F401  registers the signees' document kinds
            personal_data,
        )

        # Signatures and reviews in the office's export and erasure of a person's data.
        personal_data.register()

        organization_updated.connect(_organization_updated, dispatch_uid="signees-org-updated")
        register_office_permissions(
            "signees.view_signee",
            "signees.view_signature",
            "signees.view_signeereview",
            "signees.view_statement",
        )
        # The app's entries in the floor's navigation (cpo_portal/navigation.py).
        _register_navigation()


def _organization_updated(
    sender: Any, *, organization: "Organization", by: "User | None", changed: list[str], **_: Any
) -> None:
    # Imported when called: the app's services need the models, which are not ready when
    # this module is imported.
    from .services.signing import signee_organization_changed

    signee_organization_changed(organization=organization, by=by, changed=changed)


def _register_navigation() -> None:
    """Signees in the portal's header, an organization's bar, the 404 page and the office's
    start page."""
    register_link(
        place=Place.HEADER,
        audience=Audience.VISITOR,
        order=10,
        label=_("Signees"),
        url_name="signees:list",
    )
    register_link(
        place=Place.HEADER,
        audience=Audience.OFFICE,
        order=20,
        label=_("Signees"),
        url_name="signees:office_list",
        section=True,
        hint=_("CPO office"),
    )
    register_link(
        place=Place.ORGANIZATION,
        audience=Audience.MEMBER,
        order=10,
        label=_("CPO signature"),
        url_name="signees:status",
    )
    register_link(
        place=Place.ORGANIZATION,
        audience=Audience.MEMBER,
        order=20,
        label=_("CPO Statement"),
        url_name="signees:statement",
    )
    register_link(
        place=Place.NOT_FOUND,
        audience=Audience.VISITOR,
        order=10,
        label=_("Signees"),
        url_name="signees:list",
    )
    register_card(
        place=Place.OFFICE,
        audience=Audience.OFFICE,
        order=10,
        key="signees",
        title=_("Signees"),
        text=_(
            "Review signatures of the CPO: approve, return for changes, reject or unpublish, "
            "with warnings for likely duplicates."
        ),
        links=[(_("Signee review queue"), "signees:office_list")],
    )

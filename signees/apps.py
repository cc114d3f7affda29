from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigneesConfig(AppConfig):
    name = "signees"
    verbose_name = _("Signees")

    def ready(self) -> None:
        from cpo_portal.accounts.roles import register_office_permissions
        from cpo_portal.tenancy.signals import organization_updated

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


def _organization_updated(
    sender: Any, *, organization: Any, by: Any, changed: list[str], **_: Any
) -> None:
    from .services import signee_organization_changed

    signee_organization_changed(organization=organization, by=by, changed=changed)

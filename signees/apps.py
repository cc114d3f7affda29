from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cpo_portal.navigation import (
    Audience,
    Place,
    TodoItem,
    register_card,
    register_link,
    register_todo,
)

if TYPE_CHECKING:  # the models are not loaded yet when Django imports an AppConfig
    from django.http import HttpRequest

    from cpo_portal.accounts.models import User
    from cpo_portal.tenancy.models import Organization


class SigneesConfig(AppConfig):
    name = "signees"
    verbose_name = _("Signees")

    def ready(self) -> None:
        # The kinds of notice of signing and the statement, first: every service may send them.
        _register_notice_kinds()
        # Imported once the app registry is ready: these modules import models.
        from cpo_portal.accounts.roles import register_office_permissions
        from cpo_portal.tenancy.signals import organization_updated
        from criteria.extensions import register_published_listener

        # Imported once the app registry is ready: these modules import models.
        from . import (
            documents,  # noqa: F401  registers the signees' document kinds
            personal_data,
        )

        # Signatures and reviews in the office's export and erasure of a person's data.
        personal_data.register()

        organization_updated.connect(_organization_updated, dispatch_uid="signees-org-updated")
        # A new catalogue version: notices to signees, invitations to update statements.
        register_published_listener("signees.catalogue_published", _catalogue_published)
        register_office_permissions(
            "signees.view_signee",
            "signees.view_signature",
            "signees.view_signeereview",
            "signees.view_statement",
        )
        # The app's entries in the floor's navigation (cpo_portal/navigation.py).
        _register_navigation()
        # The signees' lines of the office's and the companies' to-do lists.
        register_todo(audience=Audience.OFFICE, key="signees", provider=_office_todo, order=10)
        register_todo(audience=Audience.MEMBER, key="signees", provider=_member_todo, order=10)


def _register_notice_kinds() -> None:
    """The notices of signing and the CPO Statement, under one heading of the settings page
    (cpo_portal/notifications/kinds.py)."""
    from cpo_portal.notifications.kinds import register_kind

    register_kind(
        key="signees.catalogue_published",
        group=_("Signing and CPO Statement"),
        order=100,
        label=_("New catalogue version"),
        description=_(
            "When the CPO office publishes a new version of the CPO catalogue; IT vendors "
            "whose CPO Statement answers an older version are invited to update it."
        ),
    )


def _catalogue_published(version: Any) -> None:
    # Queued after the publishing transaction commits (TransactionAwareTask): the notices
    # take a while with many signees and must not hold the office's request.
    from .tasks import notify_catalogue_published

    notify_catalogue_published.delay(version.pk)


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


# --- To-do lists (cpo_portal/navigation.py) ----------------------------------------------------


def _office_todo(request: "HttpRequest", organization: Any = None) -> list[TodoItem]:
    """Signings waiting for the office's review: how many, and the oldest (one query)."""
    from django.db.models import Count, Min
    from django.urls import reverse
    from django_scopes import scopes_disabled

    from .selectors.signing import signees_for_office

    with scopes_disabled():
        queue = signees_for_office().order_by().aggregate(n=Count("pk"), oldest=Min("signed_at"))
    return [
        TodoItem(
            key="signees",
            label=str(_("Signings to review")),
            url=reverse("signees:office_list"),
            count=queue["n"],
            oldest=queue["oldest"],
            order=10,
        )
    ]


def _member_todo(request: "HttpRequest", organization: "Organization") -> list[TodoItem]:
    """What the company must do next about the CPO: sign it (again, when returned), publish
    its CPO Statement by its due date."""
    from django.urls import reverse
    from django.utils import timezone

    from .models import SIGN_AGAIN_STATUSES, SigneeStatus
    from .selectors.signing import signee_of_organization
    from .selectors.statements import open_statement_due

    signee = signee_of_organization(organization)
    slug = organization.slug
    if signee is None or signee.status in SIGN_AGAIN_STATUSES:
        return [
            TodoItem(
                key="sign", label=str(_("Sign the CPO")), url=reverse("signees:sign", args=[slug])
            )
        ]
    items = []
    if signee.status == SigneeStatus.CHANGES_REQUESTED:
        items.append(
            TodoItem(
                key="sign",
                label=str(_("Your signature was returned for changes: correct and resubmit it")),
                url=reverse("signees:status", args=[slug]),
            )
        )
    due = open_statement_due(signee)
    if due is not None and signee.status in (SigneeStatus.APPROVED, SigneeStatus.PENDING):
        items.append(
            TodoItem(
                key="statement",
                label=str(_("Publish your CPO Statement")),
                url=reverse("signees:statement", args=[slug]),
                due_on=due,
                overdue=due < timezone.localdate(),
                order=1,
            )
        )
    return items

"""Reading people for the CPO office: the list, one person, what an erasure would do."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.authtoken.models import Token

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.activity.selectors import activity_for_office

from ..models import Auditor, OfficeRole, StaffInvitation, User
from ..personal_data import ErasureLine, Text, providers
from ..roles import has_office_role, is_auditor
from .personnel import other_office_administrators_exist


def people_for_office(*, query: str = "") -> QuerySet[User]:
    """Everyone with an account, searchable by address or name; one query per page."""
    people = User.objects.annotate(organization_count=Count("memberships", distinct=True))
    query = query.strip()
    if query:
        people = people.filter(Q(email__icontains=query) | Q(full_name__icontains=query))
    return people.order_by("email")


def person_for_office(pk: int) -> User:
    return get_object_or_404(User.objects.select_related("auditor"), pk=pk)


def person_activity_for_office(person: User) -> QuerySet[ActivityEntry]:
    """What the person did, and what was done to their account, newest first."""
    about_account = Q(target_type=ContentType.objects.get_for_model(User), target_id=str(person.pk))
    return activity_for_office().filter(Q(actor=person) | about_account)


def erasure_blockers(*, person: User, by: User) -> list[Text]:
    """Why `by` cannot erase `person` now; empty: nothing stands in the way."""
    if person.is_erased:
        return [_("This person's data has already been erased.")]
    reasons: list[Text] = []
    if person.pk == by.pk:
        reasons.append(_("You cannot erase your own account: another office member has to."))
    if has_office_role(person, OfficeRole.ADMINISTRATOR) and not other_office_administrators_exist(
        person
    ):
        reasons.append(
            _("This is the last administrator of the CPO office: appoint another one first.")
        )
    for provider in providers():
        reasons += provider.blockers(person)
    return reasons


@dataclass(frozen=True)
class ErasurePreview:
    lines: list[ErasureLine]
    kept: list[Text]


def staff_invitations_of(person: User) -> QuerySet[StaffInvitation]:
    """The invitations to the CPO office or the auditors sent to the person's address or
    accepted by them (they hold the address and the name the administrator typed)."""
    return StaffInvitation.objects.filter(Q(email__iexact=person.email) | Q(accepted_by=person))


def _account_lines(person: User) -> list[ErasureLine]:
    lines = [
        ErasureLine(
            "anonymise",
            _(
                "The account: name removed, e-mail address replaced by an unusable one, "
                "password made unusable, signed out everywhere and deactivated."
            ),
        )
    ]
    removed = []
    if EmailAddress.objects.filter(user=person).exists():
        removed.append(_("e-mail addresses"))
    if Authenticator.objects.filter(user=person).exists():
        removed.append(_("two-factor authenticators and recovery codes"))
    if Token.objects.filter(user=person).exists():
        removed.append(_("the API token"))
    if removed:
        items = ", ".join(str(r) for r in removed)
        lines.append(ErasureLine("delete", _("Sign-in data: %(items)s.") % {"items": items}))
    invitations = staff_invitations_of(person).count()
    if invitations:
        text = ngettext(
            "%(count)d invitation to the CPO office or the auditors sent to this person.",
            "%(count)d invitations to the CPO office or the auditors sent to this person.",
            invitations,
        ) % {"count": invitations}
        lines.append(ErasureLine("delete", text))
    if is_auditor(person) or Auditor.objects.filter(user=person).exists():
        lines.append(
            ErasureLine(
                "anonymise",
                _("The auditor profile: phone number removed, profile deactivated."),
            )
        )
    return lines


def erasure_preview(person: User) -> ErasurePreview:
    """What erasing `person` would delete, anonymise and keep, in sentences."""
    lines = _account_lines(person)
    kept: list[Text] = [
        _(
            "The account row itself stays, without name or address, so that the records "
            "below point to a former member rather than to nobody."
        )
    ]
    for provider in providers():
        lines += provider.describe(person)
        kept += list(provider.kept)
    kept.append(
        _(
            "Backups made before the erasure still hold the data until they are rotated "
            "out; after restoring one, erase the person again."
        )
    )
    return ErasurePreview(lines=lines, kept=kept)

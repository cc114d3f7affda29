"""Forms of the accounts floor: who a person is to the portal (their name and the language
they read), the office's confirmation of an erasure, and the office's staff pages
(invitations, roles)."""

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm

from .models import OfficeRole, User

NAME_HELP = _("Shown to the people you work with in the portal. Your e-mail address is not.")
LANGUAGE_HELP = _("The language of the portal's pages and of the e-mails you receive.")


def _name_field() -> forms.CharField:
    # strip=True (the default): a name of blanks is no name.
    return forms.CharField(
        label=_("Full name"),
        max_length=200,
        help_text=NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def _language_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, help_text=LANGUAGE_HELP
    )


def current_language() -> str:
    """The language the page is shown in, as one of the portal's language codes."""
    codes = [code for code, _name in settings.LANGUAGES]
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in codes else settings.LANGUAGE_CODE


class SignupForm(forms.Form):
    """Extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS).

    allauth's form derives from this one; AccountAdapter.save_user stores both fields on the
    new user in the same save.
    """

    field_order = ["full_name", "email", "password1", "password2", "language"]

    full_name = _name_field()
    language = _language_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whoever reads the sign-up page in German most likely wants German mail too.
        self.fields["language"].initial = current_language()

    def signup(self, request: HttpRequest, user: User) -> None:
        """Called by allauth after the user is saved; nothing is left to do."""


class ProfileForm(forms.Form):
    full_name = _name_field()
    language = _language_field()


class PersonEraseForm(forms.Form):
    """The office confirms an erasure by typing the person's e-mail address."""

    confirmation = forms.CharField(
        label=_("The person's e-mail address, to confirm"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, person: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_confirmation(self) -> str:
        typed = str(self.cleaned_data["confirmation"]).strip()
        if typed.lower() != self.person.email.lower():
            raise forms.ValidationError(_("This is not the person's e-mail address."))
        return typed


# --- The office's staff and auditors ----------------------------------------------------------


ROLES_HELP = _(
    "Office administrator: staff, auditors and policies. Reviewer: signings, applications, "
    "auditor assignments and audit plans. Certifier: certification decisions and the "
    "certificates' lifecycle. Every office member reads every office page."
)


def _roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Office roles"),
        choices=OfficeRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=ROLES_HELP,
    )


class StaffInviteForm(PortalForm):
    """An office administrator invites a colleague or an auditor by e-mail address."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("The invitation goes to this address; it is accepted by signing in with it."),
    )
    full_name = forms.CharField(
        label=_("Name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("How the office will know the invitation until it is accepted."),
    )
    office_roles = _roles_field()
    as_auditor = forms.BooleanField(
        label=_("Auditor"),
        required=False,
        help_text=_(
            "An independent expert who audits; the office approves their qualifications "
            "per scheme before the first assignment."
        ),
    )
    auditing_body = forms.CharField(
        label=_("Auditing body"),
        max_length=200,
        required=False,
        help_text=_("For an auditor: the certification or auditing body they work for, if any."),
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        help_text=_(
            "Used when the address belongs to no account yet; a person with an account gets "
            "it in their own language."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = current_language()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("office_roles") and not data.get("as_auditor"):
            raise forms.ValidationError(
                _("Choose at least one office role, or invite the person as an auditor.")
            )
        return data


class StaffRolesForm(PortalForm):
    """The office roles of one person (none: no longer office staff)."""

    office_roles = _roles_field()

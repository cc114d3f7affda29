"""Who a person is to the portal: their name and the language they read."""

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import User

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

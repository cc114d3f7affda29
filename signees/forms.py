"""Forms of the signing flow: the group, the signature itself, a later change of group."""

from django import forms
from django.forms.boundfield import BoundWidget
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import SigneeGroup

# The definitions a company chooses its group by, shown side by side.
GROUP_DEFINITIONS: dict[str, Promise] = {
    SigneeGroup.IT_CUSTOMER: _("Uses and buys IT systems and services."),
    SigneeGroup.IT_VENDOR: _("Develops software as its dominant business."),
    SigneeGroup.IT_SERVICE_PROVIDER: _(
        "Provides services, for example integration, as its dominant business; "
        "may ship related tools."
    ),
}
GROUP_CONSEQUENCES: dict[str, Promise] = {
    SigneeGroup.IT_CUSTOMER: _("Applies the CPO when it chooses and buys IT systems."),
    SigneeGroup.IT_VENDOR: _("Publishes a CPO Statement within three months of signing."),
    SigneeGroup.IT_SERVICE_PROVIDER: _("Applies the CPO in its services and related tools."),
}

_CHOOSE_GROUP = _("Choose the group the company signs in.")


class GroupForm(forms.Form):
    group = forms.ChoiceField(
        label=_("Group"),
        choices=SigneeGroup.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _CHOOSE_GROUP, "invalid_choice": _CHOOSE_GROUP},
    )

    def cards(self) -> list[tuple[BoundWidget, Promise, Promise]]:
        """(radio button, definition, what follows) per group, for the side-by-side cards."""
        return [
            (radio, GROUP_DEFINITIONS[radio.data["value"]], GROUP_CONSEQUENCES[radio.data["value"]])
            for radio in self["group"]
        ]


class SignForm(forms.Form):
    # Chosen in the first step and carried along; the service checks it again.
    group = forms.ChoiceField(
        choices=SigneeGroup.choices,
        widget=forms.HiddenInput,
        error_messages={"required": _CHOOSE_GROUP, "invalid_choice": _CHOOSE_GROUP},
    )
    # The catalogue version whose declaration was read; the service refuses any other.
    version = forms.CharField(
        max_length=40,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Read the declaration of the current catalogue version, then sign."),
        },
    )
    signatory_name = forms.CharField(
        label=_("Name of the signatory"),
        max_length=200,
        help_text=_("The person who signs for the company, as in the company's records."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signatory_position = forms.CharField(
        label=_("Position"),
        max_length=200,
        help_text=_("For example Managing Director, CEO, Head of IT."),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    authority_confirmed = forms.BooleanField(
        label=_("I confirm that I am authorised to sign for the company."),
        error_messages={
            "required": _("Confirm that you are authorised to sign for the company."),
        },
    )

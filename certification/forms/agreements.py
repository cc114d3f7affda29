"""Forms of the certification agreement: the office administrator's draft and its
publication, the company's acceptance. They parse input; the services decide what is
allowed (a published version is refused there, whatever the form)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, VersionedForm
from cpo_portal.mail import lazy_format
from cpo_portal.tenancy.models import Organization

from ..models import AgreementVersion

AGREEMENT_TEXT_MAX = 100000


class AgreementForm(VersionedForm):
    """A draft version: its title, text and what changed; `version` guards an edit against a
    lost update (two administrators editing: the second is told)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("For example: CPO certification agreement."),
    )
    text = forms.CharField(
        label=_("Text of the agreement"),
        max_length=AGREEMENT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 24, "class": "agreement-text"}),
        help_text=_(
            "Plain text, exactly as companies read and accept it: conditions, obligations of "
            "the client, use of the seal and the certificate, surveillance, suspension and "
            "withdrawal, fees. Once published it can no longer be changed."
        ),
    )
    changes = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to the companies asked to accept the new version."),
    )

    def __init__(self, *args: Any, agreement: AgreementVersion | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if agreement is not None and not self.is_bound:
            self.initial.update(
                title=agreement.title,
                text=agreement.text,
                changes=agreement.changes,
                version=agreement.version,
            )

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in ("title", "text", "changes")}


class PublishForm(VersionedForm):
    """The confirmation of publishing: the version of the draft the administrator reviewed."""


class AcceptForm(PortalForm):
    # The version the person read; the service refuses any other.
    agreement = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": _("Read the certification agreement in force, then accept it."),
        },
    )
    signatory_name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("The person who accepts the agreement for the organization."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signatory_position = forms.CharField(
        label=_("Position"),
        max_length=200,
        help_text=_("For example Managing Director, CEO, Head of Quality."),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    authority_confirmed = forms.BooleanField(
        error_messages={
            "required": _(
                "Confirm that you are authorised to accept the agreement for the organization."
            ),
        },
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority_confirmed"].label = lazy_format(
            _("I am authorised to accept the certification agreement for %(org)s."),
            org=organization.legal_name,
        )

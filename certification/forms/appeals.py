"""Appeals (ISO/IEC 17065 §7.13): a client appeals a certification decision (refusal,
suspension, withdrawal, a finding) within the policy's period; a person who took no part in
the decision or the audit decides.

Forms: the company's appeal and withdrawal, the office's choice of the decider, its decision
and the follow-up of an upheld appeal. The services decide what is allowed.
"""

from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm

from ..models import AppealOutcome
from ..selectors.appeals import AppealItem, DeciderOption
from ..services.appeals import FOLLOW_UP_NOTE, FOLLOW_UP_REINSTATE


def _item_label(item: AppealItem) -> str:
    return str(
        _("%(decision)s — decided on %(date)s, appeal by %(last)s")
        % {
            "decision": item.label,
            "date": formats.date_format(item.decision_on, "SHORT_DATE_FORMAT"),
            "last": formats.date_format(item.last_day, "SHORT_DATE_FORMAT"),
        }
    )


class AppealForm(PortalForm):
    item = forms.ChoiceField(label=_("Decision you appeal against"))
    grounds = forms.CharField(
        label=_("Grounds"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Why the decision should change, and what supports it. A certifier who took no "
            "part in the decision or the audit decides."
        ),
    )

    def __init__(self, *args: Any, items: list[AppealItem] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(item.key, _item_label(item)) for item in items or []]


class AppealWithdrawForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AppealAssignForm(PortalForm):
    decider = forms.TypedChoiceField(label=_("Certifier who decides"), coerce=int)

    def __init__(
        self, *args: Any, options: list[DeciderOption] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["decider"]
        assert isinstance(field, forms.TypedChoiceField)
        # Only the impartial certifiers are offered; the page says why the others are not.
        field.choices = [(o.user.pk, o.user.public_name) for o in options or [] if o.eligible]


class AppealDecideForm(PortalForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=AppealOutcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The company reads them."),
    )


FOLLOW_UPS = (
    (FOLLOW_UP_REINSTATE, _("Reinstate the suspended certificate")),
    (FOLLOW_UP_NOTE, _("Record what was done (e.g. the case reopened, a new audit)")),
)


class AppealFollowUpForm(PortalForm):
    action = forms.ChoiceField(label=_("Follow-up"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, with the link to it."),
    )

    def __init__(self, *args: Any, offered: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(key, label) for key, label in FOLLOW_UPS if key in (offered or [])]

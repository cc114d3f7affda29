"""Forms of applications: the company's application and withdrawal, and the office's queue,
review, decision, reopening of the report and recorded organizational certifications.

The forms check shape (a choice, a required reason); what is allowed — conflicts of
interest, four-eyes, the pass rule, the state machine — is the services' call, so a forged
POST reaches the service and is refused there.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm
from cpo_portal.tenancy.models import Organization
from criteria.models import SchemeKind
from signees.selectors.signing import published_signees

from ..models import ApplicationStatus, Recommendation
from ..selectors.applications import OfficeFilter

PRODUCT_FIELDS = ("product_name", "product_version", "product_description")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        # The browser's date picker sends and expects ISO dates, whatever the language.
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), input_formats=["%Y-%m-%d"])


# --- The company ----------------------------------------------------------------------------


class ApplicationForm(PortalForm):
    """What the company fills in: scope, requested audit window, the product."""

    scope_description = forms.CharField(
        label=_("Scope of the certification"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Which parts of the company (or which product editions) are covered."),
    )
    # The certificate states its scope in English and German (issue 16).
    scope_description_de = forms.CharField(
        label=_("Scope in German"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "lang": "de"}),
        help_text=_(
            "Optional: the same scope in German, for the German page of the certificate. "
            "Without it, the German page gives the scope in English."
        ),
    )
    window_start = date_field(_("Requested audit window from"))
    window_end = date_field(_("Requested audit window until"))
    product_name = forms.CharField(label=_("Product name"), max_length=200)
    product_version = forms.CharField(label=_("Product version"), max_length=100)
    product_description = forms.CharField(
        label=_("Product description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != SchemeKind.PRODUCT:
            for name in PRODUCT_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end and end < start:
            self.add_error("window_end", _("The audit window ends before it starts."))
        return cleaned

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name, "") for name in self.fields}


class WithdrawForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The CPO office and any assigned auditors will see it."),
    )


# --- The office -----------------------------------------------------------------------------

# The office's own pseudo-status: everything waiting for an office action.
TODO = "todo"
ALL = "all"
TODO_STATES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.REPORT_SUBMITTED,
)
FILTER_FIELDS = ("status", "kind", "q")


class QueueFilterForm(PortalForm):
    """The queue's filters. Without any filter it shows what waits for the office."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Part of the organization's name or the product name."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (TODO, _("Waiting for the office")),
            (ALL, _("All statuses")),
            *[(v, label) for v, label in ApplicationStatus.choices if v != ApplicationStatus.DRAFT],
        ],
    )
    kind = forms.ChoiceField(
        label=_("Certificate"),
        required=False,
        choices=[("", _("All certificates")), *SchemeKind.choices],
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        # Page links carry only ?page=; they mean the default queue.
        if data is not None and not any(name in data for name in FILTER_FIELDS):
            data = None
        super().__init__(data, initial={"status": TODO}, **kwargs)

    def _clean(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    @property
    def chosen_status(self) -> str:
        return self._clean().get("status") or TODO

    def filters(self) -> OfficeFilter:
        """The valid part of the query: a hand-edited bad value is shown and ignored."""
        data = self._clean()
        status = self.chosen_status
        return OfficeFilter(
            status=status if status not in (TODO, ALL) else "",
            kind=data.get("kind", ""),
            q=data.get("q", "").strip(),
        )

    @property
    def is_default(self) -> bool:
        return self.chosen_status == TODO and self.filters() == OfficeFilter()


REVIEW_ACTIONS = ("accept", "return", "reject")


class ReviewForm(PortalForm):
    """Accept, return for completion or reject; the company sees the reason."""

    action = forms.ChoiceField(
        choices=[
            ("accept", _("Accept")),
            ("return", _("Return for completion")),
            ("reject", _("Reject")),
        ],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The company sees this text and receives it by e-mail."),
    )

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        # Several review forms share the page; their ids must differ.
        kwargs.setdefault("auto_id", f"id_review_{action or 'x'}_%s")
        super().__init__(*args, **kwargs)
        if action:
            self.fields["action"].initial = action
            self.fields["reason"].required = action != "accept"
            if action == "accept":
                self.fields["reason"].help_text = _(
                    "Optional; the company sees it with the acceptance."
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") in ("return", "reject") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason: the company sees it."))
        return data


class DecideForm(PortalForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(Recommendation.GRANT, _("Grant")), (Recommendation.DENY, _("Deny"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose grant or deny.")},
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Why you decide so. The company sees it."),
        error_messages={"required": _("Give the rationale of the decision.")},
    )


class ReopenForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the auditors should look at again. The company sees it."),
        error_messages={"required": _("Give a reason: the company sees it.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_reopen_%s")
        super().__init__(*args, **kwargs)


class GrantForm(PortalForm):
    """Record an organizational certification granted outside the portal."""

    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        empty_label=_("Choose an organization"),
        help_text=_("Approved signees of the CPO."),
        error_messages={"invalid_choice": _("Choose one of the approved signees.")},
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        help_text=_("The certificate's number or reference."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = published_signees().values("organization_id")
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ModelChoiceField)
        organization.queryset = Organization.objects.filter(pk__in=ids).order_by("legal_name")

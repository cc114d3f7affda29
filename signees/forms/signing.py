"""Forms of signing: the public list's filters; the group, the signature itself, a later
change of group; the CPO office's queue filters and decision forms."""

from typing import Any

from django import forms
from django.forms.boundfield import BoundWidget
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries as country_names

from cpo_portal.forms import PortalForm

from ..models import SigneeGroup, SigneeStatus
from ..selectors.signing import DEFAULT_SORT, QueueFilter, SigneeFilter

SORT_CHOICES = [
    ("name", _("Name (A–Z)")),
    ("-name", _("Name (Z–A)")),
    ("-since", _("Newest signees first")),
    ("since", _("Oldest signees first")),
]

# --- The public list ------------------------------------------------------------------------


class SigneeFilterForm(PortalForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Company name, legal name or website."),
    )
    group = forms.ChoiceField(
        label=_("Group"),
        required=False,
        choices=[("", _("All groups")), *SigneeGroup.choices],
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    seal = forms.ChoiceField(
        label=_("Seal"),
        required=False,
        choices=[
            ("", _("With or without a seal")),
            ("valid", _("Holds a valid seal")),
            ("organizational", _("Holds a valid organizational seal")),
            ("product", _("Holds a valid product seal")),
        ],
    )

    def __init__(self, *args: Any, countries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", gettext("All countries")), *countries]

    def filters(self) -> SigneeFilter:
        """The valid part of the query: a hand-edited bad value is shown as an error and
        ignored, so the page (or the export) still lists signees."""
        if not self.is_bound:
            return SigneeFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return SigneeFilter(
            q=data.get("q", "").strip(),
            group=data.get("group", ""),
            country=data.get("country", ""),
            sort=data.get("sort") or DEFAULT_SORT,
            seal=data.get("seal", ""),
        )


# --- Signing ----------------------------------------------------------------------------------


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


# --- The CPO office's review ------------------------------------------------------------------

ALL = "all"
FILTER_FIELDS = ("status", "group", "country", "overdue", "q")


class QueueFilterForm(PortalForm):
    """The queue's filters. Without any filter in the query it shows what awaits review."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Part of the legal name, display name or website."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*SigneeStatus.choices, (ALL, _("All statuses"))],
    )
    group = forms.ChoiceField(
        label=_("Group"), required=False, choices=[("", _("All groups")), *SigneeGroup.choices]
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    overdue = forms.BooleanField(label=_("CPO Statement overdue"), required=False)

    def __init__(self, data: Any = None, *, country_codes: list[str], **kwargs: Any) -> None:
        # Page links carry only ?page=; they mean the default queue, not "no filter".
        if data is not None and not any(name in data for name in FILTER_FIELDS):
            data = None
        super().__init__(data, initial={"status": SigneeStatus.PENDING}, **kwargs)
        names = dict(country_names)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [
            ("", _("All countries")),
            *sorted(((c, names.get(c, c)) for c in country_codes), key=lambda c: str(c[1])),
        ]

    def filters(self) -> QueueFilter:
        """The valid part of the query: a hand-edited bad value is shown and ignored."""
        if not self.is_bound:
            return QueueFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        status = data.get("status") or SigneeStatus.PENDING
        return QueueFilter(
            status="" if status == ALL else status,
            group=data.get("group", ""),
            country=data.get("country", ""),
            statement_overdue=bool(data.get("overdue")),
            q=data.get("q", "").strip(),
        )

    @property
    def is_default(self) -> bool:
        return self.filters() == QueueFilter()


class ReasonForm(PortalForm):
    """The reason of a decision. The company sees it and gets it by e-mail.

    Each decision posts to its own URL, so the field is always called "reason"; the ids
    differ per action because the detail page shows several of these forms.
    """

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The company sees this text and receives it by e-mail."),
        error_messages={"required": _("Give a reason: the company sees it.")},
    )

    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)

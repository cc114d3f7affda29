"""Forms of the CPO office's signee pages: the queue's filters and the decision forms."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import SigneeGroup, SigneeStatus
from .selectors_office import QueueFilter

ALL = "all"
FILTER_FIELDS = ("status", "group", "country", "overdue", "q")


class OfficeForm(forms.Form):
    """Labels without the trailing colon, like every other form of the portal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class QueueFilterForm(OfficeForm):
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
        names = dict(countries)
        self.fields["country"].choices = [  # type: ignore[attr-defined]
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


class ReasonForm(OfficeForm):
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

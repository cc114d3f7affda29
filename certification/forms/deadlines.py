"""Forms of deadlines: the office's filters of the open deadlines and the process policy."""

from datetime import datetime
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, PortalModelForm

from ..models import CertificationPolicy, DeadlineKind, DeadlineParty
from ..selectors.deadlines import DeadlineFilter
from ..services.deadlines import POLICY_FIELDS


class DeadlineFilterForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("Step"), required=False, choices=[("", _("All steps")), *DeadlineKind.choices]
    )
    party = forms.ChoiceField(
        label=_("Who must act"),
        required=False,
        choices=[("", _("Anyone")), *DeadlineParty.choices],
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)

    def filters(self) -> DeadlineFilter:
        """The valid part of the query: a hand-edited bad value is shown and ignored."""
        if not self.is_bound:
            return DeadlineFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return DeadlineFilter(
            kind=data.get("kind", ""),
            party=data.get("party", ""),
            overdue=bool(data.get("overdue")),
        )


class PolicyForm(PortalModelForm):
    """The process policy, every setting on one page. `based_on` is the time of the version
    the page showed: a save on an older one is refused (someone changed it meanwhile)."""

    based_on = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = CertificationPolicy
        fields = list(POLICY_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            self.initial["based_on"] = self.instance.updated_at.isoformat()
        for name in POLICY_FIELDS:
            field = self.fields[name]
            if isinstance(field, forms.IntegerField):
                # The model's bounds, checked here so the form names the field at once.
                field.validators += [MinValueValidator(1), MaxValueValidator(365)]
                field.widget.attrs.update({"min": 1, "max": 365})

    def based_on_time(self) -> datetime | None:
        raw = self.cleaned_data.get("based_on") or ""
        try:
            return parse_datetime(raw)
        except ValueError:
            return None

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in POLICY_FIELDS}

    def _post_clean(self) -> None:
        # The service validates and saves the row (full_clean included); the form only
        # checks the fields, so a refusal maps onto the form from one place.
        pass

"""The public registry's filters."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from cpo_portal.forms import PortalForm
from signees.models import SigneeGroup

from ..models import CertificateStatus
from ..selectors.seal import KIND_LABELS, SealFilter

FILTER_KEYS = ("q", "kind", "status", "group", "country")


class SealFilterForm(PortalForm):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=gettext_lazy("Certificate number, holder or product."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("All types")), *KIND_LABELS.items()],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *CertificateStatus.choices],
    )
    group = forms.ChoiceField(
        label=gettext_lazy("Group"),
        required=False,
        choices=[("", gettext_lazy("All groups")), *SigneeGroup.choices],
    )
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)

    def __init__(self, *args: Any, country_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        named = sorted(((c, countries.name(c) or c) for c in country_codes), key=lambda p: p[1])
        country.choices = [("", _("All countries")), *named]

    def filters(self) -> SealFilter:
        """The valid part of the query: a hand-edited bad value is shown and ignored."""
        if not self.is_bound:
            return SealFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return SealFilter(
            q=data.get("q", "").strip(),
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            group=data.get("group", ""),
            country=data.get("country", ""),
        )

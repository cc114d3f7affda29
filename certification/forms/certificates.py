"""Forms of the certificate lifecycle: the office's filters, reasons, surveillance window and
policy, and the company's recertification. The services decide what is allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm
from criteria.models import SchemeKind

from ..models import Certificate, CertificateStatus
from ..selectors.certificates import CertificateFilter
from .applications import date_field


class CertificateFilterForm(PortalForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Number, holder or product name."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *CertificateStatus.choices],
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *SchemeKind.choices]
    )

    def filters(self) -> CertificateFilter:
        """The valid part of the query: a hand-edited bad value is shown and ignored."""
        if not self.is_bound:
            return CertificateFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return CertificateFilter(
            status=data.get("status", ""), kind=data.get("kind", ""), q=data.get("q", "").strip()
        )


class ReasonForm(PortalForm):
    """The reason of a lifecycle step; it is public on the verification page."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown publicly on the verification page and e-mailed to the holder."),
        error_messages={"required": _("Give a reason: it is shown publicly.")},
    )

    def __init__(self, *args: Any, action: str, required: bool = True, **kwargs: Any) -> None:
        # The record page shows several of these forms; ids differ per action (and row).
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].help_text = _("Optional; shown on the verification page.")


class SurveillanceForm(PortalForm):
    window_start = date_field(_("Audit window from"))
    window_end = date_field(_("Audit window until"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_surveillance_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end and end < start:
            self.add_error("window_end", _("The audit window ends before it starts."))
        return cleaned


class RecertifyForm(PortalForm):
    """The recertification application: what it renews is fixed by the certificate."""

    scope_description = forms.CharField(
        label=_("Scope of the certification"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Taken over from the certificate; change it if the scope has changed."),
    )
    window_start = date_field(_("Requested audit window from"))
    window_end = date_field(_("Requested audit window until"))
    product_version = forms.CharField(
        label=_("Product version"),
        max_length=100,
        help_text=_("The version to be certified now."),
    )
    product_description = forms.CharField(
        label=_("Product description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, certificate: Certificate, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "scope_description": certificate.scope_description,
                "product_version": certificate.product_version,
            },
        )
        super().__init__(*args, **kwargs)
        self.certificate = certificate
        if certificate.kind != SchemeKind.PRODUCT:
            del self.fields["product_version"]
            del self.fields["product_description"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end and end < start:
            self.add_error("window_end", _("The audit window ends before it starts."))
        return cleaned

    def values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data.get(name, "") for name in self.fields}
        if self.certificate.kind == SchemeKind.PRODUCT:
            values["product_name"] = self.certificate.product_name  # the same product
        return values

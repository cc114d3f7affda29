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


# --- Verify by file (signatures) ---------------------------------------------------------

VERIFY_FILE_MAX_BYTES = 10 * 1024 * 1024


class VerifyFileForm(PortalForm):
    """A certificate PDF to check: at most 10 MB, and a PDF by its first bytes."""

    file = forms.FileField(
        label=gettext_lazy("Certificate PDF"),
        help_text=gettext_lazy("The PDF file of a CPO certificate, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > VERIFY_FILE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."), code="too_large")
        data = bytes(upload.read(VERIFY_FILE_MAX_BYTES + 1))
        if len(data) > VERIFY_FILE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."), code="too_large")
        if b"%PDF-" not in data[:1024]:
            raise forms.ValidationError(_("This file is not a PDF."), code="not_pdf")
        return data


class VerifyHashForm(PortalForm):
    """A SHA-256 the visitor's browser computed (the file itself is never sent)."""

    sha256 = forms.RegexField(
        label=gettext_lazy("SHA-256 of the file"),
        regex=r"^\s*[0-9a-fA-F]{64}\s*$",
        max_length=80,
        error_messages={"invalid": gettext_lazy("A SHA-256 is 64 hexadecimal characters.")},
    )

    def clean_sha256(self) -> str:
        return str(self.cleaned_data["sha256"]).strip().lower()

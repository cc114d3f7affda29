"""Complaints (ISO/IEC 17065 §7.13): anyone may complain about a certified company or
product, misuse of the seal or logo, or the certification body; the office acknowledges,
investigates, decides and answers within the due dates it sets. Nothing about a complainant
is public.

The public form guards against spam without a third party: a honeypot field (hidden by CSS,
labelled for screen readers "leave empty") and a signed timestamp of when the form was shown
(`django.core.signing`). A post with the honeypot filled in, a missing or forged timestamp, or
sent within seconds of the form being shown is a bot's: `is_bot()` says so and the view
answers it like a success without storing anything (a bot learns nothing it could adapt to).
A timestamp older than a day is a person's stale page: the form asks them to send it again.
"""

import time
from typing import Any

from django import forms
from django.core import signing
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cpo_portal.accounts.models import User
from cpo_portal.forms import PortalForm

from ..models import Certificate, ComplaintOutcome, ComplaintStatus, ComplaintSubject
from ..selectors.complaints import certificate_by_number

SALT = "certification.complaints.form"
MIN_SECONDS = 3  # faster than anyone reads and fills in the form
MAX_SECONDS = 24 * 60 * 60


def form_token(now: float | None = None) -> str:
    """The signed time the form was shown."""
    return signing.dumps(int(now if now is not None else time.time()), salt=SALT)


class ComplaintForm(PortalForm):
    subject = forms.ChoiceField(
        label=_("What is your complaint about?"),
        choices=ComplaintSubject.choices,
        widget=forms.RadioSelect,
    )
    certificate_number = forms.CharField(
        label=_("Certificate number"),
        max_length=30,
        required=False,
        help_text=_("If you know it, e.g. CPO-O-2026-0001 (shown on the verification page)."),
    )
    subject_detail = forms.CharField(
        label=_("Company, product or web address concerned"),
        max_length=300,
        required=False,
        help_text=_("Whom or what your complaint concerns, e.g. where you saw the seal used."),
    )
    description = forms.CharField(
        label=_("Your complaint"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, when, and what you would like the CPO office to do."),
    )
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send the receipt and our answer here; it is never shown to anyone else."),
    )
    organization = forms.CharField(label=_("Your organization"), max_length=200, required=False)
    consent = forms.BooleanField(
        label=_(
            "I agree that the CPO office processes my details to handle this complaint "
            "(see “What happens next” above)."
        ),
    )
    # The honeypot: hidden by CSS from people; a bot fills in every field it finds.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.certificate: Certificate | None = None
        self.stale = False
        if not self.is_bound:
            self.initial["started"] = form_token()

    def _shown_at(self) -> int | None:
        try:
            return int(signing.loads(self.data.get("started", ""), salt=SALT))
        except (signing.BadSignature, TypeError, ValueError):
            return None

    def is_bot(self, now: float | None = None) -> bool:
        """The honeypot filled in, a forged or missing timestamp, or a post within seconds."""
        if self.data.get("website"):
            return True
        shown = self._shown_at()
        if shown is None:
            return True
        return (now if now is not None else time.time()) - shown < MIN_SECONDS

    def clean_certificate_number(self) -> str:
        number = self.cleaned_data["certificate_number"].strip()
        if number:
            self.certificate = certificate_by_number(number)
            if self.certificate is None:
                raise forms.ValidationError(
                    _(
                        "No certificate has this number. Check it, or leave it empty and "
                        "name the company or product below."
                    )
                )
        return number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        shown = self._shown_at()
        if shown is not None and time.time() - shown > MAX_SECONDS:
            self.stale = True
            # A fresh token in the form shown again (a copy: the request's data is immutable).
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            data["started"] = form_token()
            self.data = data
            raise forms.ValidationError(
                _("This form was open for more than a day. Please check it and send it again.")
            )
        return cleaned

    def subject_detail_text(self) -> str:
        """What the complainant named; a certificate number they gave is part of it."""
        detail = self.cleaned_data.get("subject_detail", "")
        number = self.cleaned_data.get("certificate_number", "")
        if number and self.certificate is not None:
            return f"{self.certificate.number} {detail}".strip()[:300]
        return detail


# --- The office's forms ------------------------------------------------------------------------


class ComplaintFilterForm(PortalForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ComplaintStatus.choices], required=False
    )
    subject = forms.ChoiceField(
        label=_("About"), choices=[("", _("All")), *ComplaintSubject.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class _ReviewerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.public_name)


class ComplaintTakeForm(PortalForm):
    handler = _ReviewerChoice(
        label=_("Handled by"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Me"),
    )

    def __init__(self, *args: Any, reviewers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["handler"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = reviewers


class ComplaintAcknowledgeForm(PortalForm):
    message = forms.CharField(
        label=_("A line for the complainant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent with the acknowledgement, beside the date by which we answer."),
    )


class ComplaintNoteForm(PortalForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the office only; never sent to anyone."),
    )


class ComplaintOptionalNoteForm(ComplaintNoteForm):
    """The note of a step that needs none (investigate, close)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = False


class ComplaintDatesForm(PortalForm):
    acknowledge_by = forms.DateField(
        label=_("Acknowledge by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    answer_by = forms.DateField(
        label=_("Answer by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=1000)


class ComplaintLinkForm(PortalForm):
    number = forms.CharField(
        label=_("Certificate number"),
        max_length=30,
        required=False,
        help_text=_("The certificate concerned, e.g. CPO-O-2026-0001; empty removes the link."),
    )


class ComplaintSpecialAuditForm(PortalForm):
    window_start = forms.DateField(
        label=_("Audit window from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    window_end = forms.DateField(
        label=_("Audit window until"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ComplaintCertificateForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown publicly on the verification page, followed by the complaint's reference "
            "(never the complainant)."
        ),
    )


class ComplaintDecideForm(PortalForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ComplaintOutcome.choices, widget=forms.RadioSelect
    )
    decision = forms.CharField(
        label=_("Findings and reasons"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For the office's record."),
    )
    answer = forms.CharField(
        label=_("Answer to the complainant"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent to the complainant by e-mail as it stands."),
    )

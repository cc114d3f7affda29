"""Forms of the annual conference. They parse input; the services decide what is allowed."""

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, VersionedForm, conditionally_required

from ..models import Conference
from .elections import datetime_field
from .membership import DateInput


class ConferenceForm(VersionedForm):
    """The conference's details; `version` guards an edit against a lost update."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2999)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("First day"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput())
    # A venue, an online link or both (clean() below).
    venue = conditionally_required(
        forms.CharField(label=_("Venue"), max_length=300, required=False)
    )
    online_url = conditionally_required(
        forms.URLField(
            label=_("Online link"),
            max_length=500,
            required=False,
            assume_scheme="https",
            help_text=_("Give a venue, an online link or both."),
        )
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Markdown: headings (#), lists, links, tables, emphasis. HTML is cleaned: scripts, "
            "styles, images and event handlers are removed."
        ),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=100000,
        help_text=_("Seats; further registrations join the waitlist."),
    )
    registration_opens = datetime_field(_("Registration opens"))
    registration_closes = datetime_field(_("Registration closes"))

    def __init__(self, *args: Any, conference: Conference | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conference = conference
        if conference is not None:
            self.fields["year"].disabled = True
            self.initial["year"] = conference.year  # a disabled field reads its initial
            if not self.is_bound:
                self.initial.update(
                    {
                        name: getattr(conference, name)
                        for name in self.fields
                        if name not in ("year", "keep_version")
                    }
                )
        elif not self.is_bound:
            now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
            self.initial.update(
                year=now.year,
                capacity=100,
                registration_opens=now,
                registration_closes=now + timedelta(days=60),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The conference ends before it starts."))
        opens, closes = data.get("registration_opens"), data.get("registration_closes")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes", _("Registration closes before it opens."))
        missing = not data.get("venue", "").strip() and not data.get("online_url", "").strip()
        if missing and "venue" not in self.errors and "online_url" not in self.errors:
            self.add_error("venue", _("Give a venue or an online link."))
        return data

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("year", "version", "keep_version"):
            data.pop(name, None)
        data["venue"] = data["venue"].strip()
        return data

    def _shown(self, name: str, value: Any) -> str:
        """Dates and times as the portal shows them (its local time), not as stored."""
        if isinstance(value, datetime):
            return str(formats.localize(timezone.localtime(value)))
        if isinstance(value, date):
            return str(formats.localize(value))
        return super()._shown(name, value)


class RegistrationForm(PortalForm):
    attendee_name = forms.CharField(label=_("Attendee's name"), max_length=200)
    attendee_email = forms.EmailField(label=_("Attendee's e-mail"), max_length=254)

    def clean_attendee_name(self) -> str:
        name = self.cleaned_data["attendee_name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the attendee's name."))
        return name

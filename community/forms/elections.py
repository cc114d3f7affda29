"""Forms of the Core Team election. They parse input; the services decide what is allowed."""

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpo_portal.accounts.models import User
from cpo_portal.forms import PortalForm
from cpo_portal.tenancy.models import Organization
from criteria.groups import SigneeGroup

from ..models import Candidate, Election, ElectionResult

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
GROUPS = [group.value for group in SigneeGroup]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_LOCAL, **kwargs)


def datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Local time of the portal (%(zone)s).")
        % {"zone": timezone.get_current_timezone_name()},
    )


class ElectionForm(PortalForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2999)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for “Core Team election <year>”."),
    )
    seats_it_customer = forms.IntegerField(
        label=_("Seats for IT customers"), min_value=1, max_value=50, initial=4
    )
    seats_it_vendor = forms.IntegerField(
        label=_("Seats for IT vendors"), min_value=1, max_value=50, initial=5
    )
    seats_it_service_provider = forms.IntegerField(
        label=_("Seats for IT service providers"), min_value=1, max_value=50, initial=3
    )
    nomination_opens = datetime_field(_("Nomination opens"))
    nomination_closes = datetime_field(_("Nomination closes"))
    voting_opens = datetime_field(_("Voting opens"))
    voting_closes = datetime_field(_("Voting closes"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.update(_default_windows())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        order = ["nomination_opens", "nomination_closes", "voting_opens", "voting_closes"]
        values: list[datetime] = [data[name] for name in order if data.get(name)]
        if len(values) == len(order):
            if not values[0] < values[1]:
                self.add_error("nomination_closes", _("Nomination must close after it opens."))
            if not values[1] <= values[2]:
                self.add_error("voting_opens", _("Voting opens after nomination has closed."))
            if not values[2] < values[3]:
                self.add_error("voting_closes", _("Voting must close after it opens."))
        return data

    def seats(self) -> dict[str, int]:
        return {group: self.cleaned_data[f"seats_{group}"] for group in GROUPS}


def _default_windows() -> dict[str, Any]:
    """Two weeks of nomination from tomorrow, a week's pause, two weeks of voting; the
    year: this one, or the first after it that has no election yet (the year is unique)."""
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    start += timedelta(days=1)
    year = start.year
    taken = set(Election.objects.filter(year__gte=year).values_list("year", flat=True))
    while year in taken:
        year += 1
    return {
        "year": year,
        "nomination_opens": start,
        "nomination_closes": start + timedelta(days=14),
        "voting_opens": start + timedelta(days=21),
        "voting_closes": start + timedelta(days=35),
    }


class NominationForm(PortalForm):
    """One choice of “person at organization”, grouped by organization: only eligible
    people are offered, and it works without JavaScript."""

    candidate = forms.ChoiceField(
        label=_("Candidate"),
        help_text=_(
            "People of CPO Community member organizations of your group who have not been "
            "nominated yet. Your own people are included (self-nomination)."
        ),
    )

    def __init__(
        self, *args: Any, options: list[tuple[Organization, list[User]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        choices: list[Any] = [("", _("Choose a person"))]
        for organization, people in options:
            choices.append(
                (
                    organization.display_name,
                    [
                        (f"{organization.pk}:{person.pk}", _person_label(person))
                        for person in people
                    ],
                )
            )
        field = self.fields["candidate"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def chosen(self) -> tuple[Organization, User]:
        org_pk, user_pk = (int(part) for part in self.cleaned_data["candidate"].split(":"))
        for organization, people in self.options:
            if organization.pk == org_pk:
                for person in people:
                    if person.pk == user_pk:
                        return organization, person
        raise forms.ValidationError(_("Choose one of the people offered."))


def _person_label(person: User) -> str:
    return f"{person.full_name} <{person.email}>" if person.full_name else person.email


class AnswerForm(PortalForm):
    statement = forms.CharField(
        label=_("Your candidate statement"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Shown with your name on the list of candidates and on the ballot."),
    )


class BallotForm(PortalForm):
    """For each group, the accepted candidates as checkboxes (approval votes)."""

    def __init__(
        self, *args: Any, election: Election, candidates: list[Candidate], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.election = election
        self.groups: list[dict[str, Any]] = []
        for group in GROUPS:
            members = [c for c in candidates if c.group == group]
            seats = election.seats(group)
            label = SigneeGroup(group).label
            field = forms.TypedMultipleChoiceField(
                label=label,
                required=False,
                coerce=int,
                choices=[(c.pk, f"{c.user} ({c.organization.display_name})") for c in members],
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Approve up to %(seats)d candidates.") % {"seats": seats},
            )
            self.fields[group] = field
            # The boxes ticked in the submitted form (every value given for the group).
            ticked = field.widget.value_from_datadict(self.data, self.files, group)
            selected = set(ticked or []) if self.is_bound else set()
            self.groups.append(
                {
                    "group": group,
                    "label": label,
                    "seats": seats,
                    "candidates": members,
                    "selected": selected,
                }
            )

    def clean(self) -> dict[str, Any]:
        # Checked here too, so that the summary before the cast never shows a ballot the
        # service would refuse (services.elections._ballot_choices decides).
        cleaned = super().clean() or {}
        for group in GROUPS:
            if len(set(cleaned.get(group) or [])) > self.election.seats(group):
                # Form-wide: the ballot's template lists the groups, not fields.
                self.add_error(
                    None,
                    _("At most %(seats)d votes for %(group)s.")
                    % {"seats": self.election.seats(group), "group": SigneeGroup(group).label},
                )
        return cleaned

    def choices(self) -> dict[str, list[int]]:
        return {group: list(self.cleaned_data.get(group) or []) for group in GROUPS}

    def summary(self) -> list[dict[str, Any]]:
        """The ballot as it will be cast, for the page that asks to confirm it: per group,
        the approved candidates and how many of the seats' votes are left unused."""
        chosen = self.choices()
        return [
            {
                **g,
                "approved": [c for c in g["candidates"] if c.pk in chosen[g["group"]]],
                "ids": chosen[g["group"]],
            }
            for g in self.groups
        ]


class TieForm(PortalForm):
    elected = forms.TypedMultipleChoiceField(
        label=_("Who takes the remaining seats"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("How the tie was resolved"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: drawn by lot in the office on 12 March, witnessed by …"),
    )

    def __init__(self, *args: Any, tied: list[ElectionResult], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["elected"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (r.candidate_id, f"{r.candidate.user} ({r.candidate.organization.display_name})")
            for r in tied
        ]


class ReceiptForm(PortalForm):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_(
            "The code shown after your organization cast its ballot, e.g. 1A2B-3C4D-5E6F-7A8B; "
            "upper or lower case, with or without dashes."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

"""Forms of evaluation planning: the draft plan with its agenda (a formset that works
without JavaScript: two blank rows more after every save), sending it, the company's
confirmation and objection, and the office's decision on an objection. The services decide
what is allowed."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, VersionedForm, conditionally_required

from ..models import AuditMode, AuditorAssignment, AuditPlan
from ..services.plans import MAX_AGENDA_ITEMS, MAX_SITES, PlanItemInput, PlanValues
from .applications import DateInput, date_field


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def _time_field(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label, required=False, widget=TimeInput(), input_formats=["%H:%M", "%H:%M:%S"]
    )


class PlanForm(VersionedForm):
    """The plan's dates, mode, sites, method and duration; `version` guards the draft."""

    start_date = date_field(_("From"))
    end_date = date_field(_("Until"))
    mode = forms.ChoiceField(
        label=_("Audit mode"), choices=AuditMode.choices, widget=forms.RadioSelect
    )
    site_count = forms.IntegerField(
        label=_("Number of sites"),
        min_value=1,
        max_value=MAX_SITES,
        help_text=_("Every site beyond the first adds to the duration (see the rule below)."),
    )
    sites = conditionally_required(
        forms.CharField(
            label=_("Sites"),
            required=False,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Addresses of the sites visited; needed for an on-site audit."),
        )
    )
    method = forms.CharField(
        label=_("Method and sampling"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the auditors assess: documents, interviews, the sample they take."),
    )
    person_days = forms.DecimalField(
        label=_("Duration (person-days)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.25"),
        help_text=_("Leave empty for the duration the rule gives."),
    )
    person_days_reason = conditionally_required(
        forms.CharField(
            label=_("Reason for a different duration"),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Needed when the duration differs from the rule's."),
        )
    )

    # The fields a refused stale save compares.
    COMPARED = (
        "start_date",
        "end_date",
        "mode",
        "site_count",
        "sites",
        "method",
        "person_days",
        "person_days_reason",
    )

    def __init__(self, *args: Any, plan: AuditPlan | None = None, **kwargs: Any) -> None:
        # The draft's values show on the page (a bound form ignores initial values).
        if plan is not None:
            kwargs.setdefault(
                "initial",
                {
                    "version": plan.version,
                    "start_date": plan.start_date,
                    "end_date": plan.end_date,
                    "mode": plan.mode,
                    "site_count": plan.site_count,
                    "sites": plan.sites,
                    "method": plan.method,
                    "person_days": plan.person_days,
                    "person_days_reason": plan.person_days_reason,
                },
            )
        super().__init__(*args, **kwargs)

    def values(self) -> PlanValues:
        data = self.cleaned_data
        return PlanValues(
            start_date=data["start_date"],
            end_date=data["end_date"],
            mode=data["mode"],
            site_count=data["site_count"],
            sites=data["sites"],
            method=data["method"],
            person_days=data["person_days"],
            person_days_reason=data["person_days_reason"],
        )


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


class PlanItemForm(PortalForm):
    """One agenda row: a subject area or another topic, its day and times, an auditor."""

    area = forms.TypedChoiceField(
        label=_("Subject area"), required=False, coerce=int, empty_value=None
    )
    topic = forms.CharField(
        label=_("Topic"),
        required=False,
        max_length=300,
        help_text=_("Instead of a subject area: e.g. opening or closing meeting."),
    )
    date = forms.DateField(label=_("Date"), widget=DateInput(), input_formats=["%Y-%m-%d"])
    start_time = _time_field(_("From"))
    end_time = _time_field(_("Until"))
    auditor = forms.TypedChoiceField(
        label=_("Auditor"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        areas: list[tuple[Any, Any]] | None = None,
        team: list[tuple[Any, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.TypedChoiceField)
        area.choices = [("", _("— another topic —")), *(areas or [])]
        auditor = self.fields["auditor"]
        assert isinstance(auditor, forms.TypedChoiceField)
        auditor.choices = [("", _("the whole team")), *(team or [])]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = data.get("area") is None and not (data.get("topic") or "").strip()
        if missing and not self.errors:
            self.add_error("topic", _("Choose a subject area or name the topic."))
        return data

    def item(self) -> PlanItemInput:
        data = self.cleaned_data
        return PlanItemInput(
            date=data["date"],
            area_id=_optional_int(data.get("area")),
            topic=data.get("topic") or "",
            start_time=data.get("start_time"),
            end_time=data.get("end_time"),
            auditor_id=_optional_int(data.get("auditor")),
        )


class BasePlanItemFormSet(BaseFormSet):
    def items(self) -> list[PlanItemInput]:
        """The rows kept (filled in and not marked for removal), in the page's order."""
        rows = []
        for form in self.forms:
            # A blank row left as it was has no data: nothing to keep.
            if not getattr(form, "cleaned_data", None):
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            rows.append(form.item())
        return rows


PlanItemFormSet = cast(
    type[BasePlanItemFormSet],
    formset_factory(
        PlanItemForm,
        formset=BasePlanItemFormSet,
        extra=2,
        can_delete=True,
        max_num=MAX_AGENDA_ITEMS,
        validate_max=True,
    ),
)


def item_initial(plan: AuditPlan) -> list[dict[str, Any]]:
    return [
        {
            "area": item.area_id,
            "topic": item.topic,
            "date": item.date,
            "start_time": item.start_time,
            "end_time": item.end_time,
            "auditor": item.auditor_id,
        }
        for item in plan.items.all()
    ]


class PlanSendForm(PortalForm):
    change_note = forms.CharField(
        label=_("What changed since the version sent before"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The company and the auditors read this with the new version."),
    )

    def __init__(self, *args: Any, later: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if later:
            self.fields["change_note"].required = True
        else:
            del self.fields["change_note"]


class PlanConfirmForm(PortalForm):
    confirm = forms.BooleanField(
        label=_("We confirm the audit plan and its team."),
        help_text=_("You can then no longer object to an auditor of this version of the plan."),
    )


class ObjectionForm(PortalForm):
    assignment = forms.TypedChoiceField(label=_("Auditor"), coerce=int)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "E.g. a conflict of interest: the auditor worked for you, a competitor or a "
            "supplier. The CPO office decides."
        ),
    )

    def __init__(
        self, *args: Any, team: list[AuditorAssignment] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignment"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (a.pk, f"{a.auditor.user.public_name} ({a.get_role_display()})") for a in team or []
        ]


DECISIONS = (
    ("uphold", _("Uphold: the auditor's assignment ends; assign another and send a revised plan")),
    ("dismiss", _("Dismiss: the auditor stays")),
)


class ObjectionDecideForm(PortalForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The company reads it."),
    )

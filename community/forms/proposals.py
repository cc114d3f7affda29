"""Forms of proposals: submit, comment, move (Core Team), and the public list's filters."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm, conditionally_required
from cpo_portal.tenancy.models import Organization
from criteria.models import Criterion
from criteria.selectors.catalogue import current_published_version

from ..models import PROPOSAL_EDGES, ProposalKind, ProposalStatus


class CriterionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Criterion) -> str:
        return f"{obj.code} {obj.title}"


class ProposalForm(PortalForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProposalKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What should change, and why. Plain text; line breaks are kept."),
    )
    criteria = CriterionChoiceField(
        label=_("Criteria concerned"),
        queryset=Criterion.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Criteria of the published catalogue this proposal concerns, if any."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = current_published_version()
        field = self.fields["criteria"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = (
            Criterion.objects.filter(version=version).order_by("category__position", "position")
            if version
            else Criterion.objects.none()
        )


class CommentForm(PortalForm):
    body = forms.CharField(
        label=_("Your comment"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    organization = forms.ChoiceField(label=_("On behalf of"), choices=())

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = {str(o.pk): o for o in organizations}
        field = self.fields["organization"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(o.pk), o.display_name) for o in organizations]
        if len(organizations) == 1:
            field.widget = forms.HiddenInput()
            field.initial = str(organizations[0].pk)

    def chosen_organization(self) -> Organization:
        return self.organizations[self.cleaned_data["organization"]]


class MoveForm(PortalForm):
    to = forms.ChoiceField(label=_("New status"), choices=())
    # The service refuses it empty for accept, reject and defer.
    rationale = conditionally_required(
        forms.CharField(
            label=_("Rationale"),
            max_length=20000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=_(
                "Required to accept, reject or defer: the proposer and the public read it."
            ),
        )
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ProposalStatus.choices)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        # Only the edges the state machine has; the service refuses anything else anyway.
        field.choices = [
            (s, labels[s]) for s in ProposalStatus.values if s in PROPOSAL_EDGES[current]
        ]


class ProposalFilterForm(PortalForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *ProposalStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *ProposalKind.choices], required=False
    )

"""A person's choice per kind of notice, and the filters of the office's record."""

from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from cpo_portal.forms import PortalForm

from .kinds import Kind
from .models import Delivery
from .selectors import DIGEST_SENT, DIGEST_WAITING, NOT_SENT, SENT_NOW, kinds_by_group


class NotificationPreferencesForm(PortalForm):
    """One choice (radio buttons) per registered kind, under the kinds' group headings."""

    def __init__(
        self, *args: Any, current: dict[str, Delivery], office: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._groups = kinds_by_group(office=office)
        for _group, kinds in self._groups:
            for kind in kinds:
                self.fields[kind.key] = forms.ChoiceField(
                    label=str(kind.label),
                    help_text=str(kind.description),
                    choices=Delivery.choices,
                    initial=current.get(kind.key, kind.default),
                    widget=forms.RadioSelect,
                )

    def groups(self) -> list[tuple[str, list[tuple[Kind, BoundField]]]]:
        """The fields under their group headings, for the template."""
        return [
            (group, [(kind, self[kind.key]) for kind in kinds]) for group, kinds in self._groups
        ]

    def choices(self) -> dict[str, Delivery]:
        return {key: Delivery(value) for key, value in self.cleaned_data.items()}


class NoticeFilterForm(PortalForm):
    """The office's filters: kind, how it went, a person."""

    kind = forms.ChoiceField(label=_("Kind of notice"), required=False)
    status = forms.ChoiceField(
        label=_("Delivery"),
        required=False,
        choices=[
            ("", _("Any")),
            (SENT_NOW, _("E-mail sent at once")),
            (DIGEST_SENT, _("Sent with the weekly digest")),
            (DIGEST_WAITING, _("Waiting for the weekly digest")),
            (NOT_SENT, _("Not sent: switched off")),
        ],
    )
    q = forms.CharField(label=_("Person (name or e-mail address)"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(kind.key, kind.label) for _group, group in kinds_by_group() for kind in group]
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any")), *kinds]

    def filters(self) -> dict[str, str]:
        """The valid filters (an unknown value is dropped, never a 500)."""
        if not self.is_valid():
            return {"kind": "", "status": "", "query": ""}
        data = self.cleaned_data
        return {"kind": data["kind"], "status": data["status"], "query": data["q"]}

"""Form pieces every app shares: the form base, the mapping of a service's refusal onto a
form, the version guard against lost updates, and the marks the shared field template reads.

The field template (templates/includes/field.html) labels a required field with "*" and any
other with "(optional)". Some fields are neither: required only in some cases (the
explanation of a "not applicable" answer) or as one of several (a venue or an online link; a
title in at least one language). Marked "(optional)", they invite people to leave them empty
and then refuse it: `conditionally_required` marks them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError


class PortalFormMixin:
    """Labels without the trailing colon, and a service's refusal shown on the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def refuse(self, exc: ValidationError) -> None:
        """A service's refusal on the form: on the field it names, otherwise form-wide."""
        assert isinstance(self, forms.BaseForm)
        refuse(self, exc)


class PortalForm(PortalFormMixin, forms.Form):
    pass


class PortalModelForm(PortalFormMixin, forms.ModelForm):
    pass


def refuse(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form: on the field it names, otherwise form-wide.

    Model validation may name fields the form does not have: those become form-wide errors.
    """
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def error_text(exc: ValidationError) -> str:
    """A refusal as one line, for a message on the next page."""
    return " ".join(exc.messages)


F = TypeVar("F", bound=forms.Field)


def conditionally_required(field: F) -> F:
    """Label the field with neither "*" nor "(optional)"; its help text says when it is
    needed, and the form (or the service) refuses it empty in those cases."""
    field.conditionally_required = True  # type: ignore[attr-defined]
    return field


def is_conditionally_required(field: forms.Field) -> bool:
    return bool(getattr(field, "conditionally_required", False))


@dataclass(frozen=True)
class ConflictRow:
    label: str
    yours: str
    theirs: str


@dataclass(frozen=True)
class Conflict:
    """What a refused stale save shows: each field's unsaved and saved value, and who saved.

    Rendered by templates/includes/conflict.html, with "Keep mine" (a submit button named
    `keep_name`, valued `version`) and "Take the saved one" (the row reloaded).
    """

    rows: list[ConflictRow]
    who: str
    when: datetime | None
    version: int
    keep_name: str


class VersionedForm(PortalForm):
    """The form of a row guarded against lost updates by a version number.

    `version` is the version the editor started from (a hidden field the row re-renders after
    every save); `keep_version` is the value of the "Keep mine" button a conflict offers: the
    same values, saved on top of the version that was saved in between. Every page sends the
    version; a post without one (a script, a page older than the guard) is not guarded.
    """

    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    keep_version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def expected_version(self) -> int | None:
        keep = self.cleaned_data.get("keep_version")
        return keep if keep is not None else self.cleaned_data.get("version")

    def conflict_with(self, current: Any, fields: Sequence[str]) -> Conflict:
        """The conflict between this (valid) form's values and `current`, the newer row."""
        return Conflict(
            rows=[
                ConflictRow(
                    label=str(self.fields[name].label),
                    yours=self._shown(name, self.cleaned_data.get(name)),
                    theirs=self._shown(name, getattr(current, name)),
                )
                for name in fields
            ],
            who=str(current.updated_by) if getattr(current, "updated_by", None) else "",
            when=getattr(current, "updated_at", None),
            version=current.version,
            keep_name=self.add_prefix("keep_version"),
        )

    def _shown(self, name: str, value: Any) -> str:
        """A value as the editor shows it: a choice by its label."""
        choices = getattr(self.fields[name], "choices", None)
        if choices is not None:
            return str(dict(choices).get(value, value or ""))
        return str(value or "")


class ConfirmForm(PortalForm):
    """The second step of an action that cannot be undone (casting a ballot, publishing,
    cancelling): its confirmation page posts `confirm`; a request without it shows that page
    instead of acting, so the step holds without JavaScript and for any stale form."""

    confirm = forms.BooleanField(widget=forms.HiddenInput)

    @classmethod
    def confirmed(cls, data: Any) -> bool:
        """Whether `data` (request.POST) carries the confirmation."""
        return cls(data).is_valid()

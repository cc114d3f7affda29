"""Form pieces every app shares."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms


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


class VersionedForm(forms.Form):
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

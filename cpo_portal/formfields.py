"""Marks on form fields that the shared field template (templates/includes/field.html) reads.

The template labels a required field with "*" and any other with "(optional)". Some fields
are neither: required only in some cases (the explanation of a "not applicable" answer) or
as one of several (a venue or an online link; a title in at least one language). Marked
"(optional)", they invite people to leave them empty and then refuse it.
"""

from typing import TypeVar

from django import forms

F = TypeVar("F", bound=forms.Field)


def conditionally_required(field: F) -> F:
    """Label the field with neither "*" nor "(optional)"; its help text says when it is
    needed, and the form (or the service) refuses it empty in those cases."""
    field.conditionally_required = True  # type: ignore[attr-defined]
    return field


def is_conditionally_required(field: forms.Field) -> bool:
    return bool(getattr(field, "conditionally_required", False))

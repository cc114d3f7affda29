"""A service's refusal (a DomainError, a model's ValidationError) as a 400 with field errors,
never a 500: `with domain_errors(code="field"): service(...)`."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def validation_error(exc: DjangoValidationError, **fields: str) -> ValidationError:
    """A service's refusal as a 400: `fields` maps an error code to the input field it is
    about (rating="rating"); anything else is a non-field error."""
    if hasattr(exc, "error_dict"):
        detail: Any = {
            (NON_FIELD if key == "__all__" else key): value
            for key, value in exc.message_dict.items()
        }
    else:
        detail = {fields.get(str(getattr(exc, "code", "") or ""), NON_FIELD): exc.messages}
    return ValidationError(detail)


@contextmanager
def domain_errors(**fields: str) -> Iterator[None]:
    """Run a service; its refusal becomes a 400 with field errors instead of a 500."""
    try:
        yield
    except DjangoValidationError as exc:
        raise validation_error(exc, **fields) from exc

"""Domain errors raised by services and turned into messages (HTML) or 400s (API)."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A refused state change: the message is safe to show to the user who asked for it.

    It is a ValidationError so forms and the API turn it into a field or form error
    instead of a 500.
    """


class TransitionNotAllowed(DomainError):
    """A state machine was asked for an edge it does not have."""

"""Domain errors raised by services and turned into messages (HTML) or 400s (API)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class DomainError(ValidationError):
    """A refused state change: the message is safe to show to the user who asked for it.

    It is a ValidationError so forms and the API turn it into a field or form error
    instead of a 500.
    """


class TransitionNotAllowed(DomainError):
    """A state machine was asked for an edge it does not have."""


class StaleVersion(DomainError):
    """A save based on a version someone has replaced since (scores, answers, sections, the
    conference): the row as stored now travels along, so the page can show both values.

    `message` names the saver as %(who)s.
    """

    def __init__(self, message: str, *, current: Any, who: Any = None) -> None:
        super().__init__(message % {"who": who or _("someone else")}, code="stale_version")
        self.current = current

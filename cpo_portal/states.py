"""The one check every state machine of the portal makes before it moves.

Each machine keeps its edges beside its status choices (a mapping from a state to the
states it may go to) and calls `check_transition` in its one `transition` function, which
then records who and when.
"""

from collections.abc import Collection, Mapping

from .errors import TransitionNotAllowed

Edges = Mapping[str, Collection[str]]


def allowed(edges: Edges, before: str, to: str) -> bool:
    return to in edges.get(before, ())


def check_transition(edges: Edges, before: str, to: str, *, message: str) -> None:
    """Refuse an edge the machine does not have, with a message the asker may read."""
    if not allowed(edges, before, to):
        raise TransitionNotAllowed(message, code="transition")

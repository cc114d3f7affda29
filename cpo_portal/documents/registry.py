"""Document kinds: how each kind is rendered and who may download it.

The floor knows no feature app; feature apps register their kinds here from their
AppConfig.ready(), naming the template and a function that builds its context.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import Document

ContextBuilder = Callable[[Document], dict[str, Any]]
AccessCheck = Callable[[Any, Document], bool]
Finisher = Callable[[Document, bytes], bytes]


@dataclass(frozen=True)
class DocumentKind:
    name: str
    template: str
    build_context: ContextBuilder
    # Who may download, beyond the rules every kind shares (organization members of the
    # owning organization and the CPO office). None: nobody else.
    extra_access: AccessCheck | None = None
    # Public documents (a published annual report) may be downloaded by anyone.
    public: bool = False
    # Within the owning organization, only owners and admins (e.g. the activity log).
    admins_only: bool = False
    # A last step on the rendered PDF before it is stored (e.g. a digital signature).
    finish: Finisher | None = None


_KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> None:
    _KINDS[kind.name] = kind


def get_kind(name: str) -> DocumentKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"unknown document kind {name!r}") from None


def kinds() -> list[str]:
    return sorted(_KINDS)

"""Where apps that build on signees add to the public signee pages.

Dependencies flow certification → signees, never back: certification registers its
readers here in its AppConfig.ready(), and the signee page and home page call them without
knowing the app. Until something registers, both lists are empty.

A seal is anything with a `__str__` (what the visitor reads) and a `.url` (where it leads).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cpo_portal.tenancy.models import Organization


class SealLike(Protocol):
    url: str

    def __str__(self) -> str: ...


SealsFor = Callable[[Organization], Sequence[Any]]
LatestCertificates = Callable[[int], Sequence[Any]]

_registry: dict[str, Callable[..., Sequence[Any]]] = {}


def register_seals(*, seals_for: SealsFor, latest_certificates: LatestCertificates) -> None:
    """Called once by the app that issues certificates (a second call replaces the first)."""
    _registry["seals_for"] = seals_for
    _registry["latest_certificates"] = latest_certificates


def seals_for(organization: Organization) -> list[SealLike]:
    """The seals the organization holds, for its public signee page."""
    reader = _registry.get("seals_for")
    return list(reader(organization)) if reader else []


def latest_certificates(limit: int) -> list[SealLike]:
    """The most recently issued certificates, for the home page."""
    reader = _registry.get("latest_certificates")
    return list(reader(limit)) if reader else []


# --- Figures for the annual CPO report ---------------------------------------------------
# The community's report counts certificates without importing certification: the app
# that issues them registers a provider here. Its answer is plain JSON-safe data:
# {kind: {"issued_in_year", "issued_total", "active", "suspended", "withdrawn", "expired"}}.

CertificateFigures = Callable[..., dict[str, dict[str, int]]]

_figures_registry: dict[str, CertificateFigures] = {}


def register_certificate_figures(provider: CertificateFigures) -> None:
    """Called once by the app that issues certificates (a second call replaces the first)."""
    _figures_registry["certificate_figures"] = provider


def certificate_figures(*, year: int, on: Any) -> dict[str, dict[str, int]] | None:
    """Certificates per kind for the report of `year`, status as `on`; None: none registered."""
    provider = _figures_registry.get("certificate_figures")
    return dict(provider(year=year, on=on)) if provider else None


# --- Complaints and appeals of the year, for the annual CPO report -------------------------
# Counts only, no names: {"complaints": {"received", "decided", "upheld"},
# "appeals": {"filed", "decided", "upheld"}}.

CaseFigures = Callable[..., dict[str, dict[str, int]]]


def register_case_figures(provider: CaseFigures) -> None:
    """Called once by the app that handles complaints and appeals."""
    _figures_registry["case_figures"] = provider


def case_figures(*, year: int) -> dict[str, dict[str, int]] | None:
    """Complaints and appeals of `year`; None: none registered."""
    provider = _figures_registry.get("case_figures")
    return dict(provider(year=year)) if provider else None


# --- Seals on the public signee list ---------------------------------------------------------
# The list, its exports and the API show each signee's seals and filter by "holds a valid
# seal" without a query per row: the app that issues certificates registers expressions the
# signee query carries (correlated to the signee's organization) and a reader of their value.


@dataclass(frozen=True)
class ListedSeal:
    """A seal as a cell of the signee list: organizational or product, valid or suspended."""

    number: str
    kind: str  # "organizational" or "product" (criteria.SchemeKind)
    kind_label: str
    valid: bool  # False: suspended (expired, withdrawn and superseded seals are not listed)
    status_label: str
    url: str  # the verification page

    def __str__(self) -> str:
        return f"{self.number} ({self.status_label})"


@dataclass(frozen=True)
class ListedSealProvider:
    # An expression on Signee rows: the organization's current seals, in the form `read` takes.
    annotation: Callable[[], Any]
    # A boolean expression on Signee rows: holds a valid seal of `kind` ("" for any kind).
    holds_valid: Callable[[str], Any]
    read: Callable[[Any], list[ListedSeal]]


_listed_seals: dict[str, ListedSealProvider] = {}


def register_listed_seals(provider: ListedSealProvider) -> None:
    """Called once by the app that issues certificates (a second call replaces the first)."""
    _listed_seals["provider"] = provider


def listed_seal_provider() -> ListedSealProvider | None:
    """The registered provider; None while no app issues certificates."""
    return _listed_seals.get("provider")

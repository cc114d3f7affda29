"""The kinds of notice, as the feature apps register them.

Each app registers the notices it sends from its AppConfig.ready(); the settings page lists
them under their group, and `notify` (services.py) refuses a kind nobody registered. Nothing
here imports a model except the delivery choices.

    register_kind(
        key="community.voting_open",
        group=_("CPO Community"),
        order=20,
        label=_("Voting is open"),
        description=_("When the Core Team election opens for your organization's ballot."),
    )
"""

from dataclasses import dataclass

from django.utils.functional import Promise

from .models import Delivery

StrOrPromise = str | Promise

# The kind of the weekly digest itself: its unsubscribe link turns every kind the person
# receives by digest off.
DIGEST = "digest"


@dataclass(frozen=True)
class Kind:
    key: str  # "<app>.<what>", e.g. "community.voting_open"
    group: StrOrPromise  # the heading it is listed under on the settings page
    order: int  # its place on the settings page
    label: StrOrPromise
    description: StrOrPromise
    default: Delivery = Delivery.NOW
    # Sent to the CPO office only: not offered on the settings page of anyone else.
    office_only: bool = False


_kinds: dict[str, Kind] = {}


def register_kind(
    *,
    key: str,
    group: StrOrPromise,
    order: int,
    label: StrOrPromise,
    description: StrOrPromise,
    default: Delivery = Delivery.NOW,
    office_only: bool = False,
) -> None:
    """Called from an app's AppConfig.ready(); registering a key again replaces it."""
    if key == DIGEST:
        raise ValueError(f"{DIGEST!r} is the digest's own kind")
    _kinds[key] = Kind(key, group, order, label, description, default, office_only)


def kind(key: str) -> Kind:
    """The registered kind; a KeyError for a kind nobody registered (a typo is loud)."""
    return _kinds[key]


def all_kinds() -> list[Kind]:
    """Every registered kind, in the order of the settings page."""
    return sorted(_kinds.values(), key=lambda k: (k.order, k.key))

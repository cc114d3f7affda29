"""The portal's navigation, as the apps give it.

The floor's templates (the header and the organization bar of base.html, the dashboard, an
organization's home page, the office's start page, the 404 page) link to the feature apps
without knowing them: each app registers its entries from its AppConfig.ready(), as
signees/extensions.py and cpo_portal/tenancy/extensions.py do for other hooks, and the
context processor hands the templates `navigation`, the entries the current user may see:

    {% for link in navigation.header.visitor %} … {% endfor %}
    {% for card in navigation.cards.office %} … {% endfor %}

An entry names a URL by its name (never a path), a label, who sees it and its place in the
order of its neighbours; the entries of an organization's pages are reversed with the slug
of the organization in view. Nothing here imports a model: apps may import it anywhere.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

StrOrPromise = str | Promise


class Place(StrEnum):
    HEADER = "header"  # the main navigation of every page
    ORGANIZATION = "organization"  # the bar under the header on an organization's pages
    WORKSPACE = "workspace"  # the workspace list of an organization's home page
    NOT_FOUND = "not_found"  # the ways on from the 404 page
    DASHBOARD = "dashboard"  # cards on a signed-in person's dashboard
    OFFICE = "office"  # cards on the office's start page


class Audience(StrEnum):
    VISITOR = "visitor"  # everyone, signed in or not
    MEMBER = "member"  # members of the organization in view
    OFFICE = "office"  # the CPO office
    AUDITOR = "auditor"  # auditors


@dataclass(frozen=True)
class Entry:
    place: Place
    audience: Audience
    order: int
    label: StrOrPromise
    url_name: str
    # Marked as the current page on every page below its URL, not only on the URL itself.
    section: bool = False
    # Read by screen readers after the label, in brackets: "Criteria (CPO office)".
    hint: StrOrPromise = ""


@dataclass(frozen=True)
class Card:
    place: Place
    audience: Audience
    order: int
    key: str  # the card's id in the page: "<key>-title"
    title: StrOrPromise
    text: StrOrPromise
    links: tuple[tuple[StrOrPromise, str], ...]  # (label, URL name)


@dataclass(frozen=True)
class Link:
    """An entry for one request: its URL reversed, its label in the request's language."""

    label: str
    url: str
    current: bool = False
    hint: str = ""


@dataclass(frozen=True)
class ShownCard:
    key: str
    title: str
    text: str
    links: list[Link]


_entries: dict[tuple[Place, str], Entry] = {}
_cards: dict[tuple[Place, str], Card] = {}


def register_link(
    *,
    place: Place,
    audience: Audience,
    order: int,
    label: StrOrPromise,
    url_name: str,
    section: bool = False,
    hint: StrOrPromise = "",
) -> None:
    """Called from an app's AppConfig.ready(); registering a URL twice in a place keeps one."""
    _entries[place, url_name] = Entry(place, audience, order, label, url_name, section, hint)


def register_card(
    *,
    place: Place,
    audience: Audience,
    order: int,
    key: str,
    title: StrOrPromise,
    text: StrOrPromise,
    links: Sequence[tuple[StrOrPromise, str]],
) -> None:
    """A card of links with a title and a line of text (dashboard, office start page)."""
    _cards[place, key] = Card(place, audience, order, key, title, text, tuple(links))


class _Audiences:
    """`navigation.<place>.<audience>`: the place's links for one audience, or none when
    the user is not of that audience."""

    def __init__(self, navigation: "Navigation", place: Place) -> None:
        self._navigation, self._place = navigation, place

    def __getitem__(self, audience: str) -> list[Link]:
        return self._navigation.links(self._place, Audience(audience))


class _Cards:
    def __init__(self, navigation: "Navigation") -> None:
        self._navigation = navigation

    def __getitem__(self, place: str) -> list[ShownCard]:
        return self._navigation.cards(Place(place))


class Navigation:
    """What one request may see, resolved only where a template asks for it."""

    def __init__(
        self, request: HttpRequest, *, audiences: frozenset[Audience], organization_slug: str
    ) -> None:
        self._request = request
        self._audiences = audiences
        self._organization_slug = organization_slug

    def __getitem__(self, place: str) -> _Audiences | _Cards:
        if place == "cards":
            return _Cards(self)
        return _Audiences(self, Place(place))

    def _reverse(self, audience: Audience, url_name: str) -> str:
        if audience == Audience.MEMBER:
            return reverse(url_name, args=[self._organization_slug])
        return reverse(url_name)

    def links(self, place: Place, audience: Audience) -> list[Link]:
        if audience not in self._audiences:
            return []
        entries = sorted(
            (e for e in _entries.values() if e.place == place and e.audience == audience),
            key=lambda e: e.order,
        )
        path = self._request.path
        links = []
        for entry in entries:
            url = self._reverse(audience, entry.url_name)
            current = path.startswith(url) if entry.section else path == url
            links.append(Link(str(entry.label), url, current, str(entry.hint)))
        return links

    def cards(self, place: Place) -> list[ShownCard]:
        cards = sorted(
            (c for c in _cards.values() if c.place == place and c.audience in self._audiences),
            key=lambda c: c.order,
        )
        return [
            ShownCard(
                card.key,
                str(card.title),
                str(card.text),
                [
                    Link(str(label), self._reverse(card.audience, name))
                    for label, name in card.links
                ],
            )
            for card in cards
        ]

"""The portal's navigation, as the apps give it.

The floor's templates (the header and the organization bar of base.html, the dashboard, an
organization's home page, the office's start page, the 404 page) link to the feature apps
without knowing them: each app registers its entries from its AppConfig.ready(), as
signees/extensions.py and cpo_portal/tenancy/extensions.py do for other hooks, and the
context processor hands the templates `navigation`, the entries the current user may see:

    {% for link in navigation.header.visitor %} … {% endfor %}
    {% for card in navigation.cards.office %} … {% endfor %}
    {% for item in navigation.todo.member %} … {% endfor %}   (the to-do lists, below)

An entry names a URL by its name (never a path), a label, who sees it and its place in the
order of its neighbours; the entries of an organization's pages are reversed with the slug
of the organization in view. Nothing here imports a model: apps may import it anywhere.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
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
    # The elected Core Team of the CPO Community: an app answers who belongs to it
    # (register_audience_check), since the floor knows no elections.
    CORE_TEAM = "core_team"


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


# --- Audiences an app decides ------------------------------------------------------------------
# The floor knows the visitor, the members of the organization in view, the office and the
# auditors. Other audiences (the Core Team) are known only to a feature app, which registers a
# predicate from its AppConfig.ready(); it is asked only when a page shows an entry of that
# audience, at most once per request.

AudienceCheck = Callable[[HttpRequest], bool]

_audience_checks: dict[Audience, AudienceCheck] = {}


def register_audience_check(audience: Audience, check: AudienceCheck) -> None:
    """`check(request)` says whether the request's user belongs to `audience`."""
    _audience_checks[audience] = check


def audience_holds(request: HttpRequest, audience: Audience) -> bool:
    """Whether the request's user belongs to an audience an app decides (False if none does)."""
    check = _audience_checks.get(audience)
    return bool(check is not None and check(request))


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
        # Audiences an app decides, asked once per request and only when a page needs them.
        self._checked: dict[Audience, bool] = {}

    def has(self, audience: Audience) -> bool:
        """Whether the user belongs to `audience`."""
        if audience in self._audiences:
            return True
        if audience not in _audience_checks:
            return False
        if audience not in self._checked:
            self._checked[audience] = audience_holds(self._request, audience)
        return self._checked[audience]

    def __getitem__(self, place: str) -> "_Audiences | _Cards | _Todo":
        if place == "cards":
            return _Cards(self)
        if place == "todo":
            # Resolved once per page, however often the template asks.
            todo = getattr(self, "_todo", None)
            if todo is None:
                todo = self._todo = _Todo(self)
            return todo
        return _Audiences(self, Place(place))

    def _reverse(self, audience: Audience, url_name: str) -> str:
        if audience == Audience.MEMBER:
            return reverse(url_name, args=[self._organization_slug])
        return reverse(url_name)

    def links(self, place: Place, audience: Audience) -> list[Link]:
        entries = sorted(
            (e for e in _entries.values() if e.place == place and e.audience == audience),
            key=lambda e: e.order,
        )
        if not entries or not self.has(audience):
            return []
        path = self._request.path
        urls = [self._reverse(audience, entry.url_name) for entry in entries]
        # Of sections nested in each other (/o/x/certification/ and its appeals below), only
        # the innermost one the page lies in is the current page.
        innermost = max(
            (
                len(url)
                for entry, url in zip(entries, urls, strict=True)
                if (path.startswith(url) if entry.section else path == url)
            ),
            default=None,
        )
        return [
            Link(
                str(entry.label),
                url,
                len(url) == innermost and (path.startswith(url) if entry.section else path == url),
                str(entry.hint),
            )
            for entry, url in zip(entries, urls, strict=True)
        ]

    def cards(self, place: Place) -> list[ShownCard]:
        cards = sorted(
            (c for c in _cards.values() if c.place == place and self.has(c.audience)),
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


# --- To-do lists ------------------------------------------------------------------------------
# Each role opens on its own to-do list: the office's start page shows every queue, an
# organization's home page what the company must do next, the auditor's list its audits with
# their due dates. Apps register providers from their AppConfig.ready(); a provider is asked
# only when a page shows the list, gets the request (and, for members, the organization in
# view) and returns the items. A provider keeps its queries bounded: one count and the age of
# the oldest row per queue, never one query per row.


@dataclass(frozen=True)
class TodoItem:
    """One line of a to-do list: what is waiting, how many, since when, where to act."""

    key: str  # the line's id in the page: "todo-<key>"
    label: str
    url: str
    count: int = 1
    order: int = 0
    # The oldest waiting row (a date or a time): the page shows its age ("for 12 days").
    oldest: date | datetime | None = None
    # The earliest due date among the rows, if the step has one.
    due_on: date | None = None
    overdue: bool = False
    # A line of detail, e.g. "3 overdue" or the certificate's number.
    note: str = ""

    @property
    def age_days(self) -> int | None:
        """How many days the oldest row has been waiting (None when unknown)."""
        if self.oldest is None:
            return None
        oldest = self.oldest
        if isinstance(oldest, datetime):
            oldest = (
                timezone.localtime(oldest).date() if timezone.is_aware(oldest) else oldest.date()
            )
        return max(0, (timezone.localdate() - oldest).days)


TodoProvider = Callable[[HttpRequest, Any], Iterable[TodoItem]]

_todo: dict[tuple[Audience, str], tuple[int, TodoProvider]] = {}


def register_todo(*, audience: Audience, key: str, provider: TodoProvider, order: int = 0) -> None:
    """Called from an app's AppConfig.ready(): `provider(request, organization)` gives the
    items of `audience`'s to-do list (`organization`: the one in view for members, else None).
    Registering a key twice keeps the last."""
    _todo[audience, key] = (order, provider)


def todo_items(
    request: HttpRequest, audience: Audience, organization: Any = None
) -> list[TodoItem]:
    """The to-do list of one audience, in the providers' order, then by each item's order."""
    providers = sorted(
        (
            (order, key, provider)
            for (aud, key), (order, provider) in _todo.items()
            if aud == audience
        ),
        key=lambda entry: (entry[0], entry[1]),
    )
    items: list[TodoItem] = []
    for _order, _key, provider in providers:
        items.extend(sorted(provider(request, organization), key=lambda item: item.order))
    return items


class _Todo:
    """`navigation.todo.<audience>`: the items of the user's to-do list for one audience,
    or none when the user is not of that audience (resolved once per page)."""

    def __init__(self, navigation: "Navigation") -> None:
        self._navigation = navigation
        self._cache: dict[Audience, list[TodoItem]] = {}

    def __getitem__(self, audience: str) -> list[TodoItem]:
        wanted = Audience(audience)
        if not self._navigation.has(wanted):
            return []
        if wanted not in self._cache:
            organization = getattr(self._navigation._request, "organization", None)
            self._cache[wanted] = todo_items(
                self._navigation._request,
                wanted,
                organization if wanted == Audience.MEMBER else None,
            )
        return self._cache[wanted]


# --- Where each role lands after signing in ---------------------------------------------------
# The office on its start page, auditors on their audits; everyone else on the dashboard.
# An app registers the landing page of its audience (certification: the auditor's list).

_landings: dict[Audience, tuple[int, str]] = {Audience.OFFICE: (10, "office_home")}


def register_landing(*, audience: Audience, url_name: str, order: int) -> None:
    """The page `audience` opens on after signing in; with several, the lowest order wins."""
    _landings[audience] = (order, url_name)


def landing_url(audiences: Iterable[Audience]) -> str | None:
    """The landing page of the first of the person's audiences that has one, or None."""
    wanted = set(audiences)
    for _order, audience, url_name in sorted(
        (order, audience, name) for audience, (order, name) in _landings.items()
    ):
        if audience in wanted:
            return reverse(url_name)
    return None

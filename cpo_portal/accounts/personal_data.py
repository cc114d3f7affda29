"""What the portal holds about a person, for the office to export (GDPR Art. 15) or erase
(Art. 17) on request.

The floor knows no feature app, yet every app holds something about people. Each app
registers one `Provider` from its AppConfig.ready(): what it exports about a person, what it
deletes or anonymises on erasure, what it keeps (the certification record: decisions,
signatures, audit scores; the secret ballot is never linked to anyone) and what stands in
the way of an erasure right now. The account itself is anonymised last, by the service
(`person_erase`), so that every provider still sees the person as they were.
"""

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise
from django_scopes import scopes_disabled

from .models import User

__all__ = [
    "OTHER_ADDRESS",
    "ErasureLine",
    "Provider",
    "Subject",
    "Text",
    "providers",
    "redact_other_addresses",
    "register_provider",
]

Text = str | Promise


@dataclass(frozen=True)
class Subject:
    """The person as they were before the erasure began: providers find their records by
    this, not by the account (which is anonymised at the end)."""

    user: User
    email: str
    full_name: str
    # The organizations the person belonged to (memberships go early in an erasure).
    organization_ids: frozenset[int]

    @classmethod
    def of(cls, user: User) -> "Subject":
        # tenancy stands on accounts: a module-level import would make a cycle.
        from cpo_portal.tenancy.models import Membership

        with scopes_disabled():
            organizations = Membership.objects.filter(user=user).values_list(
                "organization_id", flat=True
            )
            return cls(
                user=user,
                email=user.email,
                full_name=user.full_name.strip(),
                organization_ids=frozenset(organizations),
            )


@dataclass(frozen=True)
class ErasureLine:
    """One line of what an erasure will do, for the confirmation page."""

    action: Literal["delete", "anonymise"]
    text: Text


# What takes the place of another person's e-mail address in an export: the same in every
# language, like the activity log's "[erased]".
OTHER_ADDRESS = "[another person's address]"
# Generous on purpose: a false match only hides a little text, a miss discloses an address.
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def redact_other_addresses(document: Any, *, own: Collection[str]) -> Any:
    """`document` (an export: dicts, lists, strings, ...) with every e-mail address that is
    not one of `own` replaced by OTHER_ADDRESS, in keys and values at any depth: an export
    hands over the person's data, not other people's (GDPR Art. 15(4))."""
    mine = {address.lower() for address in own}

    def replace(match: re.Match[str]) -> str:
        return match[0] if match[0].lower() in mine else OTHER_ADDRESS

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return _ADDRESS.sub(replace, value)
        if isinstance(value, dict):
            return {walk(key): walk(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [walk(item) for item in value]
        return value

    return walk(document)


def _no_lines(user: User) -> list[ErasureLine]:
    return []


def _no_blockers(user: User) -> list[Text]:
    return []


def _nothing_erased(subject: Subject, by: User | None) -> dict[str, int]:
    return {}


@dataclass(frozen=True)
class Provider:
    # The export's section, e.g. "community"; unique.
    key: str
    # Everything the app holds about `user`, as JSON-safe data (DjangoJSONEncoder).
    export: Callable[[User], dict[str, Any]]
    # Delete or anonymise what may go (`by`: the office member who erases); returns counts
    # for the activity log.
    erase: Callable[[Subject, User | None], dict[str, int]] = _nothing_erased
    # What `erase` would do for `user` now (counts in sentences), for the confirmation page.
    describe: Callable[[User], list[ErasureLine]] = _no_lines
    # What is kept on erasure and why: shown before erasing and written into the export.
    kept: Sequence[Text] = field(default_factory=tuple)
    # Why `user` cannot be erased now (e.g. an audit in progress); empty: nothing.
    blockers: Callable[[User], list[Text]] = _no_blockers
    # Erasure runs in this order (then registration order): the activity log is scrubbed
    # last, after the other apps have written their entries.
    order: int = 0


_providers: dict[str, Provider] = {}


def register_provider(provider: Provider) -> None:
    """Called once per app from its AppConfig.ready(); a second call replaces the first."""
    _providers[provider.key] = provider


def providers() -> list[Provider]:
    """The registered providers by `order`, then in registration order (INSTALLED_APPS)."""
    return sorted(_providers.values(), key=lambda provider: provider.order)

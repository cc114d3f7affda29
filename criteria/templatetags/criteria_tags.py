"""Template helpers for the public catalogue pages: texts in a fallback language, obligation
badges, the language note and word diffs."""

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from criteria.diff import WordDiff
from criteria.models import CatalogueVersion, Obligation
from criteria.selectors.catalogue import current_published_version

register = template.Library()


def _badge_text(obligation: str) -> str:
    # Upper case in the text itself, not through CSS: "SHALL" / "MUSS" is what the
    # standard prints, and screen readers then say the word rather than spell it.
    labels: dict[str, str] = {
        Obligation.SHALL.value: pgettext("obligation badge", "SHALL"),
        Obligation.SHOULD.value: pgettext("obligation badge", "SHOULD"),
        Obligation.MAY.value: pgettext("obligation badge", "MAY"),
    }
    return labels.get(obligation, obligation)


def _meaning(obligation: str) -> str:
    meanings: dict[str, str] = {
        Obligation.SHALL.value: _("mandatory"),
        Obligation.SHOULD.value: _("desired"),
        Obligation.MAY.value: _("optional"),
    }
    return meanings.get(obligation, "")


@register.filter
def langattr(value: Any) -> SafeString:
    """` lang="xx"` for a text shown in another language than the page's, else nothing."""
    if getattr(value, "is_fallback", False):
        return format_html(' lang="{}"', value.language)
    return mark_safe("")


@register.simple_tag
def localized(obj: Any, name: str) -> SafeString:
    """`{% localized criterion "title" %}`: the text, marked with its language if a fallback."""
    text = obj.localized(name)
    if text.is_fallback:
        return format_html('<span lang="{}">{}</span>', text.language, text)
    return conditional_escape(text)


@register.simple_tag
def obligation_badge(obligation: str, *, meaning: bool = False) -> SafeString:
    """A badge that differs in colour *and* wording; the meaning is always there for readers."""
    explained = _meaning(obligation)
    if meaning:
        return format_html(
            '<span class="badge badge-obligation badge-{}">{}</span> <span class="small">{}</span>',
            obligation,
            _badge_text(obligation),
            explained,
        )
    return format_html(
        '<span class="badge badge-obligation badge-{}" title="{}">{}'
        '<span class="visually-hidden"> ({})</span></span>',
        obligation,
        explained,
        _badge_text(obligation),
        explained,
    )


@register.simple_tag
def language_note(version: CatalogueVersion) -> str:
    """ "This catalogue is available in English only." when the page language is missing."""
    active = (get_language() or "en")[:2]
    available = [code for code in version.languages if code]
    if not available or active in available:
        return ""
    names = [_(get_language_info(code)["name"]) for code in available]
    return _("This catalogue is available in %(languages)s only.") % {
        "languages": _(" and ").join(names)
    }


_MARKS = {
    "insert": '{}<ins><span class="visually-hidden">{} </span>{}</ins>{}',
    "delete": '{}<del><span class="visually-hidden">{} </span>{}</del>{}',
}


def _marked(op: str, announce: str, text: str) -> SafeString:
    # Surrounding spaces stay outside the mark, so only the changed words are highlighted.
    core = text.strip()
    if not core:
        return conditional_escape(text)
    start = text[: len(text) - len(text.lstrip())]
    end = text[len(text.rstrip()) :]
    return format_html(_MARKS[op], start, announce, core, end)


@register.filter
def word_diff(diff: WordDiff) -> SafeString:
    """Runs as text, <del> and <ins>; each change also announced in words for screen readers."""
    announce = {"insert": _("added:"), "delete": _("removed:")}
    parts = [
        _marked(op, announce[op], text) if op in _MARKS else conditional_escape(text)
        for op, text in diff.runs
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


@register.filter
def anchor(code: str) -> str:
    """An id for a code: codes may hold spaces, ids may not."""
    return "-".join(str(code).split())


# |percent is one of the floor's built-in filters (cpo_portal/numbers.py).


_FLAG_LABELS = {
    "justification_required": gettext_lazy("Justification required"),
    "evidence_required": gettext_lazy("Evidence required"),
    "na_allowed": gettext_lazy("“Not applicable” allowed"),
}


@register.simple_tag
def flag_change(change: Any, flag: str) -> SafeString:
    """'Evidence required: no → yes' for one changed flag of a diff entry."""
    before, after = getattr(change.old, flag), getattr(change.new, flag)
    return format_html(
        "{}: <del>{}</del> → <ins>{}</ins>",
        _FLAG_LABELS[flag],
        _("yes") if before else _("no"),
        _("yes") if after else _("no"),
    )


@register.simple_tag
def catalogue_in_force() -> CatalogueVersion | None:
    """`{% catalogue_in_force as in_force %}`: the version in force (one query), for pages
    of other apps that say whether what they show answers it."""
    return current_published_version()

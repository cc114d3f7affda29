"""The public catalogue: the versions, one version, one criterion, the two schemes, the diff.

Only published and retired versions are shown here. A draft is a 404 for everyone, the
office included: the office previews drafts in its own pages, never under a public URL.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import format_lazy
from django.utils.translation import get_language, get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from cpo_portal.pagecache import public_page
from cpo_portal.pagination import paginate

from . import selectors
from .diff import CriterionChange, WordDiff, catalogue_diff
from .groups import SigneeGroup
from .models import (
    AssessmentCriterion,
    AssessmentScheme,
    CatalogueVersion,
    Criterion,
    Obligation,
    SchemeKind,
    VersionStatus,
)

# How binding an obligation is: a change upwards is what readers of a diff must not miss.
OBLIGATION_RANK: dict[str, int] = {
    Obligation.MAY.value: 1,
    Obligation.SHOULD.value: 2,
    Obligation.SHALL.value: 3,
}


def _version_context(
    version: CatalogueVersion, *, is_current: bool | None = None
) -> dict[str, Any]:
    """What the head of every page of one version needs (two small queries)."""
    if is_current is None:
        current = selectors.current_published_version()
        is_current = current is not None and current.pk == version.pk
    return {
        "version": version,
        "is_current": is_current,
        "scheme_kinds": list(version.schemes.values_list("kind", flat=True)),
    }


def _version_or_404(code: str) -> CatalogueVersion:
    version = selectors.public_version(code)
    if version is None:
        raise Http404(_("There is no published catalogue version %(version)s.") % {"version": code})
    return version


# --- Forms (GET only) -----------------------------------------------------------------


def _obligation_choices() -> list[tuple[str, Any]]:
    meanings = {
        Obligation.SHALL: gettext_lazy("mandatory"),
        Obligation.SHOULD: gettext_lazy("desired"),
        Obligation.MAY: gettext_lazy("optional"),
    }
    return [("", gettext_lazy("All obligations"))] + [
        (o.value, format_lazy("{} ({})", o.label, meanings[o])) for o in Obligation
    ]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=gettext_lazy("Words in the code, title or text, in English or German."),
    )
    obligation = forms.ChoiceField(
        label=gettext_lazy("Obligation"), required=False, choices=_obligation_choices
    )
    group = forms.ChoiceField(
        label=gettext_lazy("Applies to"),
        required=False,
        choices=[("", gettext_lazy("All groups")), *SigneeGroup.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def filters(self) -> selectors.CatalogueFilter:
        """The valid part of the query: a hand-edited bad value is shown as an error and
        ignored, so the page still lists the catalogue."""
        if not self.is_bound:
            return selectors.CatalogueFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return selectors.CatalogueFilter(
            q=data.get("q", "").strip(),
            obligation=data.get("obligation", ""),
            group=data.get("group", ""),
        )


class VersionPairForm(forms.Form):
    """Two public versions to compare; the fields are named `from` and `to` as in the URL."""

    def __init__(self, *args: Any, versions: list[CatalogueVersion], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.versions = {v.code: v for v in versions}
        choices = [(v.code, self._label(v)) for v in versions]
        unknown = gettext_lazy("There is no published catalogue version “%(value)s”.")
        for name, label in (("from", gettext_lazy("From")), ("to", gettext_lazy("To"))):
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                error_messages={
                    "invalid_choice": unknown,
                    "required": gettext_lazy("Choose a version."),
                },
            )

    @staticmethod
    def _label(version: CatalogueVersion) -> str:
        if version.status == VersionStatus.RETIRED:
            return _("%(version)s (retired)") % {"version": version.code}
        return version.code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from") and data.get("from") == data.get("to"):
            raise forms.ValidationError(_("Choose two different versions."), code="same")
        return data

    def pair(self) -> tuple[CatalogueVersion, CatalogueVersion]:
        return self.versions[self.cleaned_data["from"]], self.versions[self.cleaned_data["to"]]


def _default_pair(versions: list[CatalogueVersion]) -> dict[str, str]:
    """The previous version against the newest: what most visitors want to see."""
    if len(versions) < 2:
        return {}
    return {"from": versions[1].code, "to": versions[0].code}


# --- Catalogue -------------------------------------------------------------------------


def _catalogue(
    request: HttpRequest, version: CatalogueVersion, *, is_current: bool | None = None
) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    filters = form.filters()
    page = selectors.catalogue_page(version, filters)
    return render(
        request,
        "criteria/catalogue.html",
        {
            **_version_context(version, is_current=is_current),
            "form": form,
            "filtering": bool(filters.q or filters.obligation or filters.group),
            **page,
        },
    )


@public_page
def current_catalogue(request: HttpRequest) -> HttpResponse:
    version = selectors.current_published_version()
    if version is None:
        return render(
            request,
            "criteria/no_catalogue.html",
            {"has_versions": selectors.public_versions().exists()},
        )
    return _catalogue(request, version, is_current=True)


@public_page
def catalogue(request: HttpRequest, version: str) -> HttpResponse:
    return _catalogue(request, _version_or_404(version))


@public_page
def versions(request: HttpRequest) -> HttpResponse:
    listed = selectors.public_versions().annotate(criteria_count=Count("criteria"))
    choices = list(selectors.public_versions().only("code", "status"))
    current = next((v for v in choices if v.status == VersionStatus.PUBLISHED), None)
    page = paginate(request, listed)
    return render(
        request,
        "criteria/versions.html",
        {
            "page": page,
            "has_demo": any(v.is_demo for v in page.object_list),
            "current": current,
            "diff_form": VersionPairForm(versions=choices, initial=_default_pair(choices)),
        },
    )


# --- One criterion ------------------------------------------------------------------


@dataclass
class SchemeMapping:
    kind: str
    scheme: AssessmentScheme
    criteria: list[AssessmentCriterion]


def _verified_by(criterion: Criterion) -> list[SchemeMapping]:
    """The assessment criteria that verify `criterion`, grouped by scheme in scheme order."""
    groups: dict[str, SchemeMapping] = {}
    for ac in sorted(
        criterion.verified_by.all(),
        key=lambda a: (SchemeKind.values.index(a.scheme.kind), a.area.position, a.position),
    ):
        groups.setdefault(
            ac.scheme.kind, SchemeMapping(ac.scheme.kind, ac.scheme, [])
        ).criteria.append(ac)
    return list(groups.values())


@public_page
def criterion(request: HttpRequest, version: str, code: str) -> HttpResponse:
    found = _version_or_404(version)
    item = selectors.criterion_of_version(found, code)
    if item is None:
        message = _("Version %(version)s has no criterion %(code)s.")
        raise Http404(message % {"version": found.code, "code": code})
    return render(
        request,
        "criteria/criterion.html",
        {**_version_context(found), "criterion": item, "verified_by": _verified_by(item)},
    )


# --- Schemes ---------------------------------------------------------------------------


@public_page
def scheme(request: HttpRequest, version: str, kind: str) -> HttpResponse:
    found = _version_or_404(version)
    item = selectors.scheme_of_version(found, kind) if kind in SchemeKind.values else None
    if item is None:
        raise Http404(_("This version has no such assessment scheme."))
    return render(
        request,
        "criteria/scheme.html",
        {**_version_context(found), "scheme": item},
    )


# --- Diff -------------------------------------------------------------------------------


@dataclass
class TextChange:
    field: str
    language: str
    language_name: str
    diff: WordDiff


@dataclass
class ChangeRow:
    change: CriterionChange
    raised: bool
    texts: list[TextChange]  # in the page's language
    other_texts: list[TextChange]  # in the catalogue's other language(s)


def _change_row(change: CriterionChange, active: str) -> ChangeRow:
    labels = {"title": _("Title"), "text": _("Text")}
    texts = [
        TextChange(labels.get(name, name), lang, _(get_language_info(lang)["name"]), diff)
        for name, by_language in change.texts.items()
        for lang, diff in by_language.items()
    ]
    mine = [t for t in texts if t.language == active]
    others = [t for t in texts if t.language != active]
    if not mine:  # nothing changed in the page's language: show what did change
        mine, others = others, []
    return ChangeRow(
        change=change,
        raised=OBLIGATION_RANK.get(change.new.obligation, 0)
        > OBLIGATION_RANK.get(change.old.obligation, 0),
        texts=mine,
        other_texts=others,
    )


@public_page
def diff(request: HttpRequest) -> HttpResponse:
    choices = list(selectors.public_versions())
    if not request.GET:
        form = VersionPairForm(versions=choices, initial=_default_pair(choices))
        return render(request, "criteria/diff.html", {"form": form})
    form = VersionPairForm(request.GET, versions=choices)
    if not form.is_valid():
        return render(request, "criteria/diff.html", {"form": form}, status=400)
    old, new = form.pair()
    result = catalogue_diff(old, new)
    active = (get_language() or "en")[:2]
    rows = [_change_row(c, active) for c in result.changed]
    return render(
        request,
        "criteria/diff.html",
        {
            "form": form,
            "diff": result,
            "old": old,
            "new": new,
            "summary": result.summary(),
            "obligation_rows": [r for r in rows if r.change.obligation_changed],
            "other_rows": [r for r in rows if not r.change.obligation_changed],
        },
    )

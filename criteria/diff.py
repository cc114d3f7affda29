"""The difference between two catalogue versions, criterion by criterion (matched by code)."""

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from .models import CONTENT_LANGUAGES, CatalogueVersion, Criterion

FLAGS = ("justification_required", "evidence_required", "na_allowed")
_TOKEN = re.compile(r"\s+|[^\s\w]|\w+")


@dataclass
class WordDiff:
    """A text change as runs of ("equal" | "insert" | "delete", text)."""

    runs: list[tuple[str, str]]


def word_diff(old: str, new: str) -> WordDiff:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("equal", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                runs.append(("delete", "".join(a[i1:i2])))
            if j2 > j1:
                runs.append(("insert", "".join(b[j1:j2])))
    return WordDiff(runs)


@dataclass
class CriterionChange:
    code: str
    old: Criterion
    new: Criterion
    obligation_changed: bool
    category_changed: bool
    applies_to_changed: bool
    # Names of the flags that changed: justification_required, evidence_required, na_allowed.
    flags_changed: list[str] = field(default_factory=list)
    texts: dict[str, dict[str, WordDiff]] = field(default_factory=dict)  # field → lang → diff

    @property
    def reworded(self) -> bool:
        return bool(self.texts)


@dataclass
class CatalogueDiff:
    old: CatalogueVersion
    new: CatalogueVersion
    added: list[Criterion]
    removed: list[Criterion]
    changed: list[CriterionChange]
    unchanged: int

    @property
    def obligation_changes(self) -> list[CriterionChange]:
        return [c for c in self.changed if c.obligation_changed]

    def summary(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "reworded": sum(1 for c in self.changed if c.reworded),
            "obligation_changed": len(self.obligation_changes),
            "unchanged": self.unchanged,
        }


def _criteria(version: CatalogueVersion) -> dict[str, Criterion]:
    qs = version.criteria.select_related("category").order_by("category__position", "position")
    return {c.code: c for c in qs}


def catalogue_diff(old: CatalogueVersion, new: CatalogueVersion) -> CatalogueDiff:
    """Two queries, then linear in the number of criteria plus the changed texts."""
    before, after = _criteria(old), _criteria(new)
    changed: list[CriterionChange] = []
    unchanged = 0
    for code, new_c in after.items():
        old_c = before.get(code)
        if old_c is None:
            continue
        change = CriterionChange(
            code=code,
            old=old_c,
            new=new_c,
            obligation_changed=old_c.obligation != new_c.obligation,
            category_changed=old_c.category.number != new_c.category.number,
            applies_to_changed=sorted(old_c.applies_to) != sorted(new_c.applies_to),
        )
        change.flags_changed = [
            flag for flag in FLAGS if getattr(old_c, flag) != getattr(new_c, flag)
        ]
        for name in ("title", "text"):
            for lang in CONTENT_LANGUAGES:
                a, b = getattr(old_c, f"{name}_{lang}"), getattr(new_c, f"{name}_{lang}")
                if a != b:
                    change.texts.setdefault(name, {})[lang] = word_diff(a, b)
        if (
            change.obligation_changed
            or change.category_changed
            or change.applies_to_changed
            or change.flags_changed
            or change.texts
        ):
            changed.append(change)
        else:
            unchanged += 1
    return CatalogueDiff(
        old=old,
        new=new,
        added=[c for code, c in after.items() if code not in before],
        removed=[c for code, c in before.items() if code not in after],
        changed=changed,
        unchanged=unchanged,
    )

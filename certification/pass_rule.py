"""The pass rule of an assessment scheme, as a pure function of the scores.

A certificate may be granted only when
- every *shall* criterion is fulfilled, or rated not applicable where the criterion allows it;
- no major nonconformity is open (not closed);
- the share of *should* criteria fulfilled (partially counts half; not applicable ones are
  left out of the count) is at or above the scheme's threshold.
*May* criteria are reported, never blocking. Unscored criteria count as not fulfilled.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cpo_portal.numbers import percent
from criteria.models import Obligation

from .models import Rating

_CREDIT = {Rating.FULFILLED: Decimal(1), Rating.PARTIALLY: Decimal("0.5")}


@dataclass(frozen=True)
class ScoredCriterion:
    code: str
    obligation: str
    rating: str  # "" when not scored yet
    na_allowed: bool
    group: str = ""  # the subject area (or category) the criterion is reported under


@dataclass
class Tally:
    """Counts for one obligation level within one group (or overall)."""

    total: int = 0
    fulfilled: int = 0
    partially: int = 0
    not_fulfilled: int = 0
    not_applicable: int = 0
    unscored: int = 0

    def add(self, rating: str) -> None:
        self.total += 1
        if rating == Rating.FULFILLED:
            self.fulfilled += 1
        elif rating == Rating.PARTIALLY:
            self.partially += 1
        elif rating == Rating.NOT_FULFILLED:
            self.not_fulfilled += 1
        elif rating == Rating.NOT_APPLICABLE:
            self.not_applicable += 1
        else:
            self.unscored += 1

    @property
    def scored(self) -> int:
        return self.total - self.unscored

    @property
    def share(self) -> Decimal | None:
        """Fulfilled share, partially counting half; None when nothing is applicable."""
        applicable = self.total - self.not_applicable
        if applicable <= 0:
            return None
        credit = Decimal(self.fulfilled) + Decimal(self.partially) / 2
        return credit / applicable


@dataclass
class GroupResult:
    key: str
    shall: Tally = field(default_factory=Tally)
    should: Tally = field(default_factory=Tally)
    may: Tally = field(default_factory=Tally)

    def tally(self, obligation: str) -> Tally:
        if obligation == Obligation.SHALL:
            return self.shall
        if obligation == Obligation.SHOULD:
            return self.should
        return self.may

    @property
    def total(self) -> int:
        return self.shall.total + self.should.total + self.may.total

    @property
    def scored(self) -> int:
        return self.shall.scored + self.should.scored + self.may.scored


@dataclass
class PassResult:
    passed: bool
    threshold: Decimal
    should_share: Decimal | None
    shall_failed: list[str]
    open_majors: int
    overall: GroupResult
    groups: dict[str, GroupResult]
    reasons: list[str]

    @property
    def complete(self) -> bool:
        return self.overall.scored == self.overall.total


def evaluate(
    criteria: Iterable[ScoredCriterion], *, threshold: Decimal, open_majors: int = 0
) -> PassResult:
    """Apply the pass rule to the scored criteria of one audit."""
    overall = GroupResult(key="")
    groups: dict[str, GroupResult] = {}
    shall_failed: list[str] = []
    for item in criteria:
        rating = item.rating
        # "Not applicable" where the criterion does not allow it counts as not fulfilled.
        if rating == Rating.NOT_APPLICABLE and not item.na_allowed:
            rating = Rating.NOT_FULFILLED
        overall.tally(item.obligation).add(rating)
        groups.setdefault(item.group, GroupResult(key=item.group)).tally(item.obligation).add(
            rating
        )
        if item.obligation == Obligation.SHALL and rating not in (
            Rating.FULFILLED,
            Rating.NOT_APPLICABLE,
        ):
            shall_failed.append(item.code)
    share = overall.should.share
    reasons: list[str] = []
    if shall_failed:
        reasons.append(
            _("Mandatory (shall) criteria not fulfilled: %(codes)s")
            % {"codes": ", ".join(shall_failed)}
        )
    if open_majors:
        reasons.append(
            ngettext(
                "%(count)d major nonconformity is still open.",
                "%(count)d major nonconformities are still open.",
                open_majors,
            )
            % {"count": open_majors}
        )
    if share is not None and share < threshold:
        # One decimal: 74.6 % must not read as the 75 % it falls short of.
        reasons.append(
            _("Share of desired (should) criteria fulfilled is %(share)s, below %(threshold)s.")
            % {"share": percent(share, 1), "threshold": percent(threshold, 1)}
        )
    return PassResult(
        passed=not reasons,
        threshold=threshold,
        should_share=share,
        shall_failed=shall_failed,
        open_majors=open_majors,
        overall=overall,
        groups=groups,
        reasons=reasons,
    )

"""The documented rule for an audit's duration, in person-days (ISO/IEC 17021-1 §9.1.4).

    person-days = base of the scheme kind      organizational 1.5, product 1.0
                + 0.5  × each site beyond the first
                + 0.25 × each subject area of the scheme beyond four
                rounded up to the next half day

Travel is not counted (an on-site audit takes as long as a remote one). The plan stores
what the rule gives (`AuditPlan.person_days_rule`); a different duration needs a reason
(`person_days_reason`), so that the record shows who departed from the rule and why.

`audit_duration` returns the value and the lines that explain it, shown on the plan and in
the audit report, e.g. "1.5 base (organizational) + 0.5 × 1 additional site = 2.0".
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from criteria.models import SchemeKind

BASE = {SchemeKind.ORGANIZATIONAL: Decimal("1.5"), SchemeKind.PRODUCT: Decimal("1.0")}
PER_ADDITIONAL_SITE = Decimal("0.5")
AREAS_IN_BASE = 4
PER_ADDITIONAL_AREA = Decimal("0.25")
STEP = Decimal("0.5")


@dataclass(frozen=True)
class Duration:
    person_days: Decimal
    # The terms of the sum, each a line: base, sites, subject areas, the result.
    lines: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return " ".join(self.lines)


def number(value: Decimal) -> str:
    """A duration as people read it: 2.0, 0.25, 1.5 (in the active language's format)."""
    places = 2 if value != value.quantize(Decimal("0.1")) else 1
    return formats.number_format(value, places)


def round_up(value: Decimal, step: Decimal = STEP) -> Decimal:
    """`value` rounded up to a multiple of `step`."""
    return ((value / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(
        Decimal("0.01")
    )


def audit_duration(*, scheme_kind: str, site_count: int, area_count: int) -> Duration:
    """The person-days the rule gives, with the lines explaining the sum."""
    kind = SchemeKind(scheme_kind)
    base = BASE[kind]
    extra_sites = max(site_count - 1, 0)
    extra_areas = max(area_count - AREAS_IN_BASE, 0)
    total = base + PER_ADDITIONAL_SITE * extra_sites + PER_ADDITIONAL_AREA * extra_areas
    result = round_up(total)
    lines = [_("%(days)s base (%(scheme)s)") % {"days": number(base), "scheme": kind.label}]
    if extra_sites:
        lines.append(
            ngettext(
                "+ %(days)s × %(count)s additional site",
                "+ %(days)s × %(count)s additional sites",
                extra_sites,
            )
            % {"days": number(PER_ADDITIONAL_SITE), "count": extra_sites}
        )
    if extra_areas:
        lines.append(
            ngettext(
                "+ %(days)s × %(count)s subject area beyond %(included)s",
                "+ %(days)s × %(count)s subject areas beyond %(included)s",
                extra_areas,
            )
            % {
                "days": number(PER_ADDITIONAL_AREA),
                "count": extra_areas,
                "included": AREAS_IN_BASE,
            }
        )
    if result != total:
        lines.append(
            _("= %(days)s, rounded up to the half day: %(result)s")
            % {"days": number(total), "result": number(result)}
        )
    else:
        lines.append(_("= %(result)s") % {"result": number(result)})
    return Duration(person_days=result, lines=tuple(lines))

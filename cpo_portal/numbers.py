"""Numbers as people read them: percentages in the reader's language.

"0,0 %" in German, "0.0%" in English. Every percentage of the portal is written here: in
templates through the `percent` (a share, 0–1) and `percentage` (a number already in
percent) filters, built into every template (settings.TEMPLATES "builtins"), and in Python
(the pass rule's reasons, charts) through the same functions.
"""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()

Number = Decimal | float | int


def _with_sign(value: str) -> str:
    # Translated: German writes a space before the sign ("%(percent)s %%").
    return _("%(percent)s%%") % {"percent": value}


@register.filter
def percent(share: Number | None, decimal_pos: int | None = 0) -> str:
    """A share as a percentage: 0.75 → "75 %" (de) / "75%" (en); `decimal_pos` digits."""
    if share is None or share == "":
        return ""
    return _with_sign(number_format(Decimal(str(share)) * 100, decimal_pos=decimal_pos))


@register.filter
def percentage(value: Number | None, decimal_pos: int | None = None) -> str:
    """A number already in percent: 33.3 → "33,3 %" (de) / "33.3%" (en)."""
    if value is None or value == "":
        return ""
    return _with_sign(number_format(value, decimal_pos=decimal_pos))


def number(value: Number) -> str:
    """A figure in the reader's language: 2.5 → "2,5" (de)."""
    return number_format(value)

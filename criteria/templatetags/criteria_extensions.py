"""{% draft_panels version %}: the panels other apps registered in criteria.extensions."""

from django import template
from django.utils.safestring import SafeString

from criteria.extensions import draft_panels as _draft_panels
from criteria.models import CatalogueVersion

register = template.Library()


@register.simple_tag
def draft_panels(version: CatalogueVersion) -> SafeString:
    return _draft_panels(version)

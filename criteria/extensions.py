"""Where apps that build on the catalogue add to the office's catalogue pages.

criteria knows nothing of the other apps: the community registers, in its AppConfig.ready(),
a panel for draft versions (the proposals accepted for the next version), and the draft page
shows whatever is registered. A panel takes the version and returns safe HTML.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

from .models import CatalogueVersion

DraftPanel = Callable[[CatalogueVersion], SafeString]

_draft_panels: dict[str, DraftPanel] = {}


def register_draft_panel(name: str, panel: DraftPanel) -> None:
    """Register (or replace) a read-only panel shown on the office page of a draft."""
    _draft_panels[name] = panel


def draft_panels(version: CatalogueVersion) -> SafeString:
    """The registered panels for `version`, in registration order."""
    return mark_safe("".join(panel(version) for panel in _draft_panels.values()))  # noqa: S308

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


# --- A catalogue version is published ------------------------------------------------------
# The apps that build on the catalogue act when the office publishes a version (signees tell
# their owners and invite vendors to update their CPO Statement). A listener takes the
# published version; it runs inside the publishing transaction, so it queues its work with
# transaction.on_commit (or a TransactionAwareTask) and never sends anything itself.

PublishedListener = Callable[[CatalogueVersion], None]

_published_listeners: dict[str, PublishedListener] = {}


def register_published_listener(name: str, listener: PublishedListener) -> None:
    """Register (or replace) what runs when a catalogue version is published."""
    _published_listeners[name] = listener


def version_published(version: CatalogueVersion) -> None:
    """Tell every registered listener, in registration order (called by catalogue_publish)."""
    for listener in _published_listeners.values():
        listener(version)

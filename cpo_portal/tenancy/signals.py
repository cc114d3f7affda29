"""Extension points of the tenancy floor for the feature apps (which it must not import).

`organization_updated` is sent by `organization_update` after a profile change has been
saved, with `organization`, `by` and `changed` (field names). Receivers call their own
services; they hold no rules themselves.
"""

from django.dispatch import Signal

organization_updated = Signal()

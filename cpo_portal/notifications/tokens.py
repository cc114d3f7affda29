"""The signed token of a one-click unsubscribe link: who, and which kind of notice.

No expiry, on purpose: an old mail's link keeps working. The token only ever turns a kind
off, so a leaked link can do no more than silence one kind of notice for one person.
Nothing here imports a model: services (which write links) and selectors (which read them)
both use it.
"""

from django.core import signing

_SALT = "cpo_portal.notifications.unsubscribe"


def token_make(*, user_id: int, kind: str) -> str:
    return signing.dumps([user_id, kind], salt=_SALT, compress=False)


def token_read(token: str) -> tuple[int, str] | None:
    """(user id, kind) of a genuine token; None for a forged, damaged or foreign one."""
    try:
        value = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    match value:
        case [int(user_id), str(kind)] if not isinstance(user_id, bool):
            return user_id, kind
    return None

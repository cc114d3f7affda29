"""Who may download a document."""

from typing import Any

from cpo_portal.accounts.roles import is_office
from cpo_portal.tenancy.selectors import membership_for

from .models import Document
from .registry import get_kind


def can_download(user: Any, document: Document) -> bool:
    kind = get_kind(document.kind)
    if kind.public:
        return True
    if not user.is_authenticated:
        return False
    if is_office(user):
        return True
    if kind.extra_access is not None and kind.extra_access(user, document):
        return True
    if document.organization is None:
        return False
    membership = membership_for(organization=document.organization, user=user)
    if membership is None:
        return False
    return membership.is_admin if kind.admins_only else True

"""Keep the CPO office group and its explicit permissions in place after every migrate."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .roles import OFFICE_GROUP, office_permissions


def ensure_office_group(**_: Any) -> None:
    group, _created = Group.objects.get_or_create(name=OFFICE_GROUP)
    wanted = Q(pk__in=[])
    for code in office_permissions():
        app_label, codename = code.split(".", 1)
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))

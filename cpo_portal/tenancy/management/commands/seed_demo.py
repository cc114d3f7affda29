"""Load demo data (idempotent) and print the demo logins."""

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scopes_disabled

from cpo_portal import demo


class Command(BaseCommand):
    help = "Create demo organizations of all three groups, an office user and an auditor."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic(), scopes_disabled():
            ctx = demo.seed()
            for config in apps.get_app_configs():
                module = f"{config.name}.demo"
                if config.name != "cpo_portal" and find_spec(config.name) and find_spec(module):
                    import_module(module).seed(ctx)
        self.stdout.write(self.style.SUCCESS("Demo data is in place. Demo logins:"))
        width = max(len(email) for email, _, _ in ctx.logins)
        for email, role, password in ctx.logins:
            self.stdout.write(f"  {email:<{width}}  {password}  {role}")
        self.stdout.write(
            f"  TOTP secret for office and auditor: {demo.DEMO_TOTP_SECRET} "
            "(e.g. oathtool --totp -b <secret>)"
        )

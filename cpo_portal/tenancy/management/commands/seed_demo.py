"""Load demo data (idempotent) and print the demo logins.

Each app's `demo.py` has a `seed(ctx)`; one whose demo counts other apps' data adds a
`seed_late(ctx)`, run after every `seed`.
"""

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
            modules = [
                import_module(f"{config.name}.demo")
                for config in apps.get_app_configs()
                if config.name != "cpo_portal"
                and find_spec(config.name)
                and find_spec(f"{config.name}.demo")
            ]
            for module in modules:
                module.seed(ctx)
            # Demo data that sums up other apps' demo data (the annual report's figures)
            # waits for all of them, whatever the order of INSTALLED_APPS.
            for module in modules:
                if hasattr(module, "seed_late"):
                    module.seed_late(ctx)
        self.stdout.write(self.style.SUCCESS("Demo data is in place. Demo logins:"))
        width = max(len(email) for email, _, _ in ctx.logins)
        for email, role, password in ctx.logins:
            self.stdout.write(f"  {email:<{width}}  {password}  {role}")
        self.stdout.write(
            f"  TOTP secret for the office, the certifier and the auditor: {demo.DEMO_TOTP_SECRET} "
            "(e.g. oathtool --totp -b <secret>)"
        )

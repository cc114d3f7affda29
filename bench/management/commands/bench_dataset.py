"""Build the benchmark dataset into the configured (empty, migrated) database.

    python manage.py bench_dataset --signees 10000 --manifest var/bench/manifest.json

The manifest names real rows for the load generator (signee slugs, certificate numbers,
the deep page, auditors' audits and their session cookies) and records counts and seconds.
"""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from bench.dataset import Sizes, build
from cpo_portal.accounts.models import User
from signees.models import Signee


class Command(BaseCommand):
    help = "Build the benchmark dataset (bulk inserts) and write its manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = Sizes()
        parser.add_argument("--signees", type=int, default=defaults.signees)
        parser.add_argument(
            "--certificates", type=int, default=None, help="default: half the signees"
        )
        parser.add_argument("--audits", type=int, default=defaults.audits)
        parser.add_argument("--criteria", type=int, default=defaults.criteria)
        parser.add_argument("--years", type=int, default=defaults.years)
        parser.add_argument("--auditors", type=int, default=defaults.auditors)
        parser.add_argument("--manifest", type=Path, help="write the manifest (JSON) here")

    def handle(self, *args, **options) -> None:
        if Signee.objects.exists():
            raise CommandError("The database already holds signees: build into an empty one.")
        sizes = Sizes(
            signees=options["signees"],
            certificates=options["certificates"],
            audits=options["audits"],
            criteria=options["criteria"],
            years=options["years"],
            auditors=options["auditors"],
        )
        if min(sizes.signees, sizes.audits, sizes.criteria, sizes.auditors) < 1:
            raise CommandError("Every size must be at least 1.")
        built = build(sizes)
        manifest = built.manifest()
        manifest["auditors"] = [
            {**entry, "session": _session_for(entry["user_id"])} for entry in built.auditors
        ]
        if options["manifest"]:
            options["manifest"].parent.mkdir(parents=True, exist_ok=True)
            options["manifest"].write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        counts = ", ".join(f"{k} {v:,}" for k, v in built.counts.items())
        self.stdout.write(f"Built in {built.seconds['total']:.1f} s: {counts}")


def _session_for(user_id: int) -> str:
    """A signed-in session for the load generator (auditors have MFA set up already)."""
    user = User.objects.get(pk=user_id)
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key

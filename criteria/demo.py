"""The illustrative demo catalogue, imported and published by `seed_demo` (and `make run`)."""

from pathlib import Path
from typing import Any

from django.conf import settings

from .interchange import parse
from .services import catalogue_import

DEMO_CATALOGUE = Path(settings.BASE_DIR) / "fixtures" / "catalogue" / "demo.yaml"


def seed(ctx: Any) -> None:
    data = parse(DEMO_CATALOGUE.read_text(encoding="utf-8"), filename=DEMO_CATALOGUE.name)
    version, outcome = catalogue_import(data=data, by=ctx.office, publish=True)
    print(f"Criteria catalogue {version.code}: {outcome}, {version.get_status_display()}.")

"""The illustrative demo catalogue, imported and published by `seed_demo` (and `make run`)."""

import copy
import functools
from pathlib import Path
from typing import Any

from django.conf import settings

from .interchange import parse
from .services.catalogue import catalogue_import

DEMO_CATALOGUE = Path(settings.BASE_DIR) / "fixtures" / "catalogue" / "demo.yaml"


def demo_catalogue_data() -> dict[str, Any]:
    """The demo catalogue as parsed and validated data: read once per process (the YAML
    parse costs a quarter of a second), a fresh copy for every caller to import or change."""
    return copy.deepcopy(_parsed())


@functools.cache
def _parsed() -> dict[str, Any]:
    return parse(DEMO_CATALOGUE.read_text(encoding="utf-8"), filename=DEMO_CATALOGUE.name)


def seed(ctx: Any) -> None:
    data = demo_catalogue_data()
    version, outcome = catalogue_import(data=data, by=ctx.office, publish=True)
    print(f"Criteria catalogue {version.code}: {outcome}, {version.get_status_display()}.")

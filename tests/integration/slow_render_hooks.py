"""Imported by the extra Celery workers of test_certificate_worker.py (``--include``).

The document is claimed (status "rendering") before its HTML becomes a PDF; this hook
holds the worker right there for CPO_TEST_RENDER_DELAY seconds, so that a test can kill
the worker mid-render or let a second worker race it for the same document. The session
worker does not import it.
"""

import os
import time

from cpo_portal.documents import services

DELAY = float(os.environ.get("CPO_TEST_RENDER_DELAY", "0"))
_html_to_pdf = services.html_to_pdf


def _slow_html_to_pdf(html: str) -> bytes:
    time.sleep(DELAY)
    return _html_to_pdf(html)


services.html_to_pdf = _slow_html_to_pdf  # type: ignore[assignment]

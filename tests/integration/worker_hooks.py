"""Imported by the integration tests' Celery worker (``celery worker --include``).

Between transactional tests pytest-django truncates every table, and the post-migrate
signal creates the content types again under new ids. The test process clears its
content-type cache when that happens; the worker, a separate process, cannot see it and
would write activity entries that point at ids that no longer exist. Production never
truncates content types, so this hook exists for the tests alone.
"""

from celery.signals import task_prerun
from django.contrib.contenttypes.models import ContentType


@task_prerun.connect
def _forget_content_types(**_: object) -> None:
    ContentType.objects.clear_cache()

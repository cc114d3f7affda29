"""The CPO Portal project: settings, URLs, the Celery app and the floor apps."""

from .celery import app as celery_app

__all__ = ["celery_app"]

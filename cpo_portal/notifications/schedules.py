"""A crontab read on the portal's clock (TIME_ZONE, Europe/Berlin), not Celery's (UTC).

Celery reads every crontab in CELERY_TIMEZONE, which stays UTC for the other jobs. The
weekly digest is promised for Monday 07:00 where the people are, summer and winter alike,
so its schedule names its own zone. Beat (which pickles it) and the embedded scheduler
(cpo_portal/scheduler.py, which copies it) keep the class and with it the zone. Nothing here
reads the settings at import time: settings.py imports this module.
"""

from datetime import tzinfo
from zoneinfo import ZoneInfo

from celery.schedules import crontab


class LocalCrontab(crontab):
    @property
    def tz(self) -> tzinfo:  # type: ignore[override]
        from django.conf import settings

        return ZoneInfo(settings.TIME_ZONE)

"""A kind of notice of the tests' own, registered for one test and gone after it."""

import pytest
from django.utils.translation import gettext_lazy as _

from cpo_portal.mail import lazy_format
from cpo_portal.notifications import kinds
from cpo_portal.notifications.models import Delivery

KIND = "tests.news"
TEMPLATE = "notifications/mail/notice.txt"


@pytest.fixture
def news_kind():
    """Registered as an app would (group, label, description)."""
    kinds.register_kind(
        key=KIND,
        group=_("CPO Community"),
        order=999,
        label="Test news",
        description="News for the tests.",
        default=Delivery.NOW,
    )
    yield kinds.kind(KIND)
    kinds._kinds.pop(KIND, None)


@pytest.fixture
def send_news(news_kind, django_capture_on_commit_callbacks):
    """notify() of the test kind, its mails sent (after commit) into mail.outbox."""
    from cpo_portal.notifications.services import notify

    def send(users, *, key="", subject=None, text=None):
        with django_capture_on_commit_callbacks(execute=True):
            return notify(
                kind=KIND,
                users=users,
                subject=subject or lazy_format(_("Welcome, %(name)s."), name="CPO"),
                template=TEMPLATE,
                # "Welcome, …" and "Hello," are in the German catalogue already.
                context={"text": text or _("Hello,")},
                url="/community/",
                key=key,
            )

    return send

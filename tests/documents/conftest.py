import pytest
from django_scopes import scope, scopes_disabled

from cpo_portal.documents import registry
from cpo_portal.documents.models import Document
from cpo_portal.tenancy.selectors import members_of

TEMPLATE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ document.title }}</title></head>
<body><h1>{{ document.title }}</h1>
<ul>{% for m in members %}<li>{{ m.user.email }} ({{ m.role }})</li>{% endfor %}</ul>
<p>{{ note }}</p></body></html>
"""


def _members_context(document):
    return {"members": list(members_of(document.organization)), "note": "test document"}


def _raising_context(document):
    raise RuntimeError("the template data is broken")


@pytest.fixture
def test_kinds(settings, tmp_path):
    """Two document kinds that need nothing from the real templates: one renders a
    members list, one always fails while building its context."""
    folder = tmp_path / "templates"
    (folder / "tests").mkdir(parents=True)
    (folder / "tests" / "members.html").write_text(TEMPLATE)
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [folder, *engine["DIRS"]]}]
    kinds = [
        registry.DocumentKind(
            name="test_members", template="tests/members.html", build_context=_members_context
        ),
        registry.DocumentKind(
            name="test_broken", template="tests/members.html", build_context=_raising_context
        ),
    ]
    for kind in kinds:
        registry.register(kind)
    yield {k.name: k for k in kinds}
    for kind in kinds:
        registry._KINDS.pop(kind.name, None)


@pytest.fixture
def reload_document():
    def reload(document):
        with scopes_disabled():
            return Document.objects.get(pk=document.pk)

    return reload


@pytest.fixture
def request_document(django_capture_on_commit_callbacks):
    """Request a document the way a view does; the eager task renders it after commit."""
    from cpo_portal.documents.services import document_request

    def request(organization, kind="test_members", by=None, render=True):
        with django_capture_on_commit_callbacks(execute=render):
            document = document_request(
                kind=kind, owner=organization, organization=organization, title="Members", by=by
            )
        with scopes_disabled():
            return Document.objects.get(pk=document.pk)

    return request


@pytest.fixture
def in_scope():
    return lambda organization: scope(organization=organization)

"""Shared fixtures: the alice / bob / charlie scenario, the CPO office, an auditor and the
published demo catalogue.

alice owns "Alpha", bob is a plain member of Alpha, charlie owns "Beta" and is an outsider
to Alpha. office_user and auditor_user have a TOTP authenticator, so the MFA requirement of
their roles does not get in the way of the tests that are about something else.
"""

import os

# The test run is an embedded setup (no SECRET_KEY, no ALLOWED_HOSTS, eager tasks). This
# has to be in the environment before the settings module is imported.
os.environ.setdefault("CPO_TESTING", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpo_portal.settings")

import django
import pytest

# pytest-django sets Django up before any conftest is imported only when the pytest
# configuration names the settings module; otherwise it is done here, so that conftests
# and test modules below may import models at the top.
django.setup()

# ci_plugin: under CI=true a skipped test fails the run (see its docstring).
pytest_plugins = ["pytester", "tests.ci_plugin"]

# --- Settings ----------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    # WhiteNoise warns on every request when collectstatic has not run; tests don't need it.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Files go to a temporary folder; no test sees another test's rate limits."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run in-process unless a test asks for the real worker (tests/integration), even
    # when REDIS_URL configures a broker.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Tests change data with factories, which the page cache's invalidation (through the
    # activity log) does not see; tests/test_pagecache.py switches it on.
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in a person's language (their preference, a cookie) activates it for the
    thread; the next test starts in the default language again."""
    yield
    from django.utils import translation

    translation.deactivate()


# --- People ------------------------------------------------------------------------
# Models are imported inside the fixtures: this module is imported before the app
# registry is ready when the settings module is not named in the pytest configuration.


def _activate_totp(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def make_user(db):
    from tests.factories import UserFactory

    return UserFactory


@pytest.fixture
def alice(db):
    from tests.factories import UserFactory

    return UserFactory(email="alice@example.org", full_name="Alice Owner")


@pytest.fixture
def bob(db):
    from tests.factories import UserFactory

    return UserFactory(email="bob@example.org", full_name="Bob Member")


@pytest.fixture
def charlie(db):
    from tests.factories import UserFactory

    return UserFactory(email="charlie@example.org", full_name="Charlie Outsider")


@pytest.fixture
def alpha(alice, bob):
    """Organization "Alpha": alice is its owner, bob a plain member."""
    from cpo_portal.tenancy.models import Role
    from cpo_portal.tenancy.services import organization_create
    from tests.factories import MembershipFactory

    org = organization_create(by=alice, legal_name="Alpha", country="DE")
    MembershipFactory(organization=org, user=bob, role=Role.MEMBER)
    return org


@pytest.fixture
def beta(charlie):
    """Organization "Beta", owned by charlie, who has nothing to do with Alpha."""
    from cpo_portal.tenancy.services import organization_create

    return organization_create(by=charlie, legal_name="Beta", country="FR")


@pytest.fixture
def office_user_without_mfa(db):

    from tests.factories import UserFactory, make_office

    user = UserFactory(email="office@example.org", full_name="Olga Office")
    make_office(user)
    return user


@pytest.fixture
def office_user(office_user_without_mfa):
    return _activate_totp(office_user_without_mfa)


@pytest.fixture
def auditor_user_without_mfa(db):
    from cpo_portal.accounts.models import Auditor
    from tests.factories import UserFactory

    user = UserFactory(email="auditor@example.org", full_name="Arne Auditor")
    Auditor.objects.create(user=user, organisation_name="Audit Body")
    return user


@pytest.fixture
def auditor_user(auditor_user_without_mfa):
    return _activate_totp(auditor_user_without_mfa)


@pytest.fixture
def activate_totp():
    return _activate_totp


# --- The catalogue -----------------------------------------------------------------------


@pytest.fixture
def catalogue(request, db):
    """The demo catalogue (fixtures/catalogue/demo.yaml), imported and published: the one
    catalogue a test needs when it is not about a particular catalogue. The first test of a
    process imports it through the service; later tests get a copy of the rows that import
    wrote (see _catalogue_rows).
    A test that needs a particular payload builds it under a name saying what it is
    (`catalogue_v1` in tests/criteria, `mini_catalogue` in tests/signees)."""
    from criteria.models import CatalogueVersion

    global _catalogue_rows
    if _transactional(request):
        # A flushed database gets its content types anew: the copy's references would dangle.
        return _import_demo_catalogue()[1]
    if _catalogue_rows is None:
        before, version = _import_demo_catalogue()
        _catalogue_rows = _catalogue_rows_of(before)
        return version
    return CatalogueVersion.objects.get(pk=_copy_catalogue_rows(_catalogue_rows))


# The rows the first import of the demo catalogue wrote in this test process, per model in
# the order they are written. Later tests get a copy of them: a few bulk inserts instead of
# the ~100 queries of the import (most tests need a catalogue, few are about importing one;
# those go through the service, and tests/criteria proves the service writes these rows).
_catalogue_rows: list[tuple[type, list[dict]]] | None = None


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(
        marker and marker.kwargs.get("transaction")
    )


def _catalogue_models() -> list[type]:
    from cpo_portal.activity.models import ActivityEntry
    from criteria.models import (
        AssessmentCriterion,
        AssessmentScheme,
        CatalogueVersion,
        Category,
        Criterion,
        SubjectArea,
    )

    return [
        CatalogueVersion,
        Category,
        Criterion,
        AssessmentScheme,
        SubjectArea,
        AssessmentCriterion,
        AssessmentCriterion.verifies.through,
        ActivityEntry,
    ]


def _import_demo_catalogue():
    from criteria.demo import demo_catalogue_data
    from criteria.services.catalogue import catalogue_import

    before = {
        model: set(model._base_manager.values_list("pk", flat=True))
        for model in _catalogue_models()
    }
    version, _ = catalogue_import(data=demo_catalogue_data(), by=None, publish=True)
    return before, version


def _catalogue_rows_of(before) -> list[tuple[type, list[dict]]]:
    return [
        (model, list(model._base_manager.exclude(pk__in=before[model]).order_by("pk").values()))
        for model in _catalogue_models()
    ]


def _copy_catalogue_rows(snapshot) -> int:
    """Insert a copy of the snapshot with new primary keys; the new catalogue version's pk."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import DateTimeField
    from django.utils import timezone

    from cpo_portal.activity.models import ActivityEntry

    now = timezone.now()
    new_pks: dict[type, dict] = {}
    types = {ContentType.objects.get_for_model(model).pk: model for model, _rows in snapshot}
    for model, rows in snapshot:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        objects = []
        for row in rows:
            values = dict(row)
            old_pk = values.pop(model._meta.pk.attname)
            for name, field in fields.items():
                related = field.related_model if field.is_relation else None
                if related in new_pks and values.get(name) is not None:
                    values[name] = new_pks[related][values[name]]
                elif isinstance(field, DateTimeField) and values.get(name) is not None:
                    values[name] = now
            if model is ActivityEntry and values.get("target_type_id") in types:
                target = types[values["target_type_id"]]
                values["target_id"] = str(new_pks[target][int(values["target_id"])])
            obj = model(**values)
            obj._old_pk = old_pk
            objects.append(obj)
        created = model._base_manager.bulk_create(objects)
        new_pks[model] = {obj._old_pk: obj.pk for obj in created}
    (version_model, (row, *_rest)), *_others = snapshot
    return new_pks[version_model][row["id"]]

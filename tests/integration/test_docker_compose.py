"""docker-compose.yml runs the stack the design names, with commands that exist here."""

import importlib
import importlib.util
from pathlib import Path

import pytest
import yaml
from celery import Celery
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
COMPOSE = BASE_DIR / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def services():
    # safe_load resolves the YAML anchors and `<<` merges the app services share.
    return yaml.safe_load(COMPOSE.read_text())["services"]


def argv(service) -> list[str]:
    command = service["command"]
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def option(args: list[str], *names: str) -> str:
    for i, arg in enumerate(args):
        if arg in names:
            return args[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(f"{name}="):
                return arg.split("=", 1)[1]
    raise AssertionError(f"none of {names} in {args}")


def test_compose_runs_postgres_redis_web_worker_and_beat(services):
    assert {"postgres", "redis", *APP_SERVICES} <= set(services)
    assert services["postgres"]["image"].startswith("postgres")
    assert services["redis"]["image"].startswith("redis")


def depends_on(services, name) -> set[str]:
    """Every service `name` waits for, directly or through another service."""
    found: set[str] = set()
    todo = [name]
    while todo:
        for dependency in services[todo.pop()].get("depends_on", []):
            if dependency not in found:
                found.add(dependency)
                todo.append(dependency)
    return found


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_the_compose_database_and_broker(services, name):
    environment = services[name]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    assert {"postgres", "redis"} <= depends_on(services, name)


def test_app_services_share_one_image_built_here(services):
    images = {
        (str(services[name].get("build")), services[name].get("image")) for name in APP_SERVICES
    }
    assert len(images) == 1, images
    assert (BASE_DIR / "Dockerfile").is_file()


def test_web_command_names_the_wsgi_application(services):
    args = argv(services["web"])
    assert args[0] == "gunicorn"
    target = next(arg for arg in args[1:] if not arg.startswith("-") and ":" in arg)
    module_name, _, attribute = target.partition(":")
    assert importlib.util.find_spec(module_name) is not None, module_name
    assert callable(getattr(importlib.import_module(module_name), attribute or "application"))
    if "--config" in args or "-c" in args:
        assert (BASE_DIR / option(args, "--config", "-c")).is_file()


@pytest.mark.parametrize(("name", "subcommand"), [("worker", "worker"), ("beat", "beat")])
def test_celery_commands_name_the_celery_app(services, name, subcommand):
    args = argv(services[name])
    assert args[0] == "celery"
    assert subcommand in args
    module_name = option(args, "-A", "--app")
    assert importlib.util.find_spec(module_name) is not None, module_name
    app = importlib.import_module(f"{module_name}.celery").app
    assert isinstance(app, Celery)


def test_beat_schedules_only_tasks_the_worker_knows():
    from cpo_portal.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_migrations_run_before_the_app_starts(services):
    assert argv(services["migrate"])[1:3] == ["manage.py", "migrate"]
    assert (BASE_DIR / "manage.py").is_file()
    for name in APP_SERVICES:
        assert "migrate" in depends_on(services, name), name

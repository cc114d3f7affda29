from django.apps import AppConfig


class EmbeddedConfig(AppConfig):
    """The embedded default (`make run`): the development server tuned to be used by several
    people at once."""

    name = "cpo_portal.embedded"
    label = "embedded"

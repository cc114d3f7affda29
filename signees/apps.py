from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigneesConfig(AppConfig):
    name = "signees"
    verbose_name = _("Signees")

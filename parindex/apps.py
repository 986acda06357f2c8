from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParindexConfig(AppConfig):
    name = "parindex"
    verbose_name = _("Users and roles")

    def ready(self) -> None:
        from parindex import permissions  # noqa: F401  (registers the named rules)

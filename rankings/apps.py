from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RankingsConfig(AppConfig):
    name = "rankings"
    verbose_name = _("Index and rankings")

    def ready(self) -> None:
        from rankings import receivers  # noqa: F401 - connects the signal receivers

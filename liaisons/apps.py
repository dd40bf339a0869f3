from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonsConfig(AppConfig):
    name = "liaisons"
    verbose_name = _("Liaison service")

    def ready(self):
        from portal import journal

        from . import models
        from . import representations as rep

        journal.register(
            models.Assignment,
            represent=rep.assignment,
            scope=lambda a: (a.enterprise_id, ""),
        )

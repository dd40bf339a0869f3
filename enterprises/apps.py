from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprise registry")

    def ready(self):
        from portal import journal
        from portal.masking import mask_phone

        from . import models, representations as rep

        journal.register(models.District, represent=rep.district, scope=lambda d: (None, d.code))
        journal.register(
            models.Spectrum, represent=rep.spectrum, scope=lambda s: (None, s.district_id or "")
        )
        journal.register(
            models.Enterprise,
            represent=rep.enterprise,
            scope=lambda e: (e.pk, e.district_id),
            masks={"contact_phone": mask_phone},
        )
        journal.register(
            models.Membership,
            represent=rep.membership,
            scope=lambda m: (m.enterprise_id, ""),
        )
        journal.register(
            models.Jurisdiction, represent=rep.jurisdiction, scope=lambda j: (None, j.district_id)
        )

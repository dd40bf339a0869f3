from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_industries(sender, using="default", **kwargs):
    """Reload the industry classification if a flush emptied it (migrations load it once)."""
    from .models import Industry
    from .reference import load_industries

    if not Industry.objects.using(using).exists():
        load_industries(Industry)


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprise registry")

    def ready(self):
        post_migrate.connect(_ensure_industries, sender=self, dispatch_uid="enterprises.industries")

        from portal import journal
        from portal.masking import mask_phone

        from . import models
        from . import representations as rep

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

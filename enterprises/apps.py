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
    api_urls = "enterprises.api.urls"
    demo = "enterprises.demo"
    home_panel = "enterprises.panels.home"
    verbose_name = _("Enterprise registry")

    def ready(self):
        post_migrate.connect(_ensure_industries, sender=self, dispatch_uid="enterprises.industries")

        from portal.masking import mask_phone
        from portal.tracking import Update, Writes, track

        from . import models, services
        from . import representations as rep

        track(models.District, represent=rep.district, writes=Writes(
            create=services.district_create,
            create_fields={"code", "name", "name_en", "level", "parent"},
            update=(Update(services.district_update, {"name", "name_en"}),
                    Update(services.district_set_risk_level, {"risk_level"}, spread=True)),
        ))
        track(models.Spectrum, represent=rep.spectrum, writes=Writes(
            create=services.spectrum_create,
            update=(Update(services.spectrum_update, {"name", "district", "description"}),),
        ))
        track(models.Enterprise, represent=rep.enterprise, masks={"contact_phone": mask_phone},
              writes=Writes(
                  create=services.enterprise_create,
                  update=(
                      Update(services.enterprise_update, services.CONTACT_FIELDS),
                      Update(services.enterprise_set_registry_facts, services.REGISTRY_FACTS),
                      Update(services.enterprise_move_spectrum, {"spectrum"}, spread=True),
                  ),
                  delete=services.enterprise_delete,
              ))
        track(models.Membership, represent=rep.membership, writes=Writes(
            create=services.membership_add,
            update=(Update(services.membership_update, {"title"}),),
            delete=services.membership_remove,
        ))
        track(models.Jurisdiction, represent=rep.jurisdiction, writes=Writes(
            create=services.jurisdiction_add, delete=services.jurisdiction_remove,
        ))

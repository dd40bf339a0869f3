"""Resumption filing against the negative list (备案制)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "filings"
    api_urls = "filings.api.urls"
    demo = "filings.demo"
    home_panel = "filings.panels.home"
    verbose_name = _("Resumption filing")

    def ready(self):
        from portal.tracking import Update, Writes, track

        from . import models as m
        from . import representations as rep
        from . import services
        from .services.filing import EDITABLE_FIELDS
        from .services.negative_list import ENTRY_FIELDS, LIST_FIELDS

        track(m.NegativeList, represent=rep.negative_list, writes=Writes(
            create=services.negative_list_create, create_fields=LIST_FIELDS,
            update=(Update(services.negative_list_update, LIST_FIELDS),),
            delete=services.negative_list_delete, noun="negative_list",
        ))
        track(
            m.NegativeListEntry, represent=rep.negative_list_entry,
            queryset=lambda: m.NegativeListEntry.objects.select_related("negative_list"),
            writes=Writes(
                create=services.negative_list_entry_add,
                create_fields={"negative_list", *ENTRY_FIELDS},
                update=(Update(services.negative_list_entry_update, ENTRY_FIELDS),),
                delete=services.negative_list_entry_remove, noun="entry",
            ),
        )
        track(m.Filing, represent=rep.filing, writes=Writes(
            create=services.filing_create, create_fields={"enterprise", *EDITABLE_FIELDS},
            update=(Update(services.filing_update, EDITABLE_FIELDS),),
        ))
        # Attachments are uploaded and removed through their own service calls (a file is
        # no field form); confirmations are written by `filing_confirm` alone.
        track(m.Attachment, represent=rep.attachment,
              writes=Writes(delete=services.attachment_remove))
        track(m.Confirmation, represent=rep.confirmation)

        from enterprises.services import on_deciding_facts_changed

        # A new industry or district decides the enterprise's filing again (DESIGN §7).
        on_deciding_facts_changed(services.filing_redecide)

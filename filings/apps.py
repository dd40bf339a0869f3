"""Resumption filing against the negative list (备案制)."""

from django.apps import AppConfig
from django.db import models
from django.utils.translation import gettext_lazy as _


def _published_only():
    """Sync-feed rule: negative-list versions and entries once published, for everyone."""
    from portal.api.changes import Rule

    return Rule(lambda object_type, _user, _enterprises: models.Q(
        object_type=object_type, data__published=True
    ))


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = _("Resumption filing")

    def ready(self):
        from portal import journal
        from portal.api import changes

        from . import models as m
        from . import representations as rep

        journal.register(m.NegativeList, represent=rep.negative_list, scope=lambda n: (None, ""))
        journal.register(
            m.NegativeListEntry,
            represent=rep.negative_list_entry,
            scope=lambda e: (None, e.district_id or ""),
            queryset=lambda: m.NegativeListEntry.objects.select_related("negative_list"),
        )
        journal.register(
            m.Filing,
            represent=rep.filing,
            scope=lambda f: (f.enterprise_id, f.enterprise.district_id),
        )
        journal.register(
            m.Attachment,
            represent=rep.attachment,
            scope=lambda a: (a.filing.enterprise_id, ""),
        )
        journal.register(
            m.Confirmation,
            represent=rep.confirmation,
            scope=lambda c: (c.filing.enterprise_id, ""),
        )
        # Entries about a version carry no enterprise: the feed shows published ones to all.
        changes.RULES.setdefault("filings.negativelist", _published_only())
        changes.RULES.setdefault("filings.negativelistentry", _published_only())

"""Attachments of a filing: checked by content, hashed, stored under MEDIA_ROOT/filings/."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.services import lock, tracked_create, tracked_delete

from ..models import Attachment, Filing
from ..validators import check_upload
from . import common

# A closed filing keeps its documents as they were.
CLOSED = (Filing.Status.REJECTED, Filing.Status.WITHDRAWN, Filing.Status.REVOKED)


@transaction.atomic
def attachment_add(*, filing: Filing, actor, upload) -> Attachment:
    """Attach a PDF, JPEG or PNG (≤ 10 MB); the type is read from its first bytes."""
    current = lock(filing)
    common.require_member(actor, current.enterprise)
    if current.status in CLOSED:
        raise ValidationError(
            {"file": _("A filing that is %(status)s takes no more attachments.")
             % {"status": Filing.Status(current.status).label}}
        )
    checked = check_upload(upload)
    return tracked_create(
        Attachment, actor=actor, action="filings.attachment.added", filing=current,
        file=upload, original_name=checked.name, content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, uploaded_by=actor,
    )


@transaction.atomic
def attachment_remove(*, attachment: Attachment, actor) -> None:
    """Remove an attachment of a draft (the stored file stays for the record)."""
    filing = lock(attachment.filing)
    common.require_member(actor, filing.enterprise)
    common.require_status(
        filing, (Filing.Status.DRAFT,),
        _("Attachments can only be removed from a draft; this filing is %(status)s."),
    )
    tracked_delete(attachment, actor=actor, action="filings.attachment.removed")

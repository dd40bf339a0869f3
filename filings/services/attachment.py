"""Attachments of a filing: checked by content and structure, hashed, stored under
MEDIA_ROOT/filings/."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.services import lock, tracked_create, tracked_delete, unit_of_work

from ..models import Attachment, Filing
from ..validators import check_upload
from . import common

# A closed filing keeps its documents as they were.
CLOSED = (Filing.Status.REJECTED, Filing.Status.WITHDRAWN, Filing.Status.REVOKED)


@unit_of_work
def attachment_add(*, filing: Filing, actor, upload) -> Attachment:
    """Attach a PDF, JPEG or PNG (≤ 10 MB), checked by content and structure
    (`check_upload`): images are stored re-encoded, PDFs with active content refused."""
    # Decoding and parsing the file takes a while: before the filing's row lock, not under it.
    checked = check_upload(upload)
    current = lock(filing)
    common.require_member(actor, current.enterprise)
    if current.status in CLOSED:
        raise ValidationError(
            {"file": _("A filing that is %(status)s takes no more attachments.")
             % {"status": Filing.Status(current.status).label}}
        )
    return tracked_create(
        Attachment, actor=actor, action="filings.attachment.added", filing=current,
        file=checked.file, original_name=checked.name, content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, uploaded_by=actor,
    )


@unit_of_work
def attachment_remove(*, attachment: Attachment, actor,
                      expected_version: int | None = None) -> None:
    """Remove an attachment of a draft (the stored file stays for the record)."""
    filing = lock(attachment.filing)
    common.require_member(actor, filing.enterprise)
    common.require_status(
        filing, (Filing.Status.DRAFT,),
        _("Attachments can only be removed from a draft; this filing is %(status)s."),
    )
    tracked_delete(attachment, actor=actor, action="filings.attachment.removed",
                   expected_version=expected_version)

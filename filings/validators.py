"""Checks on uploaded attachments: the type is read from the content, never the name."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_NAME_LENGTH = 100

# Magic bytes of the only types accepted, and the extension each is stored under.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
_UNSAFE = re.compile(r'[<>:"|?*]')


def detect_content_type(head: bytes) -> str | None:
    for magic, content_type, _suffix in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def extension_for(content_type: str) -> str:
    return next((suffix for _m, kind, suffix in SIGNATURES if kind == content_type), "")


def sanitize_filename(name: str, content_type: str = "") -> str:
    """A display name safe to store and send back: no directories, no control or format
    characters, no characters Windows refuses; CJK and other letters are kept.

    The extension is the one of the detected type, so the name never claims another.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        char for char in name if unicodedata.category(char)[0] != "C"  # Cc, Cf, Co, Cs, Cn
    )
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    stem, ext = os.path.splitext(name)
    suffix = extension_for(content_type) if content_type else ext.lower()
    if content_type and ext.lower() in {".jpeg", ".jpe"} and suffix == ".jpg":
        suffix = ext.lower()
    stem = stem.strip() or "attachment"
    return stem[: MAX_NAME_LENGTH - len(suffix)] + suffix


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str
    name: str


def check_upload(upload) -> CheckedUpload:
    """Validate an uploaded file (Django `UploadedFile`): type by magic bytes, size ≤ 10 MB.

    Raises ValidationError({"file": ...}) with a message a person can act on.
    """
    size = upload.size or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than 10 MB; upload a smaller scan or photo.")}
        )
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    head = upload.read(16)
    content_type = detect_content_type(head)
    if content_type is None:
        raise ValidationError(
            {"file": _("Only PDF, JPEG and PNG files are accepted; this file is none of them.")}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        name=sanitize_filename(upload.name, content_type),
    )

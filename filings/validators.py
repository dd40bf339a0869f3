"""Checks on uploaded attachments: the type is read from the content, never the name, and
the structure is checked, not only the first bytes.

Images are decoded with a bounded decoder and re-encoded, so what is stored is pixels the
portal wrote (no trailing HTML, no metadata, no decompression bomb). PDFs are parsed and
refused when they carry active content (scripts, actions run on opening, launches, embedded
files, XFA forms), looked for in every object, those inside object streams included. No file
may start like a web page: an HTML or script marker in its first KB refuses it (a PDF/HTML
polyglot), whatever type its first bytes claim.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import unicodedata
import warnings
import zlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_NAME_LENGTH = 100
# Far more than a legible scan or photo of a document needs (a phone's default photo is about
# 12 megapixels); more is refused before a pixel is decoded, since a PNG can declare
# 100000 × 100000 in a few bytes and decoding it would take tens of gigabytes.
MAX_IMAGE_PIXELS = 50_000_000
JPEG_QUALITY = 90
MARKER_WINDOW = 1024
# What a browser would take for a page or a script: none of it belongs in the first KB of a
# scan, a photo or a PDF.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|object|embed|svg|img|meta"
    rb"|link|style|base|form|applet)[\s/>]|javascript:|vbscript:",
    re.IGNORECASE,
)
# PDF names of active content, as keys or as action types (/S /Launch ...): scripts,
# additional actions on events, launching programs, going to other files, submitting or
# importing data, embedded files, rich media and XFA forms.
ACTIVE_PDF_NAMES = frozenset({
    "JS", "JavaScript", "AA", "Launch", "SubmitForm", "ImportData", "GoToR", "GoToE",
    "EmbeddedFile", "EmbeddedFiles", "RichMedia", "RichMediaExecute", "XFA",
})
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_STREAM = re.compile(rb"\bstream\r?\n")
_PDF_END_STREAM = re.compile(rb"\bendstream\b")
# Inflating object streams of a file that pypdf cannot open stops at this many bytes.
MAX_INFLATED_BYTES = 50 * 1024 * 1024

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
    # What to store: the re-encoded image, or the upload itself (a PDF).
    file: object = None


def _refuse(message: str):
    raise ValidationError({"file": message})


def _read(upload) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    return data


def _reencode_image(data: bytes, content_type: str) -> bytes:
    """The image decoded (at most MAX_IMAGE_PIXELS) and written again by Pillow: only its
    pixels survive, in the orientation its EXIF data gave it."""
    from PIL import Image, ImageOps

    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
    unreadable = _("The image cannot be read; upload a JPEG or PNG file saved again.")
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError(f"{width}x{height}")
                image.load()
                image = ImageOps.exif_transpose(image)
                if expected == "JPEG" and image.mode not in {"L", "RGB", "CMYK"}:
                    image = image.convert("RGB")
                out = io.BytesIO()
                options = {"quality": JPEG_QUALITY} if expected == "JPEG" else {}
                image.save(out, format=expected, **options)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(_("The image has more than %(limit)d million pixels; upload a smaller one.")
                % {"limit": MAX_IMAGE_PIXELS // 1_000_000})
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, EOFError,
            ZeroDivisionError, MemoryError):
        # Pillow's decoders raise all of these for damaged or hostile files.
        _refuse(unreadable)
    return out.getvalue()


def _active_names(raw: bytes) -> set[str]:
    names = set()
    for match in _PDF_NAME.finditer(raw):
        token = match.group(1)
        if b"#" in token:  # a name may hide its letters as #xx escapes (/J#61vaScript)
            token = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), token)
        name = token.decode("latin-1")
        if name in ACTIVE_PDF_NAMES:
            names.add(name)
    return names


def _scan_pdf_bytes(data: bytes) -> set[str]:
    """Active names in the file's objects read from its bytes, those inside object streams
    inflated: what a viewer that rebuilds a damaged file would still find, though pypdf
    cannot open it. Other streams' data (pages, images, fonts) is skipped: it is no object,
    and compressed data holds "/JS" by chance often enough to refuse good files."""
    found: set[str] = set()
    budget = MAX_INFLATED_BYTES
    position = 0
    while True:
        start = _PDF_STREAM.search(data, position)
        objects = data[position:start.start() if start else len(data)]
        found |= _active_names(objects)
        if start is None:
            return found
        end = _PDF_END_STREAM.search(data, start.end())
        stream = data[start.end():end.start() if end else len(data)]
        dictionary = objects[objects.rfind(b"obj"):] if b"obj" in objects else objects[-1024:]
        if b"/ObjStm" in dictionary:
            try:
                inflated = zlib.decompressobj().decompress(stream, budget)
            except zlib.error:
                inflated = b""
            budget -= len(inflated)
            if budget <= 0:
                _refuse(_("The PDF is too complex to check; print it to a new PDF and "
                          "upload that."))
            found |= _active_names(inflated)
        if end is None:
            return found
        position = end.end()


def _walk_pdf(reader) -> set[str]:
    """Active names in every object pypdf reads: those the cross-reference table lists,
    the ones inside object streams included, and the trailer. An /OpenAction that is an
    action (not merely a page to open at) other than going to a page counts as active."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    found: set[str] = set()
    roots = [reader.trailer]
    for generation, numbers in reader.xref.items():
        roots.extend(IndirectObject(number, generation, reader) for number in numbers)
    roots.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen: set[int] = set()
    pending = list(roots)
    while pending:
        value = pending.pop()
        if isinstance(value, IndirectObject):
            if value.idnum in seen:
                continue
            seen.add(value.idnum)
            value = value.get_object()
        if isinstance(value, NameObject):
            if value[1:] in ACTIVE_PDF_NAMES:
                found.add(value[1:])
        elif isinstance(value, DictionaryObject):
            for key, item in value.items():
                if key[1:] in ACTIVE_PDF_NAMES:
                    found.add(key[1:])
                if key == "/OpenAction":
                    action = item.get_object() if isinstance(item, IndirectObject) else item
                    if isinstance(action, DictionaryObject) and action.get("/S") != "/GoTo":
                        found.add("OpenAction")
                pending.append(item)
        elif isinstance(value, ArrayObject):
            pending.extend(value)
    return found


def _check_pdf(data: bytes) -> None:
    """Refuse a PDF with active content, or one that is encrypted (its objects cannot be
    read to be checked)."""
    from pypdf import PdfReader

    found = _scan_pdf_bytes(data)
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a damaged file is common and no concern of the log
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted and not _decrypts(reader)
        if not encrypted:
            found |= _walk_pdf(reader)
    except Exception:  # noqa: BLE001 - pypdf raises many kinds; the byte scan has run
        encrypted = False
    finally:
        pypdf_log.setLevel(level)
    if encrypted:
        _refuse(_("Encrypted PDFs are not accepted; upload the document without a password."))
    if found:
        _refuse(
            _("The PDF contains active content (%(names)s), which is not accepted; print it "
              "to a new PDF and upload that.") % {"names": ", ".join(sorted(found))}
        )


def _decrypts(reader) -> bool:
    try:
        return bool(reader.decrypt(""))
    except Exception:  # noqa: BLE001 - unsupported algorithms raise their own kinds
        return False


def check_upload(upload) -> CheckedUpload:
    """Validate an uploaded file (Django `UploadedFile`): type by magic bytes, size ≤ 10 MB,
    no markup in its first KB, an image that decodes within bounds (stored re-encoded), a
    PDF without active content.

    Raises ValidationError({"file": ...}) with a message a person can act on.
    """
    size = upload.size or 0
    if size > MAX_ATTACHMENT_BYTES:
        _refuse(_("The file is larger than 10 MB; upload a smaller scan or photo."))
    if size == 0:
        _refuse(_("The file is empty."))
    data = _read(upload)
    content_type = detect_content_type(data[:16])
    if content_type is None:
        _refuse(_("Only PDF, JPEG and PNG files are accepted; this file is none of them."))
    if _MARKUP.search(data[:MARKER_WINDOW]):
        _refuse(_("The file contains web page or script code, which is not accepted."))
    stored = upload
    if content_type == "application/pdf":
        _check_pdf(data)
    else:
        data = _reencode_image(data, content_type)
        stored = ContentFile(data, name=upload.name or "attachment")
    return CheckedUpload(
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        name=sanitize_filename(upload.name, content_type),
        file=stored,
    )

"""Hostile attachments: checked by structure, not only by their first bytes (issue 9 §5).

Regression: a PDF/HTML polyglot, a PDF running JavaScript on opening and a PNG declaring
100000 × 100000 pixels were all accepted, because only the magic bytes were read; and a
request carrying two files for the field kept the last.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from filings import services
from filings.validators import MAX_IMAGE_PIXELS, check_upload
from tests.factories import PASSWORD

from . import factories

pytestmark = pytest.mark.django_db

PAGES = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
]


def pdf(objects: list[bytes], *, packed: frozenset[int] = frozenset(), header=b"") -> bytes:
    """A PDF of `objects` (numbered from 1; the first is the catalogue) with a correct
    cross-reference table; the objects numbered in `packed` go into a compressed object
    stream, indexed by a cross-reference stream, as PDF 1.5 writers do."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + header)
    offsets: dict[int, int] = {}
    for number, body in enumerate(objects, start=1):
        if number in packed:
            continue
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    size = len(objects) + 1
    if not packed:
        start = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size))
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start)
        return bytes(out)
    stream_number, xref_number = size, size + 1
    members = sorted(packed)
    bodies = [objects[n - 1] + b"\n" for n in members]
    index, position = [], 0
    for number, body in zip(members, bodies, strict=True):
        index.append(b"%d %d" % (number, position))
        position += len(body)
    table = b" ".join(index) + b"\n"
    data = zlib.compress(table + b"".join(bodies))
    offsets[stream_number] = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n"
            b"stream\n%s\nendstream\nendobj\n"
            % (stream_number, len(members), len(table), len(data), data))
    offsets[xref_number] = len(out)
    rows = [b"\x00" + struct.pack(">IH", 0, 65535)]
    for number in range(1, xref_number + 1):
        if number in packed:
            rows.append(b"\x02" + struct.pack(">IH", stream_number, members.index(number)))
        else:
            rows.append(b"\x01" + struct.pack(">IH", offsets[number], 0))
    xref = zlib.compress(b"".join(rows))
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
            b"/Length %d >>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
            % (xref_number, xref_number + 1, len(xref), xref, offsets[xref_number]))
    return bytes(out)


def with_catalog(extra: bytes, *more: bytes) -> list[bytes]:
    return [b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>", *PAGES[1:], *more]


def png(width: int, height: int, *, chunks: bytes = b"", idat: bytes | None = None) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = idat if idat is not None else zlib.compress(b"\x00" + b"\x00\x00\x00" * width)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunks + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def image(kind: str, size=(40, 30), *, noise=False, **save) -> bytes:
    picture = (Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3))
               if noise else Image.new("RGB", size, (200, 30, 30)))
    out = io.BytesIO()
    picture.save(out, format=kind, **save)
    return out.getvalue()


def upload(content: bytes, name: str = "防疫方案.bin") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refused(content: bytes) -> str:
    """The refusal's message, in English (the portal's own language is zh-hans)."""
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        check_upload(upload(content))
    return " ".join(raised.value.message_dict["file"])


JS_ACTION = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
HOSTILE_PDFS = {
    "html polyglot": pdf(PAGES, header=b"<html><body><script>alert(1)</script></body></html>\n"),
    "svg polyglot": pdf(PAGES, header=b"<svg onload=alert(1)>\n"),
    "javascript open action": pdf(with_catalog(b"/OpenAction 4 0 R", JS_ACTION)),
    "inline javascript open action": pdf(with_catalog(b"/OpenAction " + JS_ACTION)),
    "document javascript": pdf(with_catalog(b"/Names << /JavaScript 4 0 R >>",
                                            b"<< /Names [(a) 5 0 R] >>", JS_ACTION)),
    "launch": pdf(with_catalog(b"/OpenAction << /S /Launch /F (calc.exe) >>")),
    "page additional action": pdf(
        [*PAGES[:2], b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /AA << /O 4 0 R >> >>",
         JS_ACTION]),
    "embedded file": pdf(with_catalog(
        b"/Names << /EmbeddedFiles << /Names [(x.exe) 4 0 R] >> >>",
        b"<< /Type /Filespec /F (x.exe) /EF << /F 5 0 R >> >>",
        b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream")),
    "rich media": pdf(
        [*PAGES[:2], b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /Annots [4 0 R] >>",
         b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>"]),
    "xfa form": pdf(with_catalog(b"/AcroForm << /Fields [] /XFA 4 0 R >>",
                                 b"<< /Length 0 >>\nstream\n\nendstream")),
    "submit form": pdf(with_catalog(b"/OpenAction << /S /SubmitForm /F (http://x.test) >>")),
    "remote go-to": pdf(with_catalog(b"/OpenAction << /S /GoToR /F (\\\\\\\\host\\\\s) >>")),
    "name written with escapes": pdf(
        with_catalog(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>")),
    "javascript inside an object stream": pdf(
        with_catalog(b"/OpenAction 4 0 R", JS_ACTION), packed=frozenset({4})),
    "catalogue inside an object stream": pdf(
        with_catalog(b"/Names << /JavaScript << /Names [(a) 4 0 R] >> >>", JS_ACTION),
        packed=frozenset({1, 4})),
    # No cross-reference table pypdf could read; a viewer rebuilding the file finds the
    # script in the object stream all the same.
    "damaged file with a packed script": (
        b"%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >>\nstream\n"
        + zlib.compress(b"4 0 " + JS_ACTION) + b"\nendstream\nendobj\n%%EOF\n"),
    "orphan object outside the table": pdf(PAGES, header=b"9 0 obj\n" + JS_ACTION + b"\nendobj\n"),
}


@pytest.mark.parametrize("name", list(HOSTILE_PDFS))
def test_pdf_with_active_content_or_markup_is_refused(name):
    message = refused(HOSTILE_PDFS[name])
    assert "active content" in message or "web page" in message


def test_refusal_names_what_was_found():
    assert "JavaScript" in refused(HOSTILE_PDFS["javascript inside an object stream"])
    assert "Launch" in refused(HOSTILE_PDFS["launch"])


def test_encrypted_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(PAGES))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    assert "Encrypted" in refused(out.getvalue())


GOOD_PDFS = {
    "plain": pdf(PAGES),
    "opens at a page": pdf(with_catalog(b"/OpenAction [3 0 R /Fit]")),
    "opens with a go-to action": pdf(with_catalog(b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >>")),
    "link to a web page": pdf(
        [*PAGES[:2], b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /Annots [4 0 R] >>",
         b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
         b"/A << /S /URI /URI (https://x.cn) >> >>"]),
    "objects in an object stream": pdf(PAGES, packed=frozenset({2, 3})),
    # Compressed page content holding "/JS " by chance is data, not an object.
    "page content with the bytes of a name": pdf(
        [*PAGES[:2], b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /Contents 4 0 R >>",
         b"<< /Length 12 >>\nstream\nq /JS Do Q /AA\nendstream"]),
}


@pytest.mark.parametrize("name", list(GOOD_PDFS))
def test_pdf_without_active_content_is_accepted_as_it_is(name):
    content = GOOD_PDFS[name]
    checked = check_upload(upload(content))
    assert checked.content_type == "application/pdf"
    assert checked.size == len(content)


def test_png_declaring_a_huge_image_is_refused_before_decoding():
    message = refused(png(100_000, 100_000))
    assert str(MAX_IMAGE_PIXELS // 1_000_000) in message


def test_jpeg_declaring_a_huge_image_is_refused():
    content = bytearray(image("JPEG", (16, 16)))
    sof = content.index(b"\xff\xc0")
    content[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)
    assert "million pixels" in refused(bytes(content))


@pytest.mark.parametrize("content", [
    png(4, 4, idat=b"not zlib at all"),
    image("PNG")[:60],
    image("JPEG")[:200],
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
], ids=["bad-idat", "truncated-png", "truncated-jpeg", "jpeg-without-frame", "png-no-chunks"])
def test_images_that_do_not_decode_are_refused(content):
    assert "cannot be read" in refused(content)


def test_png_with_markup_in_its_first_kilobyte_is_refused():
    text = b"Comment\x00<script>alert(1)</script>"
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text + struct.pack(
        ">I", zlib.crc32(b"tEXt" + text) & 0xFFFFFFFF)
    assert "web page" in refused(png(4, 4, chunks=chunk))


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_images_are_stored_re_encoded_without_what_followed_them(kind):
    """A page appended after the image's end, and its EXIF metadata, are not kept."""
    exif = Image.Exif()
    exif[0x010E] = "秘密的描述"  # ImageDescription
    original = image(kind, (64, 48), noise=True, exif=exif.tobytes())
    assert len(original) > 1024  # the page lies past the first KB, where markup is refused
    original += b"<html><script>alert(1)</script></html>"
    checked = check_upload(upload(original))
    stored = checked.file.read()
    assert stored != original and b"<script" not in stored and "秘密".encode() not in stored
    assert checked.size == len(stored)
    with Image.open(io.BytesIO(stored)) as decoded:
        assert decoded.format == kind and decoded.size == (64, 48)


def test_stored_attachment_is_the_re_encoded_image(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    import hashlib

    enterprise, member = factories.member_enterprise()
    draft = factories.draft(enterprise, member)
    original = image("PNG") + b"trailing junk"
    attachment = services.attachment_add(filing=draft, actor=member, upload=upload(original))
    stored = attachment.file.read()
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest() != hashlib.sha256(
        original).hexdigest()
    assert attachment.size == len(stored)


# --- two files for one field ---------------------------------------------------------------


def test_api_refuses_two_files_for_one_field(settings, tmp_path, client_for):
    settings.MEDIA_ROOT = tmp_path
    enterprise, member = factories.member_enterprise()
    draft = factories.draft(enterprise, member)
    response = client_for(member).post(
        f"/api/v1/filings/{draft.pk}/attachments/",
        {"file": [upload(pdf(PAGES), "a.pdf"), upload(image("PNG"), "b.png")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert not draft.attachments.exists()


def test_page_refuses_two_files_for_one_field(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    enterprise, member = factories.member_enterprise()
    draft = factories.draft(enterprise, member)
    client.login(username=member.username, password=PASSWORD)
    response = client.post(
        f"/filings/{draft.pk}/attachments/",
        {"file": [upload(pdf(PAGES), "a.pdf"), upload(image("PNG"), "b.png")]},
        follow=True,
    )
    assert not draft.attachments.exists()
    assert "one file at a time" in response.content.decode() or "一次" in response.content.decode()


def test_api_refuses_a_hostile_file_with_a_field_error(settings, tmp_path, client_for):
    settings.MEDIA_ROOT = tmp_path
    enterprise, member = factories.member_enterprise()
    draft = factories.draft(enterprise, member)
    response = client_for(member).post(
        f"/api/v1/filings/{draft.pk}/attachments/",
        {"file": upload(HOSTILE_PDFS["javascript open action"], "方案.pdf")}, format="multipart",
    )
    assert response.status_code == 400 and list(response.json()) == ["file"]
    response = client_for(member).post(
        f"/api/v1/filings/{draft.pk}/attachments/",
        {"file": upload(png(100_000, 100_000), "x.png")}, format="multipart",
    )
    assert response.status_code == 400 and list(response.json()) == ["file"]
    assert not draft.attachments.exists()

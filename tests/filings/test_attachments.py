"""Attachments: PDF, JPEG and PNG by content, at most 10 MB, hashed, names sanitised."""

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from filings import services
from filings.validators import sanitize_filename
from portal.models import JournalEntry
from portal.roles import Role
from tests.factories import user_with

from . import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _image(kind: str) -> bytes:
    # Images are decoded and stored re-encoded (filings.validators): they must be real ones.
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 120, 200)).save(out, format=kind)
    return out.getvalue()


PNG = _image("PNG")
JPEG = _image("JPEG")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def filing():
    enterprise, member = factories.member_enterprise()
    return factories.draft(enterprise, member), member


@pytest.mark.parametrize("content,kind", [
    (PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"),
])
def test_real_files_are_accepted_and_hashed(filing, content, kind):
    draft, member = filing
    attachment = services.attachment_add(
        filing=draft, actor=member, upload=SimpleUploadedFile("防疫方案.bin", content)
    )
    assert attachment.content_type == kind
    stored = attachment.file.read()
    if kind == "application/pdf":
        assert stored == content
    else:  # re-encoded: the hash and the size are those of what is stored
        assert Image.open(io.BytesIO(stored)).size == (8, 6)
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.size == len(stored)
    assert attachment.original_name.startswith("防疫方案")
    assert JournalEntry.objects.filter(action="filings.attachment.added").count() == 1


@pytest.mark.parametrize("content", [b"MZ\x90\x00\x03\x00\x00\x00", "承诺书".encode()])
def test_other_content_named_pdf_is_refused(filing, content):
    draft, member = filing
    with pytest.raises(ValidationError) as raised:
        services.attachment_add(filing=draft, actor=member,
                                upload=SimpleUploadedFile("x.pdf", content))
    assert "file" in raised.value.message_dict
    assert not draft.attachments.exists()


def test_more_than_ten_megabytes_is_refused(filing):
    draft, member = filing
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError):
        services.attachment_add(filing=draft, actor=member, upload=big)


def test_names_are_sanitised():
    assert sanitize_filename("../../etc/防疫\x00方案.PDF", "application/pdf") == "防疫方案.pdf"
    assert sanitize_filename("C:\\Users\\a\\scan.exe", "image/png") == "scan.png"
    assert sanitize_filename("\u202etxt.exe", "application/pdf") == "txt.pdf"
    assert sanitize_filename("...", "image/jpeg") == "attachment.jpg"
    assert len(sanitize_filename("长" * 300, "application/pdf")) == 100


def test_download_only_for_those_who_see_the_filing(filing, client_for):
    draft, member = filing
    attachment = services.attachment_add(filing=draft, actor=member,
                                         upload=SimpleUploadedFile("a.pdf", PDF))
    url = f"/api/v1/filings/{draft.pk}/attachments/{attachment.pk}/"
    own = client_for(member).get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content) == PDF
    assert own["Content-Type"] == "application/pdf"
    assert client_for(user_with(Role.ENTERPRISE)).get(url).status_code == 404
    listed = client_for(member).get(f"/api/v1/filings/{draft.pk}/attachments/").json()
    assert [row["sha256"] for row in listed] == [attachment.sha256]


def test_upload_over_the_api_is_multipart(filing, client_for):
    draft, member = filing
    client = client_for(member)
    url = f"/api/v1/filings/{draft.pk}/attachments/"
    ok = client.post(url, {"file": SimpleUploadedFile("盖章.png", PNG)}, format="multipart")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["content_type"] == "image/png"
    bad = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"plain text")},
                      format="multipart")
    assert bad.status_code == 400 and "file" in bad.json()

"""Uploaded materials: checked by content, hashed, stored under non-guessable names, versioned."""

import hashlib

from django.conf import settings

from hall.errors import InvalidUpload, UploadTooLarge

# Magic bytes of the formats a hall accepts (DESIGN.md, Uploads). OFD (GB/T 33190) is a ZIP container.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"PK\x03\x04", "application/ofd"),
)


def sniff(head: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def check_upload(upload) -> tuple[str, str]:
    """(content type, SHA-256) of an acceptable upload; 413 when too large, 415 when not PDF/JPEG/PNG/OFD."""
    limit = settings.UPLOAD_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise UploadTooLarge(f"文件超过 {settings.UPLOAD_MAX_MB} MB 的上限。")
    if upload.size == 0:
        raise InvalidUpload("文件为空。")
    upload.seek(0)
    content_type = sniff(upload.read(16))
    if content_type is None:
        raise InvalidUpload("只接受 PDF、JPEG、PNG 或 OFD 文件（按文件内容识别）。")
    if content_type == "application/ofd" and not _is_ofd(upload):
        raise InvalidUpload("ZIP 文件不是 OFD 版式文档。")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def _is_ofd(upload) -> bool:
    import zipfile

    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return "OFD.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False

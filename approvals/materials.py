"""Uploaded materials: checked by content, hashed, stored under non-guessable names, versioned.

Two tricks a file can play on the clerk who opens it are refused here (issue 12, point 5):

- a name with bidirectional controls: ``合同\u202efdp.exe`` displays as ``合同exe.pdf``; control and
  format characters are removed from names before they are stored (``clean_name``);
- a PDF that runs code when opened: JavaScript (``/JavaScript``, ``/JS``), launch actions (``/Launch``),
  automatic actions (``/AA``), forms that submit or import data, rich media. Such a PDF answers 415
  (``active_pdf_content``). Names are compared after decoding ``#xx`` escapes (``/J#61vaScript``), and
  pypdf reads every object's dictionary, also in compressed object streams (``/ObjStm``) where no
  byte scan can see the names.
"""

import hashlib
import logging
import re
import unicodedata

from django.conf import settings

from hall.errors import InvalidUpload, UploadTooLarge

# Magic bytes of the formats a hall accepts (DESIGN.md, Uploads). OFD (GB/T 33190) is a ZIP container.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"PK\x03\x04", "application/ofd"),
)


logger = logging.getLogger(__name__)

# Keys and action types that make a PDF do something when it is opened, a page is shown or a field is
# touched (ISO 32000-1, 12.6 Actions). /OpenAction alone is common (open at page 1, fit width); it is
# refused only when its action is one of these, which the scan sees as the action's own /S or /JS.
ACTIVE_PDF_NAMES = frozenset({
    "JavaScript", "JS", "Launch", "AA", "SubmitForm", "ImportData", "RichMedia", "XFA",
})  # fmt: skip
PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
STREAM_START = re.compile(rb"\bstream\r?\n")
MAX_PDF_OBJECTS = 200_000

# Unicode bidi controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM, ALM) — all category Cf — and
# every other control (Cc), format (Cf), line or paragraph separator (Zl, Zp) character.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def clean_name(name: str, *, default: str = "upload") -> str:
    """A file name as it may be shown: no control, format (bidi) or separator characters, at most 200."""
    name = "".join(c for c in str(name or "") if unicodedata.category(c) not in HIDDEN_CATEGORIES).strip()
    return name[-200:] or default


def _outside_streams(data: bytes):
    """The parts of a PDF between its streams: dictionaries and objects, not image or font bytes (in
    which ``/JS`` turns up by chance about once in a few thousand large scans)."""
    start = 0
    while True:
        opening = STREAM_START.search(data, start)
        if opening is None:
            yield data[start:]
            return
        yield data[start : opening.start()]
        end = data.find(b"endstream", opening.end())
        if end < 0:
            return
        start = end + len(b"endstream")


def _pdf_names(data: bytes) -> set[str]:
    """Every PDF name outside streams with its ``#xx`` escapes decoded (ISO 32000-1, 7.3.5)."""
    names = set()
    for part in _outside_streams(data):
        for match in PDF_NAME.finditer(part):
            raw = PDF_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
            names.add(raw.decode("latin-1"))
    return names


def _is_active(obj, dictionary, array) -> bool:
    """An object with an active key or action type, also in its direct (not referenced) children."""
    stack = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, dictionary):
            keys = {str(key).lstrip("/") for key in node}
            if keys & ACTIVE_PDF_NAMES or str(node.get("/S", "")).lstrip("/") in ACTIVE_PDF_NAMES:
                return True
            stack.extend(node.values())
        elif isinstance(node, array):
            stack.extend(node)
    return False


def _objects_are_active(data: bytes) -> bool:
    """pypdf's reading of every indirect object, also those in compressed object streams."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
        numbers |= {(num, 0) for num in reader.xref_objStm}
        for num, gen in sorted(numbers)[:MAX_PDF_OBJECTS]:
            if _is_active(reader.get_object(IndirectObject(num, gen, reader)), DictionaryObject, ArrayObject):
                return True
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, NotImplementedError):
        # Unreadable to pypdf: what the byte scan saw stands; a viewer would have to repair it too.
        logger.debug("PDF unreadable to pypdf; the byte scan decides")
    return False


def active_pdf_content(data: bytes) -> str | None:
    """The first active name (``JavaScript``, ``Launch`` …) a PDF carries, or None for a passive PDF."""
    names = _pdf_names(data)
    found = sorted(names & ACTIVE_PDF_NAMES)
    if found:
        return found[0]
    # pypdf too, whatever the scan saw: it reads objects in compressed streams, and it is not fooled by
    # a "stream" keyword planted to hide a dictionary from the scan.
    if _objects_are_active(data):
        return "ObjStm" if "ObjStm" in names else "action"
    return None


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
    if content_type == "application/pdf":
        upload.seek(0)
        if active_pdf_content(upload.read()):
            raise InvalidUpload(
                "PDF 文件含有脚本（JavaScript）、启动外部程序或自动执行的动作，出于安全考虑不予接收；"
                "请另存为普通 PDF（或打印为 PDF）后重新上传。",
                code="active_content",
            )
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

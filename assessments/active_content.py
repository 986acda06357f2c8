"""Active content in evidence files: what a reader should know before opening one in an office program.

ParIndex never runs evidence, but a reader's Word or Excel may: macros (a ``vbaProject.bin`` part, or
the VBA storage of an old .doc/.xls), DDE (formulas such as ``cmd|' /C calc'!A0``, ``DDEAUTO`` fields,
DDE links), links to external workbooks or remote templates, and JavaScript in PDFs. The scan reads the
file as a stream, inflating each archive member chunk by chunk under a total cap, and never builds a
document. Each finding is a code; ``ACTIVE_CONTENT_LABELS`` says it to readers.
"""

import re
import zipfile
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext_lazy as _

MACROS, DDE, EXTERNAL_LINKS, JAVASCRIPT, UNCHECKED = "macros", "dde", "external_links", "javascript", "unchecked"
ACTIVE_CONTENT_LABELS = {
    MACROS: _("contains macros"),
    DDE: _("contains DDE commands"),
    EXTERNAL_LINKS: _("links to external files"),
    JAVASCRIPT: _("contains JavaScript"),
    UNCHECKED: _("could not be checked"),
}
CHUNK = 1024 * 1024
OVERLAP = 256
_VBA_OLE = "_VBA_PROJECT".encode("utf-16-le")
_PDF_JS = re.compile(rb"/(?:JavaScript|JS|Launch|OpenAction\s*<<[^>]*?/S\s*/JavaScript)\b")
# A formula that calls another program: app|'topic'!item (DDE), in a cell's <f> element.
_DDE_FORMULA = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>[^<]*\w\|[^<]*!")
_DDE_FIELD = re.compile(rb"\bDDE(?:AUTO)?\b", re.IGNORECASE)
_EXTERNAL_REL = re.compile(rb'TargetMode\s*=\s*"External"', re.IGNORECASE)
_HYPERLINK_REL = re.compile(rb'<Relationship\b[^>]*?/hyperlink"[^>]*>', re.IGNORECASE)
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>", re.IGNORECASE)


def _scan_stream(stream: BinaryIO, patterns: dict[str, re.Pattern], budget: list[int]) -> set[str]:
    """Codes of the patterns found in the stream; ``budget`` (bytes left) shrinks as data is read."""
    found: set[str] = set()
    tail = b""
    while chunk := stream.read(CHUNK):
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise _TooLarge
        window = tail + chunk
        for code, pattern in patterns.items():
            if code not in found and pattern.search(window):
                found.add(code)
        tail = window[-OVERLAP:]
    return found


class _TooLarge(Exception):
    pass


def _external_relationships(data: bytes) -> bool:
    """A relationship to an outside target other than a plain hyperlink (templates, linked workbooks, OLE)."""
    return any(_EXTERNAL_REL.search(rel) and not _HYPERLINK_REL.match(rel) for rel in _RELATIONSHIP.findall(data))


def _scan_ooxml(fileobj: BinaryIO) -> set[str]:
    found: set[str] = set()
    budget = [settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES]
    with zipfile.ZipFile(fileobj) as archive:
        for info in archive.infolist():
            name = info.filename.lower()
            if name.endswith("vbaproject.bin") or "/activex/" in name:
                found.add(MACROS)
            if name.startswith("xl/externallinks/"):
                found.add(EXTERNAL_LINKS)
            if name.endswith(".rels"):
                with archive.open(info) as member:
                    data = member.read(settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES)
                budget[0] -= len(data)
                if _external_relationships(data):
                    found.add(EXTERNAL_LINKS)
            elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(info) as member:
                    found |= {DDE} if _scan_stream(member, {DDE: _DDE_FORMULA}, budget) else set()
            elif name.startswith("xl/externallinks/") and name.endswith(".xml"):
                with archive.open(info) as member:
                    found |= (
                        {DDE} if _scan_stream(member, {DDE: re.compile(rb"<(?:\w+:)?ddeLink\b")}, budget) else set()
                    )
            elif name.startswith("word/") and name.endswith(".xml"):
                with archive.open(info) as member:
                    found |= {DDE} if _scan_stream(member, {DDE: _DDE_FIELD}, budget) else set()
            if budget[0] < 0:
                raise _TooLarge
    return found


def scan_active_content(fileobj: BinaryIO, extension: str) -> list[str]:
    """The active-content codes of a file (sorted); ``[UNCHECKED]`` when it cannot be read within bounds."""
    fileobj.seek(0)
    try:
        if extension in ("docx", "xlsx"):
            found = _scan_ooxml(fileobj)
        elif extension in ("doc", "xls"):
            found = _scan_stream(fileobj, {MACROS: re.compile(re.escape(_VBA_OLE))}, [settings.EVIDENCE_MAX_BYTES * 2])
        elif extension == "pdf":
            found = _scan_stream(fileobj, {JAVASCRIPT: _PDF_JS}, [settings.EVIDENCE_MAX_BYTES * 2])
        else:
            found = set()
    except (_TooLarge, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
        found = {UNCHECKED}
    finally:
        fileobj.seek(0)
    return sorted(found)

"""Read back what a counselor would look for in a rendered PDF."""

from __future__ import annotations

import io
import subprocess

from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    """Open PDF bytes."""
    return PdfReader(io.BytesIO(pdf))


def text(pdf: bytes) -> str:
    """All pages' text with whitespace collapsed, so line wrapping doesn't matter."""
    pages = reader(pdf).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    return [" ".join(page.extract_text().split()) for page in reader(pdf).pages]


def font_names(pdf: bytes) -> set[str]:
    """BaseFont names of every font used on any page (subset prefix removed)."""
    names = set()
    for page in reader(pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            base = str(ref.get_object().get("/BaseFont", ""))
            names.add(base.lstrip("/").split("+", 1)[-1])
    return names


def has_embedded_files(pdf: bytes) -> bool:
    """True when the PDF carries attachments (document level or annotations)."""
    doc = reader(pdf)
    names = doc.trailer["/Root"].get_object().get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        return True
    for page in doc.pages:
        for annot in page.get("/Annots", []) or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                return True
    return bool(doc.attachments)


def link_uris(pdf: bytes) -> list[str]:
    """Every URI a link annotation points to."""
    uris = []
    for page in reader(pdf).pages:
        for annot in page.get("/Annots", []) or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action.get_object():
                uris.append(str(action.get_object()["/URI"]))
    return uris


def _squash(name: str) -> str:
    return name.replace("-", "").replace(" ", "").lower()


def families_covering(chars: str) -> set[str]:
    """Installed font families (squashed names) that have a glyph for every char, per fontconfig."""
    charset = " ".join(f"{ord(c):x}" for c in sorted(set(chars)) if not c.isspace())
    listing = subprocess.run(
        ["fc-list", f":charset={charset}", "family"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {_squash(family) for line in listing.splitlines() for family in line.split(",")}


def embedded_families(pdf: bytes) -> set[str]:
    """Embedded fonts' names squashed the same way, style suffixes dropped."""
    squashed = set()
    for name in font_names(pdf):
        base = _squash(name)
        for suffix in ("bolditalic", "boldoblique", "bold", "oblique", "italic"):
            base = base.removesuffix(suffix)
        squashed.add(base)
    return squashed

"""Showing reports in a browser safely: the preview's CSP, its navigation, download headers."""

from __future__ import annotations

import base64
import hashlib
import re

_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_BODY_START = re.compile(r"<body[^>]*>", re.IGNORECASE)
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def preview_csp(html: str, *, forms: bool = False) -> str:
    """A CSP for showing report HTML in a browser: its own inline stylesheet(s), allowed by
    hash (never 'unsafe-inline'), inline SVG and data: images, and nothing else at all: no
    script, no fetch, no frame. ``forms`` lets the page's own forms post back to Mend (the web
    preview's navigation); otherwise no form may be sent anywhere."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
        for block in _STYLE_BLOCK.findall(html)
    )
    return ("default-src 'none'; script-src 'none'; "
            f"style-src {hashes or repr('none')}; img-src 'self' data:; "
            f"frame-ancestors 'none'; form-action {repr('self') if forms else repr('none')}; base-uri 'none'")


def with_navigation(html: str, *, nav: str, style: str) -> str:
    """The report's HTML with a navigation bar first in its body and the bar's stylesheet last
    in its head; the report itself is left as it is (the PDF never gets either). ``nav`` and
    ``style`` are our own template output, never a person's text."""
    if "</head>" not in html or not _BODY_START.search(html):
        raise ValueError("not a whole report page")
    head_end = html.index("</head>")
    html = f"{html[:head_end]}<style>\n{style}</style>\n{html[head_end:]}"
    body = _BODY_START.search(html)
    assert body is not None
    return f"{html[:body.end()]}\n{nav}{html[body.end():]}"


def safe_filename(name: str) -> str:
    """A download name made of ASCII letters, digits, dots, dashes and underscores, ending .pdf."""
    stem = _UNSAFE_IN_FILENAME.sub("-", name.removesuffix(".pdf")).strip(".-") or "mend-report"
    return f"{stem[:120]}.pdf"


def download_headers(filename: str) -> dict[str, str]:
    """Headers for a report PDF: an attachment with a safe name, never kept by a cache."""
    return {"Content-Disposition": f'attachment; filename="{safe_filename(filename)}"', "Cache-Control": "no-store"}

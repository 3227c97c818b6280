"""Showing report HTML in a browser safely (the API and web previews)."""

from __future__ import annotations

import base64
import hashlib
import re

_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def preview_csp(html: str) -> str:
    """A CSP for showing report HTML in a browser: its own inline stylesheet(s), allowed by
    hash (never 'unsafe-inline'), inline SVG and data: images, and nothing else at all."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
        for block in _STYLE_BLOCK.findall(html)
    )
    return ("default-src 'none'; script-src 'none'; "
            f"style-src {hashes or repr('none')}; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'none'; base-uri 'none'")

"""Render a report context to HTML (Jinja2) and to PDF (WeasyPrint), safely.

Two locks, both needed (ARCHITECTURE.md, "A report"): every template autoescapes, and WeasyPrint
gets a URL fetcher that serves only files under ``report_templates/assets/``
(through the private ``mend-asset:`` scheme) and ``data:`` URLs. Everything
else -- ``file://``, ``http(s)://``, any other scheme -- raises, so nothing from
the disk or the network can end up in a PDF.
"""

from __future__ import annotations

import base64
import mimetypes
import urllib.parse
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.reports.core import charts, roles
from app.reports.core.context import ReportContext
from app.reports.core.formatting import FILTERS
from app.reports.core.scores import change_basis

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "report_templates"
ASSETS_DIR = (TEMPLATES_DIR / "assets").resolve()

ASSET_SCHEME = "mend-asset"
ASSET_HOST = "assets"
ASSETS_BASE_URL = f"{ASSET_SCHEME}://{ASSET_HOST}/"

# urljoin only resolves relative URLs for schemes it knows; teaching it ours
# lets "report.css" inside the HTML become mend-asset://assets/report.css, which
# still goes through our fetcher. Appending a scheme name changes nothing else.
for _registry in (urllib.parse.uses_relative, urllib.parse.uses_netloc):
    if ASSET_SCHEME not in _registry:
        _registry.append(ASSET_SCHEME)

#: Tagged PDF for screen readers; WeasyPrint 70 supports the PDF/UA-1 variant.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


class RefusedURL(ValueError):
    """A resource the report may not load (anything outside our bundled assets)."""


def _asset_path(url: str) -> Path:
    """Map ``mend-asset://assets/<path>`` to a file inside ASSETS_DIR, or refuse."""
    parts = urllib.parse.urlsplit(url)
    if parts.netloc != ASSET_HOST or parts.query:
        raise RefusedURL(f"not a bundled asset: {url}")
    relative = urllib.parse.unquote(parts.path).lstrip("/")
    path = (ASSETS_DIR / relative).resolve()
    if not path.is_relative_to(ASSETS_DIR) or not path.is_file():
        raise RefusedURL(f"not a bundled asset: {url}")
    return path


def _data_url(url: str) -> tuple[bytes, str]:
    """Decode ``data:[<type>][;base64],<payload>`` without touching urllib's openers."""
    header, sep, payload = url[len("data:") :].partition(",")
    if not sep:
        raise RefusedURL("malformed data: URL")
    is_base64 = header.endswith(";base64")
    media_type = (header.removesuffix(";base64") or "text/plain").split(";")[0]
    raw = urllib.parse.unquote_to_bytes(payload)
    return (base64.b64decode(raw) if is_base64 else raw), media_type


class AssetFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves bundled assets and ``data:`` only."""

    def __init__(self) -> None:
        # allowed_protocols=() also closes the parent's own code path, should a
        # future WeasyPrint call it instead of fetch().
        super().__init__(allowed_protocols=(), allow_redirects=False)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        """Return the resource for ``url`` or raise ``RefusedURL``."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            body, media_type = _data_url(url)
            return URLFetcherResponse(url, body, {"Content-Type": media_type})
        if scheme == ASSET_SCHEME:
            path = _asset_path(url)
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
        raise RefusedURL(f"refused to fetch {url!r}: reports load only bundled assets")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # Autoescape everything, whatever the file name: client and counselor
        # text is untrusted as far as the PDF engine is concerned.
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "svg", "xml"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.globals.update(
        trajectory_chart=charts.trajectory_chart,
        gap_chart=charts.gap_chart,
        legend_swatch=charts.legend_swatch,
        with_role=roles.with_role,
        role_words=roles.role_words,
        change_basis=change_basis,
    )
    return env


ENVIRONMENT = _environment()
FONT_CONFIG = FontConfiguration()  # shared: building one per render is slow


def render_html(context: ReportContext) -> str:
    """The report as a self-contained HTML page (the PDF and the web preview use this)."""
    return ENVIRONMENT.get_template("report.html").render(report=context, timezone=context.timezone)


def render_pdf(html: str) -> bytes:
    """Turn report HTML into a tagged PDF, loading nothing but bundled assets."""
    document = HTML(string=html, base_url=ASSETS_BASE_URL, url_fetcher=AssetFetcher())
    return document.write_pdf(font_config=FONT_CONFIG, **PDF_OPTIONS)


def render_report(context: ReportContext) -> tuple[str, bytes]:
    """Render both forms from one context: ``(html, pdf_bytes)``."""
    html = render_html(context)
    return html, render_pdf(html)

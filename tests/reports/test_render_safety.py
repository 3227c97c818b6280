"""Hostile text stays text, and the renderer loads nothing but our own assets."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from app.reports.core.context import build_report_context
from app.reports.core.inputs import AgreementInput
from app.reports.render import (
    ASSETS_BASE_URL,
    AssetFetcher,
    RefusedURL,
    render_html,
    render_pdf,
    render_report,
)
from tests.reports import pdf_helpers
from tests.reports.core.factories import report_input


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:  # any request at all is a failure of the fetcher
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.end_headers()
        self.wfile.write(b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A local HTTP server on a free port that records every request it gets."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def hostile(port: int) -> str:
    return (
        "<script>alert(1)</script>"
        '<img src="file:///etc/passwd">'
        '<link rel="attachment" href="file:///etc/passwd">'
        f'<img src="http://127.0.0.1:{port}/x">'
        '<a href="javascript:alert(1)">click</a>'
    )


def test_hostile_text_is_shown_literally_and_fetches_nothing(
    listener: tuple[int, list[str]],
) -> None:
    port, hits = listener
    payload = hostile(port)
    ctx = build_report_context(
        report_input(
            summary=payload,
            agreements=[AgreementInput("rule", payload, "active", ["kept"])],
            intake_highlights=[(payload, payload)],
        )
    )
    html, pdf = render_report(ctx)

    assert "<script" not in html and "&lt;script&gt;" in html
    assert '<img src="file' not in html and '<link rel="attachment"' not in html
    text = pdf_helpers.text(pdf)
    assert "<script>alert(1)</script>" in text
    assert 'href="javascript:alert(1)"' in text
    assert not pdf_helpers.has_embedded_files(pdf)
    assert not any(uri.startswith("javascript") for uri in pdf_helpers.link_uris(pdf))
    assert b"root:x:0:0" not in pdf
    assert hits == []


def test_fetcher_alone_blocks_raw_markup(listener: tuple[int, list[str]]) -> None:
    """Even HTML that skipped the templates can't pull in files or the network."""
    port, hits = listener
    html = (
        f"<html lang='en'><title>t</title><body><p>x</p>{hostile(port)}"
        f"<link rel='stylesheet' href='http://127.0.0.1:{port}/s.css'></body></html>"
    )
    pdf = render_pdf(html)
    assert not pdf_helpers.has_embedded_files(pdf)
    assert b"root:x:0:0" not in pdf
    assert hits == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/x",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "mend-asset://assets/../../../../etc/passwd",
        "mend-asset://assets/%2e%2e/%2e%2e/app/reports/render.py",
        "mend-asset://assets/",
        "mend-asset://elsewhere/report.css",
        "mend-asset://assets/nope.css",
        "/etc/passwd",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses(url: str) -> None:
    with pytest.raises(RefusedURL):
        AssetFetcher().fetch(url)


def test_fetcher_serves_a_bundled_asset_and_data_urls() -> None:
    fetcher = AssetFetcher()
    css = fetcher.fetch(ASSETS_BASE_URL + "report.css")
    assert css.content_type == "text/css"
    assert b"@page" in css.read()
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert (data.read(), data.content_type) == (b"hello", "text/plain")
    assert fetcher.fetch("data:,a%20b").read() == b"a b"


def test_relative_asset_urls_resolve_through_the_fetcher() -> None:
    """A relative href joins onto mend-asset://assets/ and is served from the bundle."""
    html = (
        "<html lang='en'><head><title>t</title><link rel='stylesheet' href='probe.css'>"
        "</head><body><p>x</p></body></html>"
    )
    seen: list[str] = []

    class Spy(AssetFetcher):
        def fetch(self, url: str, headers: object = None):  # type: ignore[override]
            seen.append(url)
            return super().fetch(ASSETS_BASE_URL + "report.css")

    from weasyprint import HTML

    HTML(string=html, base_url=ASSETS_BASE_URL, url_fetcher=Spy()).write_pdf()
    assert seen == [ASSETS_BASE_URL + "probe.css"]


def test_templates_autoescape_everything() -> None:
    ctx = build_report_context(report_input(subject_name='"><svg onload=alert(1)>'))
    html = render_html(ctx)
    assert "<svg onload" not in html
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html

"""Progress reports: pure context builder, inline SVG charts, Jinja2 + WeasyPrint rendering.

``build_report_context`` and the input dataclasses are cheap to import. The
renderer (``render_html``, ``render_pdf``, ``render_report``) lives in
``app.reports.render`` and is loaded on first use here, so importing
``app.reports.models`` (e.g. from Alembic) doesn't pull in WeasyPrint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.reports.context import ReportContext, build_report_context
from app.reports.inputs import (
    AgreementInput,
    AssessmentInput,
    FlagInput,
    PartnerInput,
    ReportInput,
    SessionInput,
    SubscaleInfo,
)

if TYPE_CHECKING:
    from app.reports.render import render_html, render_pdf, render_report

__all__ = [
    "AgreementInput",
    "AssessmentInput",
    "FlagInput",
    "PartnerInput",
    "ReportContext",
    "ReportInput",
    "SessionInput",
    "SubscaleInfo",
    "build_report_context",
    "render_html",
    "render_pdf",
    "render_report",
]

_RENDERERS = frozenset({"render_html", "render_pdf", "render_report"})


def __getattr__(name: str) -> Any:
    """Load the WeasyPrint renderer only when one of its functions is asked for."""
    if name in _RENDERERS:
        from app.reports import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

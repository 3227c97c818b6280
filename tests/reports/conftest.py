"""Shared fixtures for report tests: a full context and its rendering, built once."""

from __future__ import annotations

import pytest

from app.reports.core.context import ReportContext, build_report_context
from app.reports.render import render_report
from tests.reports.core.factories import year_report


@pytest.fixture(scope="module")
def year_context() -> ReportContext:
    """A year of work with every section filled."""
    return build_report_context(year_report())


@pytest.fixture(scope="module")
def year_rendered(year_context: ReportContext) -> tuple[str, bytes]:
    """(html, pdf) for the year report, rendered once per test module."""
    return render_report(year_context)

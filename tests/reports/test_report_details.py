"""Details a counselor relies on: who generated the report, safety alerts on page 1."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from app.reports.core import build_report_context
from app.reports.core.inputs import FlagInput
from app.reports.render import render_html, render_pdf
from tests.reports.core.factories import year_report
from tests.reports.pdf_helpers import page_texts


def test_footer_names_who_generated_it_and_header_the_counselor():
    data = replace(year_report(), generated_by="Ruth Mensah")
    html = render_html(build_report_context(data))
    assert "by Ruth Mensah" in html
    assert data.counselor_name in html


def test_high_safety_alert_is_on_page_one_in_words():
    data = year_report()
    alert = FlagInput(data.partners[0].label, datetime(2026, 10, 1, 9), "high",
                      "Reports feeling afraid of their partner")
    data = replace(data, flags=(alert,))
    pages = page_texts(render_pdf(render_html(build_report_context(data))))
    first = " ".join(pages[0].split())
    assert "Safety first:" in first
    assert "Reports feeling afraid of their partner" in first

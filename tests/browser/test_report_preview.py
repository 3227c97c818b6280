"""The report preview in real Chromium: its navigation, axe, the download from the preview, and
downloading a report made before from the form's list."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.axe import axe_source, problems
from tests.browser.pages import new_context, shoot, sign_in
from tests.reports.db_factories import realistic_couple

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUMMARY = "Both came to every session; the rebuilding is slow but steady."


def _pdf_text(download: Any) -> tuple[bytes, str]:
    data = Path(download.path()).read_bytes()
    return data, "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_preview_navigates_downloads_and_lists_the_copy(browser, server, db, factory, shots):  # type: ignore[no-untyped-def]
    s = realistic_couple(db, factory, weeks=4)
    couple_path = f"/couples/{s.couple.id}"
    page = new_context(browser, server).new_page()
    sign_in(page, s.counselor.email)
    page.wait_for_url("**/dashboard")
    page.goto(f"{couple_path}/report")
    page.get_by_label("Summary").fill(SUMMARY)
    page.get_by_label("Paper size").select_option("Letter")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("navigation", name="Report preview").wait_for()
    assert page.get_by_role("heading", level=1).count() == 1
    assert problems(page, axe_source()) == []
    shoot(page, shots, "report-preview-bar")

    # "Change these choices" goes back to the form with the summary and paper kept.
    page.get_by_role("button", name="Change these choices").click()
    page.get_by_role("heading", name="Progress report for", exact=False).wait_for()
    assert page.get_by_label("Summary").input_value() == SUMMARY
    assert page.get_by_label("Paper size").input_value() == "Letter"
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("navigation", name="Report preview").wait_for()

    # "Download this PDF" makes exactly this report; the page stays the preview.
    with page.expect_download() as made:
        page.get_by_role("button", name="Download this PDF").click()
    data, text = _pdf_text(made.value)
    assert data.startswith(b"%PDF") and SUMMARY in " ".join(text.split())
    assert "Download this PDF" not in text and made.value.suggested_filename.startswith("mend-report-")
    assert page.get_by_role("navigation", name="Report preview").is_visible()

    # The form lists it, and its link downloads the very same file.
    page.get_by_role("link", name="Back to the couple").click()
    page.wait_for_url(f"**{couple_path}")
    page.goto(f"{couple_path}/report")
    assert problems(page, axe_source()) == []
    with page.expect_download() as again:
        page.get_by_role("link", name=made.value.suggested_filename).click()
    assert Path(again.value.path()).read_bytes() == data

"""Reading the web preview in tests: the report without its navigation bar, the bar's forms."""

from __future__ import annotations

import re

BAR = re.compile(r'\n<nav class="preview-bar".*?</nav>\n', re.DOTALL)
BAR_STYLE = re.compile(r"<style>\n/\* The preview's navigation bar.*?</style>\n", re.DOTALL)
FORM = re.compile(r'<form method="post" action="([^"]+)">(.*?)</form>', re.DOTALL)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def without_bar(html: str) -> str:
    """The preview page as the report alone (what the API's preview and the PDF are made of)."""
    bare, bars = BAR.subn("\n", html, count=1)
    bare, styles = BAR_STYLE.subn("", bare, count=1)
    assert (bars, styles) == (1, 1), "no navigation bar"
    return bare


def bar_forms(html: str) -> dict[str, dict[str, str]]:
    """The bar's forms: action -> hidden fields (HTML entities left as they are)."""
    match = BAR.search(html)
    assert match, "no navigation bar"
    return {action: dict(HIDDEN.findall(body)) for action, body in FORM.findall(match.group(0))}

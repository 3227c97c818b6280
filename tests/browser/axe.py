"""axe-core in a real page: the accessibility rules a browser test checks on every page it visits.

axe-core comes from the npm registry (``bash .ci/setup`` installs it under ``.tools/``). It is
injected through Playwright's script evaluation, which the pages' Content-Security-Policy does
not govern, so the pages under test stay exactly as served.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.live_server import ROOT

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
#: What fails a page: the two worst impacts, and a page without its one heading.
SERIOUS = ("critical", "serious")


def axe_source() -> str:
    if not AXE.exists():
        missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
        missing(f"axe-core not found at {AXE} (bash .ci/setup installs it from the npm registry)")
    return Path(AXE).read_text()


def problems(page, source: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Each serious or critical violation (and any missing h1) on the page as shown now, in words."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = []
    for v in result["violations"]:
        if v["impact"] in SERIOUS or v["id"] == "page-has-heading-one":
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
            found.append(f"{page.url}: {v['id']} ({v['impact']}): {targets}")
    return found

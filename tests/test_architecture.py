"""The rooms keep their import rules (ARCHITECTURE.md; contracts in pyproject.toml)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    # Pure cores import no database code, scoring nothing from questionnaires, no room
    # upwards, nothing the app builder: import-linter walks every import, direct or not.
    linter = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_main_includes_every_router_by_name() -> None:
    """Every module that defines a router is imported by name in app/main.py (no string loading)."""
    main = (ROOT / "app" / "main.py").read_text()
    for path in sorted((ROOT / "app").rglob("*.py")):
        tree = ast.parse(path.read_text())
        routers = ("APIRouter", "ApiRouter")
        defines = any(isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "router" for t in node.targets)
                      and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") in routers
                      for node in tree.body)
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if defines and not module.startswith("app.web.pages_"):  # pages are gathered by app.web.routes
            assert f"from {module} import router" in main, f"{module} defines a router that main.py doesn't include"
    assert "__import__" not in main and "importlib" not in main

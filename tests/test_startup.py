"""A broken questionnaire definition stops start-up, naming the file and the problem."""

from __future__ import annotations

import shutil

import pytest

from app.config import ASSESSMENTS_DIR, get_settings
from app.instruments import catalog
from app.instruments.models import DefinitionError


def test_broken_definition_stops_create_app(tmp_path, monkeypatch):
    for path in ASSESSMENTS_DIR.iterdir():
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "session-checkin.v1.yaml"
    target.write_text(target.read_text().replace("max_missing_fraction", "max_missing_fraction: banana\n#", 1)
                      if "max_missing_fraction" in target.read_text()
                      else target.read_text() + "\nmax_missing_fraction: banana\n")
    monkeypatch.setattr(get_settings(), "assessments_dir", tmp_path)
    catalog.default_catalog.cache_clear()
    try:
        with pytest.raises(DefinitionError, match=r"session-checkin\.v1\.yaml"):
            from app.main import create_app  # importing builds the app too

            create_app()
    finally:
        catalog.default_catalog.cache_clear()

"""Loading definition files, guarding released versions with versions.lock, and the catalog."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from app.config import get_settings
from app.instruments.checks import parse_definition
from app.instruments.models import _SHA256, LOCK_FILE, Definition, DefinitionError

# --- loading one file ---


def load_definition_file(path: Path) -> Definition:
    """Parse, validate and checksum one ``{id}.v{version}.yaml`` file."""
    data = path.read_bytes()
    name = path.name
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise DefinitionError([f"{name}: not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise DefinitionError([f"{name}: expected a mapping of fields at the top level"])
    definition = parse_definition(raw, source=name)
    expected = f"{definition.id}.v{definition.version}.yaml"
    if name != expected:
        problem = f"{name}: file name must be '{expected}' to match its id and version"
        raise DefinitionError([problem])
    definition._checksum = hashlib.sha256(data).hexdigest()
    return definition


# --- the directory, the lock and the catalog ---


class Catalog:
    """Every loaded definition, by id and version; old versions stay available."""

    def __init__(self, definitions: Iterable[Definition], unlocked: Iterable[tuple[str, int]] = ()):
        self._by_key = {(d.id, d.version): d for d in definitions}
        self._unlocked = sorted(unlocked)

    def get(self, instrument_id: str, version: int) -> Definition:
        """The exact version an administration was given with."""
        try:
            return self._by_key[(instrument_id, version)]
        except KeyError:
            known = self.versions(instrument_id)
            hint = f"known versions: {known}" if known else "no such questionnaire"
            message = f"questionnaire '{instrument_id}' version {version} not found ({hint})"
            raise KeyError(message) from None

    def latest(self, instrument_id: str) -> Definition:
        """The highest version, used for new administrations."""
        known = self.versions(instrument_id)
        if not known:
            raise KeyError(f"questionnaire '{instrument_id}' not found")
        return self._by_key[(instrument_id, known[-1])]

    def all(self) -> list[Definition]:
        """The latest version of every questionnaire, by id."""
        return [self.latest(i) for i in sorted({i for i, _ in self._by_key})]

    def scored(self) -> list[Definition]:
        """Latest versions of the questionnaires that have subscales (scores, trends, gaps).

        This, not a list of ids in code, decides what the couple page, the API and the
        report show: a new definition file with subscales appears everywhere by itself.
        """
        return [d for d in self.all() if d.is_scored]

    def of_kind(self, kind: str) -> list[Definition]:
        """Latest versions of one kind (``assessment``, ``intake``, ``check-in``)."""
        return [d for d in self.all() if d.kind == kind]

    def find(self, instrument_id: str, version: int) -> Definition | None:
        """The exact version, or None when this catalog doesn't know it."""
        return self._by_key.get((instrument_id, version))

    def versions(self, instrument_id: str) -> list[int]:
        """Versions available for an id, oldest first (empty if unknown)."""
        return sorted(v for i, v in self._by_key if i == instrument_id)

    def unlocked(self) -> list[tuple[str, int]]:
        """``(id, version)`` pairs not yet in ``versions.lock`` (new, unreleased)."""
        return list(self._unlocked)


def read_lock(directory: Path) -> tuple[dict[tuple[str, int], str], list[str]]:
    """``versions.lock`` as ``{(id, version): sha256}`` plus problems with its lines."""
    path = directory / LOCK_FILE
    locked: dict[tuple[str, int], str] = {}
    problems = []
    if not path.exists():
        return locked, problems
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        fields = text.split()
        if len(fields) != 3 or not fields[1].isdigit() or not _SHA256.fullmatch(fields[2]):
            problems.append(f"{LOCK_FILE} line {number}: expected 'id version sha256': {text!r}")
            continue
        locked[(fields[0], int(fields[1]))] = fields[2]
    return locked, problems


def _scan(directory: Path) -> tuple[list[Definition], list[str], list[tuple[str, int]]]:
    """Load every file and compare with the lock: (definitions, problems, unlocked)."""
    if not directory.is_dir():
        return [], [f"{directory}: no such directory"], []
    definitions, problems, unlocked = [], [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            definitions.append(load_definition_file(path))
        except DefinitionError as exc:
            problems += exc.problems
    locked, lock_problems = read_lock(directory)
    problems += lock_problems
    for d in definitions:
        released = locked.get((d.id, d.version))
        if released is None:
            unlocked.append((d.id, d.version))
        elif released != d.checksum:
            problems.append(
                f"{d.id}.v{d.version}.yaml: {d.id} version {d.version} changed after it was "
                f"released; give it a new version (copy it to {d.id}.v{d.version + 1}.yaml)"
            )
    for instrument_id, version in sorted(locked):
        name = f"{instrument_id}.v{version}.yaml"
        if not (directory / name).exists():
            problems.append(f"{LOCK_FILE}: {name} was released but is missing; old answers need it")
    return definitions, problems, unlocked


def load_catalog(directory: Path) -> Catalog:
    """Load and check a whole directory; ``DefinitionError`` lists every problem found."""
    definitions, problems, unlocked = _scan(directory)
    if problems:
        raise DefinitionError(problems)
    return Catalog(definitions, unlocked)


def check_directory(directory: Path) -> list[str]:
    """Human-readable problems with a directory of definitions (empty if all is well)."""
    return _scan(directory)[1]


def write_lock(directory: Path) -> list[tuple[str, int]]:
    """Release new versions: append their lines to the lock, never touching existing lines."""
    definitions, problems, unlocked = _scan(directory)
    if problems:
        raise DefinitionError(problems)
    path = directory / LOCK_FILE
    by_key = {(d.id, d.version): d for d in definitions}
    lines = [f"{i} {v} {by_key[(i, v)].checksum}\n" for i, v in unlocked]
    if lines:
        existing = (
            path.read_text(encoding="utf-8")
            if path.exists()
            else (
                "# Released questionnaire versions: id version sha256. Never edit a line;\n"
                "# change a released file by copying it to a new version.\n"
            )
        )
        if existing and not existing.endswith("\n"):
            existing += "\n"
        path.write_text(existing + "".join(lines), encoding="utf-8")
    return unlocked


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The catalog of ``MEND_ASSESSMENTS_DIR`` (the repo's ``assessments/``), loaded once per process."""
    return load_catalog(get_settings().assessments_dir)


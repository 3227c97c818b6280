"""The time zones a practice chooses from: canonical IANA names grouped by region, with labels.

``zone_groups`` is pure (names in, groups out). ``selectable_zones`` reads which names are
canonical from the system's tz database (``zone.tab``: one zone per country and region, no
aliases such as ``US/Eastern``, ``GB`` or ``Asia/Calcutta``, no ``Etc/*``); without that file it
keeps the region-prefixed names. The value saved stays the IANA name; any valid name (an alias
set through the API, say) is still accepted and shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import TZPATH, available_timezones

UTC = "UTC"
#: Region prefix -> group heading, in the order the groups are shown.
REGIONS = {
    "Africa": "Africa", "America": "Americas", "Antarctica": "Antarctica", "Arctic": "Arctic",
    "Asia": "Asia", "Atlantic": "Atlantic Ocean", "Australia": "Australia", "Europe": "Europe",
    "Indian": "Indian Ocean", "Pacific": "Pacific",
}


@dataclass(frozen=True)
class Zone:
    name: str  # the IANA name that is saved
    label: str  # "New York (America/New_York)"


@dataclass(frozen=True)
class ZoneGroup:
    region: str  # "Americas"
    zones: tuple[Zone, ...]


def zone_label(name: str) -> str:
    """"London (Europe/London)", "Buenos Aires, Argentina (America/Argentina/Buenos_Aires)"."""
    parts = [p.replace("_", " ") for p in name.split("/")[1:]] or [name]
    place = parts[-1] if len(parts) == 1 else f"{parts[-1]}, {', '.join(reversed(parts[:-1]))}"
    return f"{place} ({name})"


def zone_groups(names: Iterable[str]) -> list[ZoneGroup]:
    """Region-prefixed names grouped under their region (in ``REGIONS`` order), each group
    sorted by label; names of no known region (``UTC``, ``Etc/GMT+5``, ``US/Eastern``) are left out."""
    by_region: dict[str, list[Zone]] = {}
    for name in set(names):
        region = name.split("/", 1)[0]
        if "/" in name and region in REGIONS:
            by_region.setdefault(region, []).append(Zone(name, zone_label(name)))
    return [ZoneGroup(REGIONS[r], tuple(sorted(by_region[r], key=lambda z: (z.label.casefold(), z.name))))
            for r in REGIONS if r in by_region]


def canonical_from_zone_tab(text: str) -> set[str]:
    """The zone names in a ``zone.tab`` file's text (third column; comments skipped)."""
    names = set()
    for line in text.splitlines():
        fields = line.split("\t")
        if line and not line.startswith("#") and len(fields) >= 3:
            names.add(fields[2].strip())
    return names


def _zone_tab() -> str | None:
    for folder in TZPATH:
        path = Path(folder) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


@lru_cache(maxsize=1)
def selectable_zones() -> list[ZoneGroup]:
    """The grouped zones for the settings page: canonical ones this machine knows."""
    known = available_timezones()
    tab = _zone_tab()
    names = (canonical_from_zone_tab(tab) & known) if tab else known
    return zone_groups(names)


def is_listed(name: str) -> bool:
    return name == UTC or any(z.name == name for g in selectable_zones() for z in g.zones)

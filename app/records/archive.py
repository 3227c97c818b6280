"""The export zip: its files, and ``manifest.json`` naming each with its SHA-256 and size.

``read_archive`` opens a zip made by ``write_archive`` and refuses it, naming the reason, when it
is not a zip, has no manifest, holds a file the manifest doesn't list (or lacks one it does), or
any file's bytes differ from their checksum.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.errors import DomainError

MANIFEST = "manifest.json"
#: Refuse archives whose files would unpack beyond this (a zip bomb, or not ours).
MAX_BYTES = 4 * 1024**3


class ArchiveRefused(DomainError):
    status_code = 422


def as_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode()


def write_archive(files: dict[str, bytes], *, kind: str, format_version: int, counts: dict[str, int],
                  extra: dict[str, Any] | None = None) -> bytes:
    """A zip of ``files`` and a manifest: format, version, created, counts, each file's checksum."""
    manifest = {
        "format": f"mend-{kind}-export",
        "format_version": format_version,
        "created_at": datetime.now(UTC).isoformat(),
        "counts": counts,
        "files": {path: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for path, data in sorted(files.items())},
        **(extra or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, as_json(manifest))
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class Archive:
    manifest: dict[str, Any]
    files: dict[str, bytes]

    def json(self, path: str) -> Any:
        return json.loads(self.files[path])


def read_archive(data: bytes, *, kind: str) -> Archive:
    """The manifest and every file, each checked against the manifest."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if MANIFEST not in names:
                raise ArchiveRefused("This file has no manifest.json: it is not a Mend export")
            if sum(info.file_size for info in archive.infolist()) > MAX_BYTES:
                raise ArchiveRefused("This file unpacks to more than 4 GB: it is not a Mend export")
            manifest = json.loads(archive.read(MANIFEST))
            files = {name: archive.read(name) for name in names if name != MANIFEST}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        raise ArchiveRefused(f"This file is not a readable Mend export (a damaged zip: {exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != f"mend-{kind}-export":
        raise ArchiveRefused(f"This file is not a Mend {kind} export")
    listed = manifest.get("files") or {}
    if set(listed) != set(files):
        unexpected = sorted(set(files) - set(listed)) + sorted(set(listed) - set(files))
        raise ArchiveRefused(f"The files in the export don't match its manifest ({', '.join(unexpected)})")
    for path, entry in sorted(listed.items()):
        digest = hashlib.sha256(files[path]).hexdigest()
        if digest != entry.get("sha256") or len(files[path]) != entry.get("bytes"):
            raise ArchiveRefused(f"{path} doesn't match its checksum in the manifest: the export was "
                                 "altered or damaged, nothing was imported")
    return Archive(manifest, files)

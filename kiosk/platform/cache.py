"""The service catalogue on disk, so guides still show while the platform is down.

One JSON file holds the ETag and the catalogue. It is written atomically (temp
file, fsync, rename, fsync of the folder) so a power cut leaves the old or the new
copy, never half of one; a file that is corrupt anyway is ignored with a log line.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from kiosk.platform.contract.catalog import Catalog

log = logging.getLogger(__name__)

FILE_NAME = "catalog.json"


@dataclass(frozen=True)
class CachedCatalog:
    catalog: Catalog
    etag: str
    fetched_at: datetime


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new bytes, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class CatalogCache:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.path = Path(directory) / FILE_NAME

    def load(self) -> CachedCatalog | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("catalogue cache %s unreadable (%s); ignoring it", self.path, exc.strerror)
            return None
        try:
            doc = json.loads(raw)
            catalog = Catalog.model_validate(doc["catalog"])
            etag = doc["etag"]
            fetched = datetime.fromisoformat(doc["fetched_at"])
            if not isinstance(etag, str):
                raise TypeError("etag is not text")
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            log.warning("catalogue cache %s is corrupt (%s); ignoring it", self.path, type(exc).__name__)
            return None
        return CachedCatalog(catalog=catalog, etag=etag, fetched_at=fetched)

    def save(self, catalog: Catalog, etag: str) -> CachedCatalog:
        entry = CachedCatalog(catalog=catalog, etag=etag, fetched_at=datetime.now(UTC))
        doc = {"etag": etag, "fetched_at": entry.fetched_at.isoformat(), "catalog": catalog.model_dump(mode="json")}
        try:
            write_atomic(self.path, json.dumps(doc, ensure_ascii=False).encode())
        except OSError as exc:
            # The catalogue is still good for this run; only the offline copy is missing.
            log.error("cannot write catalogue cache %s: %s", self.path, exc.strerror)
        return entry

"""Which image this kiosk booted, from which boot entry, and whether an update was rolled back.

A/B updates (docs/updates.md) roll back silently: systemd-boot counts down the tries of
a new entry that never got blessed and then boots the previous one. The kiosk works on,
so nobody notices unless the kiosk says so. Two signs are read here:

- the ESP holds a boot entry newer than the booted one whose tries ran out (systemd-boot
  renames ``kiosk_1.3+3.efi`` to ``kiosk_1.3+0-3.efi`` when all three failed), read from
  the ESP or, since the app cannot read the ESP, from the list the image writes at boot;
- this kiosk once started a newer image version than the one running now (recorded in
  the state folder at each start, so a new image that booted but failed its health
  check before being blessed counts too).

The heartbeat reports the result, the metrics export it, the alert rules page on it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

OS_RELEASE = Path("/etc/os-release")
LOADER_ENTRY_SELECTED = Path("/sys/firmware/efi/efivars/LoaderEntrySelected-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f")
"""systemd-boot's EFI variable naming the entry it booted (4 attribute bytes, then UTF-16LE)."""
ESP_ENTRIES = (Path("/efi/EFI/Linux"), Path("/boot/EFI/Linux"))
ENTRY_LISTING = Path("/run/kiosk-boot/entries")
"""The ESP's entry names, one a line, written at boot by the image's kiosk-boot-entries.service:
the ESP itself is mounted root-only (umask 0077, it holds the boot loader's random seed)."""
VERSIONS_FILE = "image-versions.json"
ENTRY_RE = re.compile(r"^(?P<name>[A-Za-z0-9]+)_(?P<version>[^+]+?)(?:\+(?P<left>\d+)(?:-(?P<done>\d+))?)?\.efi$")


@dataclass(frozen=True)
class ImageState:
    version: str
    """IMAGE_VERSION of os-release; "" when not running from a kiosk image (a development machine)."""
    slot: str
    """The boot entry booted (its file name without the tries counter), or ""."""
    rolled_back: bool
    newest_attempted: str
    """The newest image version this kiosk has started or tried to boot."""


def version_key(version: str) -> tuple:
    """Order versions as systemd does for entries: digit runs as numbers, the rest as text."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", version) if part)


def newer(a: str, b: str) -> bool:
    return bool(a) and version_key(a) > version_key(b)


def os_release(path: Path = OS_RELEASE) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return out
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            out[key.strip()] = value.strip().strip("'\"")
    return out


def booted_entry(path: Path = LOADER_ENTRY_SELECTED) -> str:
    """The booted entry's file name with its tries counter cut off ("kiosk_1.3.efi"), or ""."""
    try:
        raw = path.read_bytes()[4:]
    except OSError:
        return ""
    name = raw.decode("utf-16-le", "replace").split("\0", 1)[0]
    match = ENTRY_RE.match(name)
    return f"{match['name']}_{match['version']}.efi" if match else name


def failed_entries(dirs: tuple[Path, ...] = ESP_ENTRIES, listing: Path = ENTRY_LISTING) -> list[str]:
    """Versions of boot entries whose tries ran out ("+0-N"): an update that never came up."""
    bad = []
    names: list[str] = []
    for folder in dirs:
        try:
            names += [p.name for p in folder.iterdir()]
        except OSError:
            continue
    try:
        names += listing.read_text(encoding="utf-8").split()
    except OSError:
        pass
    for name in names:
        match = ENTRY_RE.match(name)
        if match and match["left"] == "0":
            bad.append(match["version"])
    return bad


def image_state(state_dir: Path, *, release: Path = OS_RELEASE, entry: Path = LOADER_ENTRY_SELECTED,
                esp: tuple[Path, ...] = ESP_ENTRIES, listing: Path = ENTRY_LISTING) -> ImageState:
    """Read this boot's image, record it as started, and tell whether a newer one was given up on."""
    version = os_release(release).get("IMAGE_VERSION", "")
    record = state_dir / VERSIONS_FILE
    try:
        newest = str(json.loads(record.read_text(encoding="utf-8")).get("newest_attempted", ""))
    except (OSError, ValueError, AttributeError):
        newest = ""
    if newer(version, newest):
        newest = version
        try:
            record.write_text(json.dumps({"newest_attempted": newest}), encoding="utf-8")
        except OSError as exc:
            log.warning("cannot record the image version in %s: %s", record, exc.strerror)
    for bad in failed_entries(esp, listing):
        if newer(bad, newest):
            newest = bad
    rolled_back = bool(version) and newer(newest, version)
    if rolled_back:
        log.warning("running image %s after a newer one (%s) failed: the update was rolled back", version, newest,
                    extra={"kiosk_event": "rolled_back", "kiosk_image_version": version})
    return ImageState(version, booted_entry(entry), rolled_back, newest)

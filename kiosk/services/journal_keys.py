"""The journal's keys: ``journal.key`` seals every new row; it and any ``journal.key.*`` open them.

The journal's payloads hold personal data, so they are sealed with AES-GCM under a key
file only the kiosk user can read (0600, written once, fsynced with its folder). A key
that went missing is replaced by a new one; rows sealed with the old key are then kept,
not sent, until a technician puts the old key back next to the new one as
``journal.key.old`` — which is why opening tries every ``journal.key.*`` as well.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

KEY_FILE = "journal.key"
OLD_KEYS = "journal.key.*"
"""Further keys tried when a row does not open with ``journal.key`` (e.g. an old key restored
as ``journal.key.old``); new rows are always sealed with ``journal.key``."""
NONCE_BYTES = 12


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) != 32:
        raise ValueError(f"{path}: journal key must be 32 bytes, found {len(key)}")
    return key


def _write_key(path: Path, key: bytes) -> None:
    """Exclusive create, mode 0600, fsynced (file and folder); FileExistsError if it is there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _load_or_create_key(path: Path) -> tuple[bytes, bool]:
    """The key in ``path``, or a new one written there; the flag says it was created now."""
    try:
        return _read_key(path), False
    except FileNotFoundError:
        pass
    key = AESGCM.generate_key(bit_length=256)
    try:
        _write_key(path, key)
    except FileExistsError:  # another process created it meanwhile: use that one
        return _read_key(path), False
    return key, True


def _old_keys(directory: Path, current: bytes) -> list[bytes]:
    """Other keys put next to ``journal.key`` (``journal.key.*``); a bad one is logged and skipped."""
    keys: list[bytes] = []
    for path in sorted(directory.glob(OLD_KEYS)):
        try:
            key = _read_key(path)
        except (OSError, ValueError) as exc:
            log.error("journal: ignoring key file %s: %s", path, exc)
            continue
        if key != current and key not in keys:
            keys.append(key)
    return keys


class JournalKeys:
    """The keys of one journal folder; ``created`` says ``journal.key`` was made just now."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / KEY_FILE
        self._key, self.created = _load_or_create_key(self.path)
        self._sealer = AESGCM(self._key)
        self._openers = [self._sealer] + [AESGCM(k) for k in _old_keys(directory, self._key)]

    @property
    def restore_as(self) -> Path:
        """Where a technician puts a lost key back (next to the current one, never over it)."""
        return self.path.with_name(KEY_FILE + ".old")

    def seal(self, plain: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """(nonce, sealed) of ``plain`` under ``journal.key``; ``aad`` binds it to its row."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce, self._sealer.encrypt(nonce, plain, aad)

    def open(self, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        """The plain payload; ``InvalidTag`` when no key at hand opens it (or it is damaged)."""
        for aead in self._openers:
            try:
                return aead.decrypt(nonce, sealed, aad)
            except InvalidTag:
                continue
        raise InvalidTag()

    def keep_spare_copy(self) -> None:
        """A dated copy of a new key beside it: the rows sealed with it stay readable even if the
        old key is later copied over ``journal.key`` instead of next to it."""
        spare = self.path.with_name(f"{KEY_FILE}.{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            _write_key(spare, self._key)
        except OSError as exc:
            log.error("journal: could not keep a copy of the new key as %s: %s", spare, exc)

"""A SQLite VFS shim that records every write, truncate, sync and delete, and the disk a power cut leaves.

Why a shim in the process's own SQLite library: the kiosk's stores use the standard
``sqlite3`` module, which cannot be given a VFS object, and apsw (which can) carries its
own copy of SQLite, so a VFS registered through apsw never sees the stores' files. The
standard module here is linked against the shared ``libsqlite3.so.0``; a VFS registered
as the default in that same library (through ``ctypes``) is used by every
``sqlite3.connect`` of the process, so the stores run unchanged, with their own pragmas.

The shim passes every call through to the default ``unix`` VFS (the files really are
written) and keeps a log. ``disk_after_cut`` replays the log up to a point the way a disk
with a volatile write cache would keep it: for each file, what was written before that
file's last ``xSync`` is durable; everything written after it is lost — or, for a torn
cut, each of those writes independently kept or lost (SQLite writes whole pages, and a
WAL frame as a header write plus a page write, so a tear can keep a frame header without
its page). The ``-shm`` index is never kept: it is rebuilt from the WAL on the next open,
as after a reboot.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SQLITE_OK = 0
SQLITE_IOERR = 10

_lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")

_VFS_FIELDS = ("xOpen xDelete xAccess xFullPathname xDlOpen xDlError xDlSym xDlClose xRandomness xSleep"
               " xCurrentTime xGetLastError xCurrentTimeInt64 xSetSystemCall xGetSystemCall"
               " xNextSystemCall").split()
_IO_FIELDS = ("xClose xRead xWrite xTruncate xSync xFileSize xLock xUnlock xCheckReservedLock xFileControl"
              " xSectorSize xDeviceCharacteristics xShmMap xShmLock xShmBarrier xShmUnmap xFetch"
              " xUnfetch").split()


class _Vfs(ctypes.Structure):
    _fields_ = [("iVersion", ctypes.c_int), ("szOsFile", ctypes.c_int), ("mxPathname", ctypes.c_int),
                ("pNext", ctypes.c_void_p), ("zName", ctypes.c_char_p), ("pAppData", ctypes.c_void_p),
                *((name, ctypes.c_void_p) for name in _VFS_FIELDS)]


class _IoMethods(ctypes.Structure):
    _fields_ = [("iVersion", ctypes.c_int), *((name, ctypes.c_void_p) for name in _IO_FIELDS)]


class _File(ctypes.Structure):
    _fields_ = [("pMethods", ctypes.POINTER(_IoMethods))]


_lib.sqlite3_vfs_find.restype = ctypes.POINTER(_Vfs)
_lib.sqlite3_vfs_find.argtypes = [ctypes.c_char_p]
_lib.sqlite3_vfs_register.argtypes = [ctypes.POINTER(_Vfs), ctypes.c_int]
_lib.sqlite3_vfs_unregister.argtypes = [ctypes.POINTER(_Vfs)]

# File names stay raw pointers: SQLite keeps the one given to xOpen (and reads past its end
# for URI parameters and the WAL's name), so a copy made by ctypes would dangle.
_OPEN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                         ctypes.c_void_p)
_DELETE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_WRITE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int64)
_TRUNCATE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int64)
_SYNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int)


@dataclass
class DiskLog:
    """Everything the stores asked of the disk, in order; markers of the caller interleaved."""

    entries: list[tuple] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, entry: tuple) -> None:
        with self.lock:
            self.entries.append(entry)

    def mark(self, what: object) -> int:
        """A caller's marker (an operation begun or returned); its position in the log."""
        with self.lock:
            self.entries.append(("mark", what))
            return len(self.entries) - 1


_libc = ctypes.CDLL(None)
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]


def _forever(struct: type[ctypes.Structure]) -> Any:
    """A struct SQLite may use until the process ends, after Python has freed its own objects."""
    address = _libc.malloc(ctypes.sizeof(struct))
    if not address:
        raise MemoryError
    return struct.from_address(address)


class Recorder:
    """The shim: the process's default VFS while watching; records files under ``root`` only.

    One per process (its structures live as long as the process, since SQLite may use them
    until it ends); ``watch`` a new folder, ``stop`` when done.
    """

    def __init__(self) -> None:
        base = _lib.sqlite3_vfs_find(None)
        if not base:
            raise RuntimeError("SQLite has no default VFS")
        self._base = base.contents
        self._real_open = _OPEN(self._base.xOpen)
        self._real_delete = _DELETE(self._base.xDelete)
        self.root: Path | None = None
        self.log = DiskLog()
        self._files: dict[int, tuple[str, int]] = {}
        self._tables: dict[int, tuple[_IoMethods, _IoMethods]] = {}  # real table address -> (real, wrapped)
        # xClose stays SQLite's own (C, no Python at interpreter shutdown); a closed file's
        # entry in _files is replaced when SQLite opens another file at that address.
        self._callbacks = (_OPEN(self._open), _DELETE(self._delete),
                           _WRITE(self._write), _TRUNCATE(self._truncate), _SYNC(self._sync))
        self._vfs = _forever(_Vfs)
        ctypes.memmove(ctypes.byref(self._vfs), ctypes.byref(self._base), ctypes.sizeof(_Vfs))
        self._vfs.zName = b"powercut"
        self._vfs.pNext = None
        self._vfs.xOpen = ctypes.cast(self._callbacks[0], ctypes.c_void_p).value
        self._vfs.xDelete = ctypes.cast(self._callbacks[1], ctypes.c_void_p).value
        atexit.register(self._pass_through)

    def _pass_through(self) -> None:
        """At exit: every wrapped file goes straight to SQLite's own methods again, since
        connections still open are closed (and checkpointed) after Python's own teardown."""
        for real, wrapped in self._tables.values():
            ctypes.memmove(ctypes.byref(wrapped), ctypes.byref(real), ctypes.sizeof(_IoMethods))
        self._vfs.xOpen, self._vfs.xDelete = self._base.xOpen, self._base.xDelete

    def watch(self, root: Path) -> DiskLog:
        """Record the files under ``root`` from now on, in a new log: the shim becomes the default VFS."""
        self.root = root.resolve()
        self.log = DiskLog()
        if _lib.sqlite3_vfs_register(ctypes.byref(self._vfs), 1) != SQLITE_OK:
            raise RuntimeError("could not register the power-cut VFS")
        return self.log

    def stop(self) -> None:
        """New connections use SQLite's own VFS again (files opened meanwhile stay recorded until closed)."""
        self.root = None
        _lib.sqlite3_vfs_unregister(ctypes.byref(self._vfs))
        _lib.sqlite3_vfs_register(ctypes.pointer(self._base), 1)

    def _watched(self, name: str) -> bool:
        return self.root is not None and Path(name).is_relative_to(self.root)

    def _wrapped_table(self, real_ptr: ctypes.POINTER(_IoMethods)) -> ctypes.POINTER(_IoMethods):
        address = ctypes.cast(real_ptr, ctypes.c_void_p).value
        if address not in self._tables:
            real = real_ptr.contents
            wrapped = _forever(_IoMethods)
            ctypes.memmove(ctypes.byref(wrapped), ctypes.byref(real), ctypes.sizeof(_IoMethods))
            for name, callback in zip(("xWrite", "xTruncate", "xSync"), self._callbacks[2:], strict=True):
                setattr(wrapped, name, ctypes.cast(callback, ctypes.c_void_p).value)
            self._tables[address] = (real, wrapped)
        return ctypes.pointer(self._tables[address][1])

    def _real(self, pfile: int) -> tuple[_IoMethods, str]:
        """The unix VFS's methods for this file, and its path."""
        path, address = self._files[pfile]
        return self._tables[address][0], path

    # -- the VFS's methods (called by SQLite, from any thread) ----------------------------
    def _open(self, pvfs: int, zname: int | None, pfile: int, flags: int, pout: int) -> int:
        rc = self._real_open(ctypes.addressof(self._base), zname, pfile, flags, pout)
        try:
            name = ctypes.string_at(zname).decode() if zname else None
            file = _File.from_address(pfile)
            if rc == SQLITE_OK and name and file.pMethods and self._watched(name):
                address = ctypes.cast(file.pMethods, ctypes.c_void_p).value
                file.pMethods = self._wrapped_table(file.pMethods)
                self._files[pfile] = (name, address)
        except Exception:  # a failure here must not crash SQLite: the file then goes unrecorded
            return rc
        return rc

    def _delete(self, pvfs: int, zname: int, sync_dir: int) -> int:
        name = ctypes.string_at(zname).decode()
        if self._watched(name):
            self.log.add(("delete", name))
        return self._real_delete(ctypes.addressof(self._base), zname, sync_dir)

    # An exception in a ctypes callback would return 0 (SQLITE_OK) without the write done:
    # an unknown file is an I/O error instead, loud in the store that made the call.
    def _write(self, pfile: int, buf: int, amount: int, offset: int) -> int:
        if pfile not in self._files:
            return SQLITE_IOERR
        real, path = self._real(pfile)
        self.log.add(("write", path, offset, ctypes.string_at(buf, amount)))
        return _WRITE(real.xWrite)(pfile, buf, amount, offset)

    def _truncate(self, pfile: int, size: int) -> int:
        if pfile not in self._files:
            return SQLITE_IOERR
        real, path = self._real(pfile)
        self.log.add(("truncate", path, size))
        return _TRUNCATE(real.xTruncate)(pfile, size)

    def _sync(self, pfile: int, flags: int) -> int:
        if pfile not in self._files:
            return SQLITE_IOERR
        real, path = self._real(pfile)
        rc = _SYNC(real.xSync)(pfile, flags)
        if rc == SQLITE_OK:
            self.log.add(("sync", path))
        return rc


_recorder: Recorder | None = None


def recorder() -> Recorder:
    """The process's one shim, registered on first use."""
    global _recorder
    if _recorder is None:
        _recorder = Recorder()
    return _recorder


def _apply(image: bytearray, op: tuple) -> None:
    if op[0] == "write":
        _, _, offset, data = op
        if len(image) < offset:
            image.extend(bytes(offset - len(image)))
        image[offset:offset + len(data)] = data
    elif op[0] == "truncate":
        del image[op[2]:]


@dataclass
class Cut:
    files: dict[str, bytes]
    """Path (under the recorded root) -> what the disk holds after the cut."""
    unsynced_writes: int
    kept_unsynced: int


def disk_after_cut(log: DiskLog, at: int, *, rng: random.Random | None = None) -> Cut:
    """The files as a disk with a volatile cache holds them if the power goes at log position ``at``.

    With ``rng``, the cut is torn: each write not yet synced is kept or lost at random
    (in order), as a drive flushing part of its cache would leave it. Deleting a file is
    taken as done when asked (SQLite deletes only a WAL it has checkpointed and synced).
    """
    durable: dict[str, bytearray] = {}
    pending: dict[str, list[tuple]] = {}
    for entry in log.entries[:at]:
        kind = entry[0]
        if kind in ("write", "truncate"):
            pending.setdefault(entry[1], []).append(entry)
        elif kind == "sync":
            image = durable.setdefault(entry[1], bytearray())
            for op in pending.pop(entry[1], []):
                _apply(image, op)
        elif kind == "delete":
            durable.pop(entry[1], None)
            pending.pop(entry[1], None)
    unsynced = sum(len(ops) for ops in pending.values())
    kept = 0
    if rng is not None:
        for path, ops in pending.items():
            for op in ops:
                if rng.random() < 0.5:
                    _apply(durable.setdefault(path, bytearray()), op)
                    kept += 1
    files = {p: bytes(b) for p, b in durable.items() if not p.endswith("-shm")}
    return Cut(files, unsynced, kept)


def write_disk(cut: Cut, recorded_root: Path, target: Path) -> None:
    """Lay the cut's files out under ``target`` as they were under ``recorded_root``."""
    for path, data in cut.files.items():
        out = target / Path(path).relative_to(recorded_root)
        out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        out.write_bytes(data)

"""Laying out a kiosk's files under a root: system files, TOML edits, atomic writes, owners.

What ``kiosk.ops.provision`` writes goes through here. Every file is compared before
it is written and written atomically (a temporary file with the right mode and owner,
fsynced, renamed over the old one, the folder fsynced), so a second run with the same
inputs changes nothing: same bytes, same mtimes. ``root`` is ``/`` on a live machine,
an image tree or a test directory otherwise; only on a live root are
``systemd-sysusers``, ``systemd-tmpfiles``, ``udevadm`` and ``systemctl daemon-reload``
run (``activate``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SYSTEMD_SRC = Path(__file__).resolve().parents[2] / "systemd"
KIOSK_USER = "kiosk"
POLKITD = "/usr/lib/polkit-1/polkitd"
"""Reads /etc/polkit-1/rules.d, where the rule letting the kiosk user reboot goes."""

SYSTEM_FILES: tuple[tuple[str, str, int], ...] = (
    ("kiosk.service", "/etc/systemd/system/kiosk.service", 0o644),
    ("cage@.service", "/etc/systemd/system/cage@.service", 0o644),
    ("kiosk-selfcheck.service", "/etc/systemd/system/kiosk-selfcheck.service", 0o644),
    ("kiosk-selfcheck.timer", "/etc/systemd/system/kiosk-selfcheck.timer", 0o644),
    ("kiosk-boot-ok.service", "/etc/systemd/system/kiosk-boot-ok.service", 0o644),
    ("udev/60-kiosk.rules", "/etc/udev/rules.d/60-kiosk.rules", 0o644),
    ("udev/80-kiosk-usb-stick.rules", "/etc/udev/rules.d/80-kiosk-usb-stick.rules", 0o644),
    ("tmpfiles.d/kiosk.conf", "/etc/tmpfiles.d/kiosk.conf", 0o644),
    ("sysusers.d/kiosk.conf", "/etc/sysusers.d/kiosk.conf", 0o644),
    ("pam.d/cage", "/etc/pam.d/cage", 0o644),
    ("polkit/50-kiosk-reboot.rules", "/etc/polkit-1/rules.d/50-kiosk-reboot.rules", 0o644),
)
"""(source under systemd/, destination, mode). systemd/install.sh installs the same set."""

FileState = Literal["created", "updated", "unchanged"]


def under(root: Path, path: str) -> Path:
    """``path`` (absolute, as seen on the kiosk) inside ``root``."""
    return root / path.lstrip("/")


def toml_string(value: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]\s*(#.*)?$")


def set_toml_value(text: str, section: str, key: str, value: str) -> str:
    """Set ``key`` in ``[section]`` to the string ``value``, keeping every other line as it is.

    Handles the flat ``key = value`` lines of kiosk.toml (one value per line); a missing
    key is added at the end of its section, a missing section at the end of the file.
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    new_line = f"{key} = {toml_string(value)}\n"
    key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
    current: str | None = None
    start = end = None
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if m:
            if current == section:
                end = i
                break
            current = m.group(1)
            if current == section:
                start = i
            continue
        if current == section and key_re.match(line):
            lines[i] = new_line
            return "".join(lines)
    if start is None:
        sep = "\n" if lines and lines[-1].strip() else ""
        return "".join(lines) + f"{sep}[{section}]\n{new_line}"
    insert_at = end if end is not None else len(lines)
    # Keep a blank line (or comment block) before the next section where it was.
    while insert_at > start + 1 and not lines[insert_at - 1].strip():
        insert_at -= 1
    lines.insert(insert_at, new_line)
    return "".join(lines)


@dataclass(frozen=True)
class Account:
    uid: int
    gid: int


def lookup_account(root: Path, name: str = KIOSK_USER) -> Account | None:
    """The user ``name`` in ``root``'s /etc/passwd (the running system's user database for ``/``)."""
    if root.resolve() == Path("/"):
        import pwd

        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            return None
        return Account(pw.pw_uid, pw.pw_gid)
    try:
        text = under(root, "/etc/passwd").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) >= 4 and parts[0] == name and parts[2].isdigit() and parts[3].isdigit():
            return Account(int(parts[2]), int(parts[3]))
    return None


def write_file(path: Path, data: bytes, mode: int, owner: Account | None = None, *, dir_mode: int = 0o755) -> FileState:
    """Write ``data`` atomically unless the file already holds it with the same mode and owner."""
    uid = owner.uid if owner else 0
    gid = owner.gid if owner else 0
    want_owner = owner is not None or os.geteuid() == 0
    try:
        st = path.stat()
        same = path.read_bytes() == data
    except FileNotFoundError:
        st, same = None, False
    if st is not None and same:
        if st.st_mode & 0o7777 == mode and (not want_owner or (st.st_uid, st.st_gid) == (uid, gid)):
            return "unchanged"
        os.chmod(path, mode)
        if want_owner:
            os.chown(path, uid, gid)
        return "updated"
    path.parent.mkdir(parents=True, exist_ok=True, mode=dir_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # Mode and owner are right before the name appears: the secret is never world-readable.
        os.fchmod(fd, mode)
        if want_owner:
            os.fchown(fd, uid, gid)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return "created" if st is None else "updated"


def remove_file(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def prune_empty_dirs(path: Path, root: Path) -> None:
    """Remove ``path`` and its parents up to (not including) ``root`` while they are empty."""
    root = root.resolve()
    path = path.resolve()
    while path != root and root in path.parents:
        try:
            path.rmdir()
        except OSError:
            return
        path = path.parent


def _run(cmd: list[str], notes: list[str]) -> None:
    if shutil.which(cmd[0]) is None:
        notes.append(f"{cmd[0]} not found; skipped {' '.join(cmd)}")
        return
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        notes.append(f"{' '.join(cmd)} failed: {res.stderr.strip()[:200]}")


def install_system_files(root: Path, src: Path = SYSTEMD_SRC) -> dict[str, FileState]:
    """Install units, udev rules, tmpfiles, sysusers, PAM file and polkit rule under ``root``; state per destination."""
    states: dict[str, FileState] = {}
    for rel, dest, mode in SYSTEM_FILES:
        states[dest] = write_file(under(root, dest), (src / rel).read_bytes(), mode)
    return states


def activate(root: Path, states: dict[str, FileState], notes: list[str]) -> None:
    """On a live machine: create the user and directories, reload udev and systemd after changes.

    What could not be done is added to ``notes`` (a missing tool is not an error on a build host).
    """
    changed = {d for d, s in states.items() if s != "unchanged"}
    if "/etc/sysusers.d/kiosk.conf" in changed or lookup_account(root) is None:
        _run(["systemd-sysusers", "/etc/sysusers.d/kiosk.conf"], notes)
    _run(["systemd-tmpfiles", "--create", "/etc/tmpfiles.d/kiosk.conf"], notes)
    if any(d.startswith("/etc/udev/rules.d/") for d in changed):
        _run(["udevadm", "control", "--reload"], notes)
        _run(["udevadm", "trigger"], notes)
    if any(d.startswith("/etc/systemd/system/") for d in changed):
        _run(["systemctl", "daemon-reload"], notes)
    if not (root / POLKITD.lstrip("/")).exists():
        notes.append("polkitd is not installed: technician mode cannot reboot the kiosk "
                            "(apt-get install polkitd; docs/technician.md, §1)")

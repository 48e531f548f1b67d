"""Every unit passes ``systemd-analyze verify``; install.sh and provision lay out an image tree.

The units are verified as installed, in a scratch root (``systemd-analyze verify
--root``): the tree ``kiosk provision`` installs, plus a copy of this machine's
own unit directory (for sysinit.target, network-online.target, ...) and an
executable stub at every path an ``ExecStart=`` names (/opt/kiosk/.venv/bin/kiosk
and /usr/bin/cage exist on a kiosk, not on a build machine). Verify must print
nothing at all: unknown keys, bad values, missing binaries and broken
dependencies all show up on stderr. CI installs systemd (scripts/bootstrap.sh),
so there a missing systemd-analyze is a failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk.provision import SYSTEM_FILES, install_system_files

SYSTEMD = Path(__file__).resolve().parents[2] / "systemd"
UNIT_SUFFIXES = (".service", ".timer", ".socket", ".path", ".target", ".mount")
UNITS = sorted(p.name for p in SYSTEMD.iterdir() if p.suffix in UNIT_SUFFIXES)
HOST_UNIT_DIRS = [Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")]

if shutil.which("systemd-analyze") is None and os.environ.get("CI"):
    pytest.fail("systemd-analyze is missing in CI: scripts/bootstrap.sh installs systemd", pytrace=False)
needs_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")


def test_every_unit_is_installed() -> None:
    """A unit added to systemd/ but not to the install list would never reach a kiosk."""
    installed = {Path(dest).name for _, dest, _ in SYSTEM_FILES if dest.startswith("/etc/systemd/system/")}
    assert installed == set(UNITS)
    script = (SYSTEMD / "install.sh").read_text(encoding="utf-8")
    assert all(u in script for u in UNITS)


def exec_paths(text: str) -> set[str]:
    """Absolute binaries named by Exec*= lines (after systemd's -@:+! prefixes)."""
    out = set()
    for line in text.splitlines():
        m = re.match(r"^Exec[A-Za-z]*=\s*[-@:+!]*(/\S+)", line)
        if m:
            out.add(m.group(1))
    return out


def scratch_root(root: Path, *, stubs: bool = True, edit: dict[str, tuple[str, str]] | None = None) -> list[str]:
    """Install the units under root as a kiosk would have them; return the unit paths to verify."""
    install_system_files(root)
    for name, (old, new) in (edit or {}).items():
        p = root / "etc/systemd/system" / name
        p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    host = next(d for d in HOST_UNIT_DIRS if (d / "sysinit.target").exists())
    shutil.copytree(host, root / "usr/lib/systemd/system", symlinks=True, dirs_exist_ok=True)
    units = [root / "etc/systemd/system" / u for u in UNITS]
    if stubs:
        for path in set().union(*(exec_paths(u.read_text(encoding="utf-8")) for u in units)):
            stub = root / path.lstrip("/")
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
            stub.chmod(0o755)
    # An instance name is needed to verify a template unit.
    return [str(u).replace("@.", "@tty1.") for u in units]


def verify(root: Path, units: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}", *units],
                          capture_output=True, text=True, timeout=120, cwd=root)


@needs_analyze
def test_units_verify_clean(tmp_path: Path) -> None:
    res = verify(tmp_path, scratch_root(tmp_path))
    assert res.returncode == 0 and res.stderr == "", res.stderr


@needs_analyze
def test_verify_catches_a_typo(tmp_path: Path) -> None:
    res = verify(tmp_path, scratch_root(tmp_path, edit={"kiosk.service": ("WatchdogSec=30", "WatchdogSecs=30")}))
    assert "WatchdogSecs" in res.stderr


@needs_analyze
def test_verify_catches_a_bad_value(tmp_path: Path) -> None:
    res = verify(tmp_path, scratch_root(tmp_path, edit={"cage@.service": ("Restart=always", "Restart=alwayz")}))
    assert "alwayz" in res.stderr


@needs_analyze
def test_only_missing_binaries_without_the_stubs(tmp_path: Path) -> None:
    res = verify(tmp_path, scratch_root(tmp_path, stubs=False))
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines and all("is not executable" in ln for ln in lines), res.stderr
    assert any("/opt/kiosk/.venv/bin/kiosk" in ln for ln in lines)
    assert any("/usr/bin/cage" in ln for ln in lines)


def _keys(name: str) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in (SYSTEMD / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            keys.setdefault(k, []).append(v)
    return keys


GROUPS = {"dialout", "lp", "video", "input", "render"}
DEVICE_CLASSES = {"char-ttyUSB", "char-ttyACM", "char-ttyS", "char-usb", "char-usb_device", "char-input",
                  "char-video4linux", "char-drm", "char-alsa"}


@pytest.mark.parametrize("name", ["kiosk.service", "cage@.service"])
def test_app_unit_policy(name: str) -> None:
    k = _keys(name)
    assert k["Type"] == ["notify"] and k["WatchdogSec"] == ["30"]
    assert k["Restart"] == ["always"] and k["StartLimitAction"] == ["reboot"]
    # The start limit must outlast burst x (watchdog + restart delay) or a hang loop never reboots.
    assert int(k["StartLimitIntervalSec"][0]) >= int(k["StartLimitBurst"][0]) * (30 + 2)
    assert k["User"] == ["kiosk"] and set(k["SupplementaryGroups"][0].split()) == GROUPS
    # Hardening that still reaches the devices: no PrivateDevices=, an explicit device allow-list.
    assert "PrivateDevices" not in k and k["DevicePolicy"] == ["closed"] and k["ProtectSystem"] == ["strict"]
    allowed = {v.split()[0] for v in k["DeviceAllow"]}
    assert DEVICE_CLASSES <= allowed, DEVICE_CLASSES - allowed
    assert k["ExecStart"][0].endswith("/opt/kiosk/.venv/bin/kiosk --config /etc/kiosk/kiosk.toml run")


def test_kms_and_cage_variants() -> None:
    kms, cage = _keys("kiosk.service"), _keys("cage@.service")
    assert kms["NotifyAccess"] == ["main"] and "SDL_VIDEODRIVER=kmsdrm" in kms["Environment"]
    # cage is the main PID there, so the app's notifications need NotifyAccess=all.
    assert cage["NotifyAccess"] == ["all"] and cage["PAMName"] == ["cage"]
    assert cage["ExecStart"][0].startswith("/usr/bin/cage ")
    assert "cage@tty1.service" in kms["Conflicts"][0] and "kiosk.service" in cage["Conflicts"][0]


def test_boot_ok_gates_boot_complete() -> None:
    k = _keys("kiosk-boot-ok.service")
    assert k["Before"] == ["boot-complete.target"] and k["RequiredBy"] == ["boot-complete.target"]
    assert "kiosk.service" in k["After"][0] and "cage@tty1.service" in k["After"][0]


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_install_into_scratch_root(tmp_path: Path) -> None:
    res = subprocess.run(["sh", str(SYSTEMD / "install.sh"), "--root", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    tree = _tree(tmp_path)
    expected = {dest.lstrip("/"): ((SYSTEMD / src).read_bytes(), mode) for src, dest, mode in SYSTEM_FILES}
    expected["etc/kiosk/kiosk.toml"] = ((SYSTEMD / "kiosk.toml.example").read_bytes(), 0o640)
    assert tree == expected
    for rel in expected:
        if rel.startswith("etc/systemd/system/"):
            assert tree[rel][1] == 0o644
    # A configured kiosk keeps its own config on re-install.
    (tmp_path / "etc/kiosk/kiosk.toml").write_text("# site config\n", encoding="utf-8")
    subprocess.run(["sh", str(SYSTEMD / "install.sh"), "--root", str(tmp_path)], check=True,
                   capture_output=True, timeout=60)
    assert (tmp_path / "etc/kiosk/kiosk.toml").read_text(encoding="utf-8") == "# site config\n"


def test_install_sh_and_provision_lay_out_the_same_files(tmp_path: Path) -> None:
    subprocess.run(["sh", str(SYSTEMD / "install.sh"), "--root", str(tmp_path / "sh")], check=True,
                   capture_output=True, timeout=60)
    states = install_system_files(tmp_path / "py")
    assert set(states.values()) == {"created"}
    by_sh = {k: v for k, v in _tree(tmp_path / "sh").items() if not k.startswith("etc/kiosk/")}
    assert by_sh == _tree(tmp_path / "py")
    # Installing again rewrites nothing (provision's second run relies on it).
    mtimes = {p: p.stat().st_mtime_ns for p in (tmp_path / "py").rglob("*") if p.is_file()}
    assert set(install_system_files(tmp_path / "py").values()) == {"unchanged"}
    assert mtimes == {p: p.stat().st_mtime_ns for p in (tmp_path / "py").rglob("*") if p.is_file()}


def test_install_rejects_unknown_argument() -> None:
    res = subprocess.run(["sh", str(SYSTEMD / "install.sh"), "--rot", "/tmp/x"], capture_output=True, text=True)
    assert res.returncode == 2 and "unknown argument" in res.stderr


def test_sysusers_groups() -> None:
    lines = (SYSTEMD / "sysusers.d/kiosk.conf").read_text(encoding="utf-8").splitlines()
    groups = {ln.split()[2] for ln in lines if ln.startswith("m kiosk ")}
    assert groups == {"dialout", "lp", "video", "input", "render"}
    assert any(ln.startswith("u kiosk ") for ln in lines)


# udevadm verify arrived in systemd 254; this machine has 252 without udevadm, so check the
# rule syntax here: every key is known, uses a legal operator and a quoted value.
MATCH = {"SUBSYSTEM", "KERNEL", "ATTRS", "ATTR", "KERNELS", "SUBSYSTEMS", "ENV", "ACTION"}
ASSIGN = {"GROUP", "MODE", "SYMLINK", "OWNER", "TAG"}
TOKEN = re.compile(r'^\s*([A-Z]+)(\{[A-Za-z0-9_]+\})?\s*(==|!=|\+=|:=|=)\s*"([^"]*)"\s*$')


def test_udev_rules_syntax() -> None:
    names: set[str] = set()
    for line in (SYSTEMD / "udev/60-kiosk.rules").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        for tok in line.split(", "):
            m = TOKEN.match(tok)
            assert m, f"bad token {tok!r} in {line!r}"
            key, _, op, value = m.groups()
            if op in ("==", "!="):
                assert key in MATCH, tok
            else:
                assert key in ASSIGN, tok
            if key == "SYMLINK":
                names.add(value)
            if key == "MODE":
                assert re.fullmatch(r"0[0-7]{3}", value), tok
    assert names == {"kiosk/idreader", "kiosk/scanner", "kiosk/scanner-hid", "kiosk/printer", "kiosk/camera"}


def test_example_config_loads() -> None:
    from kiosk import config

    cfg = config.load(SYSTEMD / "kiosk.toml.example")
    assert cfg.devices.idreader.backend == "serial" and cfg.platform.url.startswith("https://")


def test_configuration_doc_lists_every_key() -> None:
    from pydantic import BaseModel

    from kiosk import config

    doc = (SYSTEMD.parent / "docs/configuration.md").read_text(encoding="utf-8")
    missing = []

    def walk(model: type[BaseModel], section: str) -> None:
        for name, field in model.model_fields.items():
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, f"{section}.{name}" if section else name)
            elif section:
                if f"[{section}]" not in doc or f"| `{name}` |" not in doc:
                    missing.append(f"{section}.{name}")

    walk(config.Config, "")
    assert not missing, missing

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
import shlex
import shutil
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk.ops.layout import SYSTEM_FILES, install_system_files

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
    assert any("/usr/bin/env" in ln for ln in lines)  # cage@'s ExecStart= (env XDG_RUNTIME_DIR=... cage)


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
    if name == "cage@.service":
        # The app also writes a ready file there, for readiness checks outside systemd's notify socket.
        assert "KIOSK_READY_FILE=%t/kiosk-ui/ready" in k["Environment"] and k["RuntimeDirectory"] == ["kiosk-ui"]
    assert k["Restart"] == ["always"] and k["StartLimitAction"] == ["reboot"]
    # The start limit must outlast burst x (watchdog + restart delay) or a hang loop never reboots.
    assert int(k["StartLimitIntervalSec"][0]) >= int(k["StartLimitBurst"][0]) * (30 + 2)
    assert k["User"] == ["kiosk"] and set(k["SupplementaryGroups"][0].split()) == GROUPS
    # Hardening that still reaches the devices: no PrivateDevices=, an explicit device allow-list.
    assert "PrivateDevices" not in k and k["DevicePolicy"] == ["closed"] and k["ProtectSystem"] == ["strict"]
    allowed = {v.split()[0] for v in k["DeviceAllow"]}
    assert DEVICE_CLASSES <= allowed, DEVICE_CLASSES - allowed
    assert k["ExecStart"][0].endswith("/opt/kiosk/.venv/bin/kiosk --config /etc/kiosk/kiosk.toml run")
    # Technician mode's log export writes to the USB stick udev mounts under /run/media/kiosk.
    writable = {p for v in k["ReadWritePaths"] for p in v.split()}
    assert {"-/media", "-/run/media"} <= writable
    # systemctl reboot talks to logind over the D-Bus socket (polkit decides, see below).
    assert "AF_UNIX" in k["RestrictAddressFamilies"][0].split()


def test_kms_and_cage_variants() -> None:
    kms, cage = _keys("kiosk.service"), _keys("cage@.service")
    assert kms["NotifyAccess"] == ["main"] and "SDL_VIDEODRIVER=kmsdrm" in kms["Environment"]
    # cage is the main PID there, so the app's notifications need NotifyAccess=all.
    assert cage["NotifyAccess"] == ["all"]
    # No PAM/logind session: logind would move cage and the app into session-cN.scope, outside the
    # unit's cgroup, where PID 1 ignores READY=1 and WATCHDOG=1. The seat comes from seatd instead,
    # whose Debian unit opens its socket to the video group.
    assert "PAMName" not in cage and "UtmpIdentifier" not in cage
    assert "LIBSEAT_BACKEND=seatd" in cage["Environment"] and "video" in cage["SupplementaryGroups"][0].split()
    after = {u for line in cage["After"] for u in line.split()}
    assert "seatd.service" in cage["Wants"][0].split() and "seatd.service" in after
    # The Wayland socket goes to the unit's own runtime directory (ProtectHome=yes hides /run/user).
    assert cage["ExecStart"][0].startswith("/usr/bin/env XDG_RUNTIME_DIR=%t/kiosk-ui /usr/bin/cage ")
    assert cage["RuntimeDirectory"] == ["kiosk-ui"] and cage["ProtectHome"] == ["yes"]
    assert "cage@tty1.service" in kms["Conflicts"][0] and "kiosk.service" in cage["Conflicts"][0]
    # Found by running the unit (devtools/guide_walk.py): Xwayland's xkbcomp helper needs setuid(getuid()),
    # and cage 0.1.4 aborts on SIGTERM, so the app is stopped first and cage ends with it.
    assert "@setuid" in cage["SystemCallFilter"] and "~@privileged @resources" in cage["SystemCallFilter"]
    assert 'pkill -TERM -P "$MAINPID" -f "kiosk --config"' in cage["ExecStop"][0]



def test_cage_waits_for_the_seatd_socket(tmp_path: Path) -> None:
    """Debian's seatd.service is Type=simple (started before its socket exists): cage@ waits for it.

    The unit's own ExecStartPre= runs with the socket path moved into tmp_path: it keeps
    waiting while there is no socket (a plain file does not count) and ends once seatd's
    socket is there.
    """
    pre = _keys("cage@.service")["ExecStartPre"]
    assert len(pre) == 1 and "/run/seatd.sock" in pre[0]
    sock = tmp_path / "seatd.sock"
    proc = subprocess.Popen(shlex.split(pre[0].replace("/run/seatd.sock", str(sock))))
    try:
        sock.write_text("not a socket", encoding="utf-8")
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=1.0)
        sock.unlink()
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(str(sock))
            assert proc.wait(timeout=5) == 0
    finally:
        proc.kill()
        proc.wait()
    # systemd's start timeout bounds the wait (a seatd that never comes fails the start).
    assert int(_keys("cage@.service")["TimeoutStartSec"][0]) <= 300

def test_boot_ok_gates_boot_complete() -> None:
    k = _keys("kiosk-boot-ok.service")
    assert k["Before"] == ["boot-complete.target"] and k["RequiredBy"] == ["boot-complete.target"]
    assert "kiosk.service" in k["After"][0] and "cage@tty1.service" in k["After"][0]
    # Blessed only after the app was ready and healthy for a configurable time and the self-check passed.
    assert k["ExecStart"][0].endswith("selfcheck --json --boot-ok ${KIOSK_HEALTHY_FOR_S}")
    assert k["Environment"] == ["KIOSK_HEALTHY_FOR_S=120"]
    assert int(k["TimeoutStartSec"][0].removesuffix("min")) * 60 > 120 + 300  # healthy time + ready timeout
    assert k["FailureAction"] == ["reboot"] and "LoaderBootCountPath" in k["ConditionPathExists"][0]


EXPOSURE_LIMITS = {"kiosk-selfcheck.service": 3.5, "kiosk-boot-ok.service": 3.5,
                   "kiosk.service": 5.0, "cage@.service": 5.0}
"""``systemd-analyze security`` ceilings: the checks need little, the UI needs its devices."""


def exposure(unit: Path) -> float:
    res = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
                         capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d)", res.stdout)
    assert match, res.stdout + res.stderr
    return float(match.group(1))


@needs_analyze
@pytest.mark.parametrize("name", sorted(EXPOSURE_LIMITS))
def test_units_are_hardened(name: str) -> None:
    assert exposure(SYSTEMD / name) <= EXPOSURE_LIMITS[name]


@needs_analyze
def test_the_exposure_check_can_fail(tmp_path: Path) -> None:
    bare = tmp_path / "bare.service"
    bare.write_text("[Service]\nExecStart=/bin/true\n", encoding="utf-8")
    assert exposure(bare) > 5.0


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
    assert tree["etc/polkit-1/rules.d/50-kiosk-reboot.rules"][1] == 0o644
    assert tree["etc/udev/rules.d/80-kiosk-usb-stick.rules"][1] == 0o644
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
ASSIGN = {"GROUP", "MODE", "SYMLINK", "OWNER", "TAG", "RUN"}
TOKEN = re.compile(r'^\s*([A-Z]+)(\{[A-Za-z0-9_]+\})?\s*(==|!=|\+=|:=|=)\s*"([^"]*)"\s*$')
UDEV_RULES = sorted(p.name for p in (SYSTEMD / "udev").glob("*.rules"))


def udev_tokens(name: str) -> list[list[tuple[str, str, str, str]]]:
    """Each rule line of systemd/udev/NAME as (key, {attribute}, operator, value) tokens."""
    rules = []
    for line in (SYSTEMD / "udev" / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        tokens = []
        for tok in line.split(", "):
            m = TOKEN.match(tok)
            assert m, f"bad token {tok!r} in {line!r}"
            tokens.append(tuple(g or "" for g in m.groups()))
        rules.append(tokens)
    return rules


@pytest.mark.parametrize("name", UDEV_RULES)
def test_udev_rules_syntax(name: str) -> None:
    names: set[str] = set()
    for rule in udev_tokens(name):
        for key, attr, op, value in rule:
            tok = f"{key}{attr}{op}{value!r}"
            if op in ("==", "!="):
                assert key in MATCH, tok
            else:
                assert key in ASSIGN, tok
            if key == "SYMLINK":
                names.add(value)
            if key == "MODE":
                assert re.fullmatch(r"0[0-7]{3}", value), tok
            if key == "RUN":
                assert attr == "{program}" and op == "+=", tok
    if name == "60-kiosk.rules":
        assert names == {"kiosk/idreader", "kiosk/scanner", "kiosk/scanner-hid", "kiosk/printer", "kiosk/camera"}


def test_usb_stick_rule_mounts_where_the_app_looks() -> None:
    """The stick for technician mode's log export: systemd-mount from udev, under /run/media/kiosk."""
    import shlex

    from kiosk.ops.fieldops import MEDIA_ROOTS

    name = "80-kiosk-usb-stick.rules"
    assert name > "60-persistent-storage.rules"  # which sets ID_FS_TYPE before this rule reads it
    [rule] = udev_tokens(name)
    match = {(key + attr, op): value for key, attr, op, value in rule if key != "RUN"}
    assert match[("ACTION", "==")] == "add" and match[("SUBSYSTEM", "==")] == "block"
    assert match[("SUBSYSTEMS", "==")] == "usb"
    assert set(match[("ENV{ID_FS_TYPE}", "==")].split("|")) == {"vfat", "exfat"}
    assert "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" in match[("ENV{ID_PART_ENTRY_TYPE}", "!=")]  # never an ESP
    [run] = [value for key, _, _, value in rule if key == "RUN"]
    argv = shlex.split(run)
    assert argv[0] == "/usr/bin/systemd-mount"
    what, where = argv[-2:]
    options = argv[1:-2]
    # --no-block: a blocking call from udev would wait for the device unit, which waits for udev.
    assert {"--no-block", "--automount=yes", "--bind-device", "--fsck=no", "--collect", "--owner=kiosk"} <= set(options)
    assert "--timeout-idle-sec=1s" in options
    mount_options = next(o for o in options if o.startswith("--options=")).removeprefix("--options=").split(",")
    assert {"umask=0077", "nosuid", "nodev", "noexec"} <= set(mount_options)
    assert what == "$devnode" and where == "/run/media/kiosk/$kernel"
    # find_export_dir looks one or two levels under its roots: /run/media/kiosk/sdb1 is two.
    assert "/run/media" in MEDIA_ROOTS
    tmpfiles = (SYSTEMD / "tmpfiles.d/kiosk.conf").read_text(encoding="utf-8").splitlines()
    assert "d /run/media/kiosk 0755 root root -" in tmpfiles
    if shutil.which("systemd-mount"):  # every option exists in this systemd (Debian 12: 252)
        helptext = subprocess.run(["systemd-mount", "--help"], capture_output=True, text=True).stdout
        for option in options:
            assert option.split("=")[0] in helptext, option


POLKIT_RULE = SYSTEMD / "polkit/50-kiosk-reboot.rules"
REBOOT_ACTIONS = ("org.freedesktop.login1.reboot", "org.freedesktop.login1.reboot-multiple-sessions",
                  "org.freedesktop.login1.reboot-ignore-inhibit")
OTHER_ACTIONS = ("org.freedesktop.login1.power-off", "org.freedesktop.login1.suspend",
                 "org.freedesktop.systemd1.manage-units")


def test_polkit_rule_names_logind_reboot_actions() -> None:
    from kiosk.ops.fieldops import REBOOT_COMMAND

    # What the reboot button runs: as a non-root user, systemctl asks logind, which asks polkit.
    assert REBOOT_COMMAND == ("systemctl", "reboot")
    text = POLKIT_RULE.read_text(encoding="utf-8")
    assert set(re.findall(r'"(org\.freedesktop\.[a-z0-9.-]+)"', text)) == set(REBOOT_ACTIONS)
    assert re.findall(r'subject\.user !== "(\w+)"', text) == ["kiosk"]
    policy = Path("/usr/share/polkit-1/actions/org.freedesktop.login1.policy")
    if policy.exists():  # the action ids are logind's own
        ids = set(re.findall(r'<action id="([^"]+)"', policy.read_text(encoding="utf-8")))
        assert set(REBOOT_ACTIONS) <= ids


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_polkit_rule_evaluates_for_the_kiosk_user_only(tmp_path: Path) -> None:
    """Run the rule in a JavaScript engine with polkit's API stubbed (polkitd uses Duktape, ES5)."""
    harness = tmp_path / "harness.js"
    harness.write_text("""
const fs = require("fs");
const rules = [];
const polkit = {Result: {NO: "no", YES: "yes", AUTH_SELF: "auth_self", AUTH_SELF_KEEP: "auth_self_keep",
                         AUTH_ADMIN: "auth_admin", AUTH_ADMIN_KEEP: "auth_admin_keep", NOT_HANDLED: null},
                addRule: function (f) { rules.push(f); }, addAdminRule: function () {}, log: function () {}};
new Function("polkit", fs.readFileSync(process.argv[2], "utf8"))(polkit);
const out = {};
for (const user of ["kiosk", "root", "visitor"]) {
  for (const id of JSON.parse(process.argv[3])) {
    const subject = {user: user, pid: 1234, groups: [user], local: false, active: false, seat: "", session: ""};
    out[user + " " + id] = rules.map(function (r) { return r({id: id}, subject); })[0];
  }
}
console.log(JSON.stringify(out));
""", encoding="utf-8")
    import json

    actions = [*REBOOT_ACTIONS, *OTHER_ACTIONS]
    res = subprocess.run(["node", str(harness), str(POLKIT_RULE), json.dumps(actions)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    for action in REBOOT_ACTIONS:
        assert out[f"kiosk {action}"] == "yes"
        assert out[f"visitor {action}"] is None and out[f"root {action}"] is None
    for action in OTHER_ACTIONS:
        assert out[f"kiosk {action}"] is None


POLKIT_TOOLS = ("unshare", "dbus-daemon", "pkcheck", "setpriv")
POLKITD = Path("/usr/lib/polkit-1/polkitd")


@pytest.mark.skipif(os.geteuid() != 0 or not POLKITD.exists() or not all(map(shutil.which, POLKIT_TOOLS)),
                    reason="needs root, polkitd, dbus-daemon, pkcheck, setpriv and unshare")
def test_polkitd_grants_reboot_to_the_kiosk_user(tmp_path: Path) -> None:
    """The real polkitd, on a private bus in a private mount namespace (the rule bind-mounted
    over /etc/polkit-1/rules.d, users added to a copy of /etc/passwd): the kiosk user, outside
    any login session like kiosk.service, may reboot and nothing else; another user may not."""
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(POLKIT_RULE, rules)
    kiosk_uid, other_uid = 64242, 64243
    for name in ("passwd", "group"):
        text = Path(f"/etc/{name}").read_text(encoding="utf-8")
        if name == "passwd":
            text += f"kiosk:x:{kiosk_uid}:{kiosk_uid}::/nonexistent:/usr/sbin/nologin\n"
            text += f"visitor:x:{other_uid}:{other_uid}::/nonexistent:/usr/sbin/nologin\n"
        else:
            text += f"kiosk:x:{kiosk_uid}:\nvisitor:x:{other_uid}:\n"
        (tmp_path / name).write_text(text, encoding="utf-8")
    # An abstract socket: polkitd drops to its own user, which cannot enter pytest's 0700 tmp_path.
    bus = f"abstract=kiosk-polkit-test-{os.getpid()}"
    (tmp_path / "bus.conf").write_text(f"""<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:{bus}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/>
<allow receive_sender="*"/></policy></busconfig>
""", encoding="utf-8")
    actions = " ".join((*REBOOT_ACTIONS, *OTHER_ACTIONS))
    script = tmp_path / "check.sh"
    script.write_text(f"""set -u
mount --bind {rules} /etc/polkit-1/rules.d
mount --bind {tmp_path}/passwd /etc/passwd
mount --bind {tmp_path}/group /etc/group
export DBUS_SYSTEM_BUS_ADDRESS=unix:{bus}
dbus-daemon --config-file={tmp_path}/bus.conf --fork --print-pid > {tmp_path}/dbus.pid
{POLKITD} --no-debug > {tmp_path}/polkitd.log 2>&1 & PK=$!
setpriv --reuid={kiosk_uid} --regid={kiosk_uid} --clear-groups sleep 60 & K=$!
setpriv --reuid={other_uid} --regid={other_uid} --clear-groups sleep 60 & V=$!
for _ in $(seq 100); do
    pkcheck --action-id org.freedesktop.login1.reboot --process $K 2>&1 | grep -q ServiceUnknown || break
    sleep 0.1
done
for who in kiosk:$K visitor:$V; do
    for action in {actions}; do
        pkcheck --action-id $action --process ${{who#*:}} >/dev/null 2>&1
        echo "${{who%:*}} $action $?"
    done
done
for pid in $K $V $PK $(cat {tmp_path}/dbus.pid); do kill $pid 2>/dev/null; done
""", encoding="utf-8")
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.strip()[:200]}")
    res = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", str(script)],
                         capture_output=True, text=True, timeout=60)
    codes = {" ".join(line.split()[:2]): int(line.split()[2]) for line in res.stdout.splitlines()}
    assert len(codes) == 2 * len(actions.split()), res.stdout + res.stderr
    for action in REBOOT_ACTIONS:
        assert codes[f"kiosk {action}"] == 0, codes  # 0: authorized
        assert codes[f"visitor {action}"] != 0, codes  # 2: would need an administrator's password
    for action in OTHER_ACTIONS:
        assert codes[f"kiosk {action}"] != 0, codes


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
    walk(config.devices_model(), "devices")  # assembled from the driver registry
    assert not missing, missing

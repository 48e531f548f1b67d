"""Walk docs/technician.md on a fresh Debian 12 machine, as a field technician would.

    sudo python -m devtools.guide_walk [--workdir DIR] [--keep-running]
    sudo python -m devtools.guide_walk --arm64       # Raspberry Pi OS: install steps in an arm64 chroot

Needs root and the Debian packages debootstrap and systemd-container (arm64 also
qemu-user-static and binfmt-support). Builds (once) a bookworm tree with debootstrap, boots a
fresh copy of it with ``systemd-nspawn -b`` (devtools/guide_vm.py), starts a reference
platform on the host's loopback behind TLS with a self-signed CA (the guide's provisioning
needs ``https://``; the container shares the host's network), copies this checkout's tracked
files in and types the guide's commands in order, as root in the container. Each step prints
one JSON line: ``{"step", "section", "command", "ok", "rc", "seconds", "tail"}``; the last
line sums up. Takes 15-25 minutes (apt and pip download into the fresh machine), so it is
not part of pytest; tests/docs/test_technician_guide.py checks that every command of the
guide is either one of :data:`STEPS` here or run by a named test.

``command`` is the line as the guide prints it; ``run`` is what is typed when the guide has
a placeholder (the platform's address), asks at a prompt (script(1) gives it a terminal), or
when the container differs from a kiosk (no VT, DRM or udev: see :data:`HEADLESS`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from devtools import guide_vm

ROOT = Path(__file__).resolve().parents[1]
PIN = "246810"
SITE = "天河区政务服务中心"
GUEST_SRC = "/root/kiosk-src"


@dataclass(frozen=True)
class Step:
    section: str
    command: str
    """As printed in a ```sh block of docs/technician.md (continuation lines joined)."""
    run: str | None = None
    """What is typed instead, when the guide has a placeholder or a prompt; None: ``command``."""
    stdin: str | None = None
    ok_rc: tuple[int, ...] = (0,)
    also: tuple[str, ...] = ()
    """Further guide commands ``run`` types (a doctor run against the emulator just started)."""
    expect: str = ""
    """Text the output must contain for the step to count as the guide's promised outcome."""
    timeout: float = 600
    vital: bool = False
    """The walk stops when this step fails: nothing after it can work."""


PROVISION = ("sudo /opt/kiosk/.venv/bin/kiosk provision --platform https://zwfw.example.gov.cn/kiosk-api "
             "--site-name 天河区政务服务中心 --pin-stdin")
PKCHECK = ("sudo systemd-run --quiet --wait --pipe -p User=kiosk /bin/sh -c 'read -r pid rest < /proc/self/stat; "
           "pkcheck --action-id org.freedesktop.login1.reboot --process $pid && echo allowed || echo refused'")
CD = f"cd {GUEST_SRC} && "
APT = ("sudo apt-get install python3 python3-venv python3-dev gcc linux-libc-dev fonts-wqy-microhei espeak-ng cups "
       "polkitd curl "
       "libgl1 libgl1-mesa-dri libegl1 libgles2 libgbm1 libmtdev1 libzbar0 tesseract-ocr-osd "
       "librime1 rime-data-pinyin-simp libzinnia0 tegaki-zinnia-simplified-chinese cage seatd xwayland")

# The container has no VT, no seat and no DRM device: cage runs on wlroots' headless backend
# with the pixman renderer, Kivy on Xwayland with Mesa's llvmpipe. Everything else of the unit
# (user, hardening, notify, watchdog) is as shipped.
HEADLESS = """[Unit]
ConditionPathExists=
[Service]
TTYPath=
StandardInput=null
TTYReset=no
TTYVHangup=no
TTYVTDisallocate=no
RuntimeDirectory=kiosk-wayland
Environment=XDG_RUNTIME_DIR=/run/kiosk-wayland WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1
"""
DROPIN = ("mkdir -p /etc/systemd/system/cage@tty1.service.d && printf '%s' \"$HEADLESS\" "
          "> /etc/systemd/system/cage@tty1.service.d/walk-headless.conf && systemctl daemon-reload && ")

STEPS: tuple[Step, ...] = (
    Step("1", "sudo apt-get update"),
    Step("1", APT, stdin="y\n", timeout=1800, vital=True),
    Step("1", "sudo mkdir -p /opt/kiosk && sudo cp -r . /opt/kiosk", run=CD + "sudo mkdir -p /opt/kiosk && "
         "sudo cp -r . /opt/kiosk"),
    Step("1", "sudo python3 -m venv /opt/kiosk/.venv && sudo /opt/kiosk/.venv/bin/pip install /opt/kiosk",
         timeout=2400, vital=True),
    Step("1", "sudo ln -sf /opt/kiosk/.venv/bin/kiosk /usr/local/bin/kiosk"),
    Step("1", "sudo /opt/kiosk/systemd/install.sh", expect="installed into /"),
    Step("1", PKCHECK, expect="allowed"),
    # At a terminal, as the guide has it: script(1) gives the command a pty for its prompts. getpass
    # flushes what was typed ahead, so each answer waits until the prompt is surely up.
    Step("2", PROVISION, run="install -m 0644 /root/walk-ca.pem /etc/kiosk/platform-ca.pem && "
         "(sleep 25; echo {code}; sleep 5; echo " + PIN + "; sleep 30) | script -qec '{provision}' /dev/null",
         expect='"status"', vital=True),
    Step("2", "kiosk config check /etc/kiosk/kiosk.toml"),
    Step("2", "sudo install -m 0600 -o kiosk -g kiosk /dev/stdin /etc/kiosk/secret",
         run="cp /etc/kiosk/secret /root/secret.copy && sudo install -m 0600 -o kiosk -g kiosk /dev/stdin "
             "/etc/kiosk/secret < /root/secret.copy && cmp /etc/kiosk/secret /root/secret.copy"),
    Step("3", "sudo systemctl set-default graphical.target"),
    # The container has no DRM device, so the KMS/DRM unit cannot draw; with the shipped
    # StartLimitAction=reboot its five failed starts would reboot the machine (they did, on the
    # first walk), so this one start runs with StartLimitAction=none and the walk records why it failed.
    Step("3", "sudo systemctl enable --now kiosk.service kiosk-selfcheck.timer",
         run="mkdir -p /etc/systemd/system/kiosk.service.d && printf '[Unit]\\nStartLimitAction=none\\n' "
             "> /etc/systemd/system/kiosk.service.d/walk.conf && systemctl daemon-reload && "
             "sudo systemctl enable --now kiosk.service kiosk-selfcheck.timer; sleep 15; "
             "systemctl show kiosk.service -p ActiveState -p Result -p NRestarts; "
             "journalctl -u kiosk -b --no-pager -p warning | tail -8", ok_rc=(0, 1, 3), expect="Result="),
    Step("3", "sudo systemctl enable --now cage@tty1.service kiosk-selfcheck.timer",
         run="sudo systemctl disable --now kiosk.service; sudo systemctl reset-failed kiosk.service; "
             "rm -rf /etc/systemd/system/kiosk.service.d; HEADLESS='{headless}'; " + DROPIN +
             "sudo systemctl enable --now cage@tty1.service kiosk-selfcheck.timer && "
             "timeout 150 sh -c 'until systemctl show cage@tty1 -p StatusText | grep -q attract; do sleep 2; done'; "
             "systemctl show cage@tty1.service -p ActiveState -p SubState -p StatusText -p NRestarts",
         expect="ActiveState=active"),
    Step("5", "kiosk doctor all", run="sudo systemctl stop cage@tty1; sudo -u kiosk kiosk doctor all",
         ok_rc=(0, 1), expect="idreader"),
    Step("5", "kiosk doctor --help", expect="idreader"),
    Step("5", "kiosk doctor camera --help"),
    Step("5", "kiosk emulate idreader --card resident --port /tmp/idreader </dev/null &",
         run="(kiosk emulate idreader --card resident --port /tmp/idreader </dev/null & sleep 3; "
             "kiosk doctor idreader --port /tmp/idreader --read-once --json; rc=$?; kill %1; exit $rc)",
         also=("kiosk doctor idreader --port /tmp/idreader --read-once --json",), expect="resident"),
    Step("5", "kiosk emulate printer --pty --link /tmp/printer --out /tmp/pages &",
         run="(kiosk emulate printer --pty --link /tmp/printer --out /tmp/pages </dev/null & sleep 3; "
             "kiosk doctor printer --port /tmp/printer --test-page --json; rc=$?; sleep 1; kill %1; "
             "ls /tmp/pages; exit $rc)",
         also=("kiosk doctor printer --port /tmp/printer --test-page --json",), expect=".png"),
    Step("5", "kiosk emulate scanner --port /tmp/scanner",
         run="((sleep 4; echo 'scan 365021'; sleep 12) | kiosk emulate scanner --port /tmp/scanner & sleep 2; "
             "kiosk doctor scanner --port /tmp/scanner --timeout 10 --json; rc=$?; kill %1; exit $rc)",
         also=("kiosk doctor scanner --port /tmp/scanner --timeout 10 --json",), expect="365021"),
    Step("5", "kiosk emulate camera --source qr-photo.png --seconds 5",
         run="/opt/kiosk/.venv/bin/python -c \"import qrcode; qrcode.make('365021').save('qr-photo.png')\" && "
             "kiosk emulate camera --source qr-photo.png --seconds 5", expect="365021"),
    Step("6", "journalctl -u kiosk -b", run="sudo systemctl start cage@tty1; journalctl -u cage@tty1 -b --no-pager "
         "| tail -5"),
    Step("6", "journalctl -u kiosk -f", run="timeout 3 journalctl -u kiosk -f", ok_rc=(124,)),
    Step("6", "journalctl -u kiosk --since -1h -p warning", run="journalctl -u cage@tty1 --since -1h -p warning "
         "--no-pager | tail -5"),
    Step("6", "journalctl -u kiosk -p err -b", run="journalctl -u cage@tty1 -p err -b --no-pager | tail -5"),
    Step("6", "journalctl -u kiosk KIOSK_EVENT=stop_interrupted", run="journalctl -u cage@tty1 "
         "KIOSK_EVENT=stop_interrupted --no-pager | tail -3"),
    Step("6", "journalctl -u kiosk -o verbose -n 1", run="journalctl -u cage@tty1 -o verbose -n 1 --no-pager",
         expect="PRIORITY="),
    Step("6", "journalctl -u kiosk-selfcheck -n 20", run="sudo systemctl start kiosk-selfcheck.service; "
         "journalctl -u kiosk-selfcheck -n 20 --no-pager", ok_rc=(0, 1)),
    Step("6", "systemctl status kiosk", run="systemctl status cage@tty1 --no-pager", expect="active (running)"),
    Step("10", "curl -s http://127.0.0.1:9464/metrics | grep kiosk_journal_depth", expect="kiosk_journal_depth"),
    Step("6", "curl -s http://127.0.0.1:9464/metrics | grep kiosk_longest_frame_ms", expect="kiosk_longest_frame"),
    Step("7", "kiosk doctor printer --port /dev/kiosk/printer --test-page --json", ok_rc=(3, 1),
         expect='"state"'),
    Step("8", "sudo systemctl stop cage@tty1.service"),
    Step("8", "sudo cp -r . /opt/kiosk && sudo /opt/kiosk/.venv/bin/pip install /opt/kiosk",
         run=CD + "sudo cp -r . /opt/kiosk && sudo /opt/kiosk/.venv/bin/pip install /opt/kiosk", timeout=1800),
    Step("8", "sudo /opt/kiosk/.venv/bin/kiosk provision --platform URL --pin-stdin",
         run="(sleep 25; echo {code}; sleep 5; echo " + PIN + "; sleep 30) | script -qec '{reprovision}' /dev/null",
         expect='"status"'),
    Step("8", "sudo systemctl start cage@tty1.service",
         run="sudo systemctl start cage@tty1.service && timeout 150 sh -c 'until systemctl show cage@tty1 "
             "-p StatusText | grep -q attract; do sleep 2; done'; systemctl show cage@tty1 -p StatusText",
         expect="attract"),
)


# Raspberry Pi OS is Debian bookworm for arm64 plus Raspberry Pi's kernel and firmware; no arm64
# machine boots here, so its walk is the install steps and the command line in an arm64 chroot
# run through qemu-user-static (binfmt_misc).
ARM64_STEPS: tuple[Step, ...] = (
    *[step for step in STEPS if step.section == "1" and "install.sh" not in step.command
      and "pkcheck" not in step.command],
    Step("1", "kiosk --help", expect="provision"),
    Step("2", "kiosk config check /etc/kiosk/kiosk.toml",
         run="install -D -m 0640 /opt/kiosk/systemd/kiosk.toml.example /etc/kiosk/kiosk.toml && "
             "kiosk config check /etc/kiosk/kiosk.toml", ok_rc=(0, 1, 2)),
    Step("5", "kiosk doctor --help", expect="idreader"),
)


def source_tarball(dest: Path) -> Path:
    """The checkout as a technician would copy it: tracked files only (no .venv, no caches)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    out = dest / "kiosk-src.tar"
    with tarfile.open(out, "w") as tar:
        for name in filter(None, files.decode().split("\0")):
            if (ROOT / name).exists():
                tar.add(ROOT / name, arcname=f"kiosk-src/{name}")
    return out


def emit(record: dict[str, object]) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


def timed(name: str, fn, *args: object) -> object:
    start = time.monotonic()
    try:
        value = fn(*args)
    except Exception as exc:
        emit({"step": name, "section": "host", "ok": False, "seconds": round(time.monotonic() - start, 1),
              "tail": f"{type(exc).__name__}: {exc}"})
        raise SystemExit(1) from exc
    emit({"step": name, "section": "host", "ok": True, "seconds": round(time.monotonic() - start, 1)})
    return value


def _fill(text: str, fill: dict[str, str]) -> str:
    for key, value in fill.items():
        text = text.replace("{" + key + "}", value)
    return text


def run_steps(machine: guide_vm.Machine | guide_vm.Chroot, fill: dict[str, str],
              steps: tuple[Step, ...] = STEPS) -> list[dict[str, object]]:
    results = []
    for number, step in enumerate(steps, 1):
        typed = _fill(step.run or step.command, fill)
        stdin = _fill(step.stdin, fill) if step.stdin else None
        start = time.monotonic()
        try:
            done = machine.ssh(typed, timeout=step.timeout, stdin=stdin)
            rc, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as exc:
            rc, output = -1, f"timed out after {exc.timeout} s"
        ok = rc in step.ok_rc and step.expect in output
        record = {"step": number, "section": step.section, "command": step.command, "ok": ok, "rc": rc,
                  "seconds": round(time.monotonic() - start, 1), "tail": output.strip()[-600:]}
        emit(record)
        results.append(record)
        if step.vital and not ok:
            break
    return results


def walk_arm64(work: Path) -> int:
    work.mkdir(parents=True, exist_ok=True)
    rootfs = work / "rootfs"
    if not (rootfs / "usr/bin/apt-get").exists():
        timed("debootstrap bookworm arm64", guide_vm.debootstrap, rootfs, work / "debootstrap.log", "arm64")
    timed("configure it", guide_vm.configure, rootfs)
    chroot = guide_vm.Chroot(rootfs)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            timed("copy the checkout in", lambda: (chroot.copy_in(source_tarball(Path(tmp)), "/root/"),
                                                   chroot.ssh("tar -C /root -xf /root/kiosk-src.tar")))
        arch = chroot.ssh("dpkg --print-architecture; uname -m").stdout.split()
        emit({"step": "architecture", "section": "host", "ok": arch[:1] == ["arm64"], "tail": " ".join(arch)})
        results = run_steps(chroot, {}, ARM64_STEPS)
        emit({"summary": True, "arch": "arm64", "steps": len(results), "ok": sum(1 for r in results if r["ok"]),
              "failed": [r["step"] for r in results if not r["ok"]]})
        return 0 if all(r["ok"] for r in results) else 1
    finally:
        chroot.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/work/wt/guide-root"))
    parser.add_argument("--keep-running", action="store_true", help="leave the guest running at the end")
    parser.add_argument("--arm64", action="store_true", help="the install steps in an arm64 chroot (Raspberry Pi OS)")
    args = parser.parse_args(argv)
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    if args.arm64:
        return walk_arm64(work / "arm64")
    rootfs, guest = work / "rootfs", work / "walk"
    if not list((rootfs / "boot").glob("vmlinuz-*")):
        timed("debootstrap bookworm", guide_vm.debootstrap, rootfs, work / "debootstrap.log")
    timed("copy of the fresh tree", guide_vm.fresh_copy, rootfs, guest)
    timed("configure it", guide_vm.configure, guest)
    platform = timed("reference platform behind TLS on the host", guide_vm.start_platform, work)
    machine = timed("boot (systemd-nspawn -b)", guide_vm.boot, guest, work)
    try:
        timed("systemd is up", machine.wait_ssh)
        with tempfile.TemporaryDirectory() as tmp:
            timed("copy the checkout in", lambda: (machine.copy_in(source_tarball(Path(tmp)), "/root/"),
                                                   machine.ssh("tar -C /root -xf /root/kiosk-src.tar")))
        machine.copy_in(platform.ca, "/root/walk-ca.pem")
        url = f"https://127.0.0.1:{platform.port}"
        fill = {"code": platform.code(), "headless": HEADLESS, "provision": PROVISION.replace(
                    "https://zwfw.example.gov.cn/kiosk-api", url) + " --ca-bundle /etc/kiosk/platform-ca.pem --json",
                "reprovision": f"sudo /opt/kiosk/.venv/bin/kiosk provision --platform {url} --pin-stdin --json "
                               "--ca-bundle /etc/kiosk/platform-ca.pem"}
        results = run_steps(machine, fill)
        emit({"summary": True, "steps": len(results), "ok": sum(1 for r in results if r["ok"]),
              "failed": [r["step"] for r in results if not r["ok"]]})
        return 0 if all(r["ok"] for r in results) else 1
    finally:
        if not args.keep_running:
            machine.stop()
        platform.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())

"""The pieces benchmarks/image_boot.py drives: a reference platform and an update server on
this host, the guest's provisioning credentials, and the QEMU machine itself."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.platform.process import free_port

GUEST_HOST = "10.0.2.2"
"""The host's loopback as QEMU's user-mode network shows it to the guest."""
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
DISK_SIZE = 12 * 1024**3
"""ESP 512 MB + two 3 GB root slots + /var: what first boot's systemd-repart lays out."""
PIN = "482915"


@dataclass
class Beat:
    received: float
    body: dict[str, Any]


class Platform:
    """``kiosk platform serve`` on loopback with its own database; reads heartbeats from it."""

    def __init__(self, work: Path) -> None:
        self.db = work / "platform.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = work / "platform.log"

    def __enter__(self) -> Platform:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "platform", "serve", "--port", str(self.port), "--db", str(self.db)],
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"reference platform did not listen on {self.port}: {self.log.read_text()[-2000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def heartbeats(self, after: float) -> list[Beat]:
        if not self.db.exists():
            return []
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as con:
            try:
                rows = con.execute("SELECT received_at, json FROM heartbeat_history WHERE received_at >= ? ORDER BY id",
                                   (after,)).fetchall()
            except sqlite3.OperationalError:
                return []
        return [Beat(r[0], json.loads(r[1])) for r in rows]

    def wait_heartbeat(self, after: float, timeout: float, version: str | None = None,
                       rolled_back: bool | None = None) -> Beat:
        """The first heartbeat received after ``after`` (wall clock) matching the filters."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for beat in self.heartbeats(after):
                if version is not None and beat.body.get("image_version") != version:
                    continue
                if rolled_back is not None and bool(beat.body.get("rolled_back")) != rolled_back:
                    continue
                return beat
            time.sleep(1)
        seen = [(b.body.get("image_version"), b.body.get("rolled_back")) for b in self.heartbeats(after)]
        raise TimeoutError(f"no heartbeat (version={version}, rolled_back={rolled_back}) in {timeout:.0f} s; "
                           f"seen (image_version, rolled_back): {seen[-10:]}")


class UpdateServer:
    """A plain HTTP directory, as the kiosks' update server is (over HTTPS in the field)."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]

    def __enter__(self) -> UpdateServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write("update server: " + (format % args) + "\n")


def guest_config(platform: Platform, work: Path, update_url: str) -> dict[str, bytes]:
    """Enrol a kiosk at ``platform`` with ``kiosk provision`` and return the guest's credentials.

    Provisioning runs on the host against the loopback platform (it refuses cleartext HTTP
    to any other host); the guest then reaches the same platform as 10.0.2.2. No devices
    are attached to the VM, so every device backend is ``none``.
    """
    code = "KSK-IMGB-0001"
    subprocess.run([sys.executable, "-m", "kiosk", "platform", "enrol-code", "--db", str(platform.db),
                    "--code", code], check=True, stdout=subprocess.DEVNULL)
    code_file = work / "enrol-code"
    code_file.write_text(code + "\n")
    root = work / "provisioned"
    subprocess.run([sys.executable, "-m", "kiosk", "provision", "--platform", platform.url, "--root", str(root),
                    "--enrol-code-file", str(code_file), "--pin-stdin", "--site-name", "镜像启动测试大厅", "--json"],
                   input=(PIN + "\n").encode(), check=True, stdout=sys.stderr)
    toml = (root / "etc/kiosk/kiosk.toml").read_text("utf-8")
    toml = toml.replace(platform.url, f"http://{GUEST_HOST}:{platform.port}")
    toml = re.sub(r'^backend = ".*"$', 'backend = "none"', toml, flags=re.M)
    toml = re.sub(r"^(\[metrics\]\n)", "\\1heartbeat_s = 10\n", toml, flags=re.M)
    return {
        "kiosk-config.toml": toml.encode(),
        "kiosk-config.secret": (root / "etc/kiosk/secret").read_bytes(),
        "kiosk-config.update-url": update_url.encode() + b"\n",
        "kiosk-config.boot-ok.env": b"KIOSK_HEALTHY_FOR_S=15\n",
    }


def broken_release_tree(tree: Path) -> Path:
    """An extra tree that makes a release whose app never comes up (its start fails)."""
    dropin = tree / "usr/lib/systemd/system/cage@.service.d/90-broken-release.conf"
    dropin.parent.mkdir(parents=True, exist_ok=True)
    dropin.write_text("# benchmarks/image_boot.py: a release whose kiosk never starts, to force a rollback.\n"
                      "[Service]\nExecStart=\nExecStart=/usr/bin/false\n")
    return tree


class Vm:
    """One QEMU x86-64 machine with OVMF, the kiosk's disk and a serial console log."""

    def __init__(self, work: Path, image: Path, credentials: dict[str, bytes]) -> None:
        self.work = work
        self.disk = work / "disk.raw"
        subprocess.run(["cp", "--sparse=always", str(image), str(self.disk)], check=True)
        os.truncate(self.disk, max(DISK_SIZE, self.disk.stat().st_size))
        self.vars = work / "OVMF_VARS.fd"
        shutil.copyfile(OVMF_VARS, self.vars)
        self.credentials = credentials
        self.proc: subprocess.Popen[bytes] | None = None
        self.serial = work / "serial-0.log"
        self.runs = 0
        self.monitor = work / "monitor.sock"
        self.first_start = time.time()
        """Wall-clock time of the first power-on (set by ``start``)."""

    accel = "kvm" if os.access("/dev/kvm", os.R_OK | os.W_OK) and not Path("/sys/module/kvm_pvm").exists() else "tcg"
    """KVM when usable; ``start`` falls back to TCG when KVM cannot run the firmware. A
    PVM host's KVM (kvm_pvm module) runs only PVM-enabled guest kernels, never firmware."""
    console_logs = "systemd.journald.forward_to_console=1 systemd.journald.max_level_console=info"
    vm_only = ("systemd.setenv=WLR_BACKENDS=headless systemd.setenv=WLR_RENDERER=pixman "
               "systemd.setenv=WLR_LIBINPUT_NO_DEVICES=1")
    """What only this VM needs: cage draws on wlroots' headless backend with the pixman
    renderer, as in the guide walk (docs/technician.md). On QEMU's virtio-vga (no 3D) Mesa
    falls back to kms_swrast and wlroots 0.15's GLES2 renderer crashed cage at start (SIGSEGV,
    as in swaywm/sway#6809); the DRM backend with pixman is not yet tried with the CPU model
    below (docs/updates.md, "Status"). A kiosk's own GPU and panel keep the DRM backend.
    systemd.setenv= reaches every unit; nobody watches this VM's screen."""

    def command(self, cmdline_extra: str | None) -> list[str]:
        # TCG: "max" gives the guest every instruction TCG emulates (SSE4.2, POPCNT, AVX2 in QEMU
        # 7.2). The default qemu64 model stops at SSE3, and the image's numpy (x86-64-v2
        # baseline) then dies on an illegal instruction at import, taking the app down before
        # READY. Any x86 kiosk built this decade has those instructions.
        cpu = ["-cpu", "max"] if self.accel == "tcg" else []
        cmd = ["qemu-system-x86_64", "-machine", f"q35,accel={self.accel}", *cpu,
               "-m", "2048", "-smp", "2", "-nodefaults", "-display", "none",
               "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
               "-drive", f"if=pflash,format=raw,file={self.vars}",
               "-drive", f"if=virtio,format=raw,file={self.disk}",
               "-device", "virtio-vga", "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0",
               "-serial", f"file:{self.serial}", "-monitor", f"unix:{self.monitor},server,nowait"]
        # KVM: QEMU's default CPU model. Where /dev/kvm is a paravirtualised nested KVM (kvm_pvm,
        # as on the cloud VM this was measured on) it cannot run OVMF at all: it stops on the
        # firmware's first x87 instruction ("KVM internal error", "emulation failure"), and
        # even a direct kernel boot stalls in the decompressor; ``start`` then uses TCG.
        for name, value in self.credentials.items():
            cmd += ["-smbios", f"type=11,value=io.systemd.credential.binary:{name}={base64.b64encode(value).decode()}"]
        extra = " ".join(x for x in (self.console_logs, self.vm_only, cmdline_extra) if x)
        # systemd-stub appends this to the UKI's built-in command line (no Secure Boot here).
        cmd += ["-smbios", "type=11,value=io.systemd.stub.kernel-cmdline-extra=" + extra.replace(",", ",,")]
        return cmd

    def start(self, cmdline_extra: str | None = None) -> float:
        """Power on; the wall-clock time of power-on."""
        self.runs += 1
        if self.runs == 1:
            self.first_start = time.time()
        self.serial = self.work / f"serial-{self.runs}.log"
        self.monitor.unlink(missing_ok=True)
        started = time.time()
        qemu_log = self.work / f"qemu-{self.runs}.log"
        self.proc = subprocess.Popen(self.command(cmdline_extra), stdout=subprocess.DEVNULL, stderr=qemu_log.open("wb"))
        if self.accel == "kvm":
            # Nested or restricted KVM can fail on OVMF's first instructions ("KVM internal
            # error" and QEMU pauses the machine); then this and every later power-on use TCG.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and self.proc.poll() is None:
                if "KVM internal error" in qemu_log.read_text(errors="replace"):
                    break
                time.sleep(0.5)
            if "KVM internal error" in qemu_log.read_text(errors="replace"):
                self.kill()
                Vm.accel = "tcg"
                self.vars.write_bytes(OVMF_VARS.read_bytes())
                return self.start(cmdline_extra)
        return started

    def serial_text(self) -> str:
        try:
            return self.serial.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_serial(self, pattern: str, timeout: float) -> float:
        """Wall-clock time when ``pattern`` (a regex) first shows on this run's serial console."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            if rx.search(self.serial_text()):
                return time.time()
            if self.proc is not None and self.proc.poll() is not None:
                raise TimeoutError(f"QEMU exited ({self.proc.returncode}) before /{pattern}/ on the console")
            time.sleep(0.5)
        raise TimeoutError(f"/{pattern}/ not on the serial console in {timeout:.0f} s")

    def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def boots_since(self, _t: float) -> int:
        """Boots on this power-on's console: OVMF starts a boot option once per (re)boot."""
        return len(re.findall(r"BdsDxe: starting Boot", self.serial_text()))

    def power_off(self) -> None:
        """ACPI power button (logind powers off cleanly), then wait; kill after 90 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(str(self.monitor))
                s.sendall(b"system_powerdown\n")
                time.sleep(0.5)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

"""A fresh Debian 12 machine for walking docs/technician.md: debootstrap, then ``systemd-nspawn -b``.

The guide is written for a technician at a newly installed Debian box, so the walk must not
run on a developer machine that already has every package and a warm pip cache. This builds
one the way an installer would (debootstrap from deb.debian.org, a kernel, systemd as PID 1)
and boots it as a container with systemd as PID 1. QEMU/KVM was the first choice (a real VT
and a DRM device for cage), but on the development host nested KVM hangs before the
kernel's first line and TCG is too slow for a Kivy start within the unit's timeout; the
container has no VT, no DRM and no udev, so the walk runs cage on its headless backend
(a drop-in, see guide_walk.HEADLESS) and the udev and USB steps are covered by tests
instead (tests/docs/test_technician_guide.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.platform.process import free_port

MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("linux-image-amd64,systemd-sysv,udev,dbus,openssh-server,sudo,ca-certificates,"
                 "iproute2,procps,less")
SOURCES = """deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://security.debian.org/debian-security bookworm-security main
"""


def debootstrap(rootfs: Path, log: Path, arch: str = "amd64") -> None:
    """A minimal bookworm with a kernel, as a fresh install would have (arm64: no kernel, a chroot)."""
    include = BASE_PACKAGES if arch == "amd64" else "sudo,ca-certificates"
    with log.open("w") as out:
        subprocess.run(["debootstrap", f"--arch={arch}", "--variant=minbase", f"--include={include}", "bookworm",
                        str(rootfs), MIRROR], check=True, stdout=out, stderr=subprocess.STDOUT)


def configure(rootfs: Path) -> None:
    """Host name, the host's DNS (the container shares its network), the security and update
    suites as an installer sets them, and no SSH server on the shared network."""
    (rootfs / "etc/hostname").write_text("kiosk-walk\n")
    (rootfs / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 kiosk-walk\n")
    (rootfs / "etc/apt/sources.list").write_text(SOURCES)
    resolv = rootfs / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    resolv.write_text(Path("/etc/resolv.conf").read_text())
    # The development host reaches PyPI through a TLS-inspecting proxy whose CA only the host
    # trusts; a site with such a proxy gives pip its CA the same way.
    host_ca = Path("/etc/ssl/certs/ca-certificates.crt")
    if host_ca.exists():
        (rootfs / "etc/ssl/host-ca.crt").write_bytes(host_ca.read_bytes())
        (rootfs / "etc/pip.conf").write_text("[global]\ncert = /etc/ssl/host-ca.crt\n")
    mask = rootfs / "etc/systemd/system/ssh.service"
    if not mask.is_symlink():
        mask.unlink(missing_ok=True)
        mask.symlink_to("/dev/null")


@dataclass
class Machine:
    """The booted container: commands run inside all of its namespaces (nsenter), as root."""

    root: Path
    process: subprocess.Popen[bytes]
    leader: int = 0

    def ssh(self, command: str, *, timeout: float = 1800, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``command`` in a login shell inside the guest (named like the SSH session a technician has)."""
        args = ["nsenter", "--target", str(self.leader), "--all", "--", "/usr/bin/env", "-i", "HOME=/root",
                "TERM=dumb", "LANG=C.UTF-8", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "bash", "-lc", command]
        return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout)

    def copy_in(self, local: Path, remote: str) -> None:
        shutil.copy(local, self.root / remote.lstrip("/"))

    def wait_ssh(self, timeout: float = 120) -> float:
        """Until the guest's systemd reports the boot finished (running or degraded)."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"systemd-nspawn exited with {self.process.returncode}")
            if not self.leader:
                children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
                self.leader = int(children.stdout.split()[0]) if children.stdout.split() else 0
            if self.leader:
                state = self.ssh("systemctl is-system-running --wait", timeout=60).stdout.strip()
                if state in ("running", "degraded"):
                    return time.monotonic() - start
            time.sleep(1)
        raise TimeoutError("the guest did not finish booting")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def fresh_copy(rootfs: Path, dest: Path) -> None:
    """Every walk starts from the untouched debootstrap tree."""
    if dest.exists():
        subprocess.run(["rm", "-rf", "--one-file-system", str(dest)], check=True)
    dest.mkdir(parents=True)
    subprocess.run(["cp", "-a", "--reflink=auto", f"{rootfs.resolve()}/.", str(dest)], check=True)


def boot(root: Path, workdir: Path) -> Machine:
    """``systemd-nspawn -b`` on the tree: systemd as PID 1, the host's network (so the platform on the
    host's loopback is reachable), no machined registration (there is no system bus on a CI host)."""
    log = (workdir / "console.log").open("w")
    process = subprocess.Popen(["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "-D", str(root), "-b"],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    return Machine(root=root, process=process)


@dataclass
class HostPlatform:
    """The reference platform on the host's loopback behind TLS, for a guest at 10.0.2.2."""

    port: int
    ca: Path
    db: Path
    process: subprocess.Popen[bytes]

    def code(self) -> str:
        """A fresh single-use enrolment code, as the hall's administrator would issue it."""
        done = subprocess.run([sys.executable, "-m", "kiosk.cli", "platform", "enrol-code", "--db", str(self.db)],
                              capture_output=True, text=True, check=True, timeout=60)
        return done.stdout.split()[-1] if done.stdout.split() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


SERVE_TLS = """
import sys, uvicorn
from reference_platform.app import create_app
app = create_app(sys.argv[1], demo=False)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), ssl_certfile=sys.argv[3], ssl_keyfile=sys.argv[4],
            log_level="warning")
"""


def start_platform(workdir: Path) -> HostPlatform:
    """A self-signed certificate for 10.0.2.2 (the host as the guest sees it) and the platform behind it."""
    cert, key = workdir / "platform-cert.pem", workdir / "platform-key.pem"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "30", "-subj", "/CN=walk platform", "-addext",
                        "subjectAltName=IP:10.0.2.2,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
    port = free_port()
    db = workdir / "platform.db"
    log = (workdir / "platform.log").open("w")
    process = subprocess.Popen([sys.executable, "-c", SERVE_TLS, str(db), str(port), str(cert), str(key)],
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return HostPlatform(port=port, ca=cert, db=db, process=process)
        if process.poll() is not None:
            break
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the platform did not start; see {workdir / 'platform.log'}")


@dataclass
class Chroot:
    """A foreign-architecture tree (arm64 through qemu-user-static and binfmt_misc) entered with
    chroot: no systemd runs there, so only the install steps and the command line can be walked."""

    root: Path

    def __post_init__(self) -> None:
        for name in ("proc", "dev", "sys"):
            target = self.root / name
            if not os.path.ismount(target):
                kind = ["-t", "proc", "proc"] if name == "proc" else ["--rbind", f"/{name}"]
                subprocess.run(["mount", *kind, str(target)], check=True)

    def ssh(self, command: str, *, timeout: float = 3600, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        args = ["chroot", str(self.root), "/usr/bin/env", "-i", "HOME=/root", "TERM=dumb", "LANG=C.UTF-8",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "bash", "-lc", command]
        return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout)

    def copy_in(self, local: Path, remote: str) -> None:
        shutil.copy(local, self.root / remote.lstrip("/"))

    def stop(self) -> None:
        for name in ("sys", "dev", "proc"):
            subprocess.run(["umount", "-R", "-l", str(self.root / name)], check=False)

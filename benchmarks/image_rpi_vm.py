"""Boot the Raspberry Pi image's userland under QEMU's ``virt`` machine; print JSON.

A real Pi cannot be booted here and QEMU 7.2 has no Pi 4 or 5 model, so this is a
stand-in for the board: the kernel and initrd are taken from the image's own boot
partition (what the Pi firmware would load), with the same kernel command line from its
cmdline.txt except the console (QEMU's PL011 is ttyAMA0, the Pi 4's serial ttyS1), and
booted directly (``-kernel/-initrd``, no firmware) on ``-M virt`` (Cortex-A72, the Pi 4's
core, under TCG) with the image file as a virtio disk grown to 16 GB like an SD card.
Everything after the kernel is the image's: the initramfs finds the root slot by its
label and mounts the erofs, systemd's first boot repartitions (slot B, /var), the kiosk is
provisioned from system credentials (QEMU's fw_cfg) enrolled at a reference platform on
this host, and the app starts under cage on virtio-gpu.

Measured, from power-on, on the serial console (systemd's status lines): systemd
started from the root slot, first-boot repartitioning done, /var mounted, the
configuration provisioned, the graphical target, cage@tty1 READY; then the first
heartbeat at the platform. What is not reached within ``--timeout`` is null. Not the
Pi's own boot path (firmware, config.txt, device trees): scripts/check-image-rpi checks
those files, a board boots them.

    KIOSK_IMAGE_CACHE=/var/cache/kiosk-image python -m benchmarks.image_rpi_vm [--timeout 2400] [--keep]
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.image_vm import Platform, guest_config

ROOT = Path(__file__).resolve().parents[1]
DISK_SIZE = 16 * 1024**3
MILESTONES = {
    "systemd_from_root_s": r"Welcome to Debian",
    "first_boot_repart_s": r"Finished (systemd-repart\.service|Repartition Root Disk)",
    "var_mounted_s": r"Mounted (var\.mount|/var)",
    "provisioned_s": r"Finished (kiosk-config-dir\.service|Writable home of /etc/kiosk on /var)",
    "graphical_target_s": r"Reached target (graphical\.target|Graphical Interface)",
    "ready_s": r"Started (cage@tty1\.service|Self-service government kiosk)",
}


def partitions(image: Path) -> dict[int, dict]:
    """The image's GPT entries by partition number (scripts/check-image-rpi reads them)."""
    loader = importlib.machinery.SourceFileLoader("check_image_rpi", str(ROOT / "scripts/check-image-rpi"))
    spec = importlib.util.spec_from_loader("check_image_rpi", loader)
    assert spec is not None
    check = importlib.util.module_from_spec(spec)
    loader.exec_module(check)
    return {p["number"]: p for p in check.gpt(image)}


def boot_files(image: Path, work: Path) -> tuple[Path, Path, str]:
    """Kernel, initrd and command line from the image's slot-A boot partition (mtools)."""
    boot = partitions(image)[2]["offset"]
    src = f"{image}@@{boot}"

    def mtype(name: str) -> str:
        return subprocess.run(["mtype", "-i", src, f"::{name}"], capture_output=True, text=True, check=True).stdout

    config = mtype("config.txt")
    kernel = re.search(r"^kernel=(\S+)", config, re.M)
    initrd = re.search(r"^initramfs (\S+)", config, re.M)
    assert kernel and initrd, config
    for name in (kernel.group(1), initrd.group(1)):
        subprocess.run(["mcopy", "-o", "-i", src, f"::{name}", str(work / name)], check=True)
    args = [a for a in mtype("cmdline.txt").split() if not a.startswith("console=")]
    return work / kernel.group(1), work / initrd.group(1), " ".join([*args, "console=ttyAMA0,115200"])


def console_text(serial: Path) -> str:
    """The serial log without the colour escapes systemd puts around unit names."""
    raw = serial.read_bytes().decode("utf-8", "replace") if serial.exists() else ""
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", raw)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cache = Path(os.environ.get("KIOSK_IMAGE_CACHE", "/var/cache/kiosk-image")) / "arm64/output"
    ap.add_argument("--image", type=Path, help="default: the newest kiosk_*.raw in $KIOSK_IMAGE_CACHE/arm64/output")
    ap.add_argument("--timeout", type=float, default=2400, help="seconds from power-on to give up (default 2400)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (disk copy, serial log)")
    args = ap.parse_args()
    image = args.image or max(cache.glob("kiosk_*[0-9].raw"), key=lambda p: p.stat().st_mtime)
    work = Path(tempfile.mkdtemp(prefix="kiosk-rpi-vm-", dir=os.environ.get("KIOSK_IMAGE_CACHE")))
    result: dict[str, object] = {"image": str(image), "machine": "qemu-system-aarch64 -M virt -cpu cortex-a72, TCG"}
    try:
        kernel, initrd, cmdline = boot_files(image, work)
        result["cmdline"] = cmdline
        disk = work / "disk.raw"
        subprocess.run(["cp", "--sparse=always", str(image), str(disk)], check=True)
        os.truncate(disk, max(DISK_SIZE, disk.stat().st_size))
        with Platform(work) as platform:
            creds = guest_config(platform, work, "https://kiosk-updates.example.gov.cn/kiosk-rpi/")
            cred_args = []
            for name, value in creds.items():
                (work / name).write_bytes(value)
                cred_args += ["-fw_cfg", f"name=opt/io.systemd.credentials/{name},file={work / name}"]
            serial = work / "serial.log"
            cmd = ["qemu-system-aarch64", "-M", "virt", "-accel", "tcg,thread=multi", "-cpu", "cortex-a72",
                   "-smp", "2", "-m", "2048", "-nodefaults", "-display", "none",
                   "-kernel", str(kernel), "-initrd", str(initrd), "-append", cmdline,
                   "-drive", f"if=none,id=d0,format=raw,file={disk}", "-device", "virtio-blk-pci,drive=d0",
                   "-device", "virtio-gpu-pci", "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0",
                   "-serial", f"file:{serial}", *cred_args]
            started = time.time()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=(work / "qemu.log").open("wb"))
            seen: dict[str, float | None] = dict.fromkeys(MILESTONES)
            beat_at = None
            try:
                while time.time() - started < args.timeout and proc.poll() is None:
                    text = console_text(serial)
                    for key, pattern in MILESTONES.items():
                        if seen[key] is None and re.search(pattern, text):
                            seen[key] = round(time.time() - started, 1)
                    beats = platform.heartbeats(started)
                    if beats:
                        beat_at = round(beats[0].received - started, 1)
                        result["heartbeat"] = {k: beats[0].body.get(k) for k in ("image_version", "boot_slot",
                                                                                 "rolled_back")}
                        break
                    time.sleep(2)
            finally:
                proc.kill()
                proc.wait()
            result.update(seen)
            result["first_heartbeat_s"] = beat_at
            text = console_text(serial)
            result["failed_units"] = sorted(set(re.findall(r"Failed to start (\S+)", text)))
            result["serial_tail"] = text.strip().splitlines()[-8:]
    finally:
        if args.keep:
            result["work"] = str(work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0 if result.get("systemd_from_root_s") else 1


if __name__ == "__main__":
    sys.exit(main())

"""Boot the kiosk OS image under QEMU, update it A/B, force a rollback; print JSON.

What a kiosk does in the field, end to end on one machine (docs/image.md):

1. **boot**: the x86-64 UEFI image (scripts/build-image) boots under QEMU with OVMF (KVM
   when /dev/kvm is usable, TCG otherwise), provisioned on its first boot from system
   credentials (SMBIOS type 11): a kiosk.toml and secret that ``kiosk provision``
   enrolled at a reference platform running on this host (user-mode networking: the
   guest reaches the host's loopback as 10.0.2.2). Measured: power-on to the app's
   READY (systemd's "Started cage@tty1.service" on the serial console, which for a
   ``Type=notify`` unit means READY=1) and to its first heartbeat in the platform's
   database.
2. **update**: a second image version's sysupdate artifacts are signed with the build's
   key and served over HTTP from this host; ``systemd-sysupdate`` runs in the guest
   (one boot with ``systemd.run=`` added through systemd-stub's SMBIOS
   ``io.systemd.stub.kernel-cmdline-extra``), which powers off when done; the next
   power-on boots the new version on probation (3 tries), kiosk-boot-ok blesses it.
   Measured: start of the update to the new version's first heartbeat, and to the bless.
3. **rollback**: a third version whose app never starts (a drop-in makes cage@tty1 fail,
   as a broken release would) is installed the same way. Its boots use up their tries;
   systemd-boot falls back to the previous version, whose heartbeat must say
   ``rolled_back`` with the old ``image_version``. Measured: start to that heartbeat.

Slow (minutes even with KVM; image builds take longer), so not part of the test suite:

    KIOSK_IMAGE_CACHE=/var/cache/kiosk-image python -m benchmarks.image_boot [--no-build]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.image_vm import Platform, UpdateServer, Vm, broken_release_tree, guest_config

ROOT = Path(__file__).resolve().parents[1]
# systemd's status lines on the serial console (unit name, description or both).
READY = r"Started (cage@tty1\.service|Self-service government kiosk)"
BLESSED = r"Finished (systemd-bless-boot\.service|Mark the Current Boot Loader Entry as Good)"
FINISHED_RUN = r"Finished (kernel-command-line\.service|Command from Kernel Command Line)"
FAILED_RUN = r"Failed to start (kernel-command-line\.service|Command from Kernel Command Line)"
BUILD = ROOT / "scripts" / "build-image"


def build(version: str, out: Path, extra_tree: Path | None) -> float:
    """One image version with scripts/build-image; seconds taken (0 when already built)."""
    if (out / f"kiosk_{version}.raw").exists():
        return 0.0
    cmd = [str(BUILD), "--version", version, "--output", str(out)]
    if extra_tree is not None:
        cmd += ["--extra-tree", str(extra_tree)]
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    return time.monotonic() - start


def compressed(images: Path, version: str) -> Path:
    """The version's root slot as the update server carries it: ``.raw.xz`` (made once, kept).

    The split artifact is the whole 3 GB slot (1.7 GB of it filesystem); systemd-pull 254
    decompresses xz, gzip and bzip2 as it downloads (not zstd), and 10-root.conf matches
    ``kiosk_@v.root-x86-64.raw.xz``. Uncompressed, QEMU's user-mode network under TCG took
    over 15 minutes for the slot.
    """
    raw = images / f"kiosk_{version}.root-x86-64.raw"
    xz = raw.with_name(raw.name + ".xz")
    if not xz.exists() or xz.stat().st_mtime < raw.stat().st_mtime:
        part = xz.with_name(xz.name + ".part")
        with raw.open("rb") as src, part.open("wb") as dst:
            subprocess.run(["nice", "-n", "10", "xz", "-1", "-T2", "-c"], stdin=src, stdout=dst, check=True)
        part.replace(xz)
    return xz


def publish(images: Path, version: str, serve: Path, wait_s: float = 0.0) -> dict[str, int]:
    """Put one version's update artifacts in the served directory, signed like a release.

    ``wait_s``: how long to wait for a build of ``version`` still running beside this one
    (``--no-build --wait-build S``); mkosi moves its outputs into place only at its end, and
    the disk image last. Returns the served files' sizes.
    """
    deadline = time.monotonic() + wait_s
    while not (images / f"kiosk_{version}.raw").exists() and time.monotonic() < deadline:
        time.sleep(5)
    for old in serve.iterdir():
        old.unlink()
    for src in (compressed(images, version), images / f"kiosk_{version}.efi"):
        try:
            os.link(src, serve / src.name)
        except OSError:
            shutil.copy2(src, serve / src.name)
    subprocess.run([str(BUILD), "--sign-only", str(serve)], check=True, stdout=sys.stderr)
    return {f.name: f.stat().st_size for f in sorted(serve.iterdir())}


def run_update(vm: Vm, log: list[str], timeout: float) -> dict[str, object]:
    """One boot that runs systemd-sysupdate and powers off; its figures (``ok`` when it succeeded).

    The app is masked on this boot: under TCG its start (Kivy on llvmpipe) would take the
    two emulated CPUs the download and the xz decompression need. A kiosk in the field
    downloads beside the running app and reboots into the new version at night.
    """
    # Without a verb systemd-sysupdate 254 only lists versions; "update" installs the newest.
    # systemd.run= makes its unit the default target only through a generator symlink, which the
    # image's own /etc/systemd/system/default.target outranks: systemd.wants= pulls it in. It
    # then needs the network and the site's transfers (kiosk-update-source), hence systemd-run.
    run = ("/usr/bin/systemd-run --wait -p Wants=network-online.target -p After=network-online.target "
           "-p After=kiosk-update-source.service /usr/lib/systemd/systemd-sysupdate update")
    extra = (f'systemd.run="{run}" systemd.wants=kernel-command-line.service '
             "systemd.run_success_action=poweroff systemd.run_failure_action=poweroff "
             "systemd.mask=cage@tty1.service systemd.mask=kiosk-boot-ok.service")
    start = vm.start(cmdline_extra=extra)
    try:
        vm.wait_exit(timeout=timeout)
    except subprocess.TimeoutExpired:
        vm.kill()
        raise TimeoutError(f"the update boot did not power off in {timeout:.0f} s") from None
    finally:
        text = vm.serial_text()
        log.append(f"update boot serial tail: {text[-1500:]}")
    ok = re.search(FAILED_RUN, text) is None and re.search(FINISHED_RUN, text) is not None
    return {"ok": ok, "boot_s": round(time.time() - start, 1), "sysupdate_lines": sysupdate_lines(text)}


def sysupdate_lines(text: str) -> list[str]:
    """systemd-sysupdate's own journal lines on the serial console (what it chose and did)."""
    lines = [ln.strip() for ln in text.splitlines() if "systemd-sysupdate[" in ln]
    keep = [ln for ln in lines if not re.search(r"Transfer \S+ at \d+%|\d+% done|Got \d+%", ln)]
    return keep[-25:]


def save(work: Path, result: dict[str, object]) -> None:
    """The figures so far, for a run that is stopped before the end (work/result.json)."""
    (work / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cache = os.environ.get("KIOSK_IMAGE_CACHE", "/var/cache/kiosk-image")
    parser.add_argument("--cache", type=Path, default=Path(cache), help="scripts/build-image's cache (images, work)")
    parser.add_argument("--no-build", action="store_true", help="use the images already in CACHE/output")
    parser.add_argument("--phases", default="boot,update,rollback")
    parser.add_argument("--wait-build", type=float, default=0.0, metavar="S",
                        help="with --no-build: wait up to S seconds for a version another build is still making")
    parser.add_argument("--ready-timeout", type=float, default=1800,
                        help="seconds to wait for the app's READY after power-on (TCG on a busy machine is slow)")
    parser.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto",
                        help="QEMU accelerator (auto: KVM when /dev/kvm can run the firmware, else TCG)")
    parser.add_argument("--update-timeout", type=float, default=2400,
                        help="seconds the update boot may take (download and write of the new slot)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (disk, serial logs, platform db)")
    args = parser.parse_args()
    phases = args.phases.split(",")
    if args.accel != "auto":
        Vm.accel = args.accel

    base = (ROOT / "systemd/image/mkosi.version").read_text("utf-8").strip()
    result: dict[str, object] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                 "kvm": os.access("/dev/kvm", os.R_OK | os.W_OK), "base_version": base}
    # A work directory holds a 12 GB sparse disk (2 to 7 GB written): never left behind unasked.
    work = Path(tempfile.mkdtemp(prefix="kiosk-image-boot-", dir=args.cache))
    try:
        run(args, phases, base, work, result)
    finally:
        result["accel"] = Vm.accel
        result["work_dir"] = str(work) if args.keep else None
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if "error" in result else 0


def run(args: argparse.Namespace, phases: list[str], base: str, work: Path, result: dict[str, object]) -> None:
    """The three phases, filling ``result`` as they go (also into work/result.json)."""
    good, broken = f"{base}.1", f"{base}.2"
    images = args.cache / "output"  # where scripts/build-image puts them by default
    log: list[str] = []

    build_s = {}
    if not args.no_build:
        build_s[base] = build(base, images, None)
        if "update" in phases or "rollback" in phases:
            build_s[good] = build(good, images, None)
        if "rollback" in phases:
            build_s[broken] = build(broken, images, broken_release_tree(work / "broken-tree"))
    result["build_s"] = {k: round(v, 1) for k, v in build_s.items()}

    serve = work / "serve"
    serve.mkdir()
    with Platform(work) as platform, UpdateServer(serve) as server:
        creds = guest_config(platform, work, update_url=f"http://10.0.2.2:{server.port}/")
        vm = Vm(work, images / f"kiosk_{base}.raw", creds)
        try:
            # 1. First boot: repart adds slot B and /var, credentials provision /etc/kiosk.
            t0 = vm.start()
            ready = vm.wait_serial(READY, timeout=args.ready_timeout)
            beat = platform.wait_heartbeat(after=t0, timeout=300)
            result["boot"] = {
                "ready_s": round(ready - t0, 1), "first_heartbeat_s": round(beat.received - t0, 1),
                "image_version": beat.body.get("image_version"), "boot_slot": beat.body.get("boot_slot"),
                "rolled_back": beat.body.get("rolled_back")}
            save(work, result)
            vm.power_off()

            if "update" in phases:
                served = publish(images, good, serve, args.wait_build)
                t1 = time.time()
                upd = run_update(vm, log, args.update_timeout)
                result["update"] = {"served_bytes": served, "sysupdate_ok": upd["ok"],
                                    "update_boot_s": upd["boot_s"], "sysupdate_lines": upd["sysupdate_lines"]}
                save(work, result)
                vm.start()
                beat = platform.wait_heartbeat(after=t1, timeout=args.ready_timeout, version=good)
                blessed = vm.wait_serial(BLESSED, timeout=600)
                result["update"] |= {
                    "update_to_heartbeat_s": round(beat.received - t1, 1),
                    "update_to_blessed_s": round(blessed - t1, 1),
                    "image_version": beat.body.get("image_version"), "boot_slot": beat.body.get("boot_slot"),
                    "rolled_back": beat.body.get("rolled_back")}
                save(work, result)
                vm.power_off()

            if "rollback" in phases:
                publish(images, broken, serve, args.wait_build)
                t2 = time.time()
                upd = run_update(vm, log, args.update_timeout)
                result["rollback"] = {"sysupdate_ok": upd["ok"], "update_boot_s": upd["boot_s"],
                                      "sysupdate_lines": upd["sysupdate_lines"], "tried_version": broken}
                save(work, result)
                vm.start()
                beat = platform.wait_heartbeat(after=t2, timeout=1800, rolled_back=True)
                kept = [b for b in platform.heartbeats(after=t2) if b.body.get("rolled_back")]
                result["rollback"] |= {
                    "update_to_rolled_back_heartbeat_s": round(beat.received - t2, 1),
                    "rollback_detected": bool(beat.body.get("rolled_back")),
                    "image_version": beat.body.get("image_version"), "boot_slot": beat.body.get("boot_slot"),
                    "rolled_back_heartbeats_in_history": len(kept),
                    "boots": vm.boots_since(t2), "tries": tries_seen(vm.serial_text())}
                save(work, result)
                vm.power_off()
        except (TimeoutError, subprocess.CalledProcessError) as exc:
            result["error"] = str(exc)
            result["serial_tail"] = vm.serial_text()[-3000:]
            # What did reach the platform, READY or not (the app heartbeats before READY).
            beats = platform.heartbeats(after=vm.first_start)
            if beats:
                result["heartbeats_before_error"] = {
                    "count": len(beats), "first_s": round(beats[0].received - vm.first_start, 1),
                    "image_versions": sorted({str(b.body.get("image_version")) for b in beats}),
                    "rolled_back": sorted({bool(b.body.get("rolled_back")) for b in beats})}
        finally:
            vm.kill()


def tries_seen(text: str) -> list[str]:
    """What each boot of this power-on ran: the kernel's first line names no entry, so the
    initrd's os-release greeting (``Welcome to ...``) and the app's start or failure are kept."""
    keep = re.compile(r"BdsDxe: starting Boot|Welcome to |Started (cage@tty1\.service|Self-service government kiosk)"
                      r"|Failed to start (cage@tty1\.service|Self-service)|kiosk-boot-ok"
                      r"|Reached target.*Boot Completion|Rebooting|rolled.back")
    return [ln.strip()[:160] for ln in text.splitlines() if keep.search(ln)][:40]


if __name__ == "__main__":
    raise SystemExit(main())

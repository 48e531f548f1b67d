"""``kiosk selfcheck``: the nightly health check a technician reads in the journal.

Run by kiosk-selfcheck.timer, and with ``--boot-ok`` by kiosk-boot-ok.service, which
blesses an updated boot only when the app came up, stayed up and this check passed.
It checks what silently breaks a kiosk between visits — a full disk, a wrong clock
(signed requests go stale, TLS fails), an unreachable platform, a device that vanished
from /dev, a configuration leaning on demo stand-ins — and exits non-zero so the
failure shows in ``systemctl status kiosk-selfcheck``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from drivers import registry
from kiosk import config

COMMAND = ("selfcheck",)
HELP = "check disk space, clock, platform reachability and device paths (nightly timer)"

Status = Literal["ok", "warn", "fail"]
MIN_YEAR = 2026


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--min-free-mb", type=int, default=500,
                        help="fail when the state directory's file system has less free space (default 500)")
    parser.add_argument("--boot-ok", type=float, default=None, metavar="SECONDS",
                        help="first wait until the app unit is ready and has run SECONDS without a restart "
                             "(kiosk-boot-ok.service: only then is an updated boot blessed)")


def _result(name: str, status: Status, detail: str) -> dict[str, str]:
    return {"check": name, "status": status, "detail": detail}


def check_disk(state: Path, min_free_mb: int) -> dict[str, str]:
    """Free space where the journal lives; the nearest existing parent if it is not created yet."""
    probe = state
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    free_mb = usage.free // (1024 * 1024)
    status: Status = "ok" if free_mb >= min_free_mb else "fail"
    return _result("disk", status, f"{free_mb} MB free on {probe} (minimum {min_free_mb} MB)")


def _ntp_synchronized() -> bool | None:
    """timedatectl's view of NTP sync; None when it cannot be asked (no systemd, container)."""
    if shutil.which("timedatectl") is None:
        return None
    try:
        out = subprocess.run(["timedatectl", "show", "--property=NTPSynchronized", "--value"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = out.stdout.strip()
    if out.returncode != 0 or value not in ("yes", "no"):
        return None
    return value == "yes"


def check_clock(now: dt.datetime, ntp: bool | None) -> dict[str, str]:
    """A year before MIN_YEAR means an RTC that lost power; signed requests would all be refused."""
    if now.year < MIN_YEAR:
        return _result("clock", "fail", f"clock says {now:%Y-%m-%d %H:%M}; before {MIN_YEAR}, set the time or fix NTP")
    if ntp is False:
        return _result("clock", "warn", f"{now:%Y-%m-%d %H:%M} UTC, not NTP-synchronized")
    sync = "NTP-synchronized" if ntp else "NTP state unknown"
    return _result("clock", "ok", f"{now:%Y-%m-%d %H:%M} UTC, {sync}")


def check_platform(cfg: config.Config) -> dict[str, str]:
    """A TCP connect to the platform's host and port: cheap, unsigned, and enough to tell cable from API."""
    if not cfg.platform.url:
        return _result("platform", "ok", "reference platform (demo) on loopback")
    parts = urlsplit(cfg.platform.url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _result("platform", "fail", f"{cfg.platform.url}: invalid port")
    try:
        with socket.create_connection((host, port), timeout=cfg.platform.connect_timeout_s):
            pass
    except OSError as exc:
        return _result("platform", "fail", f"cannot connect to {host}:{port}: {exc.strerror or exc}")
    return _result("platform", "ok", f"{host}:{port} reachable")


def device_paths(cfg: config.Config) -> list[tuple[str, str]]:
    """(device, path) for every configured device that is a local device node."""
    return [(name, node) for name in registry.names() for node in cfg.devices.section(name).device_nodes()]


def check_devices(cfg: config.Config) -> list[dict[str, str]]:
    out = []
    for role, path in device_paths(cfg):
        if Path(path).exists():
            out.append(_result(f"device:{role}", "ok", f"{path} present"))
        else:
            out.append(_result(f"device:{role}", "fail", f"{path} missing (unplugged, or no udev rule?)"))
    return out


def check_config(cfg: config.Config) -> dict[str, str]:
    """A kiosk leaning on a demo stand-in (emulated device, built-in platform, demo secret) fails."""
    from kiosk.ops.fieldready import demo_fallbacks

    problems = demo_fallbacks(cfg)
    if problems:
        return _result("config", "fail", "; ".join(problems))
    return _result("config", "ok", f"{cfg.source}: no demo fallback")


def selfcheck(cfg: config.Config, min_free_mb: int) -> list[dict[str, str]]:
    now = dt.datetime.now(dt.UTC)
    return [
        check_config(cfg),
        check_disk(cfg.state_path(), min_free_mb),
        check_clock(now, _ntp_synchronized()),
        check_platform(cfg),
        *check_devices(cfg),
    ]


def run(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc)}, ensure_ascii=False))
        else:
            print(exc, file=sys.stderr)
        return 2
    results = []
    if args.boot_ok is not None:
        from kiosk.ops.bootok import wait_healthy

        good, detail = wait_healthy(args.boot_ok)
        results.append(_result("app", "ok" if good else "fail", detail))
    results += selfcheck(cfg, args.min_free_mb)
    ok = all(r["status"] != "fail" for r in results)
    if args.json:
        print(json.dumps({"ok": ok, "kiosk": cfg.kiosk.id, "config": cfg.source,
                          "checks": results}, ensure_ascii=False))
    else:
        for r in results:
            print(f"{r['status']:<4}  {r['check']:<16} {r['detail']}")
    return 0 if ok else 1

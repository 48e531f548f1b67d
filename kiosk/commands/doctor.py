"""``kiosk doctor DEVICE``: a technician's check of one device class, or ``all`` of them.

Every device class in the driver registry is a sub-command. A class with a doctor of
its own (``idreader``: read one card; ``scanner``: wait for one code; ``printer``:
status and a test page) runs it with that doctor's options; any other one, and
``all``, is started exactly as the kiosk starts it (same config, same drivers, the
emulators for ``emulator`` backends) and reported with the state it reaches. Stop the
kiosk first: a device is opened by one program at a time. ``journal`` is not a device:
it lists what the journal set aside for good (read-only, the kiosk may keep running).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from drivers import registry
from drivers.base import DeviceState, DeviceStatusChanged, Event
from drivers.registry import DoctorReport, DoctorRequest, SectionModel
from kiosk import config

COMMAND = ("doctor",)
HELP = "device diagnostics for technicians: one device through its real driver, or all of them"


def _add_started_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds to wait for the devices to come online (default 5)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    devices = parser.add_subparsers(dest="device", metavar="DEVICE")
    devices.required = True
    for spec in registry.specs():
        if spec.doctor is not None:
            sub = devices.add_parser(spec.name, help=spec.doctor.help, description=spec.doctor.help)
            spec.doctor.add_arguments(sub)
        else:
            what = f"start the {spec.name} as the kiosk does and report its state"
            _add_started_arguments(devices.add_parser(spec.name, help=what, description=what))
    what = "start every configured device as the kiosk does and report each one's state"
    _add_started_arguments(devices.add_parser("all", help=what, description=what))
    what = "list journal items set aside for good (refused by the platform or unreadable); exit 1 if any"
    journal = devices.add_parser("journal", help=what, description=what)
    journal.add_argument("--state-dir", default=None, help="the kiosk's state folder (default: from the config)")
    journal.add_argument("--json", action="store_true", help="machine-readable output")


def _load(args: argparse.Namespace) -> config.Config | None:
    try:
        return config.load(getattr(args, "config", None))
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        return None


def _section(args: argparse.Namespace, name: str) -> Callable[[], SectionModel | None]:
    def load() -> SectionModel | None:
        cfg = _load(args)
        return cfg.devices.section(name) if cfg is not None else None

    return load


PROBLEM_STATES = frozenset({DeviceState.OFFLINE, DeviceState.HARDWARE_ERROR, DeviceState.USER_ERROR})


def check_started(cfg: config.Config, names: list[str], timeout: float) -> DoctorReport:
    """Start ``names`` (and what they need) as the kiosk would; report each one's state (a
    ``DeviceState`` value), media state and last error once all configured ones are online,
    or when ``timeout`` is up."""
    from kiosk.devices.manager import DeviceManager

    seen: dict[str, DeviceStatusChanged] = {}
    errors: dict[str, str] = {}
    lock = threading.Lock()

    def publish(event: Event) -> None:
        if isinstance(event, DeviceStatusChanged):
            with lock:
                seen[event.device] = event
                if event.state in PROBLEM_STATES and event.detail:
                    errors[event.device] = event.detail

    fitted = [n for n in names if cfg.devices.section(n).backend != "none"]

    def settled() -> bool:
        with lock:
            return all(n in seen and seen[n].state is DeviceState.ONLINE for n in fitted)

    with tempfile.TemporaryDirectory(prefix="kiosk-doctor-") as work:
        manager = DeviceManager(cfg.devices, publish, work)
        try:
            manager.start(names)
            deadline = time.monotonic() + timeout
            while not settled() and time.monotonic() < deadline:
                time.sleep(0.05)
            with lock:
                last, last_errors = dict(seen), dict(errors)
        finally:
            manager.stop()
    rows = []
    for name in names:
        event = last.get(name)
        rows.append({"device": name, "backend": cfg.devices.section(name).backend,
                     "state": event.state.value if event else "unknown",
                     "media": event.media.value if event and event.media else None,
                     "last_error": last_errors.get(name, ""),
                     "detail": event.detail if event else ""})
    ok = all(r["state"] == DeviceState.ONLINE.value for r in rows if r["device"] in fitted)
    lines = tuple(f"{r['device']:10} {r['backend']:9} {r['state']}"
                  + (f" media {r['media']}" if r["media"] else "") + (f" ({r['detail']})" if r["detail"] else "")
                  + (f" last error: {r['last_error']}" if r["last_error"] and r["last_error"] != r["detail"] else "")
                  for r in rows)
    return DoctorReport(0 if ok else 1, {"ok": ok, "devices": rows}, lines)


def check_journal(state_dir: Path) -> DoctorReport:
    """The journal's items set aside for good: each is a citizen's submission that never arrived."""
    from kiosk.services.journal import read_set_aside

    items = read_set_aside(state_dir / "journal")
    if items is None:
        return DoctorReport(0, {"ok": True, "journal": None, "set_aside": []}, (f"no journal in {state_dir}",))
    lines = [f"{len(items)} item(s) set aside for good in {state_dir / 'journal'}"]
    lines += [f"  {i['kind']:12} {i['idempotency_key']} {i['state']:10} after {i['attempts']} tries: {i['last_error']}"
              for i in items]
    data = {"ok": not items, "journal": str(state_dir / "journal"), "set_aside": items}
    return DoctorReport(1 if items else 0, data, tuple(lines))


def _report(args: argparse.Namespace) -> DoctorReport:
    if args.device == "journal":
        if args.state_dir:
            return check_journal(Path(args.state_dir))
        cfg = _load(args)
        return DoctorReport(2) if cfg is None else check_journal(cfg.state_path())
    spec = None if args.device == "all" else registry.get(args.device)
    if spec is not None and spec.doctor is not None:
        from kiosk.services.codes import interpret

        return spec.doctor.run(DoctorRequest(args, _section(args, spec.name), interpret))
    cfg = _load(args)
    if cfg is None:
        return DoctorReport(2)
    return check_started(cfg, list(registry.names()) if spec is None else [spec.name], args.timeout)


def run(args: argparse.Namespace) -> int:
    report = _report(args)
    if getattr(args, "json", False):
        if report.data:
            print(json.dumps(report.data, ensure_ascii=False))
    else:
        for line in report.lines:
            print(line)
    for line in report.errors:
        print(line, file=sys.stderr)
    return report.exit_code

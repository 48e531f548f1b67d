"""What each remote action does on this kiosk, through the same parts technician mode uses.

* ``restart_app``: a clean stop and exit ``RESTART_EXIT_CODE``, which systemd restarts
  (``Restart=always`` in systemd/kiosk.service), like technician mode's restart;
* ``reboot``: ``FieldOps.reboot_command`` (``systemctl reboot``: logind, which the polkit rule in
  systemd/polkit/ lets the kiosk user ask), so tests put a harmless command there;
* ``print_test_page``: the printer's self-test slip, as on technician mode's devices page;
* ``technician_pin_reset``: lift the PIN lock-out and fetch the technician list again;
* ``upload_logs``: the newest lines of the kiosk's own masked log ring, masked again and capped;
* ``screenshot``: the attract screen through the app's hook (none on a headless kiosk), downscaled;
* ``config_push``: a TOML fragment checked with the schema of ``kiosk config check`` on top of the
  file and the drop-ins already there, written atomically as a new drop-in the loader reads
  (``kiosk.config.DROPIN_DIR``), then applied by a restart; an invalid one is refused with the message.
"""

from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import config
from kiosk.ops.fieldops import RESTART_EXIT_CODE
from kiosk.ops.pin import Roster, refresh_roster, reset_lockout
from kiosk.ops.remote_actions import Kind, Result
from kiosk.platform.contract.actions import UPLOAD_LOG_LINES_DEFAULT, RemoteAction
from kiosk.privacy import scrub

log = logging.getLogger(__name__)

LOG_CAP_BYTES = 256 * 1024
"""Masked log text sent at most: the newest lines are kept when there are more."""
SCREENSHOT_SIDE = 720
"""A screenshot's longer side after downscaling: enough to read the attract screen, small to send."""

ScreenCapture = Callable[[], bytes]
"""The app's hook: a PNG of the attract screen, taken on the UI thread; raises ``Deferred`` when not on it."""


def build(rt: Any, print_test_page: Callable[[], tuple[bool, str]]) -> dict[str, Kind]:
    """The kinds this kiosk carries out, on the running kiosk ``rt`` (a ``kiosk.runtime.Runtime``)."""
    return {
        "restart_app": lambda _a: Result("done", "restarting the kiosk app",
                                         then=lambda: rt.field.exit(RESTART_EXIT_CODE)),
        "reboot": lambda _a: reboot(rt.field.run_command, rt.field.reboot_command),
        "print_test_page": lambda _a: Result("done" if (out := print_test_page())[0] else "failed", out[1]),
        "technician_pin_reset": lambda _a: pin_reset(rt.state_dir, rt.client.technicians),
        "upload_logs": lambda a: upload_logs(rt.field.log.records(), a),
        "screenshot": lambda _a: screenshot(getattr(rt, "screen_capture", None)),
        "config_push": lambda a: config_push(rt.cfg, a, then=lambda: rt.field.exit(RESTART_EXIT_CODE)),
    }


def reboot(run_command: Callable[..., Any], command: tuple[str, ...]) -> Result:
    done = run_command(list(command))
    if done.code != 0:
        return Result("failed", f"{' '.join(command)} exited {done.code}: {done.output}")
    return Result("done", "reboot started")


def pin_reset(state_dir: Path, fetch: Callable[[], Any]) -> Result:
    reset_lockout(state_dir)
    logging.getLogger("kiosk.audit").warning("technician PIN lock-out lifted by a remote action")
    roster = Roster(state_dir)
    if refresh_roster(fetch, roster):
        listing = roster.load()
        count = len(listing.technicians) if listing is not None else 0
        return Result("done", f"lock-out lifted; technician list refreshed ({count} technician(s))")
    return Result("done", "lock-out lifted; the technician list could not be fetched, the cached one stays")


def upload_logs(records: list[Any], action: RemoteAction) -> Result:
    """The newest ``lines`` records of the kiosk's masked ring, as text, masked again as a whole, capped."""
    wanted = int(action.params.get("lines", UPLOAD_LOG_LINES_DEFAULT))
    chosen = records[-wanted:]
    text = scrub("".join(f"{r.when()} {r.level} {r.logger}: {r.message}\n" for r in chosen))
    data = text.encode("utf-8")
    if len(data) > LOG_CAP_BYTES:
        data = data[-LOG_CAP_BYTES:]
        data = data[data.find(b"\n") + 1:]  # whole lines only (and never half a UTF-8 character)
    sent = data.count(b"\n")
    return Result("done", f"{sent} of {len(records)} recent log line(s), masked", "log_text", data)


def downscale_png(png: bytes, side: int = SCREENSHOT_SIDE) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.load()
        shot = image.convert("RGB")
    shot.thumbnail((side, side))
    out = io.BytesIO()
    shot.save(out, format="PNG", optimize=True)
    return out.getvalue()


def screenshot(capture: ScreenCapture | None) -> Result:
    if capture is None:
        return Result("refused", "this kiosk runs without a screen (headless): nothing to capture")
    png = downscale_png(capture())
    return Result("done", f"attract screen, {len(png)} bytes", "png", png)


def config_push(cfg: config.Config, action: RemoteAction, *, then: Callable[[], None]) -> Result:
    """Check the fragment as ``kiosk config check`` would, with the file and its drop-ins; write it; restart."""
    text = action.params.get("toml", "")
    if cfg.demo:
        return Result("refused", "this kiosk runs on the demo defaults, without a configuration file to add to")
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-remote-{action.action_id}.toml"
    try:
        base_text = Path(cfg.source).read_text(encoding="utf-8")
        config.with_dropins(config.parse(base_text, cfg.source), base_text, extra=(name, text))
    except config.ConfigError as exc:
        return Result("refused", str(exc))
    except OSError as exc:
        return Result("failed", f"the configuration file cannot be read: {exc.strerror}")
    path = write_dropin(cfg.state_path() / config.DROPIN_DIR, name, text)
    log.warning("configuration pushed by the platform written to %s; restarting to apply it", path)
    return Result("done", f"written to {path}; the kiosk restarts to apply it", then=then)


def write_dropin(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` as ``folder/name`` so the loader sees all of it or none of it, even after a power cut."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    tmp = folder / f".{name}.part"  # not *.toml: the loader never reads a half-written drop-in
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return path

"""Everything a running kiosk holds, composed once from the config, with no Kivy in it.

``kiosk run`` puts a Kivy window on top of it, ``kiosk demo`` and the tests drive it
headless; all three get the same platform client, device manager, journal, payment
ledger, reprint table, outbox loop and speech engine, so what is tested is what runs in
a hall.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from drivers.base import DeviceState
from kiosk import config as config_mod
from kiosk.bus import EventBus
from kiosk.config import Config
from kiosk.devices.board import DeviceBoard
from kiosk.devices.manager import DeviceManager, Devices
from kiosk.devices.status import StatusModel
from kiosk.services.codes import interpreting
from kiosk.visit import SessionHolder, remove_stale_visit_dirs

log = logging.getLogger(__name__)

STOP_DRAIN_S = 1.0
"""How long ``stop`` lets work in flight (a slip half-printed, a submission on the wire) finish.
With the rest of the stop this keeps ``systemctl stop kiosk`` under 2 s."""
DEVICES_START_WAIT_S = 0.5
"""How long ``stop`` waits for devices still being opened (``start_devices``) before closing those that
are open; one still opening closes itself when it is (``DeviceManager.stop``)."""
INTERRUPTED_FILE = "interrupted-at-stop.json"
"""What the last stop could not finish, in the state folder; logged as a warning at the next start."""

Post = Callable[[Callable[[], None]], None]
"""Runs a callable on the UI thread: Kivy's ``Clock.schedule_once`` or the headless loop."""


class HeadlessLoop:
    """The UI thread of a kiosk without a window: ``post`` queues, ``pump`` runs what is queued.

    Tests and the demo call ``run_until(predicate)`` to let worker results arrive, the
    way Kivy's main loop would deliver them between frames.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.thread = threading.current_thread()

    def post(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)

    def pump(self, timeout: float = 0.0) -> int:
        """Run everything queued (waiting up to ``timeout`` for the first item); returns how many ran."""
        ran = 0
        try:
            fn = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
        except queue.Empty:
            return 0
        while True:
            fn()
            ran += 1
            try:
                fn = self._queue.get_nowait()
            except queue.Empty:
                return ran

    def run_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.pump(min(0.05, left))
        return True


class Runtime:
    """The kiosk's parts; ``start()`` opens devices and the platform, ``stop()`` closes them."""

    def __init__(self, cfg: Config, post: Post, *, platform_url: str | None = None,
                 work_dir: str | Path | None = None, workers: int = 4) -> None:
        self.cfg = cfg
        self.post = post
        self.state_dir = Path(work_dir) if work_dir else cfg.state_path()
        self.bus = EventBus()
        self.board = DeviceBoard()
        """Every device's state: what the screens, the journeys, the heartbeat and the metrics read."""
        self.status = StatusModel(self.board)
        self.status.attach(self.bus)
        self.sessions = SessionHolder()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kiosk-work")
        self._inflight: set[Future] = set()
        self._inflight_lock = threading.Lock()
        self.platform_url = platform_url
        self.server: Any = None
        self.client: Any = None
        self.platform_ready = threading.Event()
        """Set once the platform can answer: at once for a configured URL, when it answers for a demo platform
        booting in the background (``platform_failed`` says why it never will)."""
        self.platform_failed = ""
        self._devices_thread: threading.Thread | None = None
        self.devices_deferred = False
        """``start(devices_later=True)`` left the devices to ``start_devices`` (the app calls it after frame one)."""
        self.device_manager = DeviceManager(cfg.devices, interpreting(self.bus.publish), self.state_dir / "devices")
        """Device events reach the bus as the kiosk reads them (a scanned code with its kind)."""
        self.devices: Devices = self.device_manager.devices
        self.journal: Any = None
        self.ledger: Any = None
        self.reprints: Any = None
        self.sender: Any = None
        self.speech: Any = None
        self.started_at = time.monotonic()
        self.heartbeat: Any = None
        self.metrics: Any = None
        self.audit: Any = None
        """Forwards technician-mode audit records to the platform through the outbox."""
        self.image: Any = None
        """The booted OS image (kiosk.ops.image.ImageState), read at start."""
        self.vitals: Any = None
        """Backlog age, payments paused, free disk, last visit: for the heartbeat (kiosk.ops.vitals)."""
        self.remote: Any = None
        """Carries out the platform's remote actions from the heartbeat thread (kiosk.ops.remote_actions)."""
        self.busy_checks: list[Callable[[], str | None]] = [
            lambda: "a citizen's visit is in progress" if self.sessions.visit is not None else None]
        """Why the screen must not be disturbed now; the visit controller adds its own (a visit, technician mode)."""
        self.screen_capture: Callable[[], bytes] | None = None
        """A PNG of the attract screen, set by the app (kiosk.app); None on a kiosk without a window."""
        from kiosk.ops.fieldops import FieldOps

        self.field = FieldOps(before_exit=self.stop)
        """Recent log records, restart/reboot and log export for technician mode."""

    # -- lifecycle ----------------------------------------------------------------------
    def start(self, *, devices_later: bool = False) -> Runtime:
        """Open everything; ``devices_later``: a window shows its first frame first, so the caller opens the
        devices with ``start_devices`` (opening them imports Pillow, NumPy and OpenCV, seconds on a Pi) and
        a demo platform is left booting (``platform_ready``). Without a window (tests, headless runs) start
        returns once the demo platform answers, as the journeys expect a platform from their first step."""
        self.field.start(self.bus)
        removed = remove_stale_visit_dirs()
        if removed:
            log.warning("removed %d visit folder(s) left by an earlier run", removed)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        report_interrupted(self.state_dir / INTERRUPTED_FILE)
        self._start_platform()
        if not devices_later:
            self.platform_ready.wait()
            if self.platform_failed:
                from kiosk.platform.process import PlatformStartError

                raise PlatformStartError(self.platform_failed)
        self._start_journal()
        self._start_speech()
        self._start_fleet_health()
        self.devices_deferred = devices_later
        if not devices_later:
            self.device_manager.start()
        if self.heartbeat is not None:
            self.heartbeat.start()
        return self

    @property
    def devices_thread(self) -> threading.Thread | None:
        """The thread opening the devices (None before ``start_devices``): the process's exit waits for it."""
        return self._devices_thread

    def start_devices(self) -> threading.Thread:
        """Open the devices on a thread of their own; until each has, the board shows it as unknown."""
        self.devices_deferred = False
        thread = self._devices_thread = threading.Thread(target=self.device_manager.start, name="devices-start",
                                                         daemon=True)
        thread.start()
        return thread

    def on_platform_ready(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once the platform can answer: now, or on the thread that saw it come up."""
        if self.platform_ready.is_set():
            fn()
            return

        def wait() -> None:
            self.platform_ready.wait()
            if not self.platform_failed:
                fn()

        threading.Thread(target=wait, name="platform-ready", daemon=True).start()

    def _start_fleet_health(self) -> None:
        """Prometheus series and the heartbeat follow the device events from the first one on."""
        from kiosk.ops import action_kinds
        from kiosk.ops.heartbeat import HeartbeatLoop
        from kiosk.ops.image import image_state
        from kiosk.ops.remote_actions import RemoteActions
        from kiosk.ops.vitals import Vitals
        from kiosk.services.printing import print_test_page

        self.image = image_state(self.state_dir)
        self.vitals = Vitals(self.state_dir, self.journal.oldest_pending_at)
        self.vitals.attach(self.bus)

        def test_page() -> tuple[bool, str]:
            outcome = print_test_page(self.devices.printer)
            return outcome.ok, outcome.message

        self.remote = RemoteActions(self.state_dir, self.client.ack_action, action_kinds.build(self, test_page),
                                    self.screen_busy)
        on_result = None
        if self.cfg.metrics.enabled:
            from kiosk import __version__
            from kiosk.ops.metrics import KioskMetrics

            self.metrics = m = KioskMetrics(__version__, self.cfg.kiosk.id, self.board, self.image)
            m.attach(self.bus)
            m.watch_journal(self.journal.depth, self.journal.unreadable, self.journal.oldest_pending_at)
            m.journal_set_aside.set_function(self.journal.set_aside_count)
            m.watch_disk(self.state_dir)
            m.count_errors()
            m.serve(self.cfg.metrics.host, self.cfg.metrics.port)
            on_result = m.platform_call
        self.heartbeat = HeartbeatLoop(self.client.heartbeat, self.board, self.journal.depth,
                                       interval_s=self.cfg.metrics.heartbeat_s, started=self.started_at,
                                       on_result=on_result, image=self.image, on_ack=self._heartbeat_answered,
                                       vitals=self.vitals)

    def screen_busy(self) -> str | None:
        """Why a remote action that shows or ends something must wait (a visit, technician mode), or None."""
        for check in list(self.busy_checks):
            why = check()
            if why:
                return why
        return None

    def _heartbeat_answered(self, ack: Any) -> None:
        """The platform's answer to a heartbeat: an administrator may have lifted the technician lock-out, or
        issued or revoked a technician (the list is fetched with every heartbeat the platform answered)."""
        from kiosk.ops.pin import Roster, apply_remote_unlock, refresh_roster

        try:
            refresh_roster(self.client.technicians, Roster(self.state_dir))
        except OSError:  # a full or failing disk must not hold back the lock-out lift or the actions
            log.exception("technician list not stored")
        when = getattr(ack, "technician_unlock_at", None)
        if apply_remote_unlock(self.state_dir, when.timestamp() if when is not None else None):
            logging.getLogger("kiosk.audit").warning("technician PIN lock-out lifted by the platform")
        if self.remote is not None and getattr(ack, "actions", None):
            self.remote.handle(ack.actions)

    def stop(self, drain_s: float = STOP_DRAIN_S) -> None:
        """Close everything; work in flight gets ``drain_s`` to finish and is recorded if it does not."""
        self._drain(drain_s)
        self.sessions.end()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self._devices_thread is not None:
            self._devices_thread.join(DEVICES_START_WAIT_S)  # what it opened is closed below
        if self.audit is not None:
            self.audit.detach()
        if self.vitals is not None:
            self.vitals.detach()
        if self.sender is not None:
            self.sender.stop()
        self.device_manager.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self.speech is not None and hasattr(self.speech, "close"):
            self.speech.close()
        if self.client is not None:
            self.client.close()
        for closable in (self.journal, self.ledger):
            if closable is not None:
                closable.close()
        if self.server is not None:
            self.server.stop()
        self.bus.close()
        if self.metrics is not None:
            self.metrics.close()
        self.field.stop()

    def _drain(self, timeout: float) -> None:
        with self._inflight_lock:
            running = set(self._inflight)
        if not running:
            return
        _done, left = wait(running, timeout=timeout)
        printer = self.devices.printer
        printing = printer is not None and getattr(printer, "state", None) is DeviceState.BUSY
        if left or printing:
            record_interrupted(self.state_dir / INTERRUPTED_FILE, len(left), printing)

    def _start_platform(self) -> None:
        from kiosk.platform.client import PlatformClient
        url = self.platform_url or self.cfg.platform.url
        if not url:
            from kiosk.platform.process import launch_in_process

            db = self.state_dir / "reference-platform.sqlite3"
            self.server = launch_in_process(db, always_open=True, log_path=self.state_dir / "reference-platform.log")
            url = self.server.url
            log.info("demo mode: reference platform starting on %s", url)
            threading.Thread(target=self._await_platform, name="platform-boot", daemon=True).start()
        else:
            self.platform_ready.set()
        self.client = PlatformClient.from_config(
            self.cfg.platform, self.cfg.kiosk.id, config_mod.read_secret(self.cfg),
            base_url=url, cache_dir=self.state_dir / "cache")

    def _await_platform(self) -> None:
        """A demo platform boots while the window shows; the poller and journeys find it when it answers."""
        if not self.server.wait_ready():
            self.platform_failed = self.server.failure()
            log.error("demo mode: %s", self.platform_failed)
        self.platform_ready.set()

    def _start_journal(self) -> None:
        from kiosk.services.journal import Journal
        from kiosk.services.ledger import PaymentLedger
        from kiosk.services.outbox import OutboxSender, send_item
        from kiosk.services.reprints import REPRINT_DB, ReprintTable

        self.journal = Journal(self.state_dir / "journal", max_bytes=self.cfg.journal.max_mb * 1024 * 1024)
        self.ledger = PaymentLedger(self.state_dir / "journal")
        self.reprints = ReprintTable(self.state_dir / REPRINT_DB)

        def send(item: Any) -> str:
            reference = send_item(self.client, item, self.journal)
            if self.metrics is not None:
                self.metrics.platform_call(True)  # the platform accepted it: a sync
            return reference

        self.sender = OutboxSender(self.journal, send)
        self.sender.start()
        from kiosk.ops.audit import AuditForwarder

        # Technician actions are journaled like applications, so wiping the kiosk does not wipe them.
        self.audit = AuditForwarder(self.journal.enqueue, self.sender.kick)
        self.audit.attach()

    def _start_speech(self) -> None:
        from kiosk.services.speech import make_engine

        self.speech = make_engine(self.cfg.speech.enabled, self.cfg.speech.engine)

    # -- work off the UI thread -------------------------------------------------------------
    def submit(self, work: Callable[[], Any], then: Callable[[Any], None],
               fail: Callable[[BaseException], None]) -> Future:
        """Run ``work`` in the pool; its outcome is posted back to the UI thread."""

        def finished(fut: Future) -> None:
            if fut.cancelled():
                return
            exc = fut.exception()
            if exc is None:
                result = fut.result()
                self.post(lambda: then(result))
            else:
                self.post(lambda: fail(exc))

        fut = self.pool.submit(work)
        with self._inflight_lock:
            self._inflight.add(fut)
        fut.add_done_callback(self._forget)
        fut.add_done_callback(finished)
        return fut

    def _forget(self, fut: Future) -> None:
        with self._inflight_lock:
            self._inflight.discard(fut)


def record_interrupted(path: Path, unfinished: int, printing: bool) -> None:
    """Note what a stop cut short, for the log now and the technician after the restart."""
    what = "a print job" if printing else f"{unfinished} task(s)"
    log.warning("stopping with %s still in flight", what,
                extra={"kiosk_event": "stop_interrupted", "kiosk_printing": int(printing)})
    try:
        path.write_text(json.dumps({"at": time.time(), "unfinished": unfinished, "printing": printing}),
                        encoding="utf-8")
    except OSError as exc:
        log.error("cannot record the interrupted work in %s: %s", path, exc.strerror)


def report_interrupted(path: Path) -> None:
    """Log, once, what the previous stop recorded as cut short (a slip the citizen may not have)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        log.warning("unreadable stop record %s: %s", path, exc)
        data = {}
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(data.get("at", 0)))
    what = "a print job" if data.get("printing") else f"{data.get('unfinished', '?')} task(s)"
    log.warning("the stop at %s interrupted %s; check the printer's last slip", when, what,
                extra={"kiosk_event": "stop_interrupted_reported"})
    path.unlink(missing_ok=True)

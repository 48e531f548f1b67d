"""Processes of a chaos run: the platform, the fault proxy, the workers, the kills, the final check.

Everything is on loopback and bounded: the platform and every worker are forked children
(``devtools.chaos.processes``) that die with the run (``PR_SET_PDEATHSIG``) and are killed
in a ``finally`` on any way out (done, failure, Ctrl-C, SIGTERM); the run stops taking
kills when its time budget is spent and reports itself incomplete. The kiosk talks to the
platform through the fault proxy (``devtools.chaos.faultproxy``), which injects 5xx,
stalls and resets at ``--faults`` and follows the platform across its restarts.

Each kill picks its victim: the kiosk, the platform (``platform_ratio`` of the kills, a
third of those taking the kiosk down with it) or both. A platform kill is restarted on the
same database after a random outage (up to ``OUTAGE_S``) while the kiosk, if it survived,
goes on with its visit against a proxy answering 502.

Where the kills land: a fifth while the kiosk is starting (journal draining, orders
settling), a sixth at any moment of a visit, and the rest aimed at the moment the
scripted citizen pressed "submit", showed a payment code, or the print started: the
harness asks the citizen to make the next visit one of that kind (``acks.NEXT_VISIT``),
waits for the phase in the worker's event file and kills a random fraction
of a typical phase's duration later (the median of the durations measured so far in
this run; ``PHASE_WINDOW_S`` until there is one). Where each kill really landed (the
last phase line the worker wrote before it) is counted in ``kills_during``; a kill aimed
at a phase that ended first lands in the next one (``shown``, ``leaving``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devtools.chaos.acks import EVENTS, EventTail, aim_next_visit
from devtools.chaos.faultproxy import FaultPlan, FaultProxy
from devtools.chaos.processes import Child, Forker
from kiosk.platform.contract.demo import DEMO_KIOSK_ID

KIOSK_ID = DEMO_KIOSK_ID
TARGETS = {"startup": 20, "anytime": 15, "submit": 25, "pay": 20, "print": 20}
"""Relative weights of where a kill is aimed."""
PHASE_WINDOW_S = {"submit": 0.17, "pay": 0.18, "print": 0.05}
"""How long a phase is taken to last until the run has measured one (seconds; the medians of a
200-kill run). A run whose kills all land in one phase never sees that phase end, so this stays."""
PHASE_SAMPLES = 50
"""A phase's typical duration is the median of its last this many measurements."""
TARGET_KINDS = {"submit": "apply", "pay": "pay", "print": "print"}
ANYTIME_S = 4.0
OUTAGE_S = 1.5
"""A killed platform is restarted after a random outage of up to this long."""
BOTH_SHARE = 1 / 3
"""Of the kills that take the platform, the share that also kill the kiosk at the same moment."""
READ_TIMEOUT_S = 4.0
"""The worker kiosk's platform read timeout; a stalled request is held a second longer."""
FORKSERVER_START_S = 300.0
PLATFORM_START_S = 60.0
READY_WAIT_S = 90.0
PHASE_WAIT_S = 20.0
FINAL_WAIT_S = 150.0


class HarnessError(RuntimeError):
    """The harness itself could not do its job (platform would not start, workers keep dying)."""


class Run:
    def __init__(self, run_dir: Path, *, seed: int, only: list[str] | None, mutate: list[str],
                 log: Callable[[str], None], platform_ratio: float = 0.0, faults: float = 0.0,
                 platform_mutate: list[str] | None = None) -> None:
        self.dir = run_dir
        self.state = run_dir / "state"
        self.db = run_dir / "platform.sqlite3"
        self.seed = seed
        self.only = only or []
        self.mutate = mutate
        self.platform_mutate = platform_mutate or []
        self.platform_ratio = platform_ratio
        self.log = log
        self.rng = random.Random(seed)
        self.victims = random.Random(f"victims-{seed}")
        """Separate from ``rng`` so a seed aims the same kills whatever the platform share."""
        self.forker = Forker()
        self.proxy = FaultProxy(FaultPlan(rate=faults, stall_s=READ_TIMEOUT_S + 1.0, seed=seed))
        self.platform: Child | None = None
        self.worker: Child | None = None
        self.tail: EventTail | None = None
        self.seen: list[dict] = []
        """The running worker's event lines so far."""
        self.unread: list[dict] = []
        """Lines read from the event file but not yet looked at (they came with a line a watch waited for)."""
        self.ready_s: list[float] = []
        self.platform_start_s: list[float] = []
        self.kills_during: Counter[str] = Counter()
        self.platform_kills_during: Counter[str] = Counter()
        self.victim_counts: Counter[str] = Counter()
        self.aimed: Counter[str] = Counter()
        self.phase_s: dict[str, list[float]] = {}
        """Measured durations of each phase (from its line to the worker's next line)."""
        self.not_ready = 0
        """Restarted workers that took citizens without having drained and settled."""
        self.failures: list[dict[str, Any]] = []

    # -- processes -------------------------------------------------------------------------
    def start_platform(self) -> None:
        url_file = self.dir / "platform.url"
        for _attempt in range(3):
            url_file.unlink(missing_ok=True)
            started = time.monotonic()
            argv = ["--db", str(self.db), "--url-file", str(url_file)]
            for name in self.platform_mutate:
                argv += ["--mutate", name]
            self.platform = self.forker.platform(argv, self.dir / "platform.log")
            while time.monotonic() - started < PLATFORM_START_S and self.platform.poll() is None:
                if url_file.exists():
                    host, port = url_file.read_text().removeprefix("http://").rsplit(":", 1)
                    self.proxy.set_upstream(host, int(port))
                    self.platform_start_s.append(time.monotonic() - started)
                    return
                time.sleep(0.01)
            self._stop(self.platform, term=False)
        raise HarnessError(f"the reference platform did not start; see {self.dir / 'platform.log'}")

    def kill_platform(self) -> None:
        self.proxy.upstream = None
        self._stop(self.platform, term=False)
        self.platform = None

    def _worker_argv(self, seed: int, final: bool = False) -> list[str]:
        argv = ["--state", str(self.state), "--platform", self.proxy.url, "--run", str(self.dir),
                "--seed", str(seed), "--read-timeout", str(READ_TIMEOUT_S)]
        for kind in self.only:
            argv += ["--only", kind]
        for name in self.mutate:
            argv += ["--mutate", name]
        return argv + (["--final"] if final else [])

    @staticmethod
    def _stop(proc: Child | None, term: bool = True, wait_s: float = 10.0) -> None:
        if proc is None or proc.poll() is not None:
            return
        if term:
            proc.terminate()
        else:
            proc.kill()
        try:
            proc.wait(wait_s)
        except TimeoutError:
            proc.kill()
            proc.wait(5)

    def close(self) -> None:
        self._stop(self.worker, term=False)
        self._stop(self.platform)
        self.proxy.stop()

    # -- one kill --------------------------------------------------------------------------
    def _aim(self) -> str:
        allowed = {t: w for t, w in TARGETS.items()
                   if t not in TARGET_KINDS or not self.only or TARGET_KINDS[t] in self.only}
        return self.rng.choices(list(allowed), weights=list(allowed.values()))[0]

    def _victim(self) -> str:
        if self.victims.random() >= self.platform_ratio:
            return "kiosk"
        return "both" if self.victims.random() < BOTH_SHARE else "platform"

    def _watch(self, until: Callable[[dict], bool], timeout: float) -> bool:
        """Follow the worker's events until one matches; False if it died or the time ran out."""
        assert self.worker is not None and self.tail is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch, self.unread = self.unread + self.tail.read(), []
            for i, e in enumerate(batch):
                if e.get("pid") == self.worker.pid:
                    self.seen.append(e)
                    if until(e):
                        self.unread = batch[i + 1:]  # lines read with it are for the next watch
                        return True
            if self.worker.poll() is not None:
                return False
            time.sleep(0.005)
        return False

    def _landed(self) -> str:
        phases = [e["p"] for e in self.seen if e["kind"] == "phase"]
        if not any(e["kind"] == "ready" for e in self.seen):
            return "startup"
        return phases[-1] if phases else "ready"

    def kill_once(self, n: int) -> None:
        target = self._aim()
        victim = self._victim()
        self.aimed[target] += 1
        self.victim_counts[victim] += 1
        fresh = self.worker is None
        aim_next_visit(self.dir, TARGET_KINDS.get(target))
        if fresh:
            self.tail = EventTail(self.dir / EVENTS)
            self.seen, self.unread = [], []
            spawned = time.monotonic()
            self.worker = self.forker.worker(self._worker_argv(self.seed * 100_003 + n), self.dir / "worker.log")
        elif target == "startup":
            target = "anytime"  # the kiosk survived the last (platform) kill: it is not starting
        if target == "startup":
            typical = statistics.median(self.ready_s) if self.ready_s else 1.0
            self._watch(lambda e: False, self.rng.uniform(0.05, typical * 1.1))
        elif not fresh or self._watch(lambda e: e["kind"] == "ready", READY_WAIT_S):
            if fresh:
                self.ready_s.append(time.monotonic() - spawned)
            if target == "anytime":
                self._watch(lambda e: False, self.rng.uniform(0.0, ANYTIME_S))
            elif self._watch(lambda e: e["kind"] == "phase" and e.get("p") == target, PHASE_WAIT_S):
                time.sleep(self.rng.uniform(0.0, self.typical(target)))
        if victim != "kiosk":
            self.platform_kills_during[self._landed()] += 1
            self.kill_platform()
        if victim != "platform" or self.worker.poll() is not None:
            self._end_worker(n, target)
        if victim != "kiosk":
            time.sleep(self.victims.uniform(0.0, OUTAGE_S))
            self.start_platform()

    def _end_worker(self, n: int, target: str) -> None:
        assert self.worker is not None and self.tail is not None
        code = self.worker.poll()
        if code is None:
            self.worker.kill()
        self.worker.wait(10)
        rest, self.unread = self.unread + self.tail.read(), []
        self.seen += [e for e in rest if e.get("pid") == self.worker.pid]  # written before it died
        self._measure(self.seen)
        if code is not None:
            self.failures.append({"kill": n, "exit_code": code, "aimed": target,
                                  "log_tail": _tail(self.dir / "worker.log")})
            self.log(f"worker {self.worker.pid} exited by itself with {code} (kill {n})")
        self.kills_during[self._landed()] += 1
        self.worker = None

    def typical(self, phase: str) -> float:
        """How long ``phase`` usually lasts in this run: where a kill aimed at it is drawn from."""
        measured = self.phase_s.get(phase)
        if not measured:
            return PHASE_WINDOW_S[phase]
        return statistics.median(measured[-PHASE_SAMPLES:])

    def _measure(self, seen: list[dict]) -> None:
        """Phase durations from one worker's lines (the last phase, cut short by the kill, is not one)."""
        for e, nxt in itertools.pairwise(seen):
            if e["kind"] == "phase" and e.get("p") in PHASE_WINDOW_S:
                self.phase_s.setdefault(e["p"], []).append(max(0.0, nxt["t"] - e["t"]))
        self.not_ready += sum(1 for e in seen if e["kind"] == "ready" and not e.get("ok"))

    def final(self) -> dict[str, Any]:
        out = self.dir / "final.out"
        if self.worker is not None:  # the last kill took only the platform: this kiosk is not counted as killed
            self._stop(self.worker, term=False)
            self.worker = None
        self.worker = self.forker.worker(self._worker_argv(self.seed * 100_003 + 99_999, final=True),
                                         self.dir / "worker.log", out=out)
        try:
            code = self.worker.wait(FINAL_WAIT_S)
        except TimeoutError:
            self._stop(self.worker, term=False)
            return {"ready": False, "error": f"the final kiosk did not finish in {FINAL_WAIT_S:.0f} s"}
        finally:
            self.worker = None
        lines = out.read_text().strip().splitlines() if out.exists() else []
        try:
            report = json.loads(lines[-1])
        except (IndexError, ValueError):
            report = {"ready": False, "error": f"the final kiosk exited with {code} and no report",
                      "log_tail": _tail(self.dir / "worker.log")}
        report["exit_code"] = code
        return report


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def run_chaos(kills: int, *, seed: int | None = None, keep: str | Path | None = None,
              timeout_s: float | None = None, only: list[str] | None = None, mutate: list[str] | None = None,
              platform_ratio: float = 0.0, faults: float = 0.0, platform_mutate: list[str] | None = None,
              log: Callable[[str], None] = lambda msg: None) -> dict[str, Any]:
    """Kill a worker kiosk or the platform ``kills`` times, let a final kiosk drain and settle, judge."""
    from devtools.chaos.verdict import judge, platform_orders

    if not 0.0 <= platform_ratio <= 1.0:
        raise HarnessError(f"the platform kill ratio must be between 0 and 1, not {platform_ratio}")
    seed = random.SystemRandom().randrange(1 << 31) if seed is None else seed
    budget = timeout_s if timeout_s is not None else 120.0 + 12.0 * kills
    started = time.monotonic()
    if keep:
        run_dir = Path(keep)
        if run_dir.exists() and any(run_dir.iterdir()):
            raise HarnessError(f"{run_dir} is not empty; --keep needs a new or empty folder")
        run_dir.mkdir(parents=True, exist_ok=True)
    else:
        run_dir = Path(tempfile.mkdtemp(prefix="kiosk-chaos-"))
    try:
        run = Run(run_dir, seed=seed, only=only, mutate=mutate or [], log=log, platform_ratio=platform_ratio,
                  faults=faults, platform_mutate=platform_mutate)
    except ValueError as exc:
        raise HarnessError(str(exc)) from None
    done = 0
    timed_out = False
    try:
        run.proxy.start()
        try:
            forkserver_s = run.forker.warm(FORKSERVER_START_S)
        except RuntimeError as exc:
            raise HarnessError(str(exc)) from None
        run.start_platform()
        seeded = platform_orders(run.db, KIOSK_ID)
        log(f"platform on {run.proxy.upstream}, fault proxy on {run.proxy.url}; run folder {run_dir}")
        while done < kills:
            if time.monotonic() - started > budget:
                timed_out = True
                log(f"time budget of {budget:.0f} s spent after {done} kills")
                break
            run.kill_once(done)
            done += 1
            if len(run.failures) >= 3 and all(f["kill"] >= done - 3 for f in run.failures[-3:]):
                raise HarnessError("three workers in a row exited by themselves:\n" + run.failures[-1]["log_tail"])
            if done % 25 == 0:
                log(f"{done} kills, {time.monotonic() - started:.0f} s")
        final = run.final()
        run._stop(run.platform)
        verdict = judge(run_dir, run.db, run.state, KIOSK_ID, seeded)
    finally:
        with contextlib.suppress(Exception):
            run.close()
    report: dict[str, Any] = {
        "kills": done,
        "kills_planned": kills,
        "kiosk_kills": run.victim_counts["kiosk"] + run.victim_counts["both"],
        "platform_kills": run.victim_counts["platform"] + run.victim_counts["both"],
        "kills_by_victim": dict(run.victim_counts),
        "faults": run.proxy.report(),
        **{k: v for k, v in verdict.items() if k != "details"},
        "kills_aimed": dict(run.aimed),
        "kills_during": dict(run.kills_during),
        "platform_kills_during": dict(run.platform_kills_during),
        "restart_to_ready_s": _median(run.ready_s),
        "platform_restart_s": _median(run.platform_start_s),
        "forkserver_start_s": round(forkserver_s, 1),
        "restarts_not_ready": run.not_ready,
        "phase_s": {p: round(run.typical(p), 3) for p in PHASE_WINDOW_S if run.phase_s.get(p)},
        "worker_failures": len(run.failures),
        "final": final,
        "seed": seed,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    problems = list(verdict["violations"])
    if run.failures:
        problems.append("worker_failures")
    if not final.get("ready"):
        problems.append("final_not_settled")
    if timed_out:
        problems.append("timed_out")
    report["violations"] = problems
    report["ok"] = not problems
    report["details"] = {**verdict["details"], "worker_failures": run.failures[:5]}
    if keep:
        report["run_dir"] = str(run_dir)
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    return report

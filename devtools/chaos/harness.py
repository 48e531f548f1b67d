"""Processes of a chaos run: the platform, the workers, the kills, the final check.

Everything is on loopback and bounded: the platform and every worker are children of
this process that die with it (``PR_SET_PDEATHSIG`` where Linux offers it) and are
killed in a ``finally`` on any way out (done, failure, Ctrl-C, SIGTERM); a worker
that outlives its welcome is SIGKILLed; the run stops taking kills when its time
budget is spent and reports itself incomplete.

Where the kills land: a fifth while the kiosk is starting (journal draining, orders
settling), a sixth at any moment of a visit, and the rest aimed at the moment the
scripted citizen pressed "submit", showed a payment code, or the print started: the
harness waits for that phase in the worker's event file and kills a random fraction
of a typical phase's duration later (the median of the durations measured so far in
this run; ``PHASE_WINDOW_S`` until there is one). Where each kill really landed (the
last phase line the worker wrote before it died) is counted in ``kills_during``; a
kill aimed at a phase that ended first lands in the next one (``shown``, ``leaving``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from devtools.chaos.acks import EVENTS
from kiosk.platform.contract.demo import DEMO_KIOSK_ID
from kiosk.platform.process import die_with_parent, free_port

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
PLATFORM_START_S = 60.0
READY_WAIT_S = 90.0
PHASE_WAIT_S = 20.0
FINAL_WAIT_S = 150.0


class HarnessError(RuntimeError):
    """The harness itself could not do its job (platform would not start, workers keep dying)."""


class EventTail:
    """Reads the worker event file as it grows (complete lines only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0
        self._rest = b""

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        self.offset += len(data)
        data = self._rest + data
        lines = data.split(b"\n")
        self._rest = lines.pop()
        out = []
        for raw in lines:
            with contextlib.suppress(ValueError):
                out.append(json.loads(raw))
        return out


class Run:
    def __init__(self, run_dir: Path, *, seed: int, only: list[str] | None, mutate: list[str],
                 log: Callable[[str], None]) -> None:
        self.dir = run_dir
        self.state = run_dir / "state"
        self.db = run_dir / "platform.sqlite3"
        self.seed = seed
        self.only = only or []
        self.mutate = mutate
        self.log = log
        self.rng = random.Random(seed)
        self.platform: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.url = ""
        self._logs: list[IO[bytes]] = []
        self.ready_s: list[float] = []
        self.kills_during: Counter[str] = Counter()
        self.aimed: Counter[str] = Counter()
        self.phase_s: dict[str, list[float]] = {}
        """Measured durations of each phase (from its line to the worker's next line)."""
        self.not_ready = 0
        """Restarted workers that took citizens without having drained and settled."""
        self.failures: list[dict[str, Any]] = []

    # -- processes -------------------------------------------------------------------------
    def _log_file(self, name: str) -> IO[bytes]:
        fh = (self.dir / name).open("ab")
        self._logs.append(fh)
        return fh

    def _spawn(self, cmd: list[str], log_name: str, stdout: int | IO[bytes] | None = None) -> subprocess.Popen:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("KIOSK_CONFIG", None)
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout or self._log_file(log_name),
                                stderr=self._log_file(log_name), env=env, preexec_fn=die_with_parent)

    def start_platform(self) -> None:
        for _attempt in range(3):
            port = free_port()
            self.platform = self._spawn([sys.executable, "-m", "kiosk", "platform", "serve", "--host", "127.0.0.1",
                                         "--port", str(port), "--db", str(self.db), "--demo", "--always-open"],
                                        "platform.log")
            self.url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + PLATFORM_START_S
            while time.monotonic() < deadline and self.platform.poll() is None:
                try:
                    with urllib.request.urlopen(self.url + "/openapi.json", timeout=2) as resp:
                        if resp.status == 200:
                            return
                except OSError:
                    time.sleep(0.1)
            self._stop(self.platform, term=False)
        raise HarnessError(f"the reference platform did not start; see {self.dir / 'platform.log'}")

    def _worker_cmd(self, seed: int, final: bool = False) -> list[str]:
        cmd = [sys.executable, "-m", "devtools.chaos.worker", "--state", str(self.state), "--platform", self.url,
               "--run", str(self.dir), "--seed", str(seed)]
        for kind in self.only:
            cmd += ["--only", kind]
        for name in self.mutate:
            cmd += ["--mutate", name]
        return cmd + (["--final"] if final else [])

    @staticmethod
    def _stop(proc: subprocess.Popen | None, term: bool = True, wait_s: float = 10.0) -> None:
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM if term else signal.SIGKILL)
        try:
            proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(5)

    def close(self) -> None:
        self._stop(self.worker, term=False)
        self._stop(self.platform)
        for fh in self._logs:
            fh.close()
        self._logs.clear()

    # -- one kill --------------------------------------------------------------------------
    def _aim(self) -> str:
        allowed = {t: w for t, w in TARGETS.items()
                   if t not in TARGET_KINDS or not self.only or TARGET_KINDS[t] in self.only}
        return self.rng.choices(list(allowed), weights=list(allowed.values()))[0]

    def _watch(self, tail: EventTail, pid: int, until: Callable[[dict], bool], timeout: float,
               seen: list[dict]) -> bool:
        """Follow the worker's events until one matches; False if it died or the time ran out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in tail.read():
                if e.get("pid") == pid:
                    seen.append(e)
                    if until(e):
                        return True
            if self.worker is not None and self.worker.poll() is not None:
                return False
            time.sleep(0.005)
        return False

    def kill_once(self, n: int) -> None:
        tail = EventTail(self.dir / EVENTS)
        target = self._aim()
        self.aimed[target] += 1
        spawned = time.monotonic()
        self.worker = self._spawn(self._worker_cmd(self.seed * 100_003 + n), "worker.log")
        pid = self.worker.pid
        seen: list[dict] = []
        if target == "startup":
            typical = statistics.median(self.ready_s) if self.ready_s else 1.5
            deadline = spawned + self.rng.uniform(0.05, typical * 1.1)
            while time.monotonic() < deadline and self.worker.poll() is None:
                self._watch(tail, pid, lambda e: False, min(0.02, max(0.0, deadline - time.monotonic())), seen)
        else:
            if self._watch(tail, pid, lambda e: e["kind"] == "ready", READY_WAIT_S, seen):
                self.ready_s.append(time.monotonic() - spawned)
                if target == "anytime":
                    self._watch(tail, pid, lambda e: False, self.rng.uniform(0.0, ANYTIME_S), seen)
                elif self._watch(tail, pid, lambda e: e["kind"] == "phase" and e.get("p") == target,
                                 PHASE_WAIT_S, seen):
                    time.sleep(self.rng.uniform(0.0, self.typical(target)))
        code = self.worker.poll()
        if code is None:
            self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(10)
        seen += [e for e in tail.read() if e.get("pid") == pid]  # what it wrote before it died
        self._measure(seen)
        if code is not None:
            self.failures.append({"kill": n, "exit_code": code, "aimed": target,
                                  "log_tail": _tail(self.dir / "worker.log")})
            self.log(f"worker {pid} exited by itself with {code} (kill {n})")
        phases = [e["p"] for e in seen if e["kind"] == "phase"]
        if not any(e["kind"] == "ready" for e in seen):
            landed = "startup"
        else:
            landed = phases[-1] if phases else "ready"
        self.kills_during[landed] += 1
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
        out = self._log_file("final.out")
        self.worker = self._spawn(self._worker_cmd(self.seed * 100_003 + 99_999, final=True), "worker.log",
                                  stdout=out)
        try:
            code = self.worker.wait(FINAL_WAIT_S)
        except subprocess.TimeoutExpired:
            self._stop(self.worker, term=False)
            return {"ready": False, "error": f"the final kiosk did not finish in {FINAL_WAIT_S:.0f} s"}
        finally:
            self.worker = None
        out.flush()
        lines = (self.dir / "final.out").read_text().strip().splitlines()
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


def run_chaos(kills: int, *, seed: int | None = None, keep: str | Path | None = None,
              timeout_s: float | None = None, only: list[str] | None = None, mutate: list[str] | None = None,
              log: Callable[[str], None] = lambda msg: None) -> dict[str, Any]:
    """Kill a worker kiosk ``kills`` times, let a final one drain and settle, judge; returns the report."""
    from devtools.chaos.verdict import judge, platform_orders

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
    run = Run(run_dir, seed=seed, only=only, mutate=mutate or [], log=log)
    done = 0
    timed_out = False
    try:
        run.start_platform()
        seeded = platform_orders(run.db, KIOSK_ID)
        log(f"platform on {run.url}; run folder {run_dir}")
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
        run.close()
    report: dict[str, Any] = {
        "kills": done,
        "kills_planned": kills,
        **{k: v for k, v in verdict.items() if k != "details"},
        "kills_aimed": dict(run.aimed),
        "kills_during": dict(run.kills_during),
        "restart_to_ready_s": round(statistics.median(run.ready_s), 3) if run.ready_s else None,
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

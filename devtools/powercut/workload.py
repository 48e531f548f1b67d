"""Random work on the journal, the payment ledger and the reprint table, cut off by power cuts.

One run drives a random sequence of store operations on a fresh state folder while the
shim (``devtools.powercut.disk``) records the disk; every operation is bracketed in the log
by a "begun" and a "returned" marker. Each cut picks a log position, rebuilds the disk a
power cut there would leave, opens the stores on it with the kiosk's own code (so SQLite
recovers the WAL as it would at boot) and compares what they hold with a model: every
operation that had returned must be there exactly once; the one in flight may be there
or not, but never half.
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.powercut.disk import Cut, disk_after_cut, recorder, write_disk
from kiosk.platform.contract.payments import OrderStatus
from kiosk.services.journal import Journal
from kiosk.services.ledger import PaymentLedger
from kiosk.services.reprints import ReprintTable

ANY = "?"
"""In an expected snapshot: any value (the attempt key an operation in flight drew)."""


class Stores:
    """The three stores on one state folder, laid out as the kiosk lays them out."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.journal = Journal(state / "journal")
        self.ledger = PaymentLedger(state / "journal")
        self.reprints = ReprintTable(state / "reprints.sqlite3")

    def close(self) -> None:
        self.journal.close()
        self.ledger.close()


@dataclass
class Op:
    name: str
    entity: tuple
    args: dict[str, Any]
    result: Any = None


@dataclass
class Run:
    """One recorded run: its operations, where each began and returned in the disk log."""

    root: Path
    log: Any
    ops: list[Op] = field(default_factory=list)
    begun: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)


def _payload(rng: random.Random, n: int) -> dict:
    return {"n": n, "text": "".join(rng.choice("政务服务自助终端abc") for _ in range(rng.choice((20, 600, 3000))))}


def _choose(rng: random.Random, model: dict, n: int) -> Op | None:
    """The next operation, legal for what the model holds."""
    pending = [e for e, s in model.items() if e[0] == "j" and s and s[0] == "pending"]
    orders = {e: s for e, s in model.items() if e[0] == "o"}
    codes = [e for e, s in model.items() if e[0] == "r" and s]
    roll = rng.random()
    if roll < 0.22:
        return Op("enqueue", ("j", str(uuid.UUID(int=rng.getrandbits(128)))),
                  {"kind": rng.choice(("application", "rating", "help_call")), "payload": _payload(rng, n)})
    if roll < 0.34 and pending:
        return Op("acknowledge", rng.choice(pending), {"reference": f"CASE-{n}"})
    if roll < 0.48:
        return Op("record", ("o", f"ORD{n:05d}"), {"amount": rng.randint(0, 5000),
                                                   "purpose": rng.choice(("", f"print:C{n}"))})
    if roll < 0.58:
        created = [e for e, s in orders.items() if s[0] == "created"]
        if created:
            return Op("attempt", rng.choice(created), {})
    if roll < 0.68:
        open_ = [e for e, s in orders.items() if s[0] in ("created", "pending")]
        if open_:
            new = rng.choice((OrderStatus.PAID, OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.CANCELLED))
            return Op("move", rng.choice(open_), {"state": new, "receipt": f"R{n:07d}" if new is OrderStatus.PAID
                                                  else None})
    if roll < 0.74:
        paid = [e for e, s in orders.items() if s[0] == "paid" and not s[3]]
        if paid:
            return Op("delivered", rng.choice(paid), {})
    if roll < 0.86:
        return Op("reprint_add", ("r", f"P{n:07d}"), {"cert": f"C{n}"})
    if roll < 0.94 and codes:
        return Op("reprint_remove", rng.choice(codes), {})
    if roll >= 0.97:
        return Op("reopen", ("-",), {})
    return None


def _do(stores: Stores, op: Op) -> Any:
    key = op.entity[1]
    if op.name == "enqueue":
        return stores.journal.enqueue(op.args["kind"], op.args["payload"], key)
    if op.name == "acknowledge":
        (item,) = [i for i in stores.journal.due(now=1e18, limit=100_000) if i.idempotency_key == key]
        return stores.journal.acknowledge(item.id, op.args["reference"])
    if op.name == "record":
        return stores.ledger.record(key, "SVC", op.args["amount"], "", purpose=op.args["purpose"])
    if op.name == "attempt":
        return stores.ledger.begin_attempt(key)
    if op.name == "move":
        return stores.ledger.move(key, op.args["state"], op.args["receipt"])
    if op.name == "delivered":
        return stores.ledger.mark_delivered(key)
    if op.name == "reprint_add":
        return stores.reprints.add(key, op.args["cert"])
    if op.name == "reprint_remove":
        return stores.reprints.remove(key)
    raise ValueError(op.name)


def _apply(model: dict, op: Op, result: Any) -> None:
    """The snapshot of ``op.entity`` once ``op`` is done (``result``: what it returned, or ANY)."""
    e, a = op.entity, op.args
    if op.name == "enqueue":
        model[e] = ("pending", op.args["kind"], json.dumps(a["payload"], sort_keys=True))
    elif op.name == "acknowledge":
        model[e] = ("delivered", a["reference"])
    elif op.name == "record":
        model[e] = ("created", "", None, False, a["amount"], ())
    elif op.name in ("attempt", "move", "delivered"):
        state, receipt, attempt, delivered, amount, events = model[e]
        if op.name == "attempt":
            model[e] = ("pending", receipt, result, delivered, amount, (*events, "pending"))
        elif op.name == "move":
            new = a["state"].value
            model[e] = (new, a["receipt"] or receipt, attempt, delivered, amount,
                        events if new == state else (*events, new))
        else:
            model[e] = (state, receipt, attempt, True, amount, events)
    elif op.name == "reprint_add":
        model[e] = a["cert"]
    elif op.name == "reprint_remove":
        model[e] = None


def record_run(rng: random.Random, operations: int, base: Path) -> Run:
    """Drive ``operations`` random operations on a fresh state folder under ``base``, recording the disk."""
    root = Path(tempfile.mkdtemp(dir=base, prefix="run-"))
    run = Run(root, recorder().watch(root))
    stores = Stores(root)
    model: dict = {}
    try:
        while len(run.ops) < operations:
            op = _choose(rng, model, len(run.ops))
            if op is None:
                continue
            run.begun.append(run.log.mark(("begin", len(run.ops))))
            if op.name == "reopen":
                stores.close()
                stores = Stores(root)
            else:
                op.result = _do(stores, op)
            run.returned.append(run.log.mark(("end", len(run.ops))))
            run.ops.append(op)
            if op.name != "reopen":
                _apply(model, op, op.result)
    finally:
        stores.close()
        recorder().stop()
    if run.ops and not any(e[0] == "sync" for e in run.log.entries):
        raise RuntimeError("the shim saw no sync: this Python's sqlite3 module does not use the shared"
                           " libsqlite3 the shim is registered in (statically linked SQLite?)")
    return run


def read_stores(state: Path) -> dict:
    """What the stores hold after they were opened on ``state`` (as snapshots comparable with the model)."""
    out: dict = {}
    stores = Stores(state)  # the kiosk's own open: SQLite recovers the WAL here
    try:
        for item in stores.journal.due(now=1e18, limit=100_000):
            out[("j", item.idempotency_key)] = ("pending", item.kind, json.dumps(item.payload, sort_keys=True))
        unreadable = stores.journal.unreadable()
        stores.reprints.entries()
    finally:
        stores.close()
    if unreadable:
        out[("half-done", "journal rows unreadable")] = unreadable
    with closing(sqlite3.connect(state / "journal" / "journal.db")) as db:
        for key, ref in db.execute("SELECT idempotency_key, reference FROM delivered"):
            out[("j", key)] = "DUPLICATED" if ("j", key) in out else ("delivered", ref)
    with closing(sqlite3.connect(state / "journal" / "payments.db")) as db:
        events: dict[str, list[str]] = {}
        for order_id, state_ in db.execute("SELECT order_id, state FROM order_events ORDER BY rowid"):
            events.setdefault(order_id, []).append(state_)
        for row in db.execute("SELECT order_id, state, receipt_code, attempt_key, delivered, amount_fen FROM orders"):
            evs = tuple(events.get(row[0], ()))
            dup = any(n > 1 for n in Counter(evs).values())
            out[("o", row[0])] = "DUPLICATED" if dup else (row[1], row[2], row[3], bool(row[4]), row[5], evs)
    with closing(sqlite3.connect(state / "reprints.sqlite3")) as db:
        for code, cert in db.execute("SELECT code, cert_id FROM reprints"):
            out[("r", code)] = cert
    return out


def _matches(actual: Any, expected: Any) -> bool:
    if isinstance(actual, tuple) and isinstance(expected, tuple) and len(actual) == len(expected):
        return all(x == ANY or _matches(a, x) for a, x in zip(actual, expected, strict=True))
    return actual == expected


def check_cut(run: Run, at: int, cut_root: Path, rng: random.Random | None) -> tuple[Counter, list[dict], Cut]:
    """Rebuild the disk a cut at ``at`` leaves, reopen the stores, count what was lost, duplicated, half done."""
    cut = disk_after_cut(run.log, at, rng=rng)
    state = Path(tempfile.mkdtemp(dir=cut_root, prefix="cut-"))
    write_disk(cut, run.root, state)
    key = run.root / "journal" / "journal.key"  # written with its own fsync (file and folder) before any row
    (state / "journal").mkdir(parents=True, exist_ok=True)
    (state / "journal" / "journal.key").write_bytes(key.read_bytes())
    try:
        actual: dict | None = read_stores(state)
    except sqlite3.DatabaseError as exc:  # a store SQLite cannot open any more: all it held is lost
        actual, damage = None, f"{type(exc).__name__}: {exc}"
    expected: dict = {}
    history: dict[tuple, list] = {}
    inflight: Op | None = None
    for i, op in enumerate(run.ops):
        if run.returned[i] < at:
            if op.name != "reopen":
                history.setdefault(op.entity, [None]).append(expected.get(op.entity))
                _apply(expected, op, op.result)
        elif run.begun[i] < at:
            inflight = op
    alternative = dict(expected)
    if inflight is not None and inflight.name != "reopen":
        _apply(alternative, inflight, ANY)
    verdict: Counter = Counter(cuts=1, acknowledged=sum(1 for r in run.returned if r < at))
    verdict["mid_operation"] += inflight is not None
    examples: list[dict] = []
    if actual is None:
        verdict["corrupt"] += 1
        verdict["lost"] += sum(1 for v in expected.values() if v is not None)
        return verdict, [{"corrupt": damage}], cut
    for entity in set(actual) | set(expected) | set(alternative):
        a, x, y = actual.get(entity), expected.get(entity), alternative.get(entity)
        if _matches(a, x) or _matches(a, y):
            continue
        if a == "DUPLICATED":
            verdict["duplicated"] += 1
        elif any(_matches(a, h) for h in history.get(entity, [None])):
            verdict["lost"] += 1
        else:
            verdict["half_done"] += 1
        examples.append({"entity": list(entity), "on_disk": repr(a)[:120], "acknowledged": repr(x)[:120]})
    return verdict, examples, cut


def power_cuts(seed: int, cuts: int, work: Path, *, operations: int = 30, cuts_per_run: int = 5,
               torn_share: float = 0.5) -> dict:
    """``cuts`` power cuts over runs of ``operations`` random operations; the figures, violations first.

    Each run is cut at ``cuts_per_run`` random log positions (each rebuilt on its own); a
    ``torn_share`` of the cuts keep a random part of the writes not yet synced.
    """
    rng = random.Random(seed)
    work.mkdir(parents=True, exist_ok=True)
    total: Counter = Counter()
    examples: list[dict] = []
    runs = 0
    while total["cuts"] < cuts:
        run = record_run(rng, operations, work)
        runs += 1
        total["operations"] += len(run.ops)
        for _ in range(min(cuts_per_run, cuts - total["cuts"])):
            at = rng.randint(0, len(run.log.entries))
            torn = rng.random() < torn_share
            verdict, found, cut = check_cut(run, at, work, random.Random(rng.getrandbits(32)) if torn else None)
            total += verdict
            total["torn"] += torn
            total["unsynced_writes_lost"] += cut.unsynced_writes - cut.kept_unsynced
            total["unsynced_writes_kept"] += cut.kept_unsynced
            examples.extend(found[:3 - len(examples)])
    return {"cuts": total["cuts"], "runs": runs, "operations": total["operations"],
            "acknowledged": total["acknowledged"], "lost": total["lost"], "duplicated": total["duplicated"],
            "half_done": total["half_done"], "corrupt": total["corrupt"], "torn": total["torn"],
            "mid_operation": total["mid_operation"],
            "unsynced_writes_lost": total["unsynced_writes_lost"],
            "unsynced_writes_kept": total["unsynced_writes_kept"], "seed": seed, "examples": examples}


@contextmanager
def weakened_sync(level: str = "OFF") -> Iterator[None]:
    """The stores opened with ``PRAGMA synchronous=<level>`` instead of FULL: to show the cuts notice.

    ``OFF`` never syncs; ``NORMAL`` (in WAL mode) syncs only at checkpoints, so a commit
    that returned can still be in the cache when the power goes.
    """
    from kiosk.services import journal, ledger, reprints, store

    def weak_open(path: Path, **kwargs: Any) -> sqlite3.Connection:
        db = store.open_store(path, **kwargs)
        db.execute(f"PRAGMA synchronous={level}")
        return db

    modules = (journal, ledger, reprints)
    saved = [m.open_store for m in modules]
    for m in modules:
        m.open_store = weak_open  # type: ignore[assignment]
    try:
        yield
    finally:
        for m, original in zip(modules, saved, strict=True):
            m.open_store = original  # type: ignore[assignment]

"""A chaos worker: the real kiosk runtime, driven by scripted citizens until it is killed.

``python -m devtools.chaos.worker --state DIR --platform URL --seed S --run DIR``

It builds what ``kiosk run`` builds minus the window: ``Runtime`` from ``demo_config``
(the given state folder and platform URL; ID reader, scanner and receipt printer as
emulators, the camera emulator for the face check; no A4 printer, no speech, no metrics) and a ``VisitController``
on a ``HeadlessLoop``. Before the first citizen it lets the kiosk do what it does at
every start: the outbox sender drains the journal, the controller settles open orders.
Then visits follow one another until the harness kills the process.

With ``--final`` it only starts, waits until the journal is empty and no order is
unsettled, prints a JSON summary and exits: 0 when both happened in time, 3 if not.
The wait ends early, not ready, when it cannot help: the start-up settling pass ended
with the platform reachable and orders are still open in the ledger.

A payment and an application take a random moment to reach the platform and their
answers another to come back (``NETWORK_DELAY_S``), as over a real network from a real
acquirer: on loopback the reference platform answers in a few milliseconds, and a kill
would almost never land between "the attempt is on disk" and "the platform has it", or
between "the platform charged / recorded it" and "the kiosk heard" — the very moments
the ledger and the idempotency keys exist for. The kiosk's own code is not changed.

The harness gives it a shorter platform read timeout (``--read-timeout``: the fault proxy's
stalls outlast it) and it retries settling a blocked order every ``SETTLE_RETRY_S`` instead
of 30 s; the next visit's kind comes from the harness when it aims a kill at one
(``acks.NEXT_VISIT``), else at random.

``--mutate NAME`` breaks one guarantee on purpose, to show that the harness notices
(see ``MUTATIONS``); it exists for the harness's own tests and is never used otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path

from devtools.chaos.acks import ACKS, EVENTS, LineLog, read_lines, take_next_visit

log = logging.getLogger("devtools.chaos.worker")

READY_TIMEOUT_S = 60.0
HOPELESS_S = 1.0
"""Orders still open this long after a settling pass that reached the platform: not ready."""
NETWORK_DELAY_S = {
    "pay_with_code": ((0.0, 0.03), (0.05, 0.25)),
    "submit_application": ((0.0, 0.03), (0.02, 0.12)),
}
"""PlatformClient calls that are slowed down: (before the request leaves, after the platform
answered), each drawn uniformly in seconds."""


SETTLE_RETRY_S = 3.0
"""How soon a kiosk blocked by an order it could not settle tries again (the kiosk's own is 30 s:
a worker lives for seconds, and a fault on one settling request would otherwise stall it for most
of its life). Only the pause changes; what a settling pass does is the kiosk's own code."""


def compress_waits() -> None:
    import kiosk.journeys.settling as settling

    settling.RETRY_S = SETTLE_RETRY_S


def slow_network(client, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Delay ``NETWORK_DELAY_S``'s calls on this client both ways (a failure is not held back)."""
    for name, ((out_low, out_high), (back_low, back_high)) in NETWORK_DELAY_S.items():
        real = getattr(client, name)

        def slow(*args, _real=real, _out=(out_low, out_high), _back=(back_low, back_high),  # type: ignore[no-untyped-def]
                 **kwargs):
            time.sleep(rng.uniform(*_out))
            answer = _real(*args, **kwargs)
            time.sleep(rng.uniform(*_back))
            return answer

        setattr(client, name, slow)


# -- deliberate breakage, to prove the harness can fail --------------------------------------

def _mutate_journal_new_key() -> None:
    """The outbox sends every item under a fresh idempotency key (instead of the journaled one)."""
    import kiosk.services.outbox as outbox

    real = outbox.send_item

    def send_item(client, item, *args):  # type: ignore[no-untyped-def]
        return real(client, dataclasses.replace(item, idempotency_key=str(uuid.uuid4())), *args)

    outbox.send_item = send_item


def _mutate_journal_after_screen() -> None:
    """The receipt screen comes first and the application is journaled a moment later.

    Only a kill in that moment loses the application. The citizen's person session is left
    open at the end of the visit: the visit ends (and would end the session, the journal
    being empty) before the late write, and the platform would then refuse the item for a
    dead person token, retried for ever — a different failure that also blocks every
    restart's drain for a minute, which made this mutation's test take many minutes.
    """
    import kiosk.services.applications as applications
    from kiosk.journeys.controller import VisitController

    def submit_and_wait(rt, request, key, wait_s=applications.ACK_WAIT_S):  # type: ignore[no-untyped-def]
        payload = request.model_dump(mode="json")

        def later() -> None:
            time.sleep(0.5)
            rt.journal.enqueue("application", payload, key)
            rt.sender.kick()

        threading.Thread(target=later, daemon=True).start()
        return applications.Submitted(key, state="pending")

    applications.submit_and_wait = submit_and_wait
    VisitController._end_person_session = lambda self, token: None  # type: ignore[method-assign]


def _mutate_ledger_attempt() -> None:
    """The order and its payment attempt reach the ledger only with the platform's answer."""
    import kiosk.services.reconcile as reconcile
    from kiosk.services.ledger import PaymentLedger

    real_record = reconcile.record_order

    def record_order(ledger, order, *args, **kwargs):  # type: ignore[no-untyped-def]
        if order.status.value in ("created", "pending") and ledger.get(order.order_id) is None:
            return None
        return real_record(ledger, order, *args, **kwargs)

    def begin_attempt(self, order_id):  # type: ignore[no-untyped-def]
        return str(uuid.uuid4())

    reconcile.record_order = record_order
    PaymentLedger.begin_attempt = begin_attempt  # type: ignore[method-assign]


def _mutate_no_settlement() -> None:
    """Orders a crash left open are never reconciled with the platform."""
    import kiosk.services.reconcile as reconcile

    reconcile.settle_left_orders = lambda client, ledger: {"checked": 0, "cancelled": 0, "unreachable": 0}


MUTATIONS = {
    "journal-new-key": _mutate_journal_new_key,
    "journal-after-screen": _mutate_journal_after_screen,
    "ledger-attempt": _mutate_ledger_attempt,
    "no-settlement": _mutate_no_settlement,
}


# -- the kiosk -----------------------------------------------------------------------------

def _private_temp(run_dir: Path) -> None:
    """Visit folders and emulator files under the run folder, not in RAM or the host's /tmp:
    what a SIGKILLed worker leaves behind stays where the harness looks and cleans up."""
    import tempfile

    from kiosk import visit

    tmp = run_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(tmp)
    tempfile.tempdir = str(tmp)
    visit._RAM_DIRS = ()


def build(state: Path, platform: str, read_timeout_s: float | None = None):  # type: ignore[no-untyped-def]
    from kiosk.config import demo_config
    from kiosk.journeys.controller import VisitController
    from kiosk.journeys.registry import journey_factories
    from kiosk.runtime import HeadlessLoop, Runtime

    loop = HeadlessLoop()
    cfg = demo_config(state, speech=False, metrics={"enabled": False}, a4printer={"backend": "none"},
                      platform={"read_timeout_s": read_timeout_s} if read_timeout_s else None)
    runtime = Runtime(cfg, loop.post, platform_url=platform, work_dir=state).start()
    return loop, runtime, VisitController(runtime, journey_factories())


def settled(runtime, controller) -> bool:  # type: ignore[no-untyped-def]
    """The journal has nothing left to send and no order waits for the platform's word."""
    return (runtime.journal.counts()["pending"] == 0 and not controller.settling
            and not runtime.ledger.unsettled())


def hopeless(runtime, controller) -> bool:  # type: ignore[no-untyped-def]
    """Waiting cannot settle the ledger: the settling pass is over, nothing was unreachable, and
    orders are still created or pending (only the end of a visit would settle them again)."""
    from kiosk.services.ledger import OPEN

    return (not controller.settling and not controller.payments_blocked
            and any(o.state in OPEN for o in runtime.ledger.unsettled()))


def wait_ready(citizen, runtime, controller, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    """Until the journal is drained and the ledger settled (True), or the time is up or it cannot be (False)."""
    hopeless_since: list[float] = []

    def done() -> bool:
        if settled(runtime, controller):
            return True
        if not hopeless(runtime, controller):
            hopeless_since.clear()
        elif not hopeless_since:
            hopeless_since.append(time.monotonic())
        return bool(hopeless_since) and time.monotonic() - hopeless_since[0] >= HOPELESS_S

    return citizen.until(done, timeout) and settled(runtime, controller)


def summary(runtime, controller) -> dict:  # type: ignore[no-untyped-def]
    return {"journal": runtime.journal.counts(), "settling": controller.settling,
            "payments_blocked": controller.payments_blocked,
            "unsettled_orders": [o.order_id for o in runtime.ledger.unsettled()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.chaos.worker", description=__doc__.split("\n")[0])
    parser.add_argument("--state", required=True, type=Path, help="the kiosk's state folder (kept across kills)")
    parser.add_argument("--platform", required=True, help="the platform's base URL")
    parser.add_argument("--run", required=True, type=Path, help="the run folder (acknowledgements, events)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--final", action="store_true", help="only drain and settle, then report and exit")
    parser.add_argument("--only", action="append", choices=("apply", "pay", "print"),
                        help="visit kinds to play (default: all)")
    parser.add_argument("--mutate", action="append", default=[], choices=sorted(MUTATIONS),
                        help="break a guarantee on purpose (tests of the harness)")
    parser.add_argument("--max-visits", type=int, default=0, help="stop after this many visits (0: until killed)")
    parser.add_argument("--read-timeout", type=float, default=None,
                        help="the kiosk's platform read timeout in seconds (default: the kiosk's own)")
    parser.add_argument("--deadline", type=float, default=600.0, help="exit after this many seconds regardless")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,  # a forked worker inherits handlers
                        format=f"%(asctime)s {os.getpid()} %(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    _private_temp(args.run)
    compress_waits()
    for name in args.mutate:
        MUTATIONS[name]()
    events = LineLog(args.run / EVENTS, durable=False)
    acks = LineLog(args.run / ACKS, durable=True)
    events.write("start", final=args.final, seed=args.seed)

    from kiosk.i18n import set_language

    set_language("zh_CN")
    loop, runtime, controller = build(args.state, args.platform, args.read_timeout)
    slow_network(runtime.client, random.Random(f"network-{args.seed}"))
    events.write("phase", p="settling")
    try:
        from devtools.chaos.citizen import Citizen
        from devtools.chaos.visits.reprint import reprints_from_acks

        citizen = Citizen(runtime, controller, loop, acks, events, random.Random(args.seed),
                          kinds=args.only or ("apply", "pay", "print"),
                          reprints=reprints_from_acks(read_lines(args.run / ACKS)),
                          aim=lambda: take_next_visit(args.run))
        ready = wait_ready(citizen, runtime, controller, READY_TIMEOUT_S)
        events.write("ready", ok=ready, took_s=round(time.monotonic() - started, 3))
        if args.final:
            report = {"ready": ready, **summary(runtime, controller)}
            print(json.dumps(report, sort_keys=True), flush=True)
            return 0 if ready else 3
        n = 0
        while time.monotonic() - started < args.deadline and (not args.max_visits or n < args.max_visits):
            n += 1
            citizen.visit(n)
        return 0
    finally:
        runtime.stop()


if __name__ == "__main__":
    sys.exit(main())

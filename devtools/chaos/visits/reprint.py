"""The "reprint" visit: a reprint code owed to a citizen (a print paid for but not printed) redeemed."""

from __future__ import annotations

from collections.abc import Iterable

from devtools.chaos.script import ReprintTodo, Script, Stuck


def visit(citizen: Script) -> None:
    from kiosk.journeys.certificates import ReprintJourney

    todo = citizen.reprints.pop(citizen.rng.randrange(len(citizen.reprints)))
    journey = ReprintJourney(citizen.controller, todo.code)
    citizen.controller.open(journey)
    screen = citizen.wait("reprint.identify", "reprint", "reprint.result")
    if screen == "reprint":  # the code was not found
        citizen.events.write("reprint_refused", code=todo.code, order_id=todo.order_id)
        return
    if screen == "reprint.identify":
        citizen.press("identify")
        citizen.identify(todo.person)
        citizen.wait("reprint.confirm")
        if not citizen.printer_ready():
            raise Stuck("the receipt printer never read ready")
        citizen.phase("print", what="reprint", order_id=todo.order_id)
        citizen.press("print", printer="thermal")
        citizen.wait("reprint.result", timeout=60)
    result = journey.result
    if result is not None and result.ok and not result.pending:
        citizen.ack("printed", what="reprint", order_id=todo.order_id, code=todo.code)
    else:
        citizen.reprints.append(todo)  # still reprintable; another citizen visit will try
    citizen.phase("shown")


def reprints_from_acks(records: Iterable[dict]) -> list[ReprintTodo]:
    """Paid prints the citizens were shown as paid (or given a code for) but never as printed."""
    todo: dict[str, ReprintTodo] = {}
    printed: set[str] = set()
    for r in records:
        if r.get("kind") == "paid" and r.get("purpose") == "print" and r.get("receipt_code"):
            todo.setdefault(r["order_id"], ReprintTodo(r["receipt_code"], r["person"], r["order_id"]))
        elif r.get("kind") == "reprint_code" and r.get("order_id"):
            todo[r["order_id"]] = ReprintTodo(r["code"], r["person"], r["order_id"])
        elif r.get("kind") == "printed" and r.get("order_id"):
            printed.add(r["order_id"])
    return [t for oid, t in todo.items() if oid not in printed]

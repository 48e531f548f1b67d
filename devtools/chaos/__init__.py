"""The kill harness: "nothing lost" checked by killing a real kiosk process again and again.

``kiosk chaos --kills N`` starts the reference platform as its own process, then runs
a worker kiosk (``python -m devtools.chaos.worker``: the real runtime, journal, payment
ledger and emulated devices, driven headless by a scripted citizen) and SIGKILLs it at
random moments — while an application is being submitted, a payment code is being
sent, a certificate is printing, or the restarted kiosk is still draining its journal
and settling its orders — and restarts it on the same state folder. After the last
kill a final worker runs until the journal is empty and no order is unsettled, and
the platform's records are compared with what the citizens were *shown*
(the worker's acknowledgement file) and with the kiosk's own ledger and reprint table.

Modules: ``acks`` (the acknowledgement file), ``citizen`` (the scripted citizen, visit
after visit), ``script`` (its steps on the screen), ``visits`` (one module per kind of
visit), ``worker`` (the kiosk process), ``verdict`` (the invariants), ``harness`` (processes).
docs/durability.md explains the guarantees being checked.
"""

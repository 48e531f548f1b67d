"""The kill harness: "nothing lost" checked by killing a real kiosk process again and again.

``kiosk chaos --kills N`` starts the reference platform as its own process behind a
fault proxy that answers 5xx, stalls and resets a share of the requests, then runs
a worker kiosk (``devtools.chaos.worker``, forked: the real runtime, journal, payment
ledger and emulated devices, driven headless by a scripted citizen) and SIGKILLs it at
random moments — while an application is being submitted, a payment code is being
sent, a certificate is printing, or the restarted kiosk is still draining its journal
and settling its orders — and restarts it on the same state folder; some kills take
the platform (alone or with the kiosk), restarted on the same database. After the last
kill a final worker runs until the journal is empty and no order is unsettled, and
the platform's records are compared with what the citizens were *shown*
(the worker's acknowledgement file) and with the kiosk's own ledger and reprint table.

Modules: ``acks`` (the acknowledgement file), ``citizen`` (the scripted citizen, visit
after visit), ``script`` (its steps on the screen), ``visits`` (one module per kind of
visit), ``worker`` (the kiosk process), ``platform`` (the platform process), ``faultproxy``
(the faults between them), ``processes`` and ``preload`` (the fork server both are started
from), ``verdict`` (the invariants), ``harness`` (the run).
docs/durability.md explains the guarantees being checked.
"""

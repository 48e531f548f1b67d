"""Which hosts are this machine: both ends allow what is unsafe on a network only there (a demo
platform listens only on loopback; a kiosk speaks cleartext HTTP only to loopback)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

"""The kiosk's one time zone: every time the citizen reads — screen, receipts, queue tickets,
certificates — is shown in it.

A kiosk's OS clock zone is whatever the image was built with (often UTC), while the hall,
the platform and the citizen live in the hall's zone. Reading the OS zone in one place and
the hall's in another printed two different times for the same minute, so every journey
formats through this module instead, and the zone comes from ``[kiosk] timezone``
(default Asia/Shanghai). ``configure`` is called once when the visit controller is built,
the way ``kiosk.i18n.set_language`` is; the zone is process-wide because the clock on the
wall is.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"

_zone = ZoneInfo(DEFAULT_ZONE)


def zone_of(name: str) -> ZoneInfo:
    """The zone called ``name``; a ``ValueError`` naming it when the tz database does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Asia/Shanghai)") from exc


def configure(name: str) -> None:
    """Use ``name`` for every time shown or printed from now on."""
    global _zone
    _zone = zone_of(name)


def zone() -> ZoneInfo:
    return _zone


def now() -> dt.datetime:
    """Now, in the kiosk's zone."""
    return dt.datetime.now(_zone)


def local(ts: dt.datetime) -> dt.datetime:
    """``ts`` in the kiosk's zone; a naive time is taken as UTC (the platform sends UTC)."""
    aware = ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)
    return aware.astimezone(_zone)


def today() -> dt.date:
    return now().date()


def minutes(ts: dt.datetime | None = None) -> str:
    """``2026-12-05 14:03`` for ``ts`` (or now), in the kiosk's zone."""
    return (local(ts) if ts is not None else now()).strftime("%Y-%m-%d %H:%M")


def seconds(ts: dt.datetime | None = None) -> str:
    """``2026-12-05 14:03:07`` for ``ts`` (or now), in the kiosk's zone."""
    return (local(ts) if ts is not None else now()).strftime("%Y-%m-%d %H:%M:%S")

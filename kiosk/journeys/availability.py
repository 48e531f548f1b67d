"""Whether a service can be done at this kiosk right now, and why not.

Three things decide it: whether the platform answers (every kiosk capability —
identifying, queries, orders, tickets, certificates — goes through it), the platform's
hall hours (some services only while staff are there) and the devices the service needs
(no printer, no certificate printing). The citizen sees the reason on the service's
button and in its guide, before starting, instead of a button that fails after they
identified. Guides themselves come from the cached catalogue and stay readable.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kiosk.devices.board import DEVICE_LABELS
from kiosk.devices.status import StatusSnapshot
from kiosk.i18n import _
from kiosk.platform.contract.catalog import HallHours, Service

USABLE = frozenset({"online", "busy"})


def hall_open(hours: HallHours, now: dt.datetime | None = None) -> bool:
    try:
        tz = ZoneInfo(hours.timezone)
    except (KeyError, ValueError):
        tz = ZoneInfo("Asia/Shanghai")
    local = (now or dt.datetime.now(dt.UTC)).astimezone(tz)
    if local.weekday() not in hours.weekdays:
        return False
    return hours.opens <= local.strftime("%H:%M") < hours.closes


def unavailable_reason(service: Service, hours: HallHours, devices: dict[str, str],
                       now: dt.datetime | None = None) -> str:
    """Empty when the service can be used now; else a short citizen-facing reason."""
    if service.available == "hall_hours" and not hall_open(hours, now):
        return _("仅在大厅办公时间（{opens}–{closes}）办理").format(opens=hours.opens, closes=hours.closes)
    # A device class this kiosk does not know is not asked for: the contract lets a platform
    # name devices of newer kiosks, and an older kiosk must not hide the service for it.
    missing = [d for d in service.required_devices if d in DEVICE_LABELS and devices.get(d) not in USABLE]
    if missing:
        names = _("、").join(_(DEVICE_LABELS[d]) for d in missing)
        return _("{devices}暂不可用").format(devices=names)
    return ""


def reason_now(service: Service, hours: HallHours, status: StatusSnapshot) -> str:
    """``unavailable_reason`` from the kiosk's live status, the platform's reachability first."""
    if status.platform_reachable is False and service.kiosk_capability:
        return _("政务服务平台暂时无法连接，暂不能在本机办理，请稍后再试或到窗口办理")
    return unavailable_reason(service, hours, status.devices)

"""One time zone for everything the citizen reads, whatever zone the OS clock is set to."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest

from kiosk.journeys.pay_views import local_time
from kiosk.journeys.query_layout import cell
from kiosk.services import localtime

NOON_UTC = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def machine_in_honolulu() -> Iterator[None]:
    """The OS zone far from the hall's, as on a kiosk image built with another zone."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Pacific/Honolulu"
    time.tzset()
    localtime.configure(localtime.DEFAULT_ZONE)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()
        localtime.configure(localtime.DEFAULT_ZONE)


def test_times_use_the_configured_zone_not_the_machines(machine_in_honolulu: None) -> None:
    assert localtime.minutes(NOON_UTC) == "2026-06-01 12:00"
    assert local_time(NOON_UTC) == "2026-06-01 12:00:00"  # payment receipts
    assert cell(NOON_UTC.isoformat(), "") == "2026-06-01 12:00"  # query results
    assert localtime.now().utcoffset() == dt.timedelta(hours=8)


def test_naive_platform_times_are_utc(machine_in_honolulu: None) -> None:
    assert localtime.minutes(NOON_UTC.replace(tzinfo=None)) == "2026-06-01 12:00"


def test_another_configured_zone_is_followed(machine_in_honolulu: None) -> None:
    localtime.configure("Europe/Berlin")
    assert localtime.minutes(NOON_UTC) == "2026-06-01 06:00"
    assert local_time(NOON_UTC) == "2026-06-01 06:00:00"


def test_unknown_zone_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        localtime.configure("Mars/Olympus")

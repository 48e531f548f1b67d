"""Strict field types for the contract: what a field accepts is exactly what it means.

Money and counts are JSON integers (never a string such as ``"38000"``, a float or a
boolean) within bounds; codes and ids are ASCII (a ``\\d`` in a pattern would also take
Arabic-Indic or full-width digits); instants and days lie in a plausible range, so a
year-1 date or a far-future one is a 422 instead of an overflow deep in a route.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_FEN = 100_000_000_000
"""One billion yuan: larger than any fee or bill, small enough for every integer type on the way."""
MAX_COUNT = 1_000_000_000
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
"""Instants (when something was submitted, requested, sent) lie in these years."""
EARLIEST_DAY_YEAR, LATEST_DAY_YEAR = 1900, 2200
"""Days (birth dates, card validity) lie in these years."""
ASCII_DIGITS = r"^[0-9]+$"
IDENT = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


def _instant(value: datetime) -> datetime:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"the year must lie between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


def _day(value: date) -> date:
    if not EARLIEST_DAY_YEAR <= value.year <= LATEST_DAY_YEAR:
        raise ValueError(f"the year must lie between {EARLIEST_DAY_YEAR} and {LATEST_DAY_YEAR}")
    return value


Fen = Annotated[int, Field(strict=True, ge=0, le=MAX_FEN)]
"""An amount of money in fen (1/100 yuan)."""
Quantity = Annotated[int, Field(strict=True, ge=1, le=100)]
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
Bytes = Annotated[int, Field(strict=True, ge=0, le=2**62)]
"""A size in bytes (a disk's free space): an integer, however large a disk gets."""
Seconds = Annotated[float, Field(ge=0, le=1e10, allow_inf_nan=False)]
"""A duration or an age in seconds: never negative, never NaN or infinite."""
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=IDENT)]
"""A service code, case number, order, slot or appointment code: ASCII letters, digits, ``._:-``."""
PaymentCode = Annotated[str, Field(min_length=16, max_length=24, pattern=ASCII_DIGITS)]
IdNumber = Annotated[str, Field(min_length=15, max_length=18, pattern=r"^[0-9A-Za-z]+$")]
DocumentNumber = Annotated[str, Field(min_length=5, max_length=18, pattern=r"^[0-9A-Za-z]+$")]
"""An identity number, or a passport or travel-permit number (the request says which document)."""
"""A card number: 18 characters (digits, a final X) or the 15-character 2017 foreign card."""
Instant = Annotated[datetime, AfterValidator(_instant)]
Day = Annotated[date, AfterValidator(_day)]

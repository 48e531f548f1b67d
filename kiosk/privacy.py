"""Masking of personal data for screens, paper and logs (PIPL; GB/T 35273).

The rule set is small and fixed so every place that shows or writes personal data
masks the same way: ID numbers keep the first 6 and last 4 characters, names keep the
last character (and the first when there are three or more), phones keep 3 + 4 digits,
payment codes are never shown beyond their last 4 digits. ``MaskingFilter`` is the
last line of defence: it masks anything that looks like one of these in every log
record, whatever a developer passed to the logger.
"""

from __future__ import annotations

import logging
import re

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{7,8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LONG_DIGITS_RE = re.compile(r"(?<!\d)\d{15,24}(?!\d)")


def mask_id(number: str) -> str:
    """110105194912310021 -> 110105********0021; short values are masked whole."""
    n = number.strip()
    if len(n) <= 10:
        return "*" * len(n)
    return n[:6] + "*" * (len(n) - 10) + n[-4:]


def mask_name(name: str) -> str:
    """张三 -> *三, 张小三 -> 张*三; Latin names keep their first letter per word."""
    n = name.strip()
    if not n:
        return ""
    if n.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in n.split())
    if len(n) == 1:
        return "*"
    if len(n) == 2:
        return "*" + n[-1]
    return n[0] + "*" * (len(n) - 2) + n[-1]


def mask_phone(phone: str) -> str:
    """13812341234 -> 138****1234."""
    p = phone.strip()
    if len(p) < 7:
        return "*" * len(p)
    return p[:3] + "*" * (len(p) - 7) + p[-4:]


def mask_address(address: str) -> str:
    """广东省广州市天河区体育西路123号 -> 广东省广州市****: the region stays, street and number go."""
    a = address.strip()
    if not a:
        return ""
    keep = min(6, len(a) // 2)
    return a[:keep] + "****"


def mask_payment_code(code: str) -> str:
    """Only the last four digits of a single-use payment code may ever be shown."""
    c = code.strip()
    return "*" * max(len(c) - 4, 0) + c[-4:]


def scrub(text: str) -> str:
    """Mask every ID number, mobile number and long digit run (payment codes) in free text."""
    text = _ID_RE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3)[-4:], text)
    text = _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return _LONG_DIGITS_RE.sub(lambda m: mask_payment_code(m.group(0)), text)


class MaskingFilter(logging.Filter):
    """Rewrites each record's message with ``scrub`` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        clean = scrub(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Attach the filter to every handler of the root logger (filters on loggers don't propagate)."""
    root = logger or logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())

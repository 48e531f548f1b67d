"""What a scanned code means for the platform, decided once where it enters the kiosk.

The scanners only deliver text (``drivers.scanner.events.CodeScanned``); ``interpret``
turns each into a ``ClassifiedCode`` before the journeys see it, so every journey
reads the same answer. Formats (docs/devices-scanner-camera.md, "Payment codes"):

* WeChat Pay payment code (付款码): 18 digits, prefix 10-15.
* Alipay payment code: 16-24 digits, prefix 25-30.
* Government app identity token: the text the citizen's government app shows as a QR
  code. The reference platform issues ``GZZW-APP-`` followed by 16 lower-case hex digits
  (reference_platform/seed/persons.py); a production app may wrap the same token in a URL, so
  ``gzzw://identity?token=<token>`` and ``https://.../identity?token=<token>`` where the token
  starts ``GZZW-APP-`` are accepted too. ``token_of`` returns the bare token for the
  platform's ``AppQrIdentityRequest``.
* Appointment code (预约码): exactly 6 digits, as the platform issues them
  (reference seed ``365021``), optionally written ``APPT-365021`` on printed slips.
  ``appointment_of`` returns the 6 digits.
* URL: http(s) links (for example the verify link on a printed certificate).
* Other: everything else, including scanner garbage.

Payment codes are single-use bearer credentials: ``masked`` shows only the last four
digits, and ``ClassifiedCode``'s repr uses it, so a code never reaches a log in full.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from drivers.base import Event, Publish
from drivers.scanner.events import CodeScanned, redacted

WECHAT_RE = re.compile(r"^1[0-5][0-9]{16}\Z")
ALIPAY_RE = re.compile(r"^(2[5-9]|30)[0-9]{14,22}\Z")
APP_TOKEN_RE = re.compile(r"^GZZW-APP-[0-9a-f]{16}\Z")
APPOINTMENT_RE = re.compile(r"^(?:APPT-)?([0-9]{6})\Z")
URL_RE = re.compile(r"^https?://\S+$", re.IGNORECASE)


class CodeKind(enum.StrEnum):
    WECHAT_PAY = "wechat_pay"
    ALIPAY = "alipay"
    GOV_APP_TOKEN = "gov_app_token"
    APPOINTMENT = "appointment"
    URL = "url"
    OTHER = "other"


PAYMENT_KINDS = frozenset({CodeKind.WECHAT_PAY, CodeKind.ALIPAY})


def token_of(text: str) -> str | None:
    """The bare government-app token in ``text`` (plain or inside a gzzw:/https: URL), else None."""
    t = text.strip()
    if APP_TOKEN_RE.match(t):
        return t
    if "://" not in t or any(c.isspace() for c in t):
        return None
    try:
        parts = urlsplit(t)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("gzzw", "https"):
        return None
    tokens = parse_qs(parts.query).get("token", [])
    if len(tokens) == 1 and APP_TOKEN_RE.match(tokens[0]):
        return tokens[0]
    return None


def appointment_of(text: str) -> str | None:
    m = APPOINTMENT_RE.match(text.strip())
    return m.group(1) if m else None


def classify(text: str) -> CodeKind:
    t = text.strip()
    if WECHAT_RE.match(t):
        return CodeKind.WECHAT_PAY
    if ALIPAY_RE.match(t):
        return CodeKind.ALIPAY
    if token_of(t):
        return CodeKind.GOV_APP_TOKEN
    if appointment_of(t):
        return CodeKind.APPOINTMENT
    if URL_RE.match(t):
        return CodeKind.URL
    return CodeKind.OTHER


EMBEDDED_TOKEN_RE = re.compile(r"GZZW-APP-[0-9a-f]{16}")


def masked(text: str, kind: CodeKind | None = None) -> str:
    """Safe for logs and screens: payment codes keep their last 4 digits, tokens their prefix;
    other long digit runs are masked too (a payment code from an unknown wallet).

    An "other" code is masked inside as well, and its control bytes are replaced: line noise
    in front of a real scan (no terminator in between) makes one "other" code of the noise
    and the citizen's payment code or app token.
    """
    k = kind or classify(text)
    t = text.strip()
    if k in PAYMENT_KINDS or (t.isascii() and t.isdigit() and len(t) >= 15):
        return "*" * max(len(t) - 4, 0) + t[-4:]
    if k is CodeKind.GOV_APP_TOKEN:
        return "GZZW-APP-****"
    return redacted(EMBEDDED_TOKEN_RE.sub("GZZW-APP-****", t))


@dataclass(frozen=True, repr=False)
class ClassifiedCode(CodeScanned):
    """A scanned code with what it means; the kind of event the journeys receive."""

    kind: CodeKind

    def __repr__(self) -> str:
        return (f"CodeScanned(device={self.device!r}, text={self.masked_text!r}, "
                f"kind={self.kind.value!r}, source={self.source!r})")

    @property
    def masked_text(self) -> str:
        return masked(self.text, self.kind)

    def describe(self) -> dict[str, str]:
        return {"code": self.masked_text, "kind": self.kind.value}


def interpret(event: Event) -> Event:
    """A device event as the kiosk reads it: a scanned code gets its kind, anything else passes."""
    if isinstance(event, CodeScanned) and not isinstance(event, ClassifiedCode):
        return ClassifiedCode(event.device, event.text, event.source, classify(event.text), at=event.at)
    return event


def interpreting(publish: Publish) -> Publish:
    """``publish`` for drivers whose events must reach the journeys already interpreted."""

    def deliver(event: Event) -> None:
        publish(interpret(event))

    return deliver

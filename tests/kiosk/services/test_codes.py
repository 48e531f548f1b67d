"""What a scanned code means (classification table), and masking of scanned codes."""

from __future__ import annotations

import logging

import pytest

from drivers.scanner.events import CodeScanned, redacted
from kiosk.services.codes import (
    ClassifiedCode,
    CodeKind,
    appointment_of,
    classify,
    interpret,
    interpreting,
    masked,
    token_of,
)


@pytest.mark.parametrize(("text", "kind"), [
    ("134567890123456789", CodeKind.WECHAT_PAY),
    ("104567890123456789", CodeKind.WECHAT_PAY),
    ("154567890123456789", CodeKind.WECHAT_PAY),
    ("164567890123456789", CodeKind.OTHER),           # prefix 16: no wallet
    ("13456789012345678", CodeKind.OTHER),            # 17 digits
    ("28763443825664394", CodeKind.ALIPAY),           # the example in the Alipay docs
    ("2512345678901234", CodeKind.ALIPAY),            # 16 digits
    ("301234567890123456789012", CodeKind.ALIPAY),    # 24 digits
    ("3012345678901234567890123", CodeKind.OTHER),    # 25 digits
    ("311234567890123456", CodeKind.OTHER),           # prefix 31
    ("241234567890123456", CodeKind.OTHER),           # prefix 24
    ("GZZW-APP-7d3f9a61c2e84b0f", CodeKind.GOV_APP_TOKEN),
    ("gzzw://identity?token=GZZW-APP-7d3f9a61c2e84b0f", CodeKind.GOV_APP_TOKEN),
    ("https://zwfw.example.gov.cn/identity?token=GZZW-APP-7d3f9a61c2e84b0f", CodeKind.GOV_APP_TOKEN),
    ("GZZW-APP-7D3F9A61C2E84B0F", CodeKind.OTHER),
    ("365021", CodeKind.APPOINTMENT),
    ("APPT-470935", CodeKind.APPOINTMENT),
    ("3650211", CodeKind.OTHER),
    ("https://example.gov.cn/verify/ABC", CodeKind.URL),
    ("http://example.org", CodeKind.URL),
    ("ftp://example.org", CodeKind.OTHER),
    ("", CodeKind.OTHER),
    ("\x00\xff garbage", CodeKind.OTHER),
])
def test_classification_table(text: str, kind: CodeKind) -> None:
    assert classify(text) is kind


def test_extractors() -> None:
    assert token_of("gzzw://identity?token=GZZW-APP-7d3f9a61c2e84b0f") == "GZZW-APP-7d3f9a61c2e84b0f"
    assert token_of("https://x/identity?token=nope") is None
    assert appointment_of("APPT-582244") == "582244"


def test_payment_codes_are_masked_in_repr_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    code = "134567890123456789"
    event = ClassifiedCode("scanner", code, "serial", classify(code))
    assert code not in repr(event)
    assert repr(event).count("*") == 14 and "6789" in repr(event)
    assert masked("28763443825664394") == "*************4394"
    assert masked("GZZW-APP-7d3f9a61c2e84b0f") == "GZZW-APP-****"
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("event %r", event)
    assert code not in caplog.text


def test_interpret_gives_a_driver_event_its_kind_and_keeps_everything_else() -> None:
    raw = CodeScanned("scanner", "APPT-365021", "hid", at=12.5)
    event = interpret(raw)
    assert isinstance(event, ClassifiedCode) and isinstance(event, CodeScanned)
    assert (event.device, event.text, event.source, event.at, event.kind) == (
        "scanner", "APPT-365021", "hid", 12.5, CodeKind.APPOINTMENT)
    assert interpret(event) is event
    other = object()
    assert interpret(other) is other  # type: ignore[arg-type]
    seen: list[object] = []
    interpreting(seen.append)(raw)
    assert seen == [event]


def test_the_kiosk_masks_what_it_knows_the_driver_masks_what_it_cannot_tell() -> None:
    token = "GZZW-APP-7d3f9a61c2e84b0f"
    assert interpret(CodeScanned("scanner", token, "camera")).describe() == {
        "code": "GZZW-APP-****", "kind": "gov_app_token"}
    # the driver alone: no idea it is a token, still never shown in full
    assert token not in redacted(token) and redacted(token).endswith("4b0f")
    assert redacted("noise\x00134567890123456789") == "noise?**************6789"
    assert redacted("x" * 200).endswith("...") and len(redacted("x" * 200)) == 80
    assert redacted("365021") == "365021"
    assert masked(f"garbage{token}134567890123456789") == "garbageGZZW-APP-******************6789"


@pytest.mark.parametrize("text", [
    "１３４５６７８９０１２３４５６７８９",          # full-width digits
    "١٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩",                          # Arabic-Indic digits
    "13456789012345678\u0669",                       # one Arabic-Indic digit at the end
    "٢٨٧٦٣٤٤٣٨٢٥٦٦٤٣٩٤",
    "３６５０２１",
])
def test_only_ascii_digits_make_a_payment_or_appointment_code(text):
    assert classify(text) not in (CodeKind.WECHAT_PAY, CodeKind.ALIPAY, CodeKind.APPOINTMENT)
    assert appointment_of(text) is None

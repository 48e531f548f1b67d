"""Classification table and masking of scanned codes."""

from __future__ import annotations

import logging

import pytest

from drivers.scanner.classify import CodeKind, appointment_of, classify, masked, token_of
from drivers.scanner.events import CodeScanned


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
    event = CodeScanned("scanner", code, classify(code), "serial")
    assert code not in repr(event)
    assert repr(event).count("*") == 14 and "6789" in repr(event)
    assert masked("28763443825664394") == "*************4394"
    assert masked("GZZW-APP-7d3f9a61c2e84b0f") == "GZZW-APP-****"
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("event %r", event)
    assert code not in caplog.text

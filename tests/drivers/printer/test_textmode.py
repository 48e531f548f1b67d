"""Slips as ESC/POS text in the printer's Chinese font, read back by the emulator's interpreter."""

from __future__ import annotations

import pytest
from PIL import Image

from drivers.printer.document import Document
from drivers.printer.errors import DocumentError
from drivers.printer.interpreter import Interpreter
from drivers.printer.textmode import CHINESE_ON, TextEncoder, cells, encode, gb18030

from .helpers import VERIFY, certificate, decode_qr


def _print(data: bytes, width: int = 576) -> tuple[Interpreter, list[Image.Image]]:
    pages: list[Image.Image] = []
    it = Interpreter(width, on_page=pages.append)
    for i in range(0, len(data), 97):  # arbitrary chunks, as from a serial line
        it.feed(data[i:i + 97])
    return it, pages


def test_cells_count_a_chinese_character_as_two() -> None:
    assert cells("A012") == 4
    assert cells("缴费") == 4
    assert cells("金额：￥80") == 10


def test_job_starts_in_chinese_mode_and_sends_gb18030() -> None:
    data = encode(Document.build("receipt", "缴费凭证", [("金额", "¥80.00")]))
    assert data.startswith(b"\x1b@" + CHINESE_ON)
    assert "缴费凭证".encode("gb18030") in data
    assert "￥80.00".encode("gb18030") in data  # the full-width yen every GBK font has
    assert "¥".encode("gb18030") not in data  # the 4-byte GB18030 sequence is never sent
    assert data.endswith(b"\x1dV\x00") or b"\x1dV" in data[-8:]


@pytest.mark.parametrize("width", [576, 384])
@pytest.mark.parametrize("qr", ["native", "raster"])
def test_certificate_reads_back_and_its_qr_scans(width: int, qr: str) -> None:
    data = encode(certificate(), width, qr)  # type: ignore[arg-type]
    it, pages = _print(data, width)
    assert len(pages) == 1 and it.unknown == 0
    text = it.text_log
    assert "不动产登记信息查询证明" in "".join(text)  # double size: two lines on 58 mm paper
    assert any(t.startswith("证件号码") and t.endswith("110105********002X") for t in text), text
    assert "示范政务服务中心" in text
    assert decode_qr(pages[0]) == [VERIFY]
    assert len(data) <= 8 * 1024


def test_lines_fit_the_paper_in_cells() -> None:
    long = "北京市朝阳区示范路 1 号院 2 号楼 3 单元 401 室（不动产权证号京(2026)朝阳区不动产权第0012345号）"
    enc = TextEncoder(384)
    it, _ = _print(enc.encode(Document.build("receipt", "回执", [("坐落", long), ("", "单独一行的说明文字" * 5)])), 384)
    body = [t for t in it.text_log if not set(t) <= {"-"}][1:]
    assert all(cells(t) <= enc.columns for t in body), body
    assert body[0].startswith("坐落") and body[1].startswith(" " * cells("坐落"))  # values wrap beside the label
    value = body[0].removeprefix("坐落").strip() + "".join(t.strip() for t in body[1:3])
    assert value.replace(" ", "").startswith("北京市朝阳区示范路1号院2号楼3单元401室（不动产权证号")


def test_ticket_headline_is_printed_large() -> None:
    data = encode(Document.build("ticket", "排队取号", headline="A012"), 576)
    assert b"\x1d!\x44A012\n\x1d!\x00" in data  # GS ! five times wide and high, then back
    it, _ = _print(data)
    assert "A012" in it.text_log


def test_bad_documents_are_refused() -> None:
    with pytest.raises(DocumentError) as err:
        encode(Document.build("receipt", ""))
    assert err.value.reason == "empty_document"
    with pytest.raises(DocumentError) as err:
        encode(Document.build("receipt", "x", qr="码" * 900), 384)
    assert err.value.reason == "qr_too_long"
    with pytest.raises(DocumentError):
        TextEncoder(500)
    with pytest.raises(DocumentError) as err:
        gb18030("\ud800")
    assert err.value.reason == "bad_text"

"""Shared test documents and image checks."""

from __future__ import annotations

import numpy as np
import zxingcpp
from PIL import Image

from drivers.printer.document import Document

VERIFY = "https://zwfw.example.gov.cn/verify?code=ZM-2026-000123&sig=3F9A1C"


def certificate() -> Document:
    return Document.build(
        "certificate", "不动产登记信息查询证明",
        [("权利人", "张*三"), ("证件号码", "110105********002X"), ("坐落", "北京市朝阳区示范路 1 号院 2 号楼 401")],
        qr=VERIFY, qr_caption="扫码核验 验证码 ZM-2026-000123",
        footer=["示范政务服务中心", "本证明经扫码核验有效"],
    )


def decode_qr(img: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]


def black_pixels(img: Image.Image) -> int:
    return int((np.asarray(img.convert("L")) < 128).sum())

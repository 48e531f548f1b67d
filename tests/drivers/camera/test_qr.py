"""The kiosk QR decoder on generated codes, including the rescue passes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import qrcode

from drivers.camera.qr import Profile, QrDecoder, pyzbar_texts, zxing_texts


def code_image(text: str) -> np.ndarray:
    return np.array(qrcode.make(text).convert("L"))


@pytest.mark.parametrize("text", ["134567890123456789", "政务服务 https://example.gov.cn/?a=1", "tab\there"])
def test_decodes_text_faithfully(text: str) -> None:
    results = QrDecoder().decode(code_image(text))
    assert [r.text for r in results] == [text]
    assert results[0].decoder == "zxing"


def test_blank_frame_gives_nothing_and_bad_input_is_a_value_error() -> None:
    assert QrDecoder(Profile.FAST).decode(np.full((200, 200, 3), 255, np.uint8)) == []
    with pytest.raises(ValueError):
        QrDecoder().decode(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError):
        QrDecoder().decode(np.zeros((100, 100), np.float32))


def test_noisy_code_needs_a_rescue_pass() -> None:
    """Salt-and-pepper noise inside modules: the median pass reads what zxing-cpp alone does not."""
    img = cv2.resize(code_image("365021"), None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(3)
    noisy = img.copy()
    mask = rng.random(img.shape) < 0.12
    noisy[mask] = rng.choice([0, 255], size=int(mask.sum())).astype(np.uint8)
    assert zxing_texts(noisy) == []                       # zxing-cpp alone gives up
    assert [(r.text, r.decoder) for r in QrDecoder(Profile.FAST).decode(noisy)] == [("365021", "zxing-median")]
    assert pyzbar_texts(img) == ["365021"] and zxing_texts(img) == ["365021"]


def small_blurred_code(text: str, sigma: float) -> np.ndarray:
    """Modules two pixels wide, then camera blur: what a phone held far from the lens gives."""
    q = qrcode.QRCode(box_size=2, border=4)
    q.add_data(text)
    q.make()
    img = cv2.GaussianBlur(np.array(q.make_image().convert("L")), (0, 0), sigma)
    return np.pad(img, 20, constant_values=255)


@pytest.mark.parametrize(("text", "sigma", "rescue"), [
    ("GZZW-APP-7d3f9a61c2e84b0f", 1.0, "zxing-adaptive"),
    ("https://zwfw.example.gov.cn/verify?code=ZM-2026-000123", 1.0, "zxing-upscale"),
])
def test_small_blurred_code_is_rescued_by_the_thorough_cascade(text: str, sigma: float, rescue: str) -> None:
    img = small_blurred_code(text, sigma)
    assert zxing_texts(img) == []                          # zxing-cpp alone gives up
    assert [(r.text, r.decoder) for r in QrDecoder(Profile.THOROUGH).decode(img)] == [(text, rescue)]

"""QR decoding for the camera: zxing-cpp first, cheap rescue passes after (hardware.md 5).

Measured on ../shared/qr-bench (``kiosk bench qr``): zxing-cpp with default options is
the fastest and best single decoder, so every frame goes to it first and most frames
stop there. Only when it finds nothing does the cascade try, in order of cost:

1. zxing-cpp with the global-histogram binarizer on a 3x3 median-filtered image: the
   median removes print texture and photo noise inside modules that defeats zxing's
   local-average binarizer (art/photo QR codes);
2. pyzbar (zbar), a different detector, as the second opinion;
3. zxing-cpp on an Otsu threshold of a 5x5 median-filtered image.

The cascade adds time only to frames with no readable code, and the camera scanner uses
the "fast" profile (steps 0 and 1) because most camera frames hold no code at all.
Text is decoded faithfully: zxing-cpp's Plain text mode (ECI/charset aware, no escaping);
zbar's bytes as UTF-8, else Latin-1. Empty results are discarded.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar

_QR = zxingcpp.BarcodeFormat.QRCode
_PLAIN = zxingcpp.TextMode.Plain


class Profile(enum.StrEnum):
    FAST = "fast"          # zxing-cpp + the median/global-histogram pass
    THOROUGH = "thorough"  # the whole cascade


@dataclass(frozen=True)
class QrResult:
    text: str
    decoder: str


def _gray(img: np.ndarray) -> np.ndarray:
    if img.ndim == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY)
    return img


def zxing_texts(gray: np.ndarray, binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(gray, formats=_QR, text_mode=_PLAIN, binarizer=binarizer)
            if b.text]


def _zbar_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def pyzbar_texts(gray: np.ndarray) -> list[str]:
    return [_zbar_text(d.data) for d in pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE]) if d.data]


_OPENCV = cv2.QRCodeDetector()


def opencv_texts(gray: np.ndarray) -> list[str]:
    """OpenCV's detector alone (benchmark baseline). Its binding raises on non-UTF-8 payloads: no result."""
    try:
        ok, texts, _points, _straight = _OPENCV.detectAndDecodeMulti(gray)
    except (UnicodeDecodeError, cv2.error):
        return []
    return [t for t in texts if t] if ok else []


def _median_global(gray: np.ndarray) -> list[str]:
    return zxing_texts(cv2.medianBlur(gray, 3), zxingcpp.Binarizer.GlobalHistogram)


def _otsu_median(gray: np.ndarray) -> list[str]:
    blurred = cv2.medianBlur(gray, 5)
    return zxing_texts(cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1])


Pass = tuple[str, Callable[[np.ndarray], list[str]]]
PASSES: dict[Profile, tuple[Pass, ...]] = {
    Profile.FAST: (("zxing", zxing_texts), ("zxing-median", _median_global)),
    Profile.THOROUGH: (("zxing", zxing_texts), ("zxing-median", _median_global), ("pyzbar", pyzbar_texts),
                       ("zxing-otsu", _otsu_median)),
}


class QrDecoder:
    """``QrDecoder().decode(frame)`` -> list of ``QrResult`` (empty when nothing was read).

    Accepts a BGR, BGRA or grayscale ``uint8`` array; anything else raises ``ValueError``.
    """

    def __init__(self, profile: Profile | str = Profile.THOROUGH) -> None:
        self.profile = Profile(profile)
        self._passes = PASSES[self.profile]

    def decode(self, image: np.ndarray) -> list[QrResult]:
        if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim not in (2, 3) \
                or min(image.shape[:2]) < 8:
            raise ValueError("QrDecoder.decode needs a uint8 image of at least 8x8 pixels")
        gray = np.ascontiguousarray(_gray(image))
        for name, fn in self._passes:
            texts = fn(gray)
            if texts:
                return [QrResult(t, name) for t in dict.fromkeys(texts)]
        return []

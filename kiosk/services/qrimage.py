"""QR codes as PNG bytes for the screen (payment QR, sample-form links, verification codes)."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(payload: str, box_size: int = 8, border: int = 4) -> bytes:
    """A black-on-white QR code; the quiet zone (``border``) is kept so phones read it off glass."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(payload)
    code.make(fit=True)
    buf = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()

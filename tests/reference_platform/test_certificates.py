"""Certificates: documents carry a QR code that decodes to the verification URL."""

from __future__ import annotations

import io

import requests
import zxingcpp
from PIL import Image

from kiosk.platform.contract import paths

from .helpers import assert_problem, citizen, identify

ZHANG_WEI = citizen("P002")


def test_png_qr_decodes_to_the_verification_url(api):
    token = identify(api, *ZHANG_WEI)
    certs = api.get(paths.CERTIFICATES, headers={paths.PERSON_TOKEN_HEADER: token}).json()["certificates"]
    assert len(certs) >= 3
    cert = certs[0]
    assert cert["holder_masked_id"] == "440106********1536"
    png = api.get(
        paths.fill(paths.CERTIFICATE_PNG, cert_id=cert["cert_id"]), headers={paths.PERSON_TOKEN_HEADER: token}
    )
    assert png.headers["content-type"] == "image/png"
    decoded = [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))]
    assert decoded == [cert["verification_url"]]
    pdf = api.get(
        paths.fill(paths.CERTIFICATE_PDF, cert_id=cert["cert_id"]), headers={paths.PERSON_TOKEN_HEADER: token}
    )
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    public = requests.get(decoded[0], timeout=10).json()
    assert public["valid"] is True and public["status"] == "valid"


def test_verification_statuses(api):
    assert api.get(paths.fill(paths.CERTIFICATE_VERIFY, code="NOSUCHCODE00")).json()["status"] == "unknown"
    token = identify(api, *citizen("P004"))
    certs = api.get(paths.CERTIFICATES, headers={paths.PERSON_TOKEN_HEADER: token}).json()["certificates"]
    statuses = {
        c["name"]: api.get(paths.fill(paths.CERTIFICATE_VERIFY, code=c["verification_code"])).json()["status"]
        for c in certs
    }
    assert statuses["社会保险个人参保证明"] == "revoked"


def test_someone_elses_certificate_is_not_found(api):
    token = identify(api, *citizen("P004"))
    assert_problem(
        api.get(paths.fill(paths.CERTIFICATE_PNG, cert_id="C00001"), headers={paths.PERSON_TOKEN_HEADER: token}),
        404,
        "not_found",
    )
    assert_problem(api.get(paths.CERTIFICATES), 401, "person_token_invalid")


def test_verification_urls_use_the_configured_public_address(tmp_path) -> None:
    """A printed proof names the public verification page, not the address the kiosk reaches us on."""
    from reference_platform.server import serve_in_thread

    from .helpers import Signed

    handle = serve_in_thread(tmp_path / "platform.db", public_url="https://verify.example.org/")
    try:
        api = Signed(handle.url)
        token = identify(api, *ZHANG_WEI)
        certs = api.get(paths.CERTIFICATES, headers={paths.PERSON_TOKEN_HEADER: token}).json()["certificates"]
        assert certs and all(c["verification_url"].startswith("https://verify.example.org/verify/") for c in certs)
        assert all("127.0.0.1" not in c["verification_url"] for c in certs)
    finally:
        handle.stop()


def test_the_a4_certificate_bears_the_issuers_seal(api) -> None:
    """The preview and the A4 print carry the issuer's red round seal."""
    import numpy as np

    token = identify(api, *ZHANG_WEI)
    cert = api.get(paths.CERTIFICATES, headers={paths.PERSON_TOKEN_HEADER: token}).json()["certificates"][0]
    png = api.get(paths.fill(paths.CERTIFICATE_PNG, cert_id=cert["cert_id"]),
                  headers={paths.PERSON_TOKEN_HEADER: token})
    rgb = np.array(Image.open(io.BytesIO(png.content)).convert("RGB")).astype(int)
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 80) & (rgb[..., 2] < 90)
    assert red.sum() > 2000, "no seal on the certificate"

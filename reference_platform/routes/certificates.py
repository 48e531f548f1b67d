"""Certificate routes: the citizen's certificates, their documents (PDF, PNG)
and verification by the code printed on them. PDFs are started in the background when
certificates are listed or looked at (reference_platform.certificate_jobs)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime

from fastapi import APIRouter, Header, Request, Response

from kiosk.platform.contract import (
    PDF_MEDIA_TYPE,
    PNG_MEDIA_TYPE,
    Bilingual,
    Certificate,
    CertificateList,
    CertificateVerification,
    VerificationStatus,
    paths,
)
from kiosk.platform.contract import problem as codes
from kiosk.privacy import mask_id, mask_name
from reference_platform.certificate_files import CertificateDoc, render_png
from reference_platform.problems import PlatformProblem
from reference_platform.routes._deps import (
    ERRORS,
    LIMITED,
    code_missed,
    db,
    limit_code_lookups,
    local_date,
    now,
    person_for_token,
)

router = APIRouter(tags=["certificates"])

VERIFY_MESSAGES = {
    VerificationStatus.VALID: ("该证明真实有效。", "This certificate is genuine and valid."),
    VerificationStatus.EXPIRED: ("该证明已过有效期。", "This certificate has expired."),
    VerificationStatus.REVOKED: ("该证明已被出具机构撤销。", "This certificate was revoked by its issuer."),
    VerificationStatus.UNKNOWN: (
        "未找到该验证码对应的证明，可能为伪造。",
        "No certificate has this code; it may be forged.",
    ),
}


def verification_url(request: Request, code: str) -> str:
    """The public page that checks ``code``: the configured public address, never the kiosk's view of us."""
    base = request.app.state.public_url or str(request.base_url).rstrip("/")
    return base + paths.fill(paths.PUBLIC_VERIFY, code=code)


def _row_with_person(request: Request, cert_id: str) -> sqlite3.Row | None:
    return db(request).one(
        "SELECT c.*, p.name AS pname, p.name_en AS pname_en, p.id_number FROM certificates c"
        " JOIN persons p ON p.person_id = c.person_id WHERE c.cert_id = ?",
        (cert_id,),
    )


def to_certificate(request: Request, row: sqlite3.Row) -> Certificate:
    return Certificate(
        cert_id=row["cert_id"],
        name=row["name"],
        name_en=row["name_en"],
        issuer=row["issuer"],
        issuer_en=row["issuer_en"],
        holder_masked_name=mask_name(row["pname"] or row["pname_en"]),
        holder_masked_id=mask_id(row["id_number"]),
        issued_on=row["issued_on"],
        valid_until=row["valid_until"],
        verification_code=row["verification_code"],
        verification_url=verification_url(request, row["verification_code"]),
        print_fee_fen=row["print_fee_fen"],
        service_code=row["service_code"],
    )


def status_of(row: sqlite3.Row, today: date) -> VerificationStatus:
    if row["status"] == "revoked":
        return VerificationStatus.REVOKED
    if row["valid_until"] and date.fromisoformat(row["valid_until"]) < today:
        return VerificationStatus.EXPIRED
    return VerificationStatus.VALID


def verify(request: Request, code: str) -> CertificateVerification:
    limit_code_lookups(request, "verification code")
    row = db(request).one(
        "SELECT c.*, p.name AS pname, p.name_en AS pname_en, p.id_number FROM certificates c"
        " JOIN persons p ON p.person_id = c.person_id WHERE c.verification_code = ?",
        (code.strip().upper(),),
    )
    checked = datetime.fromtimestamp(now(request), UTC)
    if row is None:
        code_missed(request, "verification code")
        zh, en = VERIFY_MESSAGES[VerificationStatus.UNKNOWN]
        return CertificateVerification(
            code=code,
            status=VerificationStatus.UNKNOWN,
            valid=False,
            checked_at=checked,
            message=Bilingual(zh_CN=zh, en=en),
        )
    status = status_of(row, local_date(now(request)))
    zh, en = VERIFY_MESSAGES[status]
    return CertificateVerification(
        code=row["verification_code"],
        status=status,
        valid=status is VerificationStatus.VALID,
        name=row["name"],
        name_en=row["name_en"],
        issuer=row["issuer"],
        holder_masked_name=mask_name(row["pname"] or row["pname_en"]),
        holder_masked_id=mask_id(row["id_number"]),
        issued_on=row["issued_on"],
        valid_until=row["valid_until"],
        checked_at=checked,
        message=Bilingual(zh_CN=zh, en=en),
    )


def _owned(request: Request, cert_id: str, token: str | None) -> sqlite3.Row:
    person_id = person_for_token(request, token)
    row = _row_with_person(request, cert_id)
    if row is None or row["person_id"] != person_id:
        raise PlatformProblem(404, codes.NOT_FOUND, "no such certificate")
    return row


def document(request: Request, row: sqlite3.Row) -> CertificateDoc:
    status = status_of(row, local_date(now(request)))
    note = "" if status is VerificationStatus.VALID else "/".join(VERIFY_MESSAGES[status])
    return CertificateDoc(
        title=row["name"],
        title_en=row["name_en"],
        holder_name=mask_name(row["pname"] or row["pname_en"]),
        holder_id=mask_id(row["id_number"]),
        rows=[tuple(r) for r in json.loads(row["body_json"])],
        issuer=row["issuer"],
        issued_on=row["issued_on"],
        valid_until=row["valid_until"] or "长期 Long-term",
        verification_code=row["verification_code"],
        verification_url=verification_url(request, row["verification_code"]),
        status_note=note,
    )


PersonHeader = Header(None, alias=paths.PERSON_TOKEN_HEADER)


@router.get(paths.CERTIFICATES, response_model=CertificateList, responses=ERRORS)
async def list_certificates(request: Request, x_person_token: str | None = PersonHeader) -> CertificateList:
    person_id = person_for_token(request, x_person_token)
    rows = db(request).all(
        "SELECT c.*, p.name AS pname, p.name_en AS pname_en, p.id_number FROM certificates c"
        " JOIN persons p ON p.person_id = c.person_id WHERE c.person_id = ? ORDER BY c.cert_id",
        (person_id,),
    )
    request.app.state.pdf_renderer.prefetch([document(request, r) for r in rows])
    return CertificateList(certificates=[to_certificate(request, r) for r in rows])


@router.get(paths.CERTIFICATE_VERIFY, response_model=CertificateVerification, responses={**ERRORS, **LIMITED})
def verify_certificate(code: str, request: Request) -> CertificateVerification:
    """Answers for any code; an unknown code is ``status: unknown``, not an error."""
    return verify(request, code)


@router.get(paths.CERTIFICATE, response_model=Certificate, responses=ERRORS)
async def get_certificate(cert_id: str, request: Request, x_person_token: str | None = PersonHeader) -> Certificate:
    row = _owned(request, cert_id, x_person_token)
    request.app.state.pdf_renderer.prefetch([document(request, row)])
    return to_certificate(request, row)


@router.get(
    paths.CERTIFICATE_PDF,
    response_class=Response,
    responses={
        **ERRORS,
        200: {
            "content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The certificate as an A4 PDF",
        },
    },
)
async def certificate_pdf(cert_id: str, request: Request, x_person_token: str | None = PersonHeader) -> Response:
    row = _owned(request, cert_id, x_person_token)
    pdf = await request.app.state.pdf_renderer.pdf(document(request, row))
    return Response(pdf, media_type=PDF_MEDIA_TYPE)


@router.get(
    paths.CERTIFICATE_PNG,
    response_class=Response,
    responses={
        **ERRORS,
        200: {
            "content": {PNG_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The certificate as a PNG (A4 at 150 dpi)",
        },
    },
)
def certificate_png(cert_id: str, request: Request, x_person_token: str | None = PersonHeader) -> Response:
    row = _owned(request, cert_id, x_person_token)
    return Response(render_png(document(request, row)), media_type=PNG_MEDIA_TYPE)

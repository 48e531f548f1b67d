"""Identity routes: ID card, app QR code, ID number + face photo -> person token.

The reference platform does no biometrics: a face photo is accepted when it is a
real JPEG of a sensible size for a known citizen. A valid ID card of someone not
in the demo data is accepted too (the real platform knows every resident), so
emulated cards with any valid number work in the demo.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
import secrets
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from PIL import Image, UnidentifiedImageError
from stdnum.cn import ric

from kiosk.platform.contract import (
    AppQrIdentityRequest,
    CardType,
    FacePhotoIdentityRequest,
    IdCardIdentityRequest,
    IdDocument,
    IdentityResponse,
    PersonProfile,
    paths,
)
from kiosk.platform.contract import problem as codes
from kiosk.privacy import mask_id, mask_name
from reference_platform.problems import PlatformProblem
from reference_platform.routes._deps import (
    ERRORS,
    PERSON_SESSION_S,
    db,
    kiosk_id,
    local_date,
    now,
    purge_person_sessions,
)

log = logging.getLogger(__name__)
router = APIRouter(tags=["identity"])
OLD_FOREIGN_RE = re.compile(r"^[A-Z]{3}\d{12}$")


def valid_number(number: str) -> bool:
    """GB 11643 check for 18-character numbers (residents, 81/82/83 permits, new foreign '9' ids)."""
    if OLD_FOREIGN_RE.match(number):
        return True
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return ric.calc_check_digit(number) == number[-1].upper()


def _open_session(request: Request, person_id: str) -> IdentityResponse:
    row = db(request).one("SELECT * FROM persons WHERE person_id = ?", (person_id,))
    assert row is not None
    token = secrets.token_urlsafe(24)
    issued = now(request)
    expires = issued + PERSON_SESSION_S
    purge_person_sessions(request)
    with db(request).tx() as c:
        c.execute(
            "INSERT INTO person_sessions (token, person_id, kiosk_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (token, person_id, kiosk_id(request), issued, expires),
        )
    display_name = row["name"] or row["name_en"]
    log.info("person session opened for %s (%s)", mask_id(row["id_number"]), mask_name(display_name))
    return IdentityResponse(
        person_token=token,
        masked_id=mask_id(row["id_number"]),
        masked_name=mask_name(display_name),
        card_type=CardType(row["card_type"]),
        expires_at=datetime.fromtimestamp(expires, UTC),
        profile=PersonProfile(
            name=display_name,
            name_en=row["name_en"],
            id_number=row["id_number"],
            card_type=CardType(row["card_type"]),
            gender=row["gender"],
            birth_date=row["birth_date"] or None,
            phone=row["phone"],
            address=row["address"],
        ),
    )


def _fail(detail: str) -> PlatformProblem:
    return PlatformProblem(403, codes.IDENTITY_FAILED, detail)


@router.post(
    paths.IDENTITY_ID_CARD,
    response_model=IdentityResponse,
    status_code=201,
    responses={**ERRORS, 403: ERRORS[401] | {"description": "Identity not verified"}},
)
def identify_by_card(body: IdCardIdentityRequest, request: Request) -> IdentityResponse:
    number = body.id_number.strip().upper()
    if not valid_number(number):
        raise _fail("the ID number fails its check digit or format")
    if body.valid_to is not None and body.valid_to < local_date(now(request)):
        raise _fail("the card has expired")
    row = db(request).one("SELECT person_id, name, name_en FROM persons WHERE id_number = ?", (number,))
    if row is not None:
        if body.name.strip() not in (row["name"], row["name_en"]):
            raise _fail("the name does not match the ID number")
        return _open_session(request, row["person_id"])
    person_id = "P-" + uuid.uuid4().hex[:12]
    birth = (
        body.birth_date.isoformat()
        if body.birth_date
        else (f"{number[6:10]}-{number[10:12]}-{number[12:14]}" if len(number) == 18 else "")
    )
    with db(request).tx() as c:
        c.execute(
            "INSERT INTO persons (person_id, id_number, name, name_en, card_type, gender, birth_date, address,"
            " nationality) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)",
            (
                person_id,
                number,
                body.name.strip(),
                body.name_en,
                body.card_type.value,
                body.gender,
                birth,
                body.nationality,
            ),
        )
    return _open_session(request, person_id)


@router.post(
    paths.IDENTITY_APP_QR,
    response_model=IdentityResponse,
    status_code=201,
    responses={**ERRORS, 403: ERRORS[401] | {"description": "Unknown or used token"}},
)
def identify_by_app_qr(body: AppQrIdentityRequest, request: Request) -> IdentityResponse:
    row = db(request).one("SELECT person_id FROM app_tokens WHERE token = ?", (body.token.strip(),))
    if row is None:
        raise _fail("the app QR code is unknown or expired")
    return _open_session(request, row["person_id"])


@router.post(
    paths.IDENTITY_FACE,
    response_model=IdentityResponse,
    status_code=201,
    responses={**ERRORS, 403: ERRORS[401] | {"description": "Face check failed"}},
)
def identify_by_face(body: FacePhotoIdentityRequest, request: Request) -> IdentityResponse:
    number = body.id_number.replace(" ", "").strip().upper()
    if body.document_type is IdDocument.ID_NUMBER:
        if not valid_number(number):
            raise _fail("the ID number fails its check digit or format")
        row = db(request).one("SELECT person_id FROM persons WHERE id_number = ?", (number,))
    else:  # a passport or a Hong Kong/Macau/Taiwan travel permit
        row = db(request).one("SELECT person_id FROM person_documents WHERE doc_type = ? AND doc_number = ?",
                              (body.document_type.value, number))
    if row is None:
        raise _fail("no citizen with this document number")
    try:
        data = base64.b64decode(body.photo_jpeg_base64, validate=True)
        with Image.open(io.BytesIO(data)) as img:
            fmt, size = img.format, img.size
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError):
        raise _fail("the photo is not a readable image") from None
    if fmt != "JPEG" or min(size) < 64:
        raise _fail("the photo must be a JPEG of at least 64x64 pixels")
    return _open_session(request, row["person_id"])


@router.delete(paths.IDENTITY_SESSION, status_code=204, responses=ERRORS)
def end_session(person_token: str, request: Request) -> Response:
    """End a person session early (visit over). Ending an unknown session is not an error.

    The token stops working for live calls at once. The session is kept (person, kiosk,
    issued, expiry and end times) for the submission grace period, so a submission the
    kiosk journaled during the visit and sends later (stamped ``submitted_at``) is still
    honoured. Only the kiosk the token was issued to can end it.
    """
    with db(request).tx() as c:
        c.execute(
            "UPDATE person_sessions SET ended_at = ? WHERE token = ? AND kiosk_id = ? AND ended_at IS NULL",
            (now(request), person_token, kiosk_id(request)),
        )
    return Response(status_code=204)

"""Identity routes: ID card, app QR code, ID number + face photo -> person token.

A card proves only that a card is present: the card route checks it (number, expiry,
name against the register) and answers ``face_required`` with the masked name and no
token. The face route compares the live capture with the photo on file
(``reference_platform.faces``) and opens the person session only on a match; until
then nothing beyond the masked name leaves the platform. A valid ID card of someone not
in the demo data is registered (the real platform knows every resident), but without a
photo on file such a citizen cannot pass the face check.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from stdnum.cn import ric

from kiosk.platform.contract import (
    AppQrIdentityRequest,
    CardType,
    FaceCheckResponse,
    FaceOutcome,
    FacePhotoIdentityRequest,
    IdCardIdentityRequest,
    IdDocument,
    IdentityResponse,
    PersonProfile,
    paths,
)
from kiosk.platform.contract import problem as codes
from kiosk.privacy import mask_id, mask_name
from reference_platform import faces
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
OLD_FOREIGN_RE = re.compile(r"^[A-Z]{3}[0-9]{12}\Z")


def valid_number(number: str) -> bool:
    """GB 11643 check for 18-character numbers (residents, 81/82/83 permits, new foreign '9' ids)."""
    if OLD_FOREIGN_RE.match(number):
        return True
    if len(number) != 18 or not (number[:17].isascii() and number[:17].isdigit()):
        return False
    return ric.calc_check_digit(number) == number[-1].upper()


def _open_session(request: Request, person_id: str, face_verified: bool = False) -> IdentityResponse:
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
        face_verified=face_verified,
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
        return _face_required(request, number, row["name"] or row["name_en"], body.card_type)
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
    return _face_required(request, number, body.name.strip(), body.card_type)


def _face_required(request: Request, number: str, name: str, card_type: CardType) -> IdentityResponse:
    """The card is good; the holder must now show their face. Nothing personal beyond the masked name."""
    return IdentityResponse(masked_id=mask_id(number), masked_name=mask_name(name), card_type=card_type,
                            expires_at=datetime.fromtimestamp(now(request) + PERSON_SESSION_S, UTC),
                            face_required=True)


@router.post(
    paths.IDENTITY_APP_QR,
    response_model=IdentityResponse,
    status_code=201,
    responses={**ERRORS, 403: ERRORS[401] | {"description": "Unknown or used token"}},
)
async def identify_by_app_qr(body: AppQrIdentityRequest, request: Request) -> IdentityResponse:
    row = db(request).one("SELECT person_id FROM app_tokens WHERE token = ?", (body.token.strip(),))
    if row is None:
        raise _fail("the app QR code is unknown or expired")
    return _open_session(request, row["person_id"])


@router.post(
    paths.IDENTITY_FACE,
    response_model=FaceCheckResponse,
    responses={**ERRORS, 403: ERRORS[401] | {"description": "Malformed ID number or unreadable photo"},
               429: ERRORS[401] | {"description": "face_locked: too many failed checks for this ID number"}},
)
def identify_by_face(body: FacePhotoIdentityRequest, request: Request) -> FaceCheckResponse:
    """Compare the live capture with the registered photo: match (with the session), no match, or retry.

    Unknown numbers and citizens without a photo on file get the same ``no_match`` as a
    wrong face, and every failure counts towards the lock, so the route tells nobody
    whether a number is registered, let alone whose it is.
    """
    number = body.id_number.strip().upper()
    by_id = body.document_type is IdDocument.ID_NUMBER
    if by_id and not valid_number(number):
        raise _fail("the ID number fails its check digit or format")
    store, at, key = db(request), now(request), faces.id_hash(number)
    failures = faces.recent_failures(store, key, at)
    if failures >= faces.MAX_FAILURES:
        faces.record(store, key, mask_id(number), kiosk_id(request), at, faces.Comparison(FaceOutcome.NO_MATCH,
                                                                                          reason="locked"))
        log.warning("face checks for %s locked after %d failures (kiosk %s)", mask_id(number), failures,
                    kiosk_id(request))
        raise PlatformProblem(429, codes.FACE_LOCKED, "too many failed face checks for this ID number")
    try:
        data = base64.b64decode(body.photo_jpeg_base64, validate=True)
    except (binascii.Error, ValueError):
        raise _fail("the photo is not valid base64") from None
    live = faces.decode_jpeg(data)
    if live is None or min(live.shape[:2]) < 64:
        raise _fail("the photo must be a JPEG of at least 64x64 pixels")
    if by_id:
        row = store.one("SELECT person_id FROM persons WHERE id_number = ?", (number,))
    else:  # a passport or a Hong Kong/Macau/Taiwan travel permit
        row = store.one("SELECT person_id FROM person_documents WHERE doc_type = ? AND doc_number = ?",
                        (body.document_type.value, number))
    if body.liveness is None:
        result = faces.Comparison(FaceOutcome.RETRY, reason="no_liveness")
    else:
        registered = faces.registered_descriptor(store, row["person_id"]) if row is not None else None
        result = faces.compare(live, registered)
    faces.record(store, key, mask_id(number), kiosk_id(request), at, result)
    failed = failures + (result.outcome is not FaceOutcome.MATCH)
    identity = None
    if result.outcome is FaceOutcome.MATCH and row is not None:
        identity = _open_session(request, row["person_id"], face_verified=True)
    return FaceCheckResponse(outcome=result.outcome, score=result.score, threshold=faces.THRESHOLD,
                             reason=result.reason, attempts_left=max(0, faces.MAX_FAILURES - failed),
                             identity=identity)


@router.delete(paths.IDENTITY_SESSION, status_code=204, responses=ERRORS)
async def end_session(person_token: str, request: Request) -> Response:
    """End a person session early (visit over). Ending it again, or after it expired, is not an error.

    The token stops working for live calls at once. The session is kept (person, kiosk,
    issued, expiry and end times) for the submission grace period, so a submission the
    kiosk journaled during the visit and sends later (stamped ``submitted_at``) is still
    honoured. Only the kiosk the token was issued to can end it: for any other kiosk the
    token is as unknown as one never issued (404).
    """
    with db(request).tx() as c:
        own = c.execute(
            "SELECT 1 FROM person_sessions WHERE token = ? AND kiosk_id = ?", (person_token, kiosk_id(request))
        ).fetchone()
        if own is None:
            raise PlatformProblem(404, codes.NOT_FOUND, "no such person session")
        c.execute(
            "UPDATE person_sessions SET ended_at = ? WHERE token = ? AND kiosk_id = ? AND ended_at IS NULL",
            (now(request), person_token, kiosk_id(request)),
        )
    return Response(status_code=204)

"""Application routes: submit (one-form fields + materials) and follow a case."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
from datetime import UTC, datetime

import anyio.to_thread
from fastapi import APIRouter, Header, Query, Request
from stdnum.cn import uscc

from kiosk.platform.contract import (
    ApplicationReceipt,
    ApplicationRequest,
    Bilingual,
    CaseProgress,
    CaseStep,
    FieldError,
    FormField,
    KioskCapability,
    Service,
    paths,
)
from kiosk.platform.contract import problem as codes
from reference_platform.problems import PlatformProblem
from reference_platform.routes._deps import (
    CONFLICT,
    ERRORS,
    LIMITED,
    SUBMISSION_REFUSED,
    add_working_days,
    code_missed,
    db,
    iso,
    kiosk_id,
    limit_code_lookups,
    local_date,
    now,
    person_for_submission,
    person_for_token,
    service_or_404,
    short_code,
)
from reference_platform.routes.identity import valid_number
from reference_platform.routes.queries import CASE_STATUS

log = logging.getLogger(__name__)
router = APIRouter(tags=["applications"])
MAX_MATERIAL_BYTES = 8 * 1024 * 1024
INLINE_MATERIALS_CHARS = 256 * 1024
"""Materials up to this much base64 are checked on the event loop (the route is async: it only touches
SQLite briefly); larger scans are decoded and hashed on a worker thread so other kiosks are not held up."""
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}\Z")


def _check_field(field: FormField, value: object) -> str | None:
    if value is None or value == "":
        return "required" if field.required else None
    text = str(value)
    if len(text) > field.max_length:
        return f"longer than {field.max_length} characters"
    if field.kind == "id_number" and not valid_number(text.upper()):
        return "not a valid ID number"
    if field.kind == "mobile" and not MOBILE_RE.match(text):
        return "not a mainland mobile number"
    if field.kind == "choice" and field.choices and text not in field.choices:
        return "not one of the choices"
    if field.kind == "number":
        try:
            float(text)
        except ValueError:
            return "not a number"
    if field.kind == "date":
        try:
            datetime.strptime(text, "%Y-%m-%d")
        except ValueError:
            return "not a date (YYYY-MM-DD)"
    if field.kind == "uscc" and not uscc.is_valid(text):
        return "not a valid unified social credit code"
    return None


def _validate(service: Service, body: ApplicationRequest) -> list[str]:
    """Check the form and materials; returns the material digests."""
    errors: list[FieldError] = []
    for field in service.form_fields:
        problem = _check_field(field, body.form.get(field.key))
        if problem:
            errors.append(FieldError(field=f"form.{field.key}", message=problem))
    digests: list[str] = []
    for i, m in enumerate(body.materials):
        if m.data_base64:
            try:
                data = base64.b64decode(m.data_base64, validate=True)
            except (binascii.Error, ValueError):
                errors.append(FieldError(field=f"materials.{i}.data_base64", message="not valid base64"))
                continue
            if len(data) > MAX_MATERIAL_BYTES:
                errors.append(FieldError(field=f"materials.{i}", message="larger than 8 MiB"))
            digest = hashlib.sha256(data).hexdigest()
            if m.sha256 and m.sha256 != digest:
                errors.append(FieldError(field=f"materials.{i}.sha256", message="does not match the data"))
            digests.append(digest)
        else:
            digests.append(str(m.sha256))
    if errors:
        raise PlatformProblem(
            422,
            codes.VALIDATION,
            "; ".join(f"{e.field}: {e.message}" for e in errors),
            title="application not valid",
            errors=errors,
        )
    return digests


@router.post(
    paths.APPLICATIONS,
    response_model=ApplicationReceipt,
    status_code=201,
    responses={**ERRORS, **SUBMISSION_REFUSED, **CONFLICT},
)
async def submit(body: ApplicationRequest, request: Request) -> ApplicationReceipt:
    service = service_or_404(request, body.service_code)
    if KioskCapability.APPLY not in service.kiosk_capability:
        raise PlatformProblem(409, codes.CONFLICT, f"{service.code} cannot be applied for at a kiosk")
    person_id = person_for_submission(request, body.person_token, body.submitted_at)
    if sum(len(m.data_base64 or "") for m in body.materials) > INLINE_MATERIALS_CHARS:
        digests = await anyio.to_thread.run_sync(_validate, service, body)
    else:  # a page or two: decoding and hashing them costs less than a hop to a worker thread
        digests = _validate(service, body)
    content = hashlib.sha256(
        json.dumps(
            {"service": service.code, "person": person_id, "form": body.form, "materials": digests},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        ).encode()
    ).hexdigest()
    ts = now(request)
    received = local_date(ts)
    promised = add_working_days(received, service.promised_time_limit_days or 0)
    key = request.headers.get("Idempotency-Key")
    receipt = short_code()
    with db(request).tx() as c:
        seq = c.execute("SELECT COUNT(*) FROM cases").fetchone()[0] + 1
        case_no = f"440100{received:%Y%m%d}{seq:06d}"
        c.execute(
            "INSERT INTO cases (case_no, service_code, person_id, kiosk_id, idempotency_key, content_sha256, status,"
            " receipt_code, received_at, promised_by, form_json, materials_json)"
            " VALUES (?, ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?)",
            (
                case_no,
                service.code,
                person_id,
                kiosk_id(request),
                key,
                content,
                receipt,
                iso(ts),
                promised.isoformat(),
                json.dumps(body.form, ensure_ascii=False, default=str),
                json.dumps(
                    [
                        {"name": m.name, "content_type": m.content_type, "sha256": d}
                        for m, d in zip(body.materials, digests, strict=True)
                    ],
                    ensure_ascii=False,
                ),
            ),
        )
    log.info("application %s for %s received from %s", case_no, service.code, kiosk_id(request))
    return ApplicationReceipt(
        case_no=case_no,
        received_at=datetime.fromtimestamp(ts, UTC),
        receipt_code=receipt,
        service_code=service.code,
        promised_by=promised,
        message=Bilingual(
            zh_CN=f"申请已受理，办件编号 {case_no}，预计 {promised:%Y年%m月%d日} 前办结。",
            en=f"Application received, case {case_no}; expected by {promised.isoformat()}.",
        ),
    )


@router.get(paths.APPLICATION, response_model=CaseProgress, responses={**ERRORS, **LIMITED})
def case_progress(
    case_no: str,
    request: Request,
    receipt_code: str | None = Query(None, description="Alternative to the person token: the receipt code"),
    x_person_token: str | None = Header(None, alias=paths.PERSON_TOKEN_HEADER),
) -> CaseProgress:
    # The token is judged before the case is looked up, and every "not yours" is the same 404
    # as "no such case": the answer never tells whether a case number exists.
    person_id = person_for_token(request, x_person_token) if x_person_token or receipt_code is None else None
    if receipt_code is not None:
        limit_code_lookups(request, "receipt code")
    row = db(request).one("SELECT * FROM cases WHERE case_no = ?", (case_no,))
    by_receipt = row is not None and receipt_code is not None and receipt_code.upper() == row["receipt_code"]
    if row is None or not (by_receipt or (person_id is not None and person_id == row["person_id"])):
        if receipt_code is not None:
            code_missed(request, "receipt code")
        raise PlatformProblem(404, codes.NOT_FOUND, "no such case")
    service = service_or_404(request, row["service_code"])
    received = datetime.fromisoformat(row["received_at"])
    order = ["received", "reviewing", "approved", "completed"]
    reached = order.index(row["status"]) if row["status"] in order else 0
    names = {
        "received": ("受理", "Received"),
        "reviewing": ("审查", "Review"),
        "approved": ("决定", "Decision"),
        "completed": ("办结", "Completed"),
    }
    steps = [
        CaseStep(name=names[s][0], name_en=names[s][1], at=received if i == 0 else None, done=i <= reached)
        for i, s in enumerate(order)
    ]
    zh, en = CASE_STATUS.get(row["status"], (row["status"], row["status"]))
    return CaseProgress(
        case_no=case_no,
        service_code=service.code,
        service_name=service.name,
        service_name_en=service.name_en,
        status=row["status"],
        status_text=zh,
        status_text_en=en,
        submitted_at=received,
        promised_by=row["promised_by"],
        steps=steps,
    )

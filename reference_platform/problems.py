"""problem+json (RFC 9457) for every error the reference platform returns,
including FastAPI's own validation and routing errors."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.platform.contract import Bilingual, FieldError, Problem
from kiosk.platform.contract import problem as codes
from kiosk.platform.contract.paths import PROBLEM_CONTENT_TYPE
from kiosk.platform.contract.problem import PROBLEM_TYPE_BASE

log = logging.getLogger(__name__)

CITIZEN_MESSAGES: dict[str, tuple[str, str]] = {
    codes.UNSIGNED: ("终端认证失败，请联系工作人员。", "This kiosk could not be authenticated. Please ask staff."),
    codes.STALE: ("终端时间不准确，请联系工作人员。", "This kiosk's clock is wrong. Please ask staff."),
    codes.REPLAYED: ("请求重复，请重试。", "Duplicate request. Please try again."),
    codes.BAD_SIGNATURE: ("终端认证失败，请联系工作人员。", "This kiosk could not be authenticated. Please ask staff."),
    codes.UNKNOWN_KIOSK: ("终端未注册，请联系工作人员。", "This kiosk is not enrolled. Please ask staff."),
    codes.NOT_FOUND: ("未找到相关信息。", "Nothing was found."),
    codes.VALIDATION: ("填写的信息有误，请检查后重试。", "Some information is not valid. Please check and try again."),
    codes.IDEMPOTENCY_KEY_MISSING: ("系统错误，请重试。", "System error. Please try again."),
    codes.IDEMPOTENCY_MISMATCH: ("系统错误，请重试。", "System error. Please try again."),
    codes.IDEMPOTENCY_IN_PROGRESS: ("正在处理，请稍候。", "Still being processed, please wait."),
    codes.PERSON_TOKEN_INVALID: (
        "身份验证已过期，请重新验证身份。",
        "Your identification has expired. Please identify again.",
    ),
    codes.SUBMISSION_TOKEN_REFUSED: (
        "该提交已超出可受理时限，请重新验证身份后再次办理，或到窗口办理。",
        "This submission can no longer be accepted. Please identify again and resubmit, or go to a service window.",
    ),
    codes.IDENTITY_FAILED: ("身份核验未通过。", "Your identity could not be verified."),
    codes.FACE_LOCKED: (
        "人脸核验失败次数过多，请稍后再试或到人工窗口办理。",
        "Too many failed face checks. Please try later or go to a service window.",
    ),
    codes.ORDER_NOT_PAYABLE: ("该订单不能支付。", "This order can no longer be paid."),
    codes.PAYMENT_CODE_INVALID: ("付款码无效，请刷新付款码后重试。", "Invalid payment code. Refresh it and try again."),
    codes.PAYMENT_CODE_USED: (
        "付款码已使用，请刷新付款码后重试。",
        "This payment code was used. Refresh it and try again.",
    ),
    codes.AMOUNT_MISMATCH: ("缴费金额有误，请重新查询。", "The amount is not correct. Please look it up again."),
    codes.CONFLICT: ("当前状态不允许该操作。", "This cannot be done right now."),
    codes.OUTSIDE_HALL_HOURS: ("该业务仅在大厅办公时间办理。", "This service is only available during hall hours."),
    codes.ENROLMENT_CODE_INVALID: ("注册码无效。", "Invalid enrolment code."),
    codes.MALFORMED: ("系统错误，请重试。", "System error. Please try again."),
    codes.BODY_TOO_LARGE: ("提交的内容过大，请减少后重试。", "What was sent is too large. Please send less."),
    codes.RATE_LIMITED: ("尝试次数过多，请稍后再试。", "Too many tries. Please wait a moment and try again."),
    "method_not_allowed": ("系统错误，请重试。", "System error. Please try again."),
    "internal": ("系统繁忙，请稍后再试。", "The system is busy. Please try again later."),
}


HTTP_CODES = {
    400: codes.MALFORMED,
    404: codes.NOT_FOUND,
    405: "method_not_allowed",
    413: codes.BODY_TOO_LARGE,
    429: codes.RATE_LIMITED,
}
"""Machine codes for the framework's own HTTP errors (a body it cannot parse is 400 ``malformed``)."""


class PlatformProblem(Exception):
    """Raise anywhere in a route: the handler turns it into problem+json."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str = "",
        title: str = "",
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or code)
        self.headers = headers
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or code.replace("_", " ")
        self.errors = errors or []


def problem(
    status: int,
    code: str,
    detail: str = "",
    *,
    title: str = "",
    instance: str | None = None,
    errors: list[FieldError] | None = None,
) -> Problem:
    zh, en = CITIZEN_MESSAGES.get(code, CITIZEN_MESSAGES["internal"])
    return Problem(
        type=PROBLEM_TYPE_BASE + code,
        title=title or code.replace("_", " "),
        status=status,
        detail=detail,
        code=code,
        citizen_message=Bilingual(zh_CN=zh, en=en),
        instance=instance,
        errors=errors or [],
    )


def problem_response(p: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        p.model_dump(mode="json"), status_code=p.status, media_type=PROBLEM_CONTENT_TYPE, headers=headers
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(PlatformProblem)
    async def _platform(request: Request, exc: PlatformProblem) -> JSONResponse:
        return problem_response(
            problem(exc.status, exc.code, exc.detail, title=exc.title, instance=request.url.path, errors=exc.errors),
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(field=".".join(str(p) for p in e.get("loc", ()) if p != "body"), message=str(e.get("msg", "")))
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)[:500]
        return problem_response(
            problem(422, codes.VALIDATION, detail, title="request not valid", instance=request.url.path, errors=errors)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "internal" if exc.status_code >= 500 else codes.MALFORMED)
        return problem_response(
            problem(exc.status_code, code, str(exc.detail), instance=request.url.path),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(problem(500, "internal", "internal error", instance=request.url.path))

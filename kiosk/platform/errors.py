"""Typed platform errors: journeys branch on the class and ``code``, screens show
``message(lang)``. Each class has a built-in bilingual default, so a kiosk always has
something sane to say even when the platform sent nothing usable."""

from __future__ import annotations

from typing import ClassVar

_MAX_MESSAGE = 200


class PlatformError(Exception):
    """Base of every failure talking to the platform.

    ``code`` is the problem+json machine code (or a client-side code such as
    ``unreachable``); ``status`` the HTTP status, 0 when no response arrived.
    The exception text never holds personal data: it is built from the code,
    the status and the request path template only.
    """

    default_code: ClassVar[str] = "platform_error"
    default_message: ClassVar[dict[str, str]] = {
        "zh_CN": "服务暂时不可用，请稍后再试或联系工作人员。",
        "en": "The service is temporarily unavailable. Please try again later or ask the staff.",
    }

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        status: int = 0,
        citizen_message: dict[str, str] | None = None,
        field_errors: list[dict[str, str]] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.status = status
        self.citizen_message = _sane(citizen_message) or dict(self.default_message)
        self.field_errors = field_errors or []
        super().__init__(detail or f"{self.code} (HTTP {status})")

    def message(self, lang: str = "zh_CN") -> str:
        """The citizen-facing text in ``lang`` (``zh_CN`` or ``en``), Chinese otherwise."""
        return self.citizen_message.get(lang) or self.citizen_message["zh_CN"]


def _sane(msg: dict[str, str] | None) -> dict[str, str] | None:
    """Accept a server's citizen message only when both languages are short, non-empty text."""
    if not isinstance(msg, dict):
        return None
    out = {}
    for lang in ("zh_CN", "en"):
        text = msg.get(lang)
        if not isinstance(text, str) or not text.strip() or len(text) > _MAX_MESSAGE or "<" in text:
            return None
        out[lang] = text.strip()
    return out


class PlatformUnreachable(PlatformError):
    """No connection could be made (refused, DNS, TLS, reset before any answer)."""

    default_code = "unreachable"
    default_message: ClassVar[dict[str, str]] = {
        "zh_CN": "暂时无法连接政务服务平台，请稍后再试。",
        "en": "The government service platform cannot be reached right now. Please try again later.",
    }


class PlatformTimeout(PlatformError):
    """Connected, but no complete answer arrived within the read timeout."""

    default_code = "timeout"
    default_message: ClassVar[dict[str, str]] = {
        "zh_CN": "平台响应超时，请稍后再试。",
        "en": "The platform took too long to answer. Please try again later.",
    }


class AuthRejected(PlatformError):
    """401: the platform refused this kiosk's signature (wrong secret, clock, replay)."""

    default_code = "unauthorized"
    default_message: ClassVar[dict[str, str]] = {
        "zh_CN": "本终端暂时无法使用该服务，请联系工作人员。",
        "en": "This kiosk cannot use the service right now. Please ask the staff for help.",
    }


class NotFound(PlatformError):
    default_code = "not_found"
    default_message: ClassVar[dict[str, str]] = {
        "zh_CN": "未找到相关信息。",
        "en": "Nothing was found.",
    }


class Conflict(PlatformError):
    default_code = "conflict"
    default_message: ClassVar[dict[str, str]] = {
        "zh_CN": "该业务当前状态不允许此操作。",
        "en": "This cannot be done in the current state of the matter.",
    }


class ValidationRejected(PlatformError):
    """422 (or 400): the platform refused the data; ``field_errors`` say where."""

    default_code = "validation"
    default_message: ClassVar[dict[str, str]] = {
        "zh_CN": "填写的信息有误，请检查后重试。",
        "en": "Some information is not valid. Please check and try again.",
    }


class ServerError(PlatformError):
    default_code = "server_error"


class BadResponse(PlatformError):
    """The platform answered with something the contract does not allow."""

    default_code = "bad_response"


def for_status(status: int) -> type[PlatformError]:
    """The exception class for an HTTP error status."""
    if status == 401 or status == 403:
        return AuthRejected
    if status == 404 or status == 410:
        return NotFound
    if status == 409:
        return Conflict
    if status in (400, 422):
        return ValidationRejected
    if status >= 500:
        return ServerError
    return PlatformError

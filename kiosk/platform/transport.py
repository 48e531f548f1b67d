"""HTTP transport to the platform: one ``requests.Session``, signed requests,
timeouts on every call and retries only where a resend can't do harm.

What is safe to resend: a GET, and a state-changing call carrying an idempotency
key (the platform answers a repeated key with the first result). Only failures
that say nothing reached or came back from the application are retried:
connection errors, timeouts and 502/503/504. A 4xx is an answer, never retried.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import requests
from pydantic import ValidationError

from kiosk.platform import signing
from kiosk.platform.contract.paths import PROBLEM_CONTENT_TYPE
from kiosk.platform.contract.problem import Problem
from kiosk.platform.errors import (
    BadResponse,
    PlatformError,
    PlatformTimeout,
    PlatformUnreachable,
    for_status,
)

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    """Total tries including the first."""
    backoff_s: float = 0.25
    """Wait before the second try; doubled before each later one."""
    max_backoff_s: float = 2.0
    deadline_s: float = 30.0
    """No new try starts after this long since the first."""


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class Transport:
    """Sends signed requests to one platform base URL and turns failures into ``PlatformError``s."""

    def __init__(
        self,
        base_url: str,
        kiosk_id: str,
        secret: bytes,
        *,
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 10.0,
        verify_tls: bool = True,
        ca_bundle: str = "",
        retry: RetryPolicy | None = None,
        user_agent: str = "gov-kiosk",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._prefix = urlsplit(self.base_url).path.rstrip("/")
        self.kiosk_id = kiosk_id
        self._secret = secret
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.retry = retry or RetryPolicy()
        self.session = requests.Session()
        self.session.verify = ca_bundle if (verify_tls and ca_bundle) else verify_tls
        self.session.headers["User-Agent"] = user_agent
        # The caller's retry policy is the only one: no proxies from the environment
        # (a kiosk talks to its platform directly) and no urllib3 retries underneath.
        self.session.trust_env = False

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        signed: bool = True,
        label: str = "",
    ) -> requests.Response:
        """Send one call (with retries when safe) and return a 2xx or 304 response.

        ``path`` is the API path (already filled, see ``contract.paths.fill``);
        ``label`` is what the log shows instead of it (the template), so ids that
        might identify a citizen never reach a log line.
        """
        method = method.upper()
        query = urlencode([(k, str(v)) for k, v in (params or {}).items() if v is not None])
        path_q = path + (f"?{query}" if query else "")
        data = body or b""
        hdrs = dict(headers or {})
        if data:
            hdrs.setdefault("Content-Type", "application/json")
        if idempotency_key:
            hdrs[signing.HEADER_IDEMPOTENCY] = idempotency_key
        may_retry = method in ("GET", "HEAD") or bool(idempotency_key)
        attempts = self.retry.attempts if may_retry else 1
        label = label or path
        started = time.monotonic()
        wait = self.retry.backoff_s
        for attempt in range(1, attempts + 1):
            if signed:
                # A fresh nonce and timestamp per try: the platform refuses a replayed nonce.
                hdrs.update(
                    signing.sign(self.kiosk_id, self._secret, method, self._prefix + path_q, data, headers=hdrs)
                )
            try:
                resp = self._send(method, path_q, data, hdrs, label)
            except (PlatformUnreachable, PlatformTimeout) as exc:
                if not self._again(attempt, attempts, started, wait):
                    raise
                log.warning("%s %s: %s, try %d of %d", method, label, exc.code, attempt + 1, attempts)
            else:
                if resp.status_code < 300 or resp.status_code == 304:
                    return resp
                if resp.status_code < 400:
                    raise BadResponse(
                        f"{method} {label}: unexpected redirect", code="redirect", status=resp.status_code
                    )
                err = problem_error(resp)
                if resp.status_code not in RETRY_STATUSES or not self._again(attempt, attempts, started, wait):
                    log.warning("%s %s -> %d %s", method, label, resp.status_code, err.code)
                    raise err
                log.warning("%s %s -> %d, try %d of %d", method, label, resp.status_code, attempt + 1, attempts)
            time.sleep(wait)
            wait = min(wait * 2, self.retry.max_backoff_s)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _again(self, attempt: int, attempts: int, started: float, wait: float) -> bool:
        return attempt < attempts and time.monotonic() - started + wait < self.retry.deadline_s

    def _send(self, method: str, path_q: str, data: bytes, hdrs: dict[str, str], label: str) -> requests.Response:
        url = self.base_url + path_q
        try:
            resp = self.session.request(
                method, url, data=data or None, headers=hdrs, timeout=self.timeout, allow_redirects=False
            )
        except requests.exceptions.ConnectTimeout as exc:
            raise PlatformUnreachable(f"{method} {label}: connect timeout") from exc
        except requests.exceptions.ReadTimeout as exc:
            raise PlatformTimeout(f"{method} {label}: no answer within {self.timeout[1]} s") from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            # The answer started but broke off: nothing usable arrived.
            raise BadResponse(f"{method} {label}: the answer broke off", code="truncated") from exc
        except requests.exceptions.SSLError as exc:
            raise PlatformUnreachable(f"{method} {label}: TLS failed", code="tls") from exc
        except requests.exceptions.ConnectionError as exc:
            raise PlatformUnreachable(f"{method} {label}: connection failed") from exc
        except requests.exceptions.RequestException as exc:
            raise PlatformUnreachable(f"{method} {label}: {type(exc).__name__}") from exc
        log.debug("%s %s -> %d", method, label, resp.status_code)
        return resp


def problem_error(resp: requests.Response) -> PlatformError:
    """The typed error for an error response, using its problem+json when it is sane."""
    cls = for_status(resp.status_code)
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype in (PROBLEM_CONTENT_TYPE, "application/json"):
        try:
            problem = Problem.model_validate_json(resp.content)
        except (ValidationError, ValueError):
            problem = None
        if problem is not None:
            return cls(
                f"{problem.code} (HTTP {resp.status_code})",
                code=problem.code,
                status=resp.status_code,
                citizen_message=problem.citizen_message.model_dump(),
                field_errors=[e.model_dump() for e in problem.errors],
            )
    return cls(status=resp.status_code)

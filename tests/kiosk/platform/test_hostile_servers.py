"""The client against servers that stall, reset, truncate, lie and fail, over real HTTP."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import pytest

from kiosk.platform import signing
from kiosk.platform.client import PlatformClient
from kiosk.platform.contract import paths
from kiosk.platform.contract.demo import DEMO_SECRET
from kiosk.platform.contract.feedback import HelpCallRequest
from kiosk.platform.errors import (
    AuthRejected,
    BadResponse,
    Conflict,
    NotFound,
    PlatformTimeout,
    PlatformUnreachable,
    ServerError,
    ValidationRejected,
)
from kiosk.platform.settings import PlatformSection
from kiosk.platform.transport import RetryPolicy

from .http_stubs import StubServer, problem, reply, reply_json, reset, stall

FAST = RetryPolicy(attempts=3, backoff_s=0.01, max_backoff_s=0.02, deadline_s=5)
KIOSK = "test-kiosk-1"
CATALOG = {"version": "v1", "generated_at": "2026-01-01T00:00:00Z", "categories": [], "services": []}
ACK = {"received_at": "2026-01-01T00:00:00Z", "catalog_version": "v1"}
HELP = {
    "call_id": "H1",
    "status": "open",
    "expected_minutes": 2,
    "created_at": "2026-01-01T00:00:00Z",
    "message": {"zh_CN": "工作人员马上到", "en": "Staff are coming"},
}


def client(url: str, tmp_path: Path | None = None, read: float = 0.3) -> PlatformClient:
    return PlatformClient(
        url, KIOSK, DEMO_SECRET, cache_dir=tmp_path, connect_timeout_s=0.3, read_timeout_s=read, retry=FAST
    )


# -- signing and idempotency keys -------------------------------------------------------------


def test_requests_are_signed_over_path_query_and_exact_body(stub: StubServer) -> None:
    stub.route("GET", paths.QUERY.format(kind="credit"), lambda h: reply_json(h, 404, {}))
    stub.route("POST", paths.HELP_CALLS, lambda h: reply_json(h, 201, HELP))
    c = client(stub.url)
    with pytest.raises(NotFound):
        c.query("credit", "tok-12345678", page=2, page_size=5)
    got = c.call_help(HelpCallRequest(note="需要帮助"))
    assert got.call_id == "H1"
    for hit in stub.hits:
        kid = signing.check(hit.headers, {KIOSK: DEMO_SECRET}.get, hit.method, hit.path, hit.body)
        assert kid == KIOSK
    assert "page=2" in stub.hits[0].path and stub.hits[0].headers[paths.PERSON_TOKEN_HEADER] == "tok-12345678"
    assert "tok-12345678" not in stub.hits[0].path
    assert signing.HEADER_IDEMPOTENCY not in stub.hits[0].headers
    assert uuid.UUID(stub.hits[1].headers[signing.HEADER_IDEMPOTENCY]).version == 4


def test_wrong_secret_fails_the_servers_check(stub: StubServer) -> None:
    stub.route("GET", paths.ANNOUNCEMENTS, problem(401, "bad_signature", "签名错误", "Bad signature"))
    c = PlatformClient(stub.url, KIOSK, b"not-the-secret-at-all", retry=FAST)
    with pytest.raises(AuthRejected) as err:
        c.announcements()
    hit = stub.hits[0]
    with pytest.raises(signing.SignatureError):
        signing.check(hit.headers, {KIOSK: DEMO_SECRET}.get, hit.method, hit.path, hit.body)
    assert err.value.status == 401 and err.value.code == "bad_signature"
    assert stub.count("GET", paths.ANNOUNCEMENTS) == 1, "a 401 is never retried"


def test_caller_key_is_sent_on_every_retry_with_fresh_nonces(stub: StubServer) -> None:
    answers = iter([problem(503, "busy"), problem(502, "busy"), lambda h: reply_json(h, 200, ACK)])
    stub.route("POST", paths.HEARTBEAT, lambda h: next(answers)(h))
    from kiosk.platform.contract.operations import Heartbeat

    ack = client(stub.url).heartbeat(Heartbeat(kiosk_version="1", uptime_s=1), idempotency_key="key-from-journal")
    assert ack.catalog_version == "v1"
    keys = {h.headers[signing.HEADER_IDEMPOTENCY] for h in stub.hits}
    nonces = {h.headers[signing.HEADER_NONCE] for h in stub.hits}
    assert keys == {"key-from-journal"} and len(nonces) == 3


# -- retries ----------------------------------------------------------------------------------


def test_get_is_retried_on_503_then_gives_server_error(stub: StubServer) -> None:
    stub.route("GET", paths.ANNOUNCEMENTS, lambda h: reply(h, 503, b"down", ctype="text/plain"))
    with pytest.raises(ServerError) as err:
        client(stub.url).announcements()
    assert stub.count("GET", paths.ANNOUNCEMENTS) == 3
    assert err.value.status == 503 and err.value.message("en") == ServerError.default_message["en"]


def test_post_without_key_is_never_retried(stub: StubServer) -> None:
    stub.route("POST", "/v1/anything", lambda h: reply(h, 503, b"", ctype=""))
    c = client(stub.url)
    with pytest.raises(ServerError):
        c.transport.request("POST", "/v1/anything", body=b"{}")
    assert stub.count("POST", "/v1/anything") == 1


def test_post_without_key_is_not_retried_after_a_read_timeout(stub: StubServer) -> None:
    stub.route("POST", "/v1/anything", stall(1.0))
    with pytest.raises(PlatformTimeout):
        client(stub.url).transport.request("POST", "/v1/anything", body=b"{}")
    assert stub.count("POST", "/v1/anything") == 1


def test_4xx_is_never_retried(stub: StubServer) -> None:
    stub.route("GET", paths.ANNOUNCEMENTS, problem(409, "conflict"))
    with pytest.raises(Conflict):
        client(stub.url).announcements()
    assert stub.count("GET", paths.ANNOUNCEMENTS) == 1


def test_500_is_not_retried_and_keeps_the_servers_message(stub: StubServer) -> None:
    stub.route("GET", paths.ANNOUNCEMENTS, problem(500, "internal", "系统维护中", "Under maintenance"))
    with pytest.raises(ServerError) as err:
        client(stub.url).announcements()
    assert err.value.message("zh_CN") == "系统维护中" and err.value.message("en") == "Under maintenance"
    assert stub.count("GET", paths.ANNOUNCEMENTS) == 1


# -- transport failures -----------------------------------------------------------------------


def test_stall_past_read_timeout_is_platform_timeout_and_get_retried(stub: StubServer) -> None:
    stub.route("GET", paths.ANNOUNCEMENTS, stall(1.0))
    with pytest.raises(PlatformTimeout) as err:
        client(stub.url).announcements()
    assert stub.count("GET", paths.ANNOUNCEMENTS) == 3
    assert err.value.message("zh_CN") and err.value.message("en")


def test_reset_connection_is_unreachable(stub: StubServer) -> None:
    stub.route("GET", paths.ANNOUNCEMENTS, reset)
    with pytest.raises(PlatformUnreachable):
        client(stub.url).announcements()
    assert stub.count("GET", paths.ANNOUNCEMENTS) == 3


def test_refused_port_is_unreachable(refused_url: str) -> None:
    with pytest.raises(PlatformUnreachable) as err:
        client(refused_url).announcements()
    assert err.value.status == 0 and "无法连接" in err.value.message("zh_CN")


# -- malformed answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(lambda h: reply(h, 200, b'{"announcements": [', length=200), id="body-shorter-than-length"),
        pytest.param(lambda h: reply(h, 200, b'{"announcements": ['), id="truncated-json"),
        pytest.param(lambda h: reply(h, 200, b"{not json at all"), id="malformed-json"),
        pytest.param(lambda h: reply(h, 200, b"<html>login</html>", ctype="text/html"), id="html-200"),
        pytest.param(lambda h: reply(h, 200, b'{"announcements": 5}'), id="wrong-shape"),
        pytest.param(lambda h: reply(h, 200, b""), id="empty-body"),
        pytest.param(lambda h: reply(h, 302, b"", headers={"Location": "/login"}), id="redirect"),
    ],
)
def test_malformed_answers_are_bad_response(stub: StubServer, route) -> None:
    stub.route("GET", paths.ANNOUNCEMENTS, route)
    with pytest.raises(BadResponse) as err:
        client(stub.url).announcements()
    assert err.value.message("zh_CN") and err.value.message("en")


def test_bad_response_text_does_not_echo_personal_data(stub: StubServer) -> None:
    body = json.dumps({"announcements": [{"title": "110105199001011234 张三"}]}).encode()
    stub.route("GET", paths.ANNOUNCEMENTS, lambda h: reply(h, 200, body))
    with pytest.raises(BadResponse) as err:
        client(stub.url).announcements()
    assert "110105199001011234" not in str(err.value) and "张三" not in str(err.value)


@pytest.mark.parametrize(
    ("status", "cls"),
    [(401, AuthRejected), (404, NotFound), (409, Conflict), (422, ValidationRejected), (503, ServerError)],
)
def test_problem_json_maps_to_typed_errors_with_both_languages(stub: StubServer, status: int, cls) -> None:
    stub.route("GET", paths.ANNOUNCEMENTS, problem(status, f"code_{status}", f"中文{status}", f"English {status}"))
    with pytest.raises(cls) as err:
        client(stub.url).announcements()
    assert err.value.code == f"code_{status}" and err.value.status == status
    assert err.value.citizen_message == {"zh_CN": f"中文{status}", "en": f"English {status}"}


@pytest.mark.parametrize(
    "message",
    [{"zh_CN": "只有中文"}, {"zh_CN": "<script>x</script>", "en": "x"}, {"zh_CN": "", "en": "e"}, "text"],
)
def test_insane_problem_messages_fall_back_to_defaults(stub: StubServer, message) -> None:
    doc = {"title": "x", "status": 404, "code": "not_found", "citizen_message": message}
    stub.route("GET", paths.ANNOUNCEMENTS, lambda h: reply_json(h, 404, doc, ctype="application/problem+json"))
    with pytest.raises(NotFound) as err:
        client(stub.url).announcements()
    assert err.value.citizen_message == NotFound.default_message


def test_binary_documents_check_their_media_type(stub: StubServer) -> None:
    pdf = b"%PDF-1.7 fake but typed"
    stub.route("GET", "/v1/certificates/C1/pdf", lambda h: reply(h, 200, pdf, ctype="application/pdf"))
    stub.route("GET", "/v1/certificates/C1/png", lambda h: reply_json(h, 200, {}))
    c = client(stub.url)
    assert c.certificate_pdf("C1", "tok-12345678") == pdf
    with pytest.raises(BadResponse):
        c.certificate_png("C1")


# -- catalogue cache --------------------------------------------------------------------------


def _catalog_route(h) -> None:
    if h.headers.get("If-None-Match") == '"v1"':
        reply(h, 304, b"", ctype="", headers={"ETag": '"v1"'})
    else:
        reply_json(h, 200, CATALOG, headers={"ETag": '"v1"'})


def test_catalog_etag_304_then_stale_when_down(stub: StubServer, tmp_path: Path) -> None:
    stub.route("GET", paths.CATALOG, _catalog_route)
    first = client(stub.url, tmp_path).catalog()
    assert (first.from_cache, first.stale, first.catalog.version) == (False, False, "v1")
    assert (tmp_path / "catalog.json").exists() and not list(tmp_path.glob(".*tmp"))
    second = client(stub.url, tmp_path).catalog()
    assert stub.hits[-1].headers.get("If-None-Match") == '"v1"'
    assert (second.from_cache, second.stale, second.catalog.version) == (True, False, "v1")
    stub.route("GET", paths.CATALOG, reset)
    down = client(stub.url, tmp_path).catalog()
    assert (down.from_cache, down.stale, down.catalog.version) == (True, True, "v1")


def test_refused_port_with_cache_is_stale_and_without_cache_raises(
    stub: StubServer, refused_url: str, tmp_path: Path
) -> None:
    stub.route("GET", paths.CATALOG, _catalog_route)
    client(stub.url, tmp_path).catalog()
    assert client(refused_url, tmp_path).catalog().stale
    with pytest.raises(PlatformUnreachable):
        client(refused_url, tmp_path / "empty").catalog()


def test_corrupt_cache_is_ignored_with_a_log_line(
    stub: StubServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stub.route("GET", paths.CATALOG, _catalog_route)
    (tmp_path / "catalog.json").write_bytes(b'{"etag": "\\"v1\\"", "catalog": {"vers')
    with caplog.at_level(logging.WARNING, logger="kiosk.platform.cache"):
        result = client(stub.url, tmp_path).catalog()
    assert "corrupt" in caplog.text
    assert stub.hits[-1].headers.get("If-None-Match") is None
    assert (result.from_cache, result.catalog.version) == (False, "v1")


def test_from_config_uses_the_platform_section(stub: StubServer) -> None:
    stub.route("GET", paths.ANNOUNCEMENTS, stall(1.0))
    section = PlatformSection(url=stub.url, connect_timeout_s=0.2, read_timeout_s=0.2)
    c = PlatformClient.from_config(section, KIOSK, DEMO_SECRET, retry=RetryPolicy(attempts=1))
    assert c.transport.timeout == (0.2, 0.2)
    with pytest.raises(PlatformTimeout):
        c.announcements()

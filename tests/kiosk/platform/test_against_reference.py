"""The client against the reference platform, over real HTTP on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from kiosk.config import DEMO_SECRET
from kiosk.platform import signing
from kiosk.platform.client import PlatformClient
from kiosk.platform.contract import paths
from kiosk.platform.contract.feedback import HELP_CALL_STALE_S, HelpCallRequest
from kiosk.platform.errors import AuthRejected, NotFound, PlatformUnreachable
from kiosk.platform.transport import RetryPolicy

server_mod = pytest.importorskip("reference_platform.server")

KIOSK = "demo-kiosk-001"
FAST = RetryPolicy(attempts=2, backoff_s=0.01, max_backoff_s=0.02, deadline_s=5)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    handle = server_mod.serve_in_thread(tmp_path_factory.mktemp("ref") / "platform.db", "127.0.0.1", port=0)
    yield handle.url.rstrip("/")
    handle.stop()


def make(url: str, tmp_path: Path, secret: bytes = DEMO_SECRET) -> PlatformClient:
    return PlatformClient(url, KIOSK, secret, cache_dir=tmp_path, connect_timeout_s=1, read_timeout_s=10, retry=FAST)


def test_signed_calls_are_accepted(platform: str, tmp_path: Path) -> None:
    assert make(platform, tmp_path).catalog().catalog.services
    make(platform, tmp_path).announcements()


def test_wrong_secret_is_auth_rejected_with_both_languages(platform: str, tmp_path: Path) -> None:
    with pytest.raises(AuthRejected) as err:
        make(platform, tmp_path, b"wrong-secret-wrong-secret").announcements()
    assert err.value.code == "bad_signature" and err.value.message("zh_CN") and err.value.message("en")


def _raw_get(url: str, path: str, **sign_kw: object) -> requests.Response:
    headers = signing.sign(KIOSK, DEMO_SECRET, "GET", path, b"", **sign_kw)  # type: ignore[arg-type]
    return requests.get(url + path, headers=headers, timeout=5)


def test_stale_timestamp_and_replayed_nonce_are_refused(platform: str) -> None:
    stale = _raw_get(platform, paths.ANNOUNCEMENTS, now=time.time() - 2 * signing.MAX_SKEW_S)
    assert stale.status_code == 401 and stale.json()["code"] == "stale"
    assert stale.headers["Content-Type"].startswith(paths.PROBLEM_CONTENT_TYPE)
    nonce = "0123456789abcdef" * 2
    assert _raw_get(platform, paths.ANNOUNCEMENTS, nonce=nonce).status_code == 200
    replay = _raw_get(platform, paths.ANNOUNCEMENTS, nonce=nonce)
    assert replay.status_code == 401 and replay.json()["code"] == "replayed"


def test_same_idempotency_key_returns_the_first_result(platform: str, tmp_path: Path) -> None:
    c = make(platform, tmp_path)
    first = c.call_help(HelpCallRequest(note="replay test"), idempotency_key="help-key-0001")
    again = c.call_help(HelpCallRequest(note="replay test"), idempotency_key="help-key-0001")
    other = c.call_help(HelpCallRequest(note="replay test"))
    assert first.call_id == again.call_id != other.call_id


def test_a_help_call_pressed_long_ago_is_recorded_as_missed(platform: str, tmp_path: Path) -> None:
    c = make(platform, tmp_path)
    now = datetime.now(UTC)
    fresh = c.call_help(HelpCallRequest(screen="home", requested_at=now - timedelta(minutes=2)))
    ahead = c.call_help(HelpCallRequest(screen="home", requested_at=now + timedelta(minutes=3)))  # kiosk clock fast
    stale = c.call_help(HelpCallRequest(screen="home", requested_at=now - timedelta(seconds=HELP_CALL_STALE_S + 60)))
    assert (fresh.status, ahead.status, stale.status) == ("queued", "queued", "missed")
    assert fresh.expected_minutes > 0 and stale.expected_minutes == 0
    assert "too late" in stale.message.en and stale.message.zh_CN


def test_unknown_order_is_not_found(platform: str, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as err:
        make(platform, tmp_path).order("NO-SUCH-ORDER")
    assert err.value.status == 404 and err.value.message("en")


def test_catalog_etag_then_stale_when_platform_down(platform: str, tmp_path: Path, refused_url: str) -> None:
    first = make(platform, tmp_path).catalog()
    second = make(platform, tmp_path).catalog()
    assert not first.from_cache and second.from_cache and not second.stale
    down = make(refused_url, tmp_path).catalog()
    assert down.stale and down.catalog.version == first.catalog.version
    with pytest.raises(PlatformUnreachable):
        make(refused_url, tmp_path / "none").catalog()

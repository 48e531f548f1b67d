"""Bodies are capped before they are buffered: a 1 GiB body streamed at the platform (a child
process, so its memory is its own) is cut off early, and the platform's peak RSS stays flat."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from kiosk.platform import signing
from kiosk.platform.contract import paths
from kiosk.platform.contract.demo import DEMO_KIOSK_ID
from reference_platform.security import BODY_LIMITS, DEFAULT_BODY_LIMIT, body_limit

from .helpers import Signed, assert_problem
from .test_crash_recovery import _start

GIB = 1024 * 1024 * 1024
CHUNK = b"x" * (1024 * 1024)


def _memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _stream(url: str, path: str, headers: dict[str, str], *, declared: int | None = None) -> tuple[int, str]:
    """POST up to 1 GiB, generated chunk by chunk; returns (bytes sent, status line or '')."""
    host, port = url.removeprefix("http://").split(":")
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            while sent < GIB:
                frame = CHUNK if declared is not None else f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
                sock.sendall(frame)
                sent += len(CHUNK)
        except OSError:  # the platform answered and closed: what the test wants
            pass
        try:
            status = sock.recv(200).split(b"\r\n", 1)[0].decode("latin-1")
        except OSError:
            status = ""
    return sent, status


@pytest.fixture(scope="module")
def child(tmp_path_factory: pytest.TempPathFactory):
    where = tmp_path_factory.mktemp("limits")
    proc, url = _start(where / "platform.db", where / "platform.log", {})
    yield proc, url
    proc.terminate()
    proc.wait(10)


def test_limits_are_per_route():
    assert body_limit("POST", paths.HELP_CALLS) == DEFAULT_BODY_LIMIT
    assert body_limit("POST", paths.APPLICATIONS) == BODY_LIMITS[("POST", paths.APPLICATIONS)] > DEFAULT_BODY_LIMIT
    ack = paths.fill(paths.ACTION_ACK, action_id="A-1")  # a template's cap holds for every id it takes
    assert body_limit("POST", ack) == BODY_LIMITS[("POST", paths.ACTION_ACK)] > DEFAULT_BODY_LIMIT
    assert body_limit("POST", ack + "/more") == body_limit("GET", ack) == DEFAULT_BODY_LIMIT


def test_streamed_gigabytes_leave_the_platform_flat(child):
    proc, url = child
    Signed(url).get(paths.CATALOG)  # warm: the first answers load what every later one needs
    before = _memory_kib(proc.pid)
    signed_headers = {
        signing.HEADER_KIOSK: DEMO_KIOSK_ID,
        signing.HEADER_TIMESTAMP: str(int(time.time())),
        signing.HEADER_NONCE: "ab" * 16,
        signing.HEADER_SIGNATURE: "cd" * 32,
        signing.HEADER_IDEMPOTENCY: "big-body",
    }
    cases = [
        (paths.HELP_CALLS, {}, None, "401"),  # unsigned: refused before the body is read
        (paths.HELP_CALLS, signed_headers, None, "413"),  # well-formed headers: cut off at the cap
        (paths.APPLICATIONS, signed_headers, None, "413"),  # the largest cap
        (paths.HELP_CALLS, signed_headers, GIB, "413"),  # declared too large: refused at once
    ]
    for path, headers, declared, expected in cases:
        sent, status = _stream(url, path, headers, declared=declared)
        assert sent < 128 * 1024 * 1024, f"{path}: the platform kept reading ({sent} bytes)"
        assert status == "" or f" {expected} " in status + " ", status
    after = _memory_kib(proc.pid)
    grown_mib = (after["VmHWM"] - before["VmHWM"]) / 1024
    assert grown_mib < 48, f"peak RSS grew {grown_mib:.0f} MiB ({before} -> {after})"
    assert proc.poll() is None


def test_a_small_body_over_the_cap_is_a_413_problem(child):
    _proc, url = child
    big = {"reason": "question", "screen": "home", "note": "x" * 100, "pad": "y" * DEFAULT_BODY_LIMIT}
    assert_problem(Signed(url).post(paths.HELP_CALLS, big), 413, "body_too_large")

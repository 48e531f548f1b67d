"""sd_notify client against a real AF_UNIX datagram socket, as systemd would hold it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kiosk.ops.watchdog import Notifier


@pytest.fixture
def listener(tmp_path: Path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify"
    sock.bind(str(path))
    sock.settimeout(5)
    yield sock, str(path)
    sock.close()


def test_messages_reach_the_socket(listener) -> None:
    sock, path = listener
    n = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert n.enabled
    assert n.ready("attract screen\nup")
    assert sock.recv(4096) == b"READY=1\nSTATUS=attract screen up"
    assert n.ping()
    assert sock.recv(4096) == b"WATCHDOG=1"
    assert n.status("printer offline")
    assert sock.recv(4096) == b"STATUS=printer offline"
    assert n.stopping()
    assert sock.recv(4096) == b"STOPPING=1"
    assert n.watchdog_interval_s == 15.0


def test_abstract_socket() -> None:
    name = f"kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(5)
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ping()
        assert sock.recv(4096) == b"WATCHDOG=1"


def test_noop_without_systemd() -> None:
    n = Notifier({})
    assert not n.enabled
    assert n.watchdog_interval_s is None
    assert not n.ready() and not n.ping() and not n.stopping()


def test_vanished_socket_is_not_fatal(tmp_path: Path) -> None:
    assert not Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")}).ping()


@pytest.mark.parametrize("usec", ["", "0", "-5", "abc"])
def test_no_watchdog_interval(usec: str) -> None:
    assert Notifier({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": usec}).watchdog_interval_s is None


def test_rejects_malformed_field(listener) -> None:
    _, path = listener
    with pytest.raises(ValueError):
        Notifier({"NOTIFY_SOCKET": path}).notify("READY")


def test_ready_file_for_a_unit_whose_notifications_are_lost(tmp_path: Path, listener) -> None:
    """The ready file is written beside READY=1, for a check that cannot read the notify socket."""
    sock, path = listener
    ready = tmp_path / "run" / "ready"
    ready.parent.mkdir()
    n = Notifier({"NOTIFY_SOCKET": path, "KIOSK_READY_FILE": str(ready)})
    assert not ready.exists()
    assert n.ready("attract screen shown")
    assert ready.read_text(encoding="utf-8") == "attract screen shown\n"
    assert sock.recv(4096) == b"READY=1\nSTATUS=attract screen shown"
    assert [p.name for p in ready.parent.iterdir()] == ["ready"]  # no temporary file left
    n.stopping()
    assert not ready.exists()


def test_ready_file_alone_and_unwritable(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    assert Notifier({"KIOSK_READY_FILE": str(ready)}).ready("up")
    assert ready.exists()
    assert not Notifier({"KIOSK_READY_FILE": str(tmp_path / "missing-dir" / "ready")}).ready("up")
    assert not Notifier({"KIOSK_READY_FILE": "relative/ready"}).ready("up")

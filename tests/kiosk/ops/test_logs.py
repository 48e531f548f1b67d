"""Journald-native logging: priorities journalctl -p can filter on, structured fields, nothing personal."""

from __future__ import annotations

import io
import logging
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.ops.logs import JournalHandler, encode, setup_logging, stderr_is_journal, syslog_priority
from kiosk.privacy import install_log_masking

ROOT = Path(__file__).resolve().parents[3]
ID_NUMBER = "110105194912310021"


def parse(datagram: bytes) -> dict[str, str]:
    """journald's reading of a native datagram (KEY=VALUE lines, or KEY, 64-bit length, bytes)."""
    fields, i = {}, 0
    while i < len(datagram):
        end = datagram.index(b"\n", i)
        line = datagram[i:end]
        if b"=" in line:
            key, _, value = line.partition(b"=")
            i = end + 1
        else:
            key = line
            (size,) = struct.unpack("<Q", datagram[end + 1:end + 9])
            value = datagram[end + 9:end + 9 + size]
            assert datagram[end + 9 + size:end + 10 + size] == b"\n"
            i = end + 10 + size
        fields[key.decode()] = value.decode()
    return fields


@pytest.fixture
def journald(tmp_path: Path):
    path = tmp_path / "journal.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    yield str(path), sock
    sock.close()


@pytest.fixture
def logger():
    log = logging.getLogger("kiosk.test.logs")
    log.propagate = False
    log.setLevel(logging.INFO)
    yield log
    for h in list(log.handlers):
        log.removeHandler(h)
        h.close()
    log.propagate = True
    log.setLevel(logging.NOTSET)


def test_priorities_are_syslogs():
    assert [syslog_priority(lv) for lv in (logging.CRITICAL, logging.ERROR, logging.WARNING, logging.INFO,
                                           logging.DEBUG)] == [2, 3, 4, 6, 7]


def test_a_record_reaches_the_journal_with_priority_fields_and_no_personal_data(journald, logger):
    path, sock = journald
    logger.addHandler(JournalHandler("kiosk", path))
    install_log_masking(logger)
    logger.warning("card %s read, printer %s", ID_NUMBER, "thermal",
                   extra={"kiosk_event": "paper_low", "kiosk_device": "printer"})
    fields = parse(sock.recv(65536))
    assert fields["PRIORITY"] == "4" and fields["SYSLOG_IDENTIFIER"] == "kiosk"
    assert fields["KIOSK_EVENT"] == "paper_low" and fields["KIOSK_DEVICE"] == "printer"
    assert fields["LOGGER"] == "kiosk.test.logs" and fields["CODE_FUNC"].startswith("test_")
    assert ID_NUMBER not in fields["MESSAGE"] and fields["MESSAGE"].endswith("0021 read, printer thermal")
    assert "CODE_ARGS" not in fields


def test_a_traceback_is_one_entry_at_error(journald, logger):
    path, sock = journald
    logger.addHandler(JournalHandler("kiosk", path))
    try:
        raise ValueError("broken")
    except ValueError:
        logger.exception("outbox failed")
    fields = parse(sock.recv(65536))
    assert fields["PRIORITY"] == "3"
    assert fields["MESSAGE"].startswith("outbox failed\nTraceback") and "ValueError: broken" in fields["MESSAGE"]


def test_without_the_socket_lines_carry_a_priority_prefix(tmp_path, logger):
    out = io.StringIO()
    logger.addHandler(JournalHandler("kiosk", str(tmp_path / "no-journald"), fallback=out))
    logger.error("first line\nsecond line")
    logger.info("fine")
    assert out.getvalue().splitlines() == ["<3>kiosk.test.logs: first line", "<3>second line",
                                           "<6>kiosk.test.logs: fine"]


def test_encoding_of_a_value_with_a_newline():
    assert encode({"A": "x", "B": "1\n2"}) == b"A=x\nB\n" + struct.pack("<Q", 3) + b"1\n2\n"


def test_journal_stream_is_believed_only_for_our_own_stderr(tmp_path):
    f = (tmp_path / "stderr").open("w")
    st = os.fstat(f.fileno())
    assert stderr_is_journal({"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}, fd=f.fileno())
    assert not stderr_is_journal({"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino + 1}"}, fd=f.fileno())
    assert not stderr_is_journal({}, fd=f.fileno())
    f.close()


def test_a_process_whose_stderr_is_the_journal_logs_with_priorities(tmp_path):
    """The variable systemd sets names the stream; here the stream is a file and there is no journald."""
    script = ("import logging, os; from kiosk.ops.logs import setup_logging; "
              "setup_logging(socket_path=os.environ['SOCK']); log = logging.getLogger('kiosk.x'); "
              "log.warning('paper low'); log.info('visit started'); log.debug('hidden')")
    err = tmp_path / "stderr"
    with err.open("w") as f:
        st = os.fstat(f.fileno())
        env = {**os.environ, "JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}", "SOCK": str(tmp_path / "none"),
               "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", script], stderr=f, env=env, check=True, timeout=60)
    assert err.read_text().splitlines() == ["<4>kiosk.x: paper low", "<6>kiosk.x: visit started"]


def test_on_a_terminal_lines_are_plain(capsys):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(env={})
        logging.getLogger("kiosk.y").warning("hello %s", ID_NUMBER)
        err = capsys.readouterr().err
    finally:
        for h in root.handlers[:]:
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])
    assert " WARNING kiosk.y: hello " in err and ID_NUMBER not in err and not err.startswith("<")

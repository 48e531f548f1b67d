"""The SAM serial frame codec, as pure functions (docs/devices-idreader.md, "Frame format").

Frame: ``AA AA AA 96 69 | Len(2, big-endian) | body | CHK`` where Len counts body + CHK and
CHK is the XOR of Len1..last body byte. Commands carry ``CMD PARA [DATA]``; responses carry
``SW1 SW2 SW3 [DATA]``.

Error contract: the only exception any function here raises is :class:`FrameError`
(a ``ValueError``). The incremental :class:`FrameDecoder` never raises for bad input bytes:
it skips garbage, drops frames whose checksum fails (counting them in ``bad_frames``) and
resynchronises on the next preamble, because a serial line must survive noise. Given the
lengths a SAM really sends (``REPLY_LENGTHS``), it never waits for bytes a header in the
noise merely claims.
"""

from __future__ import annotations

from dataclasses import dataclass

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = 7
MAX_LEN = 0x0C00  # largest real reply (30 10 with 1024-byte fingerprint) is 0x090A

REPLY_LENGTHS = frozenset({
    0x0004,  # SW only: status OK, every failure (find 80, select 81, read 41, checksum 10, ...)
    0x0008,  # find OK: SW + 4 bytes
    0x000C,  # select OK: SW + 8 bytes
    0x0014,  # SAM id: SW + 16 bytes
    0x0508,  # read 30 01: SW + lengths(4) + text 256 + photo 1024
    0x050A, 0x070A, 0x090A,  # read 30 10: no fingerprint / 512 / 1024 fingerprint bytes
})
"""Every ``Len`` a SAM sends (docs/devices-idreader.md, "Example replies"); anything else is noise."""
COMMAND_LENGTHS = frozenset({0x0003, 0x0004})
"""``Len`` of the commands the protocol has: CMD PARA CHK, or with one data byte (set max RF bytes)."""

SW_SUCCESS = 0x90
SW_NO_CONTENT = 0x91
SW_FIND_OK = 0x9F
SW_CHECKSUM_ERROR = 0x10
SW_LENGTH_ERROR = 0x11
SW_COMMAND_ERROR = 0x21
SW_FIND_FAIL = 0x80
SW_SELECT_FAIL = 0x81
SW_READ_FAIL = 0x41

CMD_STATUS = (0x11, 0xFF)
CMD_FIND = (0x20, 0x01)
CMD_SELECT = (0x20, 0x02)
CMD_READ = (0x30, 0x01)


class FrameError(ValueError):
    """A byte string is not a valid SAM frame (wrong preamble, length or checksum)."""


def xor(data: bytes) -> int:
    out = 0
    for b in data:
        out ^= b
    return out


def encode(body: bytes) -> bytes:
    """Wrap ``body`` (CMD PARA DATA or SW1 SW2 SW3 DATA) into a full frame.

    Raises FrameError if the body is empty or too long for the 16-bit length field.
    """
    if not body or len(body) + 1 > MAX_LEN:
        raise FrameError(f"body length {len(body)} out of range")
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor(length + body)])


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """A host->SAM command frame, e.g. ``encode_command(0x20, 0x01)`` = find card."""
    return encode(bytes([cmd & 0xFF, para & 0xFF]) + data)


def encode_response(sw3: int, data: bytes = b"") -> bytes:
    """A SAM->host response frame with SW1 = SW2 = 0."""
    return encode(bytes([0, 0, sw3 & 0xFF]) + data)


@dataclass(frozen=True)
class Frame:
    """A decoded frame's body (everything between the length field and CHK)."""

    body: bytes

    @property
    def sw3(self) -> int:
        """Result code of a response frame (FrameError if too short to be one)."""
        if len(self.body) < 3:
            raise FrameError("frame too short for a response")
        return self.body[2]

    @property
    def data(self) -> bytes:
        return self.body[3:]

    @property
    def command(self) -> tuple[int, int]:
        if len(self.body) < 2:
            raise FrameError("frame too short for a command")
        return self.body[0], self.body[1]


def decode(frame: bytes) -> Frame:
    """Decode exactly one complete frame; raises FrameError on any defect."""
    if len(frame) < HEADER_LEN + 1 or not frame.startswith(PREAMBLE):
        raise FrameError("missing preamble or too short")
    length = int.from_bytes(frame[5:7], "big")
    if length < 2 or length > MAX_LEN or len(frame) != HEADER_LEN + length:
        raise FrameError(f"length field {length} does not match {len(frame)} bytes")
    if xor(frame[5:-1]) != frame[-1]:
        raise FrameError("checksum mismatch")
    return Frame(bytes(frame[7:-1]))


class FrameDecoder:
    """Incremental decoder: ``feed(bytes) -> list[Frame]``; never raises on input bytes.

    Garbage before a preamble is skipped; a frame with an impossible length or a bad
    checksum is dropped and scanning restarts one byte after its preamble, so a valid frame
    hidden inside a broken one is still found. ``lengths`` (e.g. ``REPLY_LENGTHS``) names the
    only ``Len`` values to believe: a false header in line noise such as ``... 96 69 04 00``
    would otherwise hold the decoder for 1,031 bytes and swallow the real reply behind it.
    A believable header in the noise is found out when the line goes quiet before its frame
    is complete: the caller then calls ``drop_stalled``. ``bad_frames`` counts dropped headers
    and checksum failures, ``bad_checksums`` the complete frames among them whose checksum
    failed, ``skipped`` the bytes thrown away.
    """

    def __init__(self, lengths: frozenset[int] | None = None) -> None:
        self._buf = bytearray()
        self._lengths = lengths
        self.bad_frames = 0
        self.bad_checksums = 0
        self.skipped = 0

    def _believed(self, length: int) -> bool:
        if self._lengths is not None:
            return length in self._lengths
        return 2 <= length <= MAX_LEN

    def drop_stalled(self) -> list[Frame]:
        """The line went quiet in the middle of a frame: its header was noise (a SAM sends a
        reply in one go). Drop that header and return whatever complete frames follow it."""
        if len(self._buf) < HEADER_LEN or not self._buf.startswith(PREAMBLE):
            return []
        self.bad_frames += 1
        self.skipped += 1
        del self._buf[:1]
        return self.feed(b"")

    def reset(self) -> None:
        self._buf.clear()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        out: list[Frame] = []
        buf = self._buf
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                keep = 0
                for k in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
                    if buf.endswith(PREAMBLE[:k]):
                        keep = k
                        break
                self.skipped += len(buf) - keep
                del buf[: len(buf) - keep]
                return out
            if start:
                self.skipped += start
                del buf[:start]
            if len(buf) < HEADER_LEN:
                return out
            length = int.from_bytes(buf[5:7], "big")
            if not self._believed(length):
                self.bad_frames += 1
                self.skipped += 1
                del buf[:1]
                continue
            if len(buf) < HEADER_LEN + length:
                return out  # only the bytes still to come (or the line going quiet) can judge it
            raw = bytes(buf[: HEADER_LEN + length])
            if xor(raw[5:-1]) != raw[-1]:
                self.bad_frames += 1
                self.bad_checksums += 1
                self.skipped += 1
                del buf[:1]
                continue
            out.append(Frame(raw[7:-1]))
            del buf[: HEADER_LEN + length]

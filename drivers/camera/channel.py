"""Pickled messages over a socket pair: how the kiosk talks to its camera's and face models' child processes.

No OpenCV or NumPy here: the UI process imports this to reach its children, and a frame
(a NumPy array) is only unpickled where one is asked for.
"""

from __future__ import annotations

import pickle
import select
import socket
import struct

_LENGTH = struct.Struct("!Q")


class Channel:
    """Pickled messages, length first, over a stream socket; a timeout covers sending as well as waiting.

    Only the kiosk's own child is at the other end (the pair is made by ``socketpair``).
    """

    def __init__(self, sock: socket.socket, timeout_s: float | None = None) -> None:
        self._sock = sock
        sock.settimeout(timeout_s)

    def send(self, message: object, timeout_s: float | None = None) -> None:
        if timeout_s is not None:
            self._sock.settimeout(timeout_s)
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self._sock.sendall(_LENGTH.pack(len(data)))
        self._sock.sendall(data)  # not joined to the length: that would copy a frame's 2.7 MB once more

    def recv(self, timeout_s: float | None = None) -> object:
        if timeout_s is not None:
            self._sock.settimeout(timeout_s)
        (size,) = _LENGTH.unpack(self._exactly(_LENGTH.size))
        return pickle.loads(self._exactly(size))

    def readable(self, timeout_s: float) -> bool:
        """Whether a message (or the other side's close) is waiting, after up to ``timeout_s``."""
        return bool(select.select([self._sock], [], [], timeout_s)[0])

    def _exactly(self, size: int) -> bytes:
        chunks, got = [], 0
        while got < size:
            chunk = self._sock.recv(min(size - got, 1 << 20))
            if not chunk:
                raise EOFError("the other side closed the socket")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self._sock.close()

"""Where frames come from: a real camera through ``cv2.VideoCapture``, or files (the emulator).

A source is opened, read frame by frame and closed by the ``Camera`` thread only. The file
source plays an image, a folder of images or a video file in a loop at a set frame rate,
pacing itself like a real camera so the capture thread behaves the same way in tests.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})


class SourceError(Exception):
    """The source cannot be opened or has stopped delivering frames (camera gone)."""


class FrameSource(Protocol):
    def open(self) -> None: ...
    def read(self) -> np.ndarray:
        """Block until the next frame; raise ``SourceError`` if the device is gone."""
        ...
    def close(self) -> None: ...


class OpenCvSource:
    """A V4L2 camera: ``device`` is a path (/dev/kiosk/camera, /dev/video0) or an index."""

    def __init__(self, device: str | int, width: int = 1280, height: int = 720) -> None:
        self.device, self.width, self.height = device, width, height
        self._cap: cv2.VideoCapture | None = None

    def open(self) -> None:
        dev = int(self.device) if isinstance(self.device, str) and self.device.isdigit() else self.device
        cap = cv2.VideoCapture(dev)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"cannot open camera {self.device}")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._cap = cap

    def read(self) -> np.ndarray:
        if self._cap is None:
            raise SourceError("camera not open")
        ok, frame = self._cap.read()
        if not ok or frame is None:
            raise SourceError(f"camera {self.device} stopped delivering frames")
        return frame

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class FileSource:
    """The camera emulator: an image file, a folder of images (sorted) or a video, looped at ``fps``."""

    def __init__(self, path: str | Path, fps: float = 15.0, loop: bool = True) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.path, self.fps, self.loop = Path(path), fps, loop
        self._images: list[np.ndarray] = []
        self._video: cv2.VideoCapture | None = None
        self._index = 0
        self._next_at = 0.0

    def open(self) -> None:
        p = self.path
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
            self._images = [img for img in (cv2.imread(str(f)) for f in files) if img is not None]
            if not self._images:
                raise SourceError(f"no readable images in {p}")
        elif p.suffix.lower() in IMAGE_SUFFIXES:
            img = cv2.imread(str(p))
            if img is None:
                raise SourceError(f"cannot read image {p}")
            self._images = [img]
        else:
            cap = cv2.VideoCapture(str(p))
            if not cap.isOpened():
                cap.release()
                raise SourceError(f"cannot open video {p}")
            self._video = cap
        self._index = 0
        self._next_at = time.monotonic()

    def _pace(self) -> None:
        delay = self._next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next_at = max(self._next_at + 1.0 / self.fps, time.monotonic() - 1.0 / self.fps)

    def read(self) -> np.ndarray:
        self._pace()
        if self._video is not None:
            ok, frame = self._video.read()
            if not ok and self.loop:
                self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = self._video.read()
            if not ok or frame is None:
                raise SourceError(f"video {self.path} ended")
            return frame
        if not self._images:
            raise SourceError("file source not open")
        if self._index >= len(self._images):
            if not self.loop:
                raise SourceError(f"{self.path}: all frames played")
            self._index = 0
        frame = self._images[self._index]
        self._index += 1
        return frame.copy()

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
            self._video = None
        self._images = []

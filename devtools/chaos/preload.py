"""What the chaos fork server loads before its first fork (``devtools.chaos.processes``).

Imported only by the fork server, never by the harness: the modules a worker kiosk and a
platform import (found by listing ``sys.modules`` after a worker's start), and the face
models (``drivers.camera.face_model``), which every worker's camera start and every
platform's face comparison would otherwise build again (seconds each on a small CPU).
Forked children share these pages until they write to them; nothing here opens a state
folder, a database, a socket or a thread.
"""

from __future__ import annotations

import contextlib

import devtools.chaos.citizen
import devtools.chaos.platform
import devtools.chaos.worker
import drivers.camera.camera
import drivers.camera.demo_faces
import drivers.camera.demo_frames
import drivers.camera.source
import drivers.camera.spec
import drivers.idreader.emulator
import drivers.idreader.spec
import drivers.printer.emulator
import drivers.printer.spec
import drivers.printer.thermal
import drivers.scanner.emulator
import drivers.scanner.serial_scanner
import drivers.scanner.spec
import kiosk.cli
import kiosk.config
import kiosk.journeys.controller
import kiosk.journeys.registry
import kiosk.ops.heartbeat
import kiosk.runtime
import kiosk.services.outbox
import reference_platform.faces
import reference_platform.server
from drivers.camera.face_model import FaceModelsUnavailable, face_models

MODULES = (devtools.chaos.citizen, devtools.chaos.platform, devtools.chaos.worker, drivers.camera.camera,
           drivers.camera.demo_faces, drivers.camera.demo_frames, drivers.camera.source, drivers.camera.spec,
           drivers.idreader.emulator, drivers.idreader.spec, drivers.printer.emulator, drivers.printer.spec,
           drivers.printer.thermal, drivers.scanner.emulator, drivers.scanner.serial_scanner, drivers.scanner.spec,
           kiosk.cli, kiosk.config, kiosk.journeys.controller, kiosk.journeys.registry, kiosk.ops.heartbeat,
           kiosk.runtime, kiosk.services.outbox, reference_platform.faces, reference_platform.server)
"""Named so the imports read as used: loading them is the point."""

with contextlib.suppress(FaceModelsUnavailable):  # the face step reports it where it needs them
    face_models()

"""``kiosk emulate camera --source PATH``: play files as a camera and decode QR codes from them.

The camera emulator is the file backend the kiosk itself uses (``devices.camera.backend =
"emulator"`` with ``source = PATH``); this command runs it standalone with the fallback
QR scanner attached and prints each code as the kiosk reads it (payment codes masked).
"""

from __future__ import annotations

import argparse
import json
import threading

COMMAND = ("emulate", "camera")
HELP = "play an image, image folder or video as the camera; print QR codes the kiosk decodes from it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True, help="image file, folder of images, or video file")
    parser.add_argument("--fps", type=float, default=15.0, help="frame rate to play at (default 15)")
    parser.add_argument("--seconds", type=float, default=0.0, help="stop after this long (default: until Ctrl-C)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from drivers.base import DeviceStatusChanged, Event
    from drivers.camera.camera import Camera
    from drivers.camera.source import FileSource
    from drivers.scanner.camera_scanner import CameraScanner
    from kiosk.services.codes import ClassifiedCode, interpret

    if not Path(args.source).exists():
        print(f"{args.source}: no such file or folder")
        return 2
    if args.fps <= 0:
        print("--fps must be positive")
        return 2

    def publish(event: Event) -> None:
        event = interpret(event)
        if isinstance(event, ClassifiedCode):
            print(json.dumps({"code": event.masked_text, "kind": event.kind.value}, ensure_ascii=False), flush=True)
        elif isinstance(event, DeviceStatusChanged):
            print(f"{event.device}: {event.state.value} {event.detail}".rstrip(), flush=True)

    camera = Camera("camera", lambda: FileSource(args.source, args.fps), publish)
    scanner = CameraScanner("camera-scanner", camera, publish)
    print(f"camera emulator playing {args.source} at {args.fps:g} fps; in the kiosk config set "
          f'devices.camera.backend = "emulator" and source = "{args.source}"', flush=True)
    camera.start()
    scanner.start()
    try:
        threading.Event().wait(args.seconds if args.seconds > 0 else None)
    except KeyboardInterrupt:
        pass
    finally:
        scanner.stop()
        camera.stop()
    return 0

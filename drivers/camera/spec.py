"""The camera as a device class: ``[devices.camera]`` and start.

Its ``kiosk doctor camera`` is the generic one (start it as the kiosk does, report its
state): a frame arriving is all there is to check.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from drivers.registry import N_, DeviceSpec, SectionModel, StartContext, Started, register


class CameraSection(SectionModel):
    backend: Literal["opencv", "emulator", "none"] = "emulator"
    device: str = "/dev/kiosk/camera"
    source: str = ""
    """Emulator: an image or video file, or a folder of images. Empty: the built-in demo frames."""
    width: Annotated[int, Field(ge=160, le=3840)] = 1280
    height: Annotated[int, Field(ge=120, le=2160)] = 720

    def device_nodes(self) -> tuple[str, ...]:
        return (self.device,) if self.backend == "opencv" else ()


def start(section: CameraSection, ctx: StartContext) -> Started:
    from drivers.camera.camera import Camera
    from drivers.camera.source import FileSource, FrameSource, OpenCvSource

    if section.backend == "emulator":
        source = section.source
        if not source:
            from drivers.camera.demo_frames import write_demo_frames

            source = str(write_demo_frames(ctx.work_dir / "camera"))

        def make() -> FrameSource:
            return FileSource(source, fps=10.0)
    else:
        def make() -> FrameSource:
            return OpenCvSource(section.device, section.width, section.height)
    return Started(ctx.started(Camera(ctx.name, make, ctx.publish)))


SPEC = register(DeviceSpec(name="camera", label=N_("摄像头"), section=CameraSection, start=start, order=50))

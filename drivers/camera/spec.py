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
    """Emulator: an image or video file, or a folder of images. Empty: the built-in demo frames. The
    emulator presents a face clip instead while the face step asks it to (``present_face``)."""
    width: Annotated[int, Field(ge=160, le=3840)] = 1280
    height: Annotated[int, Field(ge=120, le=2160)] = 720

    def device_nodes(self) -> tuple[str, ...]:
        return (self.device,) if self.backend == "opencv" else ()


def start(section: CameraSection, ctx: StartContext) -> Started:
    """The camera in its own process (``drivers.camera.camera_process``), which loads the face models at its
    start (the face step runs there); with the emulator, its scenes play there too."""
    from drivers.camera.camera_process import CameraProcess, EmulatedScenes

    settings = {"backend": section.backend, "device": section.device, "width": section.width,
                "height": section.height, "source": section.source, "cache_dir": str(ctx.work_dir / "camera")}
    camera = ctx.started(CameraProcess(ctx.name, settings, ctx.publish))
    return Started(camera, emulator=EmulatedScenes(camera) if section.backend == "emulator" else None)


SPEC = register(DeviceSpec(name="camera", label=N_("摄像头"), section=CameraSection, start=start, order=50))

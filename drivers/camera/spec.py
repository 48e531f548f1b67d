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
    from drivers.camera.camera import Camera
    from drivers.camera.face_worker import shared_worker
    from drivers.camera.source import FileSource, FrameSource, OpenCvSource

    shared_worker()  # the models load in their child process now: the face step should not wait for them

    if section.backend == "emulator":
        from drivers.camera.demo_faces import SceneSource

        scenes = SceneSource(FileSource(section.source or _demo_folder(ctx), fps=10.0),
                             cache_dir=ctx.work_dir / "camera")
        return Started(ctx.started(Camera(ctx.name, lambda: scenes, ctx.publish)), emulator=scenes)

    def make() -> FrameSource:
        return OpenCvSource(section.device, section.width, section.height)
    return Started(ctx.started(Camera(ctx.name, make, ctx.publish)))


def _demo_folder(ctx: StartContext) -> str:
    from drivers.camera.demo_frames import write_demo_frames

    return str(write_demo_frames(ctx.work_dir / "camera"))


SPEC = register(DeviceSpec(name="camera", label=N_("摄像头"), section=CameraSection, start=start, order=50))

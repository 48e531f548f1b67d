"""The materials step of the apply journey (``apply.materials``): a photo of each material.

Each material still needed is photographed from the camera and straightened by the
document detector (``kiosk.services.materials``); the citizen sees it and retakes or
uses it, and may skip the optional ones. Materials the kiosk already has (the ID card it
read, electronic certificates the department fetches itself) are not photographed.
Photos live only in the visit (``visit.photos``), as bytearrays that are zeroed when
they are let go.
"""

from __future__ import annotations

import logging

from drivers.camera.results import DocumentIssue
from kiosk.i18n import N_, _
from kiosk.journeys.base import Journey, back_action, pick
from kiosk.platform.contract.catalog import Service
from kiosk.services.materials import MaterialShot, take_material_photo
from kiosk.views import Action, Picture, Text, View

log = logging.getLogger(__name__)

DOCUMENT_PROMPTS: dict[DocumentIssue, str] = {
    DocumentIssue.NO_PAGE: N_("请将材料平放在深色台面上，四角完整入镜"),
    DocumentIssue.TOO_SMALL: N_("请将材料靠近摄像头"),
    DocumentIssue.BAD_IMAGE: N_("图像无法处理，请重试"),
}
"""What the citizen is asked to do when the camera driver finds no usable page (translated when shown)."""

PREVIEW, PREVIEW_PNG = "preview", "preview.png"
"""``visit.photos`` keys of the photo being looked at; accepted ones are ``material:<i>``."""

STATUS_PHOTO, STATUS_SKIPPED, STATUS_CARD, STATUS_ELECTRONIC = "photo", "skipped", "card", "electronic"


def let_go(photos: dict, key: str) -> None:
    """Drop a photo from the visit, zeroing its bytes first (the JPEGs are bytearrays for this)."""
    buf = photos.pop(key, None)
    if isinstance(buf, bytearray):
        buf[:] = b"\0" * len(buf)


class MaterialsStep(Journey):
    """Photographing ``todo``, one material at a time; ``ApplyJourney`` holds the state."""

    service: Service
    todo: list[int]
    """Indices of ``service.materials`` to photograph, in order."""
    status: dict[int, str]
    pos: int
    preview_issue: DocumentIssue | None

    def _steps(self) -> int:
        return 4 if self.todo else 3

    def _material_label(self, i: int) -> str:
        return pick(self.service.materials[i].name, self.service.materials[i].name_en)

    def _materials_view(self) -> View:
        i = self.todo[self.pos]
        m = self.service.materials[i]
        detail = [_("必需") if m.required else _("可选"), _("{n} 份").format(n=m.copies)]
        note = pick(m.note, m.note_en)
        if note:
            detail.append(note)
        blocks: list = [Text(_("材料 {n}/{total}：{name}").format(n=self.pos + 1, total=len(self.todo),
                                                              name=self._material_label(i)), "lead"),
                        Text(_("，").join(detail), "note")]
        photos = self.visit.photos
        camera = self.rt.devices.camera is not None
        if PREVIEW_PNG in photos:
            if self.preview_issue is not None:
                blocks.append(Text(_(DOCUMENT_PROMPTS[self.preview_issue]) + _("；也可直接使用这张照片"),
                                   "error"))
            blocks.append(Picture(photos[PREVIEW_PNG], _("请确认照片清晰完整")))
            actions = [Action("use", _("使用这张照片")), Action("retake", _("重拍"), "secondary", enabled=camera)]
        else:
            blocks.append(Text(_("请将材料平放在摄像头下方的深色台面上，四角完整入镜，然后点击“拍照”"), "body"))
            blocks.append(Text(_("照片仅用于本次申请，提交后即从本机清除"), "note"))
            if not camera:
                blocks.append(Text(_("摄像头暂不可用，请到窗口办理或按“呼叫帮办”求助"), "error"))
            actions = [Action("photo", _("拍照"), enabled=camera)]
        if not m.required:
            actions.append(Action("skip", _("跳过此项"), "secondary"))
        actions.append(back_action())
        return View("apply.materials", _("拍摄申请材料"), tuple(blocks), tuple(actions),
                    prompt=_("请将材料平放在台面上拍照"), step=(2, 4))

    # -- materials -----------------------------------------------------------------------
    def _enter_material(self, pos: int) -> None:
        """Show material ``pos``; a photo already accepted for it comes back as the preview."""
        self._drop_preview()
        self.pos = pos
        i = self.todo[pos]
        photos = self.visit.photos
        if f"material:{i}" in photos:
            photos[PREVIEW] = photos.pop(f"material:{i}")
            photos[PREVIEW_PNG] = photos.pop(f"material:{i}.png")
        self.status.pop(i, None)

    def _drop_preview(self) -> None:
        for key in (PREVIEW, PREVIEW_PNG):
            let_go(self.visit.photos, key)
        self.preview_issue = None

    def on_photo(self) -> None:
        if self.state != "materials":
            return
        camera = self.rt.devices.camera
        if camera is None:
            self.show_error(_("摄像头暂不可用，请到窗口办理或按“呼叫帮办”求助"))
            return
        self.run(lambda: take_material_photo(camera), self._photo_taken, _("正在拍照…"), self._photo_failed)

    on_retake = on_photo

    def _photo_taken(self, shot: MaterialShot) -> None:
        if self.state != "materials":
            return
        self._drop_preview()
        self.visit.photos[PREVIEW] = bytearray(shot.jpeg)
        self.visit.photos[PREVIEW_PNG] = shot.png
        self.preview_issue = shot.issue
        self.ctx.changed()

    def _photo_failed(self, exc: BaseException) -> None:
        log.warning("material photo failed: %s: %s", type(exc).__name__, exc)
        self.show_error(_("未能拍照，请稍后重试；如仍不行请按“呼叫帮办”求助"))

    def on_use(self) -> None:
        photos = self.visit.photos
        if self.state != "materials" or PREVIEW not in photos:
            return
        i = self.todo[self.pos]
        photos[f"material:{i}"] = photos.pop(PREVIEW)
        photos[f"material:{i}.png"] = photos.pop(PREVIEW_PNG)
        self.preview_issue = None
        self.status[i] = STATUS_PHOTO
        self._next_material()

    def on_skip(self) -> None:
        if self.state != "materials":
            return
        i = self.todo[self.pos]
        if self.service.materials[i].required:
            return
        self._drop_preview()
        self.status[i] = STATUS_SKIPPED
        self._next_material()

    def _next_material(self) -> None:
        if self.pos + 1 < len(self.todo):
            self._enter_material(self.pos + 1)
            self.goto("materials")
        else:
            self.goto("review")

    # -- leaving -------------------------------------------------------------------------
    def _forget_photos(self) -> None:
        """The application is journaled (or abandoned): the visit need not hold the photos any more."""
        photos = self.visit.photos
        for key in [k for k in photos if k == PREVIEW or k == PREVIEW_PNG or k.startswith("material:")]:
            let_go(photos, key)

"""Identify the citizen: ID card on the reader, a government-app QR code, or number + face photo.

The screen first says what is read and why (PIPL: collect only what the service needs,
say so before reading). Whatever the method, the platform confirms the identity and
returns a person token; the kiosk keeps the card data in the visit only and shows
the masked identity. A card read while this journey waits is used directly.
"""

from __future__ import annotations

import base64
import logging

import cv2

from drivers.idreader.card import IdCard
from drivers.idreader.reader import CardRead
from drivers.scanner.events import CodeScanned
from kiosk.i18n import _, current_language
from kiosk.journeys.base import Journey, JourneyContext, Outcome, back_action
from kiosk.platform.contract.identity import (
    AppQrIdentityRequest,
    CardType,
    FacePhotoIdentityRequest,
    IdCardIdentityRequest,
    IdentityResponse,
)
from kiosk.services.codes import CodeKind
from kiosk.services.documents import DOCUMENTS, DocumentKind, check_document, normalise
from kiosk.views import Action, Choices, Form, FormField, Pairs, Picture, Text, View
from kiosk.visit import Identity

log = logging.getLogger(__name__)

CARD_TYPES = {"resident": CardType.RESIDENT, "permit": CardType.HMT_RESIDENCE_PERMIT,
              "foreign": CardType.FOREIGN_PERMANENT_NEW, "foreign-old": CardType.FOREIGN_PERMANENT_OLD}
"""Driver card types (the chip's flag) to the contract's names."""


def card_request(card: IdCard) -> IdCardIdentityRequest:
    return IdCardIdentityRequest(
        card_type=CARD_TYPES.get(card.card_type.value, CardType.RESIDENT),
        id_number=card.id_number, name=card.name or card.name_en, name_en=card.name_en, gender=card.gender,
        birth_date=card.birth_date, issuer=card.issuer, valid_from=card.valid_from, valid_to=card.valid_to,
        long_term=card.valid_to is None, nationality=card.nationality, pass_number=card.pass_number)


class IdentifyJourney(Journey):
    name = "identify"

    def __init__(self, ctx: JourneyContext, then: Journey | None = None, *, card: IdCard | None = None,
                 app_token: str | None = None) -> None:
        super().__init__(ctx)
        self.then = then
        self.card = card
        self.app_token = app_token
        self.number = ""
        self.number_error = ""
        self.document = DocumentKind.RESIDENT
        """Which document the citizen types the number of (resident ID card unless they choose another)."""
        self.photo_jpeg: bytes = b""
        self.photo_png: bytes = b""
        self.photo_note = ""

    def start(self) -> None:
        if self.card is not None:
            self._identify_card(self.card)
        elif self.app_token is not None:
            self._identify_app(self.app_token)
        else:
            self.goto("choose")

    # -- device input -------------------------------------------------------------------
    def on_event(self, event: object) -> bool:
        if self.busy or self.state not in ("choose", "card"):
            return False
        if isinstance(event, CardRead):
            self._identify_card(event.card)
            return True
        if isinstance(event, CodeScanned) and event.kind is CodeKind.GOV_APP_TOKEN:
            self._identify_app(event.text)
            return True
        return False

    def _identify_card(self, card: IdCard) -> None:
        self.card = card
        attrs = {"name": card.name or card.name_en, "id_number": card.id_number, "address": card.address,
                 "gender": card.gender, "birth_date": card.birth_date.isoformat() if card.birth_date else ""}
        self.run(lambda: self.rt.client.identify_id_card(card_request(card)),
                 lambda resp: self._confirmed("id_card", resp, attrs), _("正在核验身份…"), self._refused)

    def _identify_app(self, token: str) -> None:
        self.run(lambda: self.rt.client.identify_app_qr(AppQrIdentityRequest(token=token)),
                 lambda resp: self._confirmed("app_qr", resp, {}), _("正在核验身份…"), self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.card = None
        self.goto("choose")
        self.show_error(exc)

    def _confirmed(self, method: str, resp: IdentityResponse, attrs: dict[str, str]) -> None:
        profile = resp.profile
        if profile is not None:
            attrs = {**{k: v for k, v in attrs.items() if v},
                     **{k: str(v) for k, v in profile.model_dump(mode="json").items() if v}}
        self.visit.identity = Identity(method, resp.person_token, attrs.get("id_number", ""),
                                       attrs.get("name", ""), resp.masked_id, resp.masked_name, attrs)
        self.card = None  # the visit holds what is needed; the raw card (photo blob) goes now
        self.number = ""
        self.photo_jpeg = self.photo_png = b""
        log.info("citizen identified by %s (%s)", method, resp.masked_id)
        self.goto("confirmed")

    # -- views --------------------------------------------------------------------------
    def view(self) -> View:
        if self.state == "confirmed":
            ident = self.visit.identity
            rows = ((_("姓名"), ident.masked_name), (_("证件号码"), ident.masked_id)) if ident else ()
            return View("identify.confirmed", _("身份核验成功"), (Pairs(rows),),
                        (Action("continue", _("继续")),), prompt=_("身份核验成功"))
        if self.state == "number":
            return self._number_view()
        if self.state == "face":
            blocks: list = [Text(_("请正对摄像头，保持光线充足，然后点击“拍照”"), "lead")]
            if self.photo_png:
                blocks.append(Picture(self.photo_png, self.photo_note))
                actions = (Action("face_ok", _("使用这张照片")), Action("photo", _("重拍"), "secondary"),
                           back_action())
            else:
                actions = (Action("photo", _("拍照")), back_action())
            return View("identify.face", _("人脸拍照"), tuple(blocks), actions, step=(2, 2),
                        prompt=_("请正对摄像头"))
        notice = Text(_("为办理您选择的业务，本机将读取您的身份证件信息（姓名、证件号码等）并提交政务服务平台核验；"
                        "信息仅用于本次办理，离开后立即清除。"), "note")
        reader = self._reader_prompt()
        methods = [reader, Text(_("或出示政务服务APP中的身份码"), "body")]
        actions = [Action("by_number", _("输入证件号码并拍照"), "secondary"), back_action()]
        if self.rt.devices.camera is None:
            actions = [back_action()]
        if self.rt.devices.emulators.idreader is not None:
            actions.insert(0, Action("demo_card", _("演示：放入示范身份证"), "secondary"))
        return View("identify", _("身份核验"), (*methods, notice), tuple(actions), prompt=reader.text)

    def _number_view(self) -> View:
        """The document to type (resident ID, foreign permanent resident ID, residence or travel
        permit, passport), then its number on the keyboard that document needs."""
        kinds = tuple(Action("document", _(spec.label), "primary" if kind is self.document else "secondary",
                             args=(("kind", kind.value),)) for kind, spec in DOCUMENTS.items())
        spec = DOCUMENTS[self.document]
        field = FormField("id_number", _(spec.field), self.number, self.number_error,
                          keyboard="id" if spec.keyboard == "id" else "text")
        return View("identify.number", _("输入证件号码"),
                    (Choices(kinds, columns=1, title=_("请选择证件类型")), Form((field,), "id_number")),
                    (Action("number_ok", _("下一步")), back_action()), step=(1, 2))

    def _reader_prompt(self) -> Text:
        """What the card reader's live state means for the citizen waiting with a card in hand.

        A fixed "put your card on the reader" would leave a citizen whose reader was unplugged
        mid-read (or whose card could not be read) holding a card on a dead reader with no
        word why. So the prompt follows the status model the driver reports to (``offline``
        while unplugged, ``user_error`` after a failed read), and the Kivy app redraws on
        every status change.
        """
        state = self.rt.status.snapshot().devices.get("idreader", "unknown")
        if self.rt.devices.idreader is None or state in ("offline", "hardware_error"):
            return Text(_("身份证读卡器暂时无法使用，请稍候再试"), "error")
        if state == "user_error":
            return Text(_("未能读取身份证，请将证件平放在读卡区，不要移动"), "error")
        if state == "busy":
            return Text(_("正在读取身份证，请不要移动证件"), "lead")
        return Text(_("请将身份证放在读卡区"), "lead")

    # -- actions ------------------------------------------------------------------------
    def on_demo_card(self) -> None:
        """Demo kiosks only: a demo citizen's card goes onto the emulated reader and is read by the driver."""
        from kiosk.devices.demo_cards import DEMO_CARDS

        emulator = self.rt.devices.emulators.idreader
        if emulator is not None:
            emulator.insert(DEMO_CARDS["P001"])

    def on_by_number(self) -> None:
        self.number_error = ""
        self.goto("number")

    def on_document(self, kind: str) -> None:
        try:
            self.document = DocumentKind(kind)
        except ValueError:
            return
        self.number_error = ""
        self.ctx.changed()

    def on_field(self, name: str, value: str) -> None:
        if name == "id_number":
            self.number = normalise(value)[:18]
            self.number_error = ""

    def on_number_ok(self) -> None:
        problem = check_document(self.document, "id_number", self.number)
        if problem is not None:
            self.number_error = _(problem.message)
            self.ctx.changed()
            return
        self.photo_png = b""
        self.goto("face")

    def on_photo(self) -> None:
        camera = self.rt.devices.camera
        if camera is None:
            self.show_error(_("摄像头暂不可用，请使用身份证或政务APP"))
            return
        self.run(lambda: _take_photo(camera), self._photo_taken, _("正在拍照…"))

    def _photo_taken(self, result: tuple[bytes, bytes, str]) -> None:
        self.photo_jpeg, self.photo_png, self.photo_note = result
        self.ctx.changed()

    def on_face_ok(self) -> None:
        req = FacePhotoIdentityRequest(id_number=self.number, document_type=DOCUMENTS[self.document].contract,
                                       photo_jpeg_base64=base64.b64encode(self.photo_jpeg).decode())
        attrs = {"id_number": self.number}
        self.run(lambda: self.rt.client.identify_face(req), lambda r: self._confirmed("face", r, attrs),
                 _("正在核验身份…"), self._face_refused)

    def _face_refused(self, exc: BaseException) -> None:
        self.photo_jpeg = self.photo_png = b""
        self.show_error(exc)

    def on_continue(self) -> None:
        if self.then is not None:
            self.ctx.replace(self, self.then)  # the gated service takes identify's place on the stack
        else:
            self.finish(Outcome.DONE)

    def on_back(self) -> None:
        if self.state in ("number", "face"):
            self.photo_jpeg = self.photo_png = b""
            self.goto("choose" if self.state == "number" else "number")
        else:
            self.finish(Outcome.BACK)


def _take_photo(camera) -> tuple[bytes, bytes, str]:
    """Grab a fresh frame, judge the face where a detector exists, encode JPEG (platform) and PNG (screen)."""
    from drivers.camera.face import FaceDetectorUnavailable, assess_face

    latest = camera.latest()
    frame = camera.wait_next(latest.seq if latest else 0, 2.0)
    if frame is None:
        raise RuntimeError("no camera frame")
    note = ""
    try:
        quality = assess_face(frame.image)
        if not quality.ok:
            note = _("；").join(quality.prompts(current_language()))
    except FaceDetectorUnavailable as exc:
        log.info("face quality not checked: %s", exc)
    small = cv2.resize(frame.image, (640, int(640 * frame.image.shape[0] / frame.image.shape[1])))
    ok_j, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 85])
    ok_p, png = cv2.imencode(".png", cv2.resize(small, (480, int(480 * small.shape[0] / small.shape[1]))))
    if not (ok_j and ok_p):
        raise RuntimeError("photo could not be encoded")
    return jpeg.tobytes(), png.tobytes(), note

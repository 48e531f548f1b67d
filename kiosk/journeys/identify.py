"""Identify the citizen: ID card on the reader, a government-app QR code, or number + face check.

The screen first says what is read and why (PIPL: collect only what the service needs,
say so before reading). Whatever the method, the platform confirms the identity and
returns a person token; the kiosk keeps the card data in the visit only and shows
the masked identity. A card read while this journey waits is used directly.

A card shows that a card is here, not that its holder is (人证比对): after the card the
platform asks for the face check, and manual number entry always goes to it. The face
step (``face_check``) shows a live preview with prompts, runs a head-turn challenge and
sends one frontal frame; the platform answers match (the token), no match or retry.
On a demo kiosk the camera emulator presents the demo citizen's photo as a live clip.
"""

from __future__ import annotations

import base64
import logging
import threading

from drivers.idreader.card import IdCard
from drivers.idreader.reader import CardRead
from drivers.scanner.events import CodeScanned
from kiosk.i18n import _
from kiosk.journeys.base import Journey, JourneyContext, Outcome, back_action
from kiosk.journeys.face_check import FaceCapture, FaceCheckCancelled, FaceCheckTimedOut, run_face_check
from kiosk.platform.contract.identity import (
    AppQrIdentityRequest,
    CardType,
    FaceCheckResponse,
    FaceOutcome,
    FacePhotoIdentityRequest,
    IdCardIdentityRequest,
    IdDocument,
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
        self.pending: tuple[str, dict[str, str]] | None = None
        """While the face step runs: the method so far and what the card or keypad gave."""
        self.preview_png: bytes = b""
        self.face_prompt = ""
        self.face_note = ""
        self.face_retry = False
        self._face_stop: threading.Event | None = None
        self._face_generation = -1
        self.document = DocumentKind.RESIDENT
        """Which document the citizen types the number of (resident ID card unless they choose another)."""

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
                 lambda resp: self._card_checked(resp, attrs), _("正在核验身份…"), self._refused)

    def _card_checked(self, resp: IdentityResponse, attrs: dict[str, str]) -> None:
        if not resp.face_required:
            self._confirmed("id_card", resp, attrs)
            return
        self.card = None
        self.pending = ("id_card", attrs)
        self._begin_face()

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
        self.pending = None
        self.preview_png = b""
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
            return self._face_view()
        notice = Text(_("为办理您选择的业务，本机将读取您的身份证件信息（姓名、证件号码等）并提交政务服务平台核验；"
                        "信息仅用于本次办理，离开后立即清除。"), "note")
        reader = self._reader_prompt()
        methods = [reader, Text(_("或出示政务服务APP中的身份码"), "body")]
        actions = [Action("by_number", _("输入证件号码并核验人脸"), "secondary"), back_action()]
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
        self.pending = ("face", {"id_number": self.number})
        self._begin_face()

    # -- the face step ------------------------------------------------------------------
    def _face_view(self) -> View:
        blocks: list = [Text(self.face_note or self.face_prompt or _("请正对摄像头"), "lead")]
        if self.preview_png and not self.face_note:
            blocks.append(Picture(self.preview_png, _("请让面部位于画面中央"), height=300))
        blocks.append(Text(_("本机将拍摄您的面部照片，与您的身份证件照片比对；照片仅用于本次核验，不在本机保存。"),
                           "note"))
        actions = [Action("retry_face", _("重新核验"))] if self.face_retry else []
        actions.append(back_action())
        return View("identify.face", _("人脸核验"), tuple(blocks), tuple(actions), step=(2, 2),
                    prompt=_("请正对摄像头"))

    def _begin_face(self) -> None:
        self.face_note = self.face_prompt = ""
        self.preview_png = b""
        self.face_retry = False
        camera = self.rt.devices.camera
        self.goto("face")
        if camera is None:
            self.face_note = _("摄像头暂不可用，无法核验人脸，请使用政务APP身份码或到人工窗口办理")
            self.ctx.changed()
            return
        stop = self._face_stop = threading.Event()
        self._face_generation = self.ctx.generation
        number = self.pending[1].get("id_number", "") if self.pending else ""
        self.ctx.run(lambda: self._face_work(camera, stop, number), self._face_captured, self._face_failed)

    def _face_work(self, camera, stop: threading.Event, number: str) -> FaceCapture:
        """Worker thread: (demo kiosks) present the holder's photo on the emulated camera, then the challenge."""
        emulator = self.rt.devices.emulators.camera
        try:
            if emulator is not None:
                from kiosk.devices.demo_cards import demo_face

                photo = demo_face(number)
                if photo is not None:
                    emulator.present_face(photo)
            return run_face_check(camera, stop, lambda png, prompt: self.rt.post(
                lambda: self._show_preview(stop, png, prompt)))
        finally:
            if emulator is not None:
                emulator.present_default()

    def _show_preview(self, stop: threading.Event, png: bytes, prompt: str) -> None:
        if not self.ctx.stack or self.ctx.stack[-1] is not self or self.visit_over():
            stop.set()  # the visit ended or moved on: no camera loop left running for nobody
            return
        if stop is self._face_stop and not stop.is_set() and self.state == "face":
            self.preview_png, self.face_prompt = png, prompt
            self.ctx.changed()

    def visit_over(self) -> bool:
        return self.ctx.sessions.visit is None or self.ctx.generation != self._face_generation

    def _stop_face(self) -> None:
        if self._face_stop is not None:
            self._face_stop.set()
            self._face_stop = None
        self.preview_png = b""

    def _face_failed(self, exc: BaseException) -> None:
        if isinstance(exc, FaceCheckCancelled) or self.state != "face":
            return
        self._stop_face()
        self.face_retry = True
        if isinstance(exc, FaceCheckTimedOut):
            self.face_note = _("未完成人脸核验，请按提示正对摄像头并转头")
            self.ctx.changed()
        else:
            self.show_error(exc)

    def _face_captured(self, capture: FaceCapture) -> None:
        if self.state != "face" or self.pending is None:
            return
        self._stop_face()
        method, attrs = self.pending
        document = DOCUMENTS[self.document].contract if method == "face" else IdDocument.ID_NUMBER
        req = FacePhotoIdentityRequest(id_number=attrs.get("id_number", ""), document_type=document,
                                       name=attrs.get("name", ""),
                                       photo_jpeg_base64=base64.b64encode(capture.jpeg).decode(),
                                       liveness=capture.liveness)
        self.run(lambda: self.rt.client.identify_face(req), lambda r: self._face_answer(method, attrs, r),
                 _("正在核验身份…"), self._face_refused)

    def _face_answer(self, method: str, attrs: dict[str, str], answer: FaceCheckResponse) -> None:
        log.info("face check: %s (score %s)", answer.outcome.value, answer.score)
        if answer.outcome is FaceOutcome.MATCH and answer.identity is not None:
            self._confirmed(method, answer.identity, attrs)
            return
        self.face_retry = answer.attempts_left > 0
        if answer.outcome is FaceOutcome.RETRY:
            self.face_note = _("未能看清您的面部，请重新核验")
        else:
            self.face_note = _("人脸与证件照片不一致")
        if answer.attempts_left <= 2:
            self.face_note += _("（还可尝试 {n} 次）").format(n=answer.attempts_left)
        self.ctx.changed()

    def _face_refused(self, exc: BaseException) -> None:
        self.face_retry = False
        self.face_note = ""
        self.show_error(exc)

    def on_retry_face(self) -> None:
        if self.state == "face" and self.pending is not None:
            self._begin_face()

    def on_continue(self) -> None:
        if self.then is not None:
            self.ctx.replace(self, self.then)  # the gated service takes identify's place on the stack
        else:
            self.finish(Outcome.DONE)

    def on_back(self) -> None:
        if self.state == "face":
            self._stop_face()
            method = self.pending[0] if self.pending else "face"
            self.pending = None
            self.goto("number" if method == "face" else "choose")
        elif self.state == "number":
            self.goto("choose")
        else:
            self.finish(Outcome.BACK)

"""Queue tickets (排队叫号) and appointment check-in (预约签到) for the hall windows.

``QueueJourney`` takes a number for a service's window; identifying is optional and a
priority toggle (elderly, disabled, pregnant) sends the citizen to the priority window.
``CheckInJourney`` checks an appointment in, by the appointment QR code scanned at any
screen (the attract screen starts a visit straight into it) or, without a code, by the
citizen's identity: their appointments for today are listed and one is checked in.
Either way the ticket is printed: the big number, the window, how many are ahead, the
expected wait, the time and a QR code of the ticket id. A printer that fails never
costs the citizen the ticket: the number stays on screen and can be printed again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from abc import abstractmethod

from drivers.idreader.reader import CardRead
from drivers.printer.document import Document, Kind
from drivers.scanner.events import CodeScanned
from kiosk.i18n import N_, _
from kiosk.journeys.base import Finished, Journey, JourneyContext, Outcome, back_action, pick
from kiosk.platform.contract import problem as codes
from kiosk.platform.contract.catalog import Service
from kiosk.platform.contract.visits import (
    Appointment,
    AppointmentList,
    CheckInRequest,
    CheckInResult,
    QueueTicket,
    QueueTicketRequest,
)
from kiosk.platform.errors import PlatformError
from kiosk.services import localtime
from kiosk.services.codes import CodeKind, appointment_of
from kiosk.services.printing import PrintOutcome, print_slip, thermal_status
from kiosk.views import Action, Choices, Form, FormField, Pairs, Text, View

log = logging.getLogger(__name__)

PRIORITY_AGE = 60
APPOINTMENT_STATUS = {"booked": N_("待签到"), "checked_in": N_("已签到"), "missed": N_("已过期"),
                      "cancelled": N_("已取消")}


def today() -> dt.date:
    return localtime.today()


def ticket_rows(ticket: QueueTicket) -> list[tuple[str, str]]:
    wait = _("约 {m} 分钟").format(m=ticket.expected_wait_minutes) if ticket.position else _("请留意叫号")
    return [
        (_("办理窗口"), pick(ticket.window, ticket.window_en)),
        (_("前面等候"), _("{n} 人").format(n=ticket.position)),
        (_("预计等待"), wait),
        (_("取号时间"), localtime.minutes(ticket.issued_at)),
    ]


def appointment_rows(appt: Appointment) -> list[tuple[str, str]]:
    return [
        (_("预约事项"), pick(appt.service_name, appt.service_name_en)),
        (_("预约时段"), f"{appt.day.isoformat()} {appt.start}-{appt.end}"),
        (_("预约人"), appt.holder_masked_name),
    ]


def ticket_document(ticket: QueueTicket, service_name: str, appointment: Appointment | None = None,
                    priority: bool = False) -> Document:
    """The printed ticket: the number very large, then window, queue, time and the ticket's QR code."""
    lines = [(_("办理事项"), service_name)]
    if appointment is not None:
        lines += [(_("预约时段"), f"{appointment.start}-{appointment.end}"),
                  (_("预约人"), appointment.holder_masked_name)]
    if priority:
        lines.append((_("类别"), _("优先")))
    lines += ticket_rows(ticket)
    title = pick(ticket.hall, ticket.hall_en) or _("排队取号")
    footer = [_("请留意大厅叫号屏和语音提示"), _("过号请重新取号")]
    return Document.build(Kind.TICKET, title, lines, headline=ticket.number, qr=ticket.ticket_id,
                          qr_caption=_("扫码查看叫号进度"), footer=footer)


def _age(birth_date: str) -> int | None:
    try:
        born = dt.date.fromisoformat(birth_date)
    except (TypeError, ValueError):
        return None
    now = today()
    return now.year - born.year - ((now.month, now.day) < (born.month, born.day))


class _TicketPrinting(Journey):
    """Printing a ticket and showing what happened; shared by queue and check-in."""

    def __init__(self, ctx: JourneyContext) -> None:
        super().__init__(ctx)
        self.ticket: QueueTicket | None = None
        self.printed: PrintOutcome | None = None

    @abstractmethod
    def ticket_doc(self) -> Document: ...

    def delivered(self) -> str | None:
        return self.ticket.number if self.ticket is not None else None

    def tally(self) -> dict[str, int]:
        return {"queue_tickets": 1} if self.ticket is not None else {}

    def print_blocks(self) -> list:
        blocks: list = []
        if self.printed is not None:
            if self.printed.ok:
                blocks.append(Text(_("排队凭条已打印，请取走"), "success"))
            else:
                blocks.append(Text(self.printed.message, "error"))
                blocks.append(Text(_("您的号码已生效，请记住屏幕上的号码，或待打印机恢复后重新打印"), "note"))
        return blocks

    def ticket_actions(self) -> list[Action]:
        actions: list[Action] = []
        if self.printed is not None and not self.printed.ok:
            ready, why = thermal_status(self.rt.devices.printer)
            actions.append(Action("reprint", _("重新打印凭条"), enabled=ready, args=(("note", "" if ready else why),)))
        actions.append(Action("done", _("完成")))
        return actions

    def on_reprint(self, note: str = "") -> None:
        if self.ticket is None:
            return
        doc = self.ticket_doc()
        self.run(lambda: print_slip(self.rt.devices.printer, doc), self._reprinted, _("正在打印…"))

    def _reprinted(self, outcome: PrintOutcome) -> None:
        self.printed = outcome
        self.ctx.changed()


# -- a queue number ----------------------------------------------------------------------------

class QueueJourney(_TicketPrinting):
    name = "queue"
    needs_identity = False

    def __init__(self, ctx: JourneyContext, service: Service) -> None:
        super().__init__(ctx)
        self.service = service
        self.priority = False
        self.key = ""

    def start(self) -> None:
        ident = self.visit.identity
        age = _age(ident.attributes.get("birth_date", "")) if ident else None
        self.priority = age is not None and age >= PRIORITY_AGE
        self.goto("choose")

    @property
    def service_name(self) -> str:
        return pick(self.service.name, self.service.name_en)

    def ticket_doc(self) -> Document:
        assert self.ticket is not None
        return ticket_document(self.ticket, self.service_name, priority=self.priority)

    def view(self) -> View:
        if self.state == "ticket" and self.ticket is not None:
            t = self.ticket
            blocks = [Text(_("您的排队号"), "lead"), Text(t.number, "big"), Pairs(tuple(ticket_rows(t))),
                      *self.print_blocks()]
            return View("queue.ticket", _("取号成功"), tuple(blocks), tuple(self.ticket_actions()),
                        prompt=_("您的排队号是 {n}").format(n=t.number))
        ready, why = thermal_status(self.rt.devices.printer)
        toggle = Action("priority", ("✓ " if self.priority else "") + _("优先取号（老年人、残疾人、孕妇等）"),
                        "primary" if self.priority else "secondary")
        blocks: list = [Pairs(((_("办理事项"), self.service_name),)), Choices((toggle,), columns=1),
                        Text(_("优先号到优先窗口办理，请如实选择"), "note")]
        if not ready:
            blocks.append(Text(_("凭条打印机暂不可用（{why}），取号后请记下屏幕上的号码").format(why=why), "note"))
        return View("queue", _("排队取号"), tuple(blocks), (Action("take", _("取号")), back_action()),
                    prompt=_("请点击取号"))

    def on_priority(self) -> None:
        self.priority = not self.priority
        self.key = ""  # a different request: a fresh idempotency key
        self.ctx.changed()

    def on_take(self) -> None:
        ident = self.visit.identity
        req = QueueTicketRequest(service_code=self.service.code, person_token=ident.person_token if ident else None,
                                 priority=self.priority)
        self.key = self.key or str(uuid.uuid4())
        key = self.key
        name, priority = self.service_name, self.priority

        def work() -> tuple[QueueTicket, PrintOutcome]:
            ticket = self.rt.client.take_ticket(req, idempotency_key=key)
            return ticket, print_slip(self.rt.devices.printer, ticket_document(ticket, name, priority=priority))

        self.run(work, self._taken, _("正在取号…"))

    def _taken(self, result: tuple[QueueTicket, PrintOutcome]) -> None:
        self.ticket, self.printed = result
        self.key = ""
        self.visit.receipts.append({"kind": "queue_ticket", "number": self.ticket.number})
        log.info("queue ticket %s for %s", self.ticket.number, self.service.code)
        self.goto("ticket")

    def on_done(self) -> None:
        self.finish(Outcome.DONE, self.ticket.number if self.ticket else "")

    def on_back(self) -> None:
        if self.state == "ticket":
            self.on_done()
        else:
            self.finish(Outcome.BACK)


# -- appointment check-in -------------------------------------------------------------------------

class CheckInJourney(_TicketPrinting):
    name = "checkin"
    needs_identity = False
    """A scanned code is enough; without one the journey asks for the ID card itself."""

    def __init__(self, ctx: JourneyContext, service: Service | None = None,
                 appointment_code: str | None = None) -> None:
        super().__init__(ctx)
        self.service = service
        self.code = (appointment_of(appointment_code) or "") if appointment_code else ""
        self.typed = ""
        self.appointments: list[Appointment] | None = None
        self.result: CheckInResult | None = None
        self.keys: dict[str, str] = {}

    def start(self) -> None:
        if self.code:
            self.goto("choose")
            self._check_in(self.code)
        elif self.visit.identity is not None:
            self.goto("choose")
            self._load()
        else:
            self.goto("choose")

    def ticket_doc(self) -> Document:
        assert self.result is not None
        appt = self.result.appointment
        return ticket_document(self.result.ticket, pick(appt.service_name, appt.service_name_en), appt)

    # -- input -------------------------------------------------------------------------
    def on_event(self, event: object) -> bool:
        if self.busy or self.state not in ("choose", "appointments"):
            return False
        if isinstance(event, CodeScanned) and event.kind is CodeKind.APPOINTMENT:
            code = appointment_of(event.text)
            if code:
                self._check_in(code)
                return True
        if isinstance(event, CardRead) and self.state == "choose" and self.visit.identity is None:
            from kiosk.journeys.identify import IdentifyJourney

            self.ctx.push(IdentifyJourney(self.ctx, card=event.card))
            return True
        return False

    # -- views -------------------------------------------------------------------------
    def view(self) -> View:
        if self.state == "done" and self.result is not None:
            return self._done_view()
        if self.state == "appointments":
            return self._appointments_view()
        field = FormField("code", _("预约码（6 位数字）"), self.typed, keyboard="digits", required=False)
        blocks = [Text(_("请将短信或政务服务APP中的预约二维码对准扫码区"), "lead"),
                  Text(_("也可以输入预约码，或刷身份证查看您今天的预约"), "body"), Form((field,), "code")]
        by_id = _("查看我今天的预约") if self.visit.identity is not None else _("刷身份证签到")
        actions = (Action("code_ok", _("签到"), enabled=appointment_of(self.typed) is not None),
                   Action("by_id", by_id, "secondary"), back_action())
        return View("checkin", _("预约签到"), tuple(blocks), actions, prompt=_("请扫描预约二维码"))

    def _appointments_view(self) -> View:
        todays = [a for a in self.appointments or [] if a.day == today()]
        later = [a for a in self.appointments or [] if a.day > today() and a.status == "booked"]
        blocks: list = []
        if todays:
            items = tuple(
                Action("appt", f"{pick(a.service_name, a.service_name_en)}  {a.start}-{a.end}",
                       "primary" if a.status in ("booked", "checked_in") else "secondary",
                       enabled=a.status in ("booked", "checked_in"),
                       args=(("code", a.appointment_code), ("note", _(APPOINTMENT_STATUS.get(a.status, a.status)))))
                for a in todays)
            blocks.append(Choices(items, columns=1, title=_("请选择要签到的预约")))
        else:
            blocks.append(Text(_("您今天没有可签到的预约"), "lead"))
        if later:
            first = min(later, key=lambda a: (a.day, a.start))
            blocks.append(Text(_("您的下一个预约：{day} {start}，{name}").format(
                day=first.day.isoformat(), start=first.start, name=pick(first.service_name, first.service_name_en)),
                "note"))
        return View("checkin.appointments", _("我今天的预约"), tuple(blocks), (back_action(),),
                    prompt=_("请选择要签到的预约"))

    def _done_view(self) -> View:
        assert self.result is not None
        appt, t = self.result.appointment, self.result.ticket
        blocks = [Text(_("签到成功，您的排队号"), "success"), Text(t.number, "big"),
                  Pairs(tuple(appointment_rows(appt)), title=_("预约信息")),
                  Pairs(tuple(ticket_rows(t)), title=_("排队信息")), *self.print_blocks()]
        return View("checkin.done", _("签到成功"), tuple(blocks), tuple(self.ticket_actions()),
                    prompt=_("签到成功，您的排队号是 {n}").format(n=t.number))

    # -- actions -----------------------------------------------------------------------
    def on_field(self, name: str, value: str) -> None:
        if name == "code":
            self.typed = "".join(ch for ch in value if ch.isdigit())[:6]

    def on_code_ok(self) -> None:
        code = appointment_of(self.typed)
        if code:
            self._check_in(code)

    def on_by_id(self) -> None:
        if self.visit.identity is not None:
            self._load()
            return
        from kiosk.journeys.identify import IdentifyJourney

        self.ctx.push(IdentifyJourney(self.ctx))

    def resume(self, child: Journey, result: Finished) -> None:
        if result.outcome is Outcome.DONE and self.visit.identity is not None:
            self._load()
        else:
            self.goto("choose")

    def _load(self) -> None:
        token = self.visit.identity.person_token
        self.run(lambda: self.rt.client.appointments(token), self._loaded, _("正在查询您的预约…"))

    def _loaded(self, result: AppointmentList) -> None:
        self.appointments = list(result.appointments)
        self.goto("appointments")

    def on_appt(self, code: str, note: str = "") -> None:
        self._check_in(code)

    def _check_in(self, code: str) -> None:
        key = self.keys.setdefault(code, str(uuid.uuid4()))
        req = CheckInRequest(appointment_code=code)

        def work() -> tuple[CheckInResult, PrintOutcome]:
            result = self.rt.client.check_in(req, idempotency_key=key)
            appt = result.appointment
            doc = ticket_document(result.ticket, pick(appt.service_name, appt.service_name_en), appt)
            return result, print_slip(self.rt.devices.printer, doc)

        self.run(work, self._checked_in, _("正在签到…"), self._refused)

    def _checked_in(self, value: tuple[CheckInResult, PrintOutcome]) -> None:
        self.result, self.printed = value
        self.ticket = self.result.ticket
        self.visit.receipts.append({"kind": "queue_ticket", "number": self.ticket.number})
        log.info("appointment checked in, ticket %s", self.ticket.number)
        self.goto("done")

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, PlatformError) and exc.code == codes.NOT_FOUND:
            self.show_error(_("未找到该预约，请核对预约码"))
        else:
            self.show_error(exc)

    def on_done(self) -> None:
        self.finish(Outcome.DONE, self.ticket.number if self.ticket else "")

    def on_back(self) -> None:
        if self.state == "done":
            self.on_done()
        elif self.state == "appointments":
            self.goto("choose")
        else:
            self.finish(Outcome.BACK)

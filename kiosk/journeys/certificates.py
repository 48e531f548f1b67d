"""Print proofs and electronic certificates (查询打印 / 电子证照打印), and reprint them by code.

The citizen picks one of their certificates, sees a preview, picks the receipt printer
or the A4 printer (live status on screen, a printer that cannot print is greyed out with
the reason) and prints. On the receipt printer the proof is a ``CERTIFICATE`` document:
masked holder data, issuer, dates and the verification code, with the verification URL
as a QR code anyone can scan. On the A4 printer it is the platform's PDF, written to the
visit's private temp folder (wiped with the visit) and submitted as a print job.

Invariant 3 of the design (a paid print is printed, or stays reprintable, or is
refunded): every print job gets a reprint code before its first byte is sent. The code
is kept twice — in the visit (with the masked certificate, so the same citizen can
reprint without identifying again) and in a small table on disk under the state
folder with nothing but ``cert_id``, the code and the time (so the proof stays
reprintable after a crash or a new visit; the platform then only serves it again to
the identified owner). A print that completes removes both; a failed one keeps them.

A paid print is reprinted with the payment's receipt code. The payment ledger keeps
that code with the order from the moment the platform says "paid" (the order's purpose
names the certificate), and marks the order delivered only once the print came out; so
a print paid for but never printed — the kiosk died between the payment and the
printer, or before the reprint row was written — is still found by its receipt code.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PIL import Image

from drivers.base import DeviceState
from drivers.printer.a4 import A4JobState
from drivers.printer.document import Document, Kind
from drivers.printer.errors import PrinterError
from kiosk.i18n import _
from kiosk.journeys.base import Finished, Journey, JourneyContext, Outcome, back_action, pick
from kiosk.platform.contract.catalog import HallHours, Service
from kiosk.platform.contract.certificates import Certificate, CertificateVerification
from kiosk.services.printing import REPRINT_ALPHABET, print_slip, reason_text, reprint_code
from kiosk.views import Action, Choices, Form, FormField, Pairs, Picture, Text, View

if TYPE_CHECKING:
    from kiosk.runtime import Runtime
    from kiosk.services.payments import PaymentLedger

log = logging.getLogger(__name__)

THERMAL = "thermal"
A4 = "a4"
REPRINT_DB = "reprints.sqlite3"
REPRINT_KEEP_DAYS = 7
MAX_CODE_TRIES = 5
A4_WAIT_S = 90.0
PREVIEW_WIDTH = 720
REPRINTS_KEY = "reprints"
"""``visit.records`` key of the visit's reprint jobs (code -> PrintJob)."""


# -- the reprint table on disk -------------------------------------------------------------

@dataclass(frozen=True)
class ReprintEntry:
    code: str
    cert_id: str
    created: float


class ReprintTable:
    """Reprint codes on disk: ``code``, ``cert_id``, ``created`` and nothing personal.

    SQLite with ``synchronous=FULL``: a row is on disk before the print job that needs it
    starts. Rows older than ``keep_days`` are purged on every write. Called from the
    worker pool only (disk I/O never runs on the UI thread); one short connection per call.
    """

    def __init__(self, path: str | Path, keep_days: int = REPRINT_KEEP_DAYS) -> None:
        self.path = Path(path)
        self.keep_s = keep_days * 86400

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists()
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        if fresh:
            self.path.chmod(0o600)
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE IF NOT EXISTS reprints (code TEXT PRIMARY KEY, cert_id TEXT NOT NULL,"
                   " created REAL NOT NULL)")
        return db

    def add(self, code: str, cert_id: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with closing(self._connect()) as db:
            db.execute("DELETE FROM reprints WHERE created < ?", (now - self.keep_s,))
            db.execute("INSERT OR REPLACE INTO reprints (code, cert_id, created) VALUES (?, ?, ?)",
                       (code, cert_id, now))

    def find(self, code: str, now: float | None = None) -> ReprintEntry | None:
        now = time.time() if now is None else now
        with closing(self._connect()) as db:
            row = db.execute("SELECT code, cert_id, created FROM reprints WHERE code = ? AND created >= ?",
                             (code, now - self.keep_s)).fetchone()
        return ReprintEntry(*row) if row else None

    def remove(self, code: str) -> None:
        with closing(self._connect()) as db:
            db.execute("DELETE FROM reprints WHERE code = ?", (code,))

    def entries(self) -> list[ReprintEntry]:
        """Everything still reprintable (for the technician and tests)."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT code, cert_id, created FROM reprints ORDER BY created").fetchall()
        return [ReprintEntry(*r) for r in rows]


def reprint_table(rt: Runtime) -> ReprintTable:
    return ReprintTable(rt.state_dir / REPRINT_DB)


PRINT_PURPOSE = "print:"
"""Ledger purpose of a certificate's print fee: ``print:<cert_id>``."""


def find_reprint(table: ReprintTable, ledger: PaymentLedger | None, code: str) -> ReprintEntry | None:
    """What a reprint code stands for: a row of the reprint table, or a paid print still owed.

    The second is a print fee the platform took whose print never completed at this kiosk
    (whatever stopped it: paper, a crash before the job started); the citizen holds the
    payment's receipt code, and the ledger kept it with the order when it was paid.
    """
    entry = table.find(code)
    if entry is not None or ledger is None:
        return entry
    order = ledger.paid_undelivered(code, PRINT_PURPOSE)
    if order is None:
        return None
    return ReprintEntry(code, order.purpose.removeprefix(PRINT_PURPOSE), time.time())


def normalise_code(text: str) -> str:
    """What the citizen typed, as a code: upper case, no spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def looks_like_code(code: str) -> bool:
    """A kiosk reprint code (8 characters) or a platform receipt code (up to 12), same alphabet."""
    return 8 <= len(code) <= 12 and all(ch in REPRINT_ALPHABET for ch in code)


# -- what is printed -----------------------------------------------------------------------

@dataclass(frozen=True)
class PrintJob:
    """One proof to print; held in the visit (masked data only) until it printed."""

    code: str
    cert: Certificate
    printer: str = THERMAL
    pdf: Path | None = None
    """A4: the PDF already fetched into the visit's temp folder."""
    order_ref: str = ""
    """The payment's receipt code or order id when the print was paid for."""


@dataclass(frozen=True)
class PrintResult:
    job: PrintJob
    ok: bool
    reason: str = ""
    mid_job: bool = False
    """The printer failed during the job: a torn, unusable print may be in the tray."""
    pending: bool = False
    """A4: submitted but still queued when we stopped waiting."""


def hall_now() -> dt.datetime:
    """Local time of the hall (the platform's time zone), whatever the OS clock's zone is."""
    return dt.datetime.now(ZoneInfo(HallHours().timezone))


def _date(d: dt.date | None) -> str:
    return d.isoformat() if d else _("长期")


def certificate_document(cert: Certificate, kiosk_id: str = "", reprint: bool = False) -> Document:
    """The receipt-printer proof: masked holder, issuer, dates, code and the verification QR."""
    lines = [
        (_("持证人"), cert.holder_masked_name),
        (_("证件号码"), cert.holder_masked_id),
        (_("出具机构"), pick(cert.issuer, cert.issuer_en) or cert.issuer),
        (_("出具日期"), _date(cert.issued_on)),
        (_("有效期至"), _date(cert.valid_until)),
        (_("验证码"), cert.verification_code),
    ]
    footer = [_("打印时间 {t}").format(t=hall_now().strftime("%Y-%m-%d %H:%M"))]
    if kiosk_id:
        footer.append(_("自助终端 {id}").format(id=kiosk_id))
    if reprint:
        footer.append(_("补打件"))
    footer.append(_("扫描二维码或凭验证码在政务服务平台核验真伪"))
    return Document.build(Kind.CERTIFICATE, pick(cert.name, cert.name_en), lines, qr=cert.verification_url,
                          qr_caption=_("扫码核验"), footer=footer)


def preview_png(png: bytes, width: int = PREVIEW_WIDTH) -> bytes:
    """The platform's A4 PNG (1240 px wide) scaled down for the screen."""
    with Image.open(io.BytesIO(png)) as img:
        img.load()
        small = img.convert("RGB")
    if small.width > width:
        small = small.resize((width, round(small.height * width / small.width)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def deliver_job(rt: Runtime, job: PrintJob, token: str | None, tmp_dir: Path, reprint: bool = False) -> PrintResult:
    """Print ``job`` (worker pool). The reprint row is on disk before the printer gets a byte."""
    if job.printer == A4:
        a4 = rt.devices.a4printer
        if a4 is None:
            return PrintResult(job, False, "no_a4")
        pdf = job.pdf
        if pdf is None or not pdf.exists():
            data = rt.client.certificate_pdf(job.cert.cert_id, token)
            pdf = tmp_dir / f"{job.cert.cert_id}.pdf"
            pdf.write_bytes(data)
            job = replace(job, pdf=pdf)
    _remember_on_disk(rt, job)
    if job.printer == A4:
        result = _print_a4(rt, job)
    else:
        outcome = print_slip(rt.devices.printer, certificate_document(job.cert, rt.cfg.kiosk.id, reprint))
        result = PrintResult(job, outcome.ok, outcome.reason, outcome.printed_before_failure)
    if result.ok and not result.pending:
        _paid_print_delivered(rt, job)  # first: a crash between the two leaves it reprintable, never lost
        try:
            reprint_table(rt).remove(job.code)
        except (OSError, sqlite3.Error) as exc:
            log.error("reprint code could not be removed: %s", exc)
    log.info("certificate %s on %s: %s", job.cert.cert_id, job.printer,
             "printed" if result.ok and not result.pending else "pending" if result.ok else result.reason)
    return result


def _paid_print_delivered(rt: Runtime, job: PrintJob) -> None:
    """The paid service reached the citizen: the ledger's order is delivered (no refund due)."""
    ledger = rt.ledger
    if not job.order_ref or ledger is None:
        return
    order = ledger.get(job.order_ref) or ledger.by_receipt(job.order_ref)
    if order is not None and not order.delivered:
        ledger.mark_delivered(order.order_id)


def _remember_on_disk(rt: Runtime, job: PrintJob) -> None:
    try:
        reprint_table(rt).add(job.code, job.cert.cert_id)
    except (OSError, sqlite3.Error) as exc:  # the visit still holds the code; print anyway
        log.error("reprint code not saved on disk: %s", exc)


def _print_a4(rt: Runtime, job: PrintJob) -> PrintResult:
    a4 = rt.devices.a4printer
    assert job.pdf is not None
    try:
        submitted = a4.submit(job.pdf, title=f"kiosk-{job.cert.cert_id}")
        state = a4.wait(submitted.job_id, timeout=A4_WAIT_S, interval=0.5)
    except PrinterError as exc:
        log.warning("A4 print of %s failed: %s", job.cert.cert_id, exc.reason)
        return PrintResult(job, False, exc.reason)
    if state is A4JobState.COMPLETED:
        return PrintResult(job, True, "completed")
    if state is A4JobState.PENDING:
        return PrintResult(job, True, "pending", pending=True)
    return PrintResult(job, False, state.value, mid_job=True)


# -- printer status ------------------------------------------------------------------------

def thermal_status(printer) -> tuple[bool, str]:
    """(can print now, what to tell the citizen) from the driver's last reading."""
    if printer is None:
        return False, _("本机未配置凭条打印机")
    if printer.state is DeviceState.BUSY:
        return False, reason_text("printing")
    status = printer.last_status
    return status.ready, reason_text(status.reason.value)


def a4_status(a4) -> tuple[bool, str]:
    if a4 is None:
        return False, _("本机未配置A4打印机")
    state = a4.tracker.state
    if state in (DeviceState.ONLINE, DeviceState.BUSY):
        return True, _("A4打印机就绪")
    if state is DeviceState.USER_ERROR:
        return False, _("A4打印机需要处理（缺纸、卡纸或已暂停），请联系工作人员")
    return False, _("A4打印机暂不可用，请联系工作人员")


def _refresh_statuses(rt: Runtime) -> None:
    """Ask both printers now (worker pool): the poller's last reading may be seconds old."""
    for device in (rt.devices.printer, rt.devices.a4printer):
        if device is None:
            continue
        try:
            device.status()
        except Exception as exc:  # a status probe must never break the journey
            log.info("printer status refresh failed: %s", type(exc).__name__)


class _PrintingJourney(Journey):
    """What certificates and reprint share: printer choice with live status, printing, result."""

    def __init__(self, ctx: JourneyContext) -> None:
        super().__init__(ctx)
        self.result: PrintResult | None = None

    # -- the visit's reprint jobs -----------------------------------------------------------
    def jobs(self) -> dict[str, PrintJob]:
        return self.visit.records.setdefault(REPRINTS_KEY, {})

    # -- printers ---------------------------------------------------------------------------
    def refresh_printers(self) -> None:
        """Re-read both printers in the background; the view updates when they answered."""
        self.ctx.run(lambda: _refresh_statuses(self.rt), lambda _r: None, lambda _e: None)

    def printer_ready(self, printer: str) -> tuple[bool, str]:
        if printer == A4:
            return a4_status(self.rt.devices.a4printer)
        return thermal_status(self.rt.devices.printer)

    def printer_blocks(self) -> list:
        rows = [(_("凭条打印机"), self.printer_ready(THERMAL)[1])]
        if self.rt.devices.a4printer is not None:
            rows.append((_("A4打印机"), self.printer_ready(A4)[1]))
        return [Pairs(tuple(rows), title=_("打印机状态"))]

    def printer_actions(self, pay: bool = False) -> list[Action]:
        """One button per printer; ``pay`` when the fee is collected first ("缴费并…", one id each)."""
        thermal_ok, thermal_why = self.printer_ready(THERMAL)
        thermal_label = _("缴费并用凭条打印机打印") if pay else _("用凭条打印机打印")
        actions = [Action("print", thermal_label, enabled=thermal_ok,
                          args=(("printer", THERMAL), ("note", "" if thermal_ok else thermal_why)))]
        if self.rt.devices.a4printer is not None:
            a4_ok, a4_why = self.printer_ready(A4)
            a4_label = _("缴费并用A4打印机打印") if pay else _("用A4打印机打印")
            actions.append(Action("print", a4_label, enabled=a4_ok,
                                  args=(("printer", A4), ("note", "" if a4_ok else a4_why))))
        return actions

    # -- printing ---------------------------------------------------------------------------
    def deliver(self, job: PrintJob, reprint: bool = False) -> None:
        ident = self.visit.identity
        token = ident.person_token if ident else None
        tmp = self.visit.tmp_dir()
        self.run(lambda: deliver_job(self.rt, job, token, tmp, reprint), self._delivered,
                 _("正在打印，请稍候…"), self._deliver_failed)

    def _delivered(self, result: PrintResult) -> None:
        jobs = self.jobs()
        if result.ok and not result.pending:
            jobs.pop(result.job.code, None)
        else:
            jobs[result.job.code] = result.job
            receipt = {"kind": "reprint_code", "code": result.job.code}
            if receipt not in self.visit.receipts:
                self.visit.receipts.append(receipt)
        self.result = result
        self.goto("result")

    def _deliver_failed(self, exc: BaseException) -> None:
        self.show_error(exc)

    def result_blocks(self) -> list:
        r = self.result
        if r is None:
            return []
        name = pick(r.job.cert.name, r.job.cert.name_en)
        if r.ok and not r.pending:
            where = _("请在A4出纸口取走证明") if r.job.printer == A4 else _("请在凭条出纸口取走证明")
            return [Text(_("打印完成：{name}").format(name=name), "success"), Text(where, "lead"),
                    Pairs(((_("验证码"), r.job.cert.verification_code),))]
        if r.pending:
            lead = Text(_("已提交A4打印机，正在排队打印，请稍候在A4出纸口取件。"), "lead")
        elif r.mid_job:
            lead = Text(_("打印中断：{why}。已打出的部分无效，请交给工作人员。").format(why=self.why(r)), "error")
        else:
            lead = Text(_("未能打印：{why}。").format(why=self.why(r)), "error")
        return [
            lead,
            Text(_("您的证明没有丢失，请记下回执码："), "lead"),
            Text(r.job.code, "big"),
            Text(_("工作人员处理好打印机后，在本机选择“凭回执码补打”并输入回执码即可重新打印，无需再次缴费。"
                   "本次办理期间无需再次核验身份；离开后补打需核验本人身份。回执码 {days} 天内有效。")
                 .format(days=REPRINT_KEEP_DAYS), "body"),
            *self.printer_blocks(),
        ]

    def why(self, r: PrintResult) -> str:
        if r.job.printer == A4:
            return _("A4打印机暂不可用")
        return reason_text(r.reason)


# -- the certificates journey ----------------------------------------------------------------

class CertificatesJourney(_PrintingJourney):
    name = "certificates"
    needs_identity = True

    def __init__(self, ctx: JourneyContext, service: Service | None = None) -> None:
        super().__init__(ctx)
        self.service = service
        self.certs: list[Certificate] = []
        self.loaded = False
        self.cert: Certificate | None = None
        self.preview: bytes = b""
        self.preview_note = ""
        self.verification: CertificateVerification | None = None
        """What the platform's public check says about the chosen certificate (revoked, expired)."""
        self.paid: dict[str, tuple[str, str]] = {}
        """cert_id -> (order id, receipt code) of the print fee paid in this journey."""
        self.pay_printer = ""
        self.printed: list[str] = []

    def start(self) -> None:
        self.goto("list")
        self._load()

    def _load(self) -> None:
        token = self.visit.identity.person_token
        self.run(lambda: self.rt.client.certificates(token), self._loaded, _("正在查询您的电子证照…"))

    def _loaded(self, result) -> None:
        certs = list(result.certificates)
        if self.service is not None:
            mine = [c for c in certs if c.service_code == self.service.code]
            certs = mine or certs
        self.certs = certs
        self.loaded = True
        self.goto("list")

    def _find(self, cert_id: str) -> Certificate | None:
        return next((c for c in self.certs if c.cert_id == cert_id), None)

    @staticmethod
    def expired(cert: Certificate) -> bool:
        return cert.valid_until is not None and cert.valid_until < hall_now().date()

    def not_printable(self, cert: Certificate) -> str:
        """Why this certificate must not be printed (expired, revoked), else empty."""
        v = self.verification
        if v is not None and v.code == cert.verification_code and not v.valid:
            return pick(v.message.zh_CN, v.message.en) + _("不能打印。")
        if self.expired(cert):
            return _("该证明已过有效期，不能打印，请重新申请")
        return ""

    # -- views -----------------------------------------------------------------------------
    def view(self) -> View:
        if self.state == "preview" and self.cert is not None:
            return self._preview_view()
        if self.state == "result":
            return self._result_view()
        return self._list_view()

    def _list_view(self) -> View:
        title = pick(self.service.name, self.service.name_en) if self.service else _("证明打印")
        blocks: list = []
        if self.loaded and not self.certs:
            blocks.append(Text(_("您名下暂无可打印的电子证照或证明"), "lead"))
        if self.certs:
            items = []
            for c in self.certs:
                label = pick(c.name, c.name_en)
                if c.print_fee_fen:
                    label += _("（打印费 {yuan:.2f} 元）").format(yuan=c.print_fee_fen / 100)
                if self.expired(c):
                    label += _("（已过期）")
                note = _("{issuer} · {day} 出具").format(issuer=pick(c.issuer, c.issuer_en), day=_date(c.issued_on))
                items.append(Action("cert", label, "secondary" if self.expired(c) else "primary",
                                    args=(("cert_id", c.cert_id), ("note", note))))
            blocks.append(Choices(tuple(items), columns=1, title=_("请选择要打印的证明")))
        actions = [Action("reprint", _("凭回执码补打"), "secondary")]
        if self.printed:
            actions.append(Action("done", _("完成")))
        actions.append(back_action())
        return View("certificates", title, tuple(blocks), tuple(actions), prompt=_("请选择要打印的证明"),
                    step=(1, 3))

    def _preview_view(self) -> View:
        c = self.cert
        assert c is not None
        blocks: list = []
        if self.preview:
            blocks.append(Picture(self.preview, _("打印预览（个人信息已脱敏）"), height=480))
        elif self.preview_note:
            blocks.append(Text(self.preview_note, "note"))
        rows = [(_("证明名称"), pick(c.name, c.name_en)), (_("出具机构"), pick(c.issuer, c.issuer_en)),
                (_("持证人"), c.holder_masked_name), (_("证件号码"), c.holder_masked_id),
                (_("出具日期"), _date(c.issued_on)), (_("有效期至"), _date(c.valid_until))]
        if c.print_fee_fen:
            rows.append((_("打印费"), _("{yuan:.2f} 元").format(yuan=c.print_fee_fen / 100)))
        blocks.append(Pairs(tuple(rows)))
        actions: list[Action] = []
        why_not = self.not_printable(c)
        if why_not:
            blocks.append(Text(why_not, "error"))
        else:
            blocks.extend(self.printer_blocks())
            actions.extend(self.printer_actions(pay=bool(c.print_fee_fen) and c.cert_id not in self.paid))
        actions.append(back_action())
        return View("certificates.preview", pick(c.name, c.name_en), tuple(blocks), tuple(actions),
                    prompt=_("请核对预览，然后选择打印机"), step=(2, 3))

    def _result_view(self) -> View:
        r = self.result
        blocks = self.result_blocks()
        actions: list[Action] = []
        if r is not None and not (r.ok and not r.pending):
            ready = self.printer_ready(r.job.printer)[0]
            actions.append(Action("retry", _("重新打印"), enabled=ready))
            actions.append(Action("reprint", _("凭回执码补打"), "secondary"))
        actions.append(Action("more", _("打印其他证明"), "secondary"))
        actions.append(Action("done", _("完成")))
        title = _("打印完成") if r is not None and r.ok and not r.pending else _("打印结果")
        return View("certificates.result", title, tuple(blocks), tuple(actions),
                    prompt=title, step=(3, 3))

    # -- actions ---------------------------------------------------------------------------
    def on_cert(self, cert_id: str, note: str = "") -> None:
        cert = self._find(cert_id)
        if cert is None:
            return
        self.cert = cert
        self.preview = b""
        self.preview_note = ""
        self.verification = None
        self.goto("preview")
        self.refresh_printers()
        token = self.visit.identity.person_token
        client = self.rt.client
        self.run(lambda: preview_png(client.certificate_png(cert_id, token)), self._previewed,
                 _("正在生成预览…"), self._no_preview)
        # the public check, as anyone scanning the printed QR will see it: a revoked proof is not printed
        self.ctx.run(lambda: client.verify_certificate(cert.verification_code), self._verified,
                     lambda exc: log.info("verification check failed: %s", type(exc).__name__))

    def _previewed(self, png: bytes) -> None:
        self.preview = png
        self.ctx.changed()

    def _verified(self, verification: CertificateVerification) -> None:
        self.verification = verification

    def _no_preview(self, exc: BaseException) -> None:
        log.warning("certificate preview failed: %s", type(exc).__name__)
        self.preview_note = _("预览暂不可用，仍可打印")
        self.ctx.changed()

    def on_print(self, printer: str = THERMAL, note: str = "") -> None:
        cert = self.cert
        if cert is None or self.state != "preview":
            return
        why_not = self.not_printable(cert)
        if why_not:
            self.show_error(why_not)
            return
        if printer not in (THERMAL, A4) or (printer == A4 and self.rt.devices.a4printer is None):
            return
        ready, why = self.printer_ready(printer)
        if not ready:
            self.show_error(why)
            return
        if cert.print_fee_fen and cert.cert_id not in self.paid:
            self._pay(cert, printer)
            return
        self._print(cert, printer)

    def _print(self, cert: Certificate, printer: str) -> None:
        order_id, receipt = self.paid.get(cert.cert_id, ("", ""))
        # a paid print is reprinted with the receipt code the citizen already has from the payment
        code = receipt if looks_like_code(receipt) else reprint_code()
        self.deliver(PrintJob(code, cert, printer, order_ref=order_id))

    def _delivered(self, result: PrintResult) -> None:
        if result.ok and not result.pending:
            self.printed.append(result.job.cert.cert_id)
        super()._delivered(result)

    # payment of a print fee: the pay journey charges the service's fees, then we print
    def _pay(self, cert: Certificate, printer: str) -> None:
        try:
            from kiosk.journeys.pay import PayJourney
        except ImportError:
            self.show_error(_("本机暂不能收取打印费，请到窗口办理"))
            return
        self.pay_printer = printer
        purpose = PRINT_PURPOSE + cert.cert_id
        if self.service is not None and self.service.code == cert.service_code:
            self.ctx.push(PayJourney(self.ctx, self.service, purpose=purpose))
            return

        def service_of() -> Service | None:
            return self.rt.client.catalog().catalog.service(cert.service_code)

        def found(service: Service | None) -> None:
            if service is None or not service.fees:
                self.show_error(_("本机暂不能收取该证明的打印费，请到窗口办理"))
                return
            self.ctx.push(PayJourney(self.ctx, service, purpose=purpose))

        self.run(service_of, found, _("正在准备缴费…"))

    def resume(self, child: Journey, result: Finished) -> None:
        if isinstance(child, ReprintJourney):
            if child.result is not None:
                self.result = child.result
                if child.result.ok and not child.result.pending:
                    self.printed.append(child.result.job.cert.cert_id)
                self.goto("result")
            else:
                self.goto(self.state)
            return
        # the pay journey
        cert = self.cert
        if result.outcome is Outcome.DONE and cert is not None:
            order = getattr(child, "order", None)
            self.paid[cert.cert_id] = (result.reference, getattr(order, "receipt_code", None) or "")
            self.goto("preview")
            self._print(cert, self.pay_printer or THERMAL)
        else:
            self.goto("preview")
            if cert is not None:
                self.show_error(_("未完成缴费，证明未打印"))

    def on_retry(self) -> None:
        r = self.result
        if r is None or (r.ok and not r.pending):
            return
        self.deliver(self.jobs().get(r.job.code, r.job), reprint=True)

    def on_reprint(self) -> None:
        self.ctx.push(ReprintJourney(self.ctx))

    def on_more(self) -> None:
        self.cert = None
        self.result = None
        self.goto("list")

    def on_done(self) -> None:
        r = self.result
        if r is not None and not r.ok:
            self.finish(Outcome.FAILED, r.job.code)  # the code stays reprintable
            return
        self.finish(Outcome.DONE, r.job.cert.cert_id if r is not None else self.printed[-1] if self.printed else "")

    def on_back(self) -> None:
        if self.state == "preview":
            self.cert = None
            self.preview = b""
            self.goto("list")
        elif self.state == "result":
            self.on_more()
        else:
            self.finish(Outcome.BACK)


# -- reprint by code -------------------------------------------------------------------------

class ReprintJourney(_PrintingJourney):
    """凭回执码补打: the citizen types the code shown when a print failed.

    A code from this visit prints straight away (the visit holds the masked certificate).
    A code only found on disk (a crash, a new visit) needs the owner's identity: the
    platform serves the certificate again only to them.
    """

    name = "reprint"
    needs_identity = False

    def __init__(self, ctx: JourneyContext, code: str = "") -> None:
        super().__init__(ctx)
        self.code = code
        self.code_error = ""
        self.tries = 0
        self.entry: ReprintEntry | None = None
        self.job: PrintJob | None = None

    def start(self) -> None:
        self.goto("code")
        if self.code:
            self.on_lookup()

    def view(self) -> View:
        if self.state == "identify":
            return View("reprint.identify", _("凭回执码补打"),
                        (Text(_("为保护您的信息，补打前需核验本人身份；核验后只为证明的持有人补打。"), "lead"),),
                        (Action("identify", _("核验身份")), back_action()), prompt=_("请核验身份"))
        if self.state == "confirm" and self.job is not None:
            c = self.job.cert
            rows = ((_("证明名称"), pick(c.name, c.name_en)), (_("持证人"), c.holder_masked_name),
                    (_("回执码"), self.job.code))
            return View("reprint.confirm", _("凭回执码补打"), (Pairs(rows), *self.printer_blocks()),
                        (*self.printer_actions(), back_action()), prompt=_("请选择打印机"))
        if self.state == "result":
            r = self.result
            actions: list[Action] = []
            if r is not None and not (r.ok and not r.pending):
                actions.append(Action("retry", _("重新打印"), enabled=self.printer_ready(r.job.printer)[0]))
            actions.append(Action("done", _("完成")))
            title = _("补打完成") if r is not None and r.ok and not r.pending else _("补打结果")
            return View("reprint.result", title, tuple(self.result_blocks()), tuple(actions), prompt=title)
        field = FormField("code", _("回执码"), self.code, self.code_error, keyboard="text")
        blocks: list = [Text(_("请输入打印失败时屏幕上显示的回执码（已缴费的证明也可输入缴费回执码）"), "lead"),
                        Form((field,), "code"),
                        *self.printer_blocks()]
        locked = self.tries >= MAX_CODE_TRIES
        if locked:
            blocks.insert(0, Text(_("回执码输入错误次数过多，请联系工作人员"), "error"))
        return View("reprint", _("凭回执码补打"), tuple(blocks),
                    (Action("lookup", _("补打"), enabled=bool(self.code) and not locked), back_action()),
                    prompt=_("请输入回执码"))

    # -- actions ---------------------------------------------------------------------------
    def on_field(self, name: str, value: str) -> None:
        if name == "code":
            self.code = normalise_code(value)[:16]
            self.code_error = ""

    def on_lookup(self) -> None:
        if self.tries >= MAX_CODE_TRIES:
            return
        code = normalise_code(self.code)
        if not looks_like_code(code):
            self._wrong(_("回执码为 8 至 12 位字母和数字，请核对后重新输入"))
            return
        job = self.jobs().get(code)
        if job is not None:
            self.job = job
            self.deliver(job, reprint=True)
            return
        table, ledger = reprint_table(self.rt), self.rt.ledger
        self.run(lambda: find_reprint(table, ledger, code), self._found, _("正在查找…"), self._lookup_failed)

    def _wrong(self, message: str) -> None:
        self.tries += 1
        self.code_error = message
        self.goto("code")

    def _lookup_failed(self, exc: BaseException) -> None:
        log.error("reprint table unreadable: %s", exc)
        self.show_error(_("暂时无法查找回执码，请联系工作人员"))

    def _found(self, entry: ReprintEntry | None) -> None:
        if entry is None:
            self._wrong(_("未找到该回执码，或已超过 {days} 天有效期").format(days=REPRINT_KEEP_DAYS))
            return
        self.entry = entry
        if self.visit.identity is None:
            self.goto("identify")
        else:
            self._fetch()

    def on_identify(self) -> None:
        from kiosk.journeys.identify import IdentifyJourney

        self.ctx.push(IdentifyJourney(self.ctx))

    def resume(self, child: Journey, result: Finished) -> None:
        if result.outcome is Outcome.DONE and self.visit.identity is not None and self.entry is not None:
            self._fetch()
        else:
            self.goto(self.state)

    def _fetch(self) -> None:
        entry = self.entry
        assert entry is not None
        token = self.visit.identity.person_token
        self.run(lambda: self.rt.client.certificates(token), lambda lst: self._owned(entry, lst),
                 _("正在查找您的证明…"))

    def _owned(self, entry: ReprintEntry, listing) -> None:
        cert = next((c for c in listing.certificates if c.cert_id == entry.cert_id), None)
        if cert is None:
            self.entry = None
            self._wrong(_("该回执码对应的证明不属于当前核验的身份"))
            return
        # a paid print's code is its payment receipt: printing it settles what the ledger owes
        self.job = PrintJob(entry.code, cert, THERMAL, order_ref=entry.code)
        self.goto("confirm")
        self.refresh_printers()

    def on_print(self, printer: str = THERMAL, note: str = "") -> None:
        if self.job is None or self.state != "confirm" or printer not in (THERMAL, A4):
            return
        ready, why = self.printer_ready(printer)
        if not ready:
            self.show_error(why)
            return
        self.job = replace(self.job, printer=printer)
        self.deliver(self.job, reprint=True)

    def on_retry(self) -> None:
        r = self.result
        if r is not None and not (r.ok and not r.pending):
            self.deliver(self.jobs().get(r.job.code, r.job), reprint=True)

    def on_done(self) -> None:
        r = self.result
        if r is not None and r.ok:
            self.finish(Outcome.DONE, r.job.cert.cert_id)
        else:
            self.finish(Outcome.FAILED, r.job.code if r else "")

    def on_back(self) -> None:
        if self.state in ("identify", "confirm"):
            self.entry = None
            self.job = None
            self.goto("code")
        else:
            self.finish(Outcome.BACK)

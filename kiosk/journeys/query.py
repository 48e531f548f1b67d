"""Queries (查询): the citizen's records as paged tables, printable where the service allows,
and the citizen's own cases (我的办件) with their progress."""

from __future__ import annotations

from drivers.printer.document import Document, Kind
from kiosk.i18n import _
from kiosk.journeys.base import Journey, JourneyContext, Outcome, back_action, pick
from kiosk.journeys.query_layout import blocks_of, print_lines
from kiosk.platform.contract.catalog import KioskCapability, Service
from kiosk.platform.contract.queries import QueryKind, QueryPage
from kiosk.services import localtime
from kiosk.services.printing import PrintOutcome, print_slip
from kiosk.views import Action, Text, View

PAGE_SIZE = 8
PAGE_SIZE_ELDER = 5
PRINT_ROWS = 40


class QueryJourney(Journey):
    name = "query"
    needs_identity = True

    def __init__(self, ctx: JourneyContext, service: Service | None, kind: QueryKind | str | None = None) -> None:
        super().__init__(ctx)
        self.service = service
        self.kind = str(kind or (service.query_kind if service else "") or QueryKind.CASE_PROGRESS)
        self.page: QueryPage | None = None
        self.printed: PrintOutcome | None = None

    @property
    def page_size(self) -> int:
        return PAGE_SIZE_ELDER if self.ctx.elder else PAGE_SIZE

    def start(self) -> None:
        self.goto("table")
        self._load(1)

    def _load(self, number: int) -> None:
        token = self.visit.identity.person_token
        self.run(lambda: self.rt.client.query(self.kind, token, page=number, page_size=self.page_size),
                 self._loaded, _("正在查询…"))

    def _loaded(self, page: QueryPage) -> None:
        self.page = page
        self.visit.records[self.kind] = page  # personal: lives and dies with the visit
        self.goto("table")

    def delivered(self) -> str | None:
        return "" if self.page is not None else None

    def can_print(self) -> bool:
        allowed = self.service is None or KioskCapability.PRINT in self.service.kiosk_capability
        return bool(self.page and self.page.printable and allowed and self.rt.devices.printer is not None)

    def view(self) -> View:
        title = pick(self.page.title, self.page.title_en) if self.page else _("查询")
        blocks: list = []
        if self.printed is not None:
            blocks.append(Text(self.printed.message, "success" if self.printed.ok else "error"))
        if self.page is not None:
            blocks += blocks_of(self.page)
            if self.page.as_of:
                blocks.append(Text(_("数据截至 {t}").format(t=localtime.minutes(self.page.as_of)), "note"))
        actions: list[Action] = []
        if self.page is not None and self.page.page > 1:
            actions.append(Action("prev", _("上一页"), "secondary"))
        if self.page is not None and self.page.page < self.page.pages:
            actions.append(Action("next", _("下一页"), "secondary"))
        if self.can_print():
            actions.append(Action("print", _("打印查询结果")))
        actions.append(Action("done", _("完成")))
        actions.append(back_action())
        return View(self.name, title, tuple(blocks), tuple(actions), prompt=title)

    def on_next(self) -> None:
        if self.page and self.page.page < self.page.pages:
            self.printed = None
            self._load(self.page.page + 1)

    def on_prev(self) -> None:
        if self.page and self.page.page > 1:
            self.printed = None
            self._load(self.page.page - 1)

    def on_print(self) -> None:
        token = self.visit.identity.person_token
        ident = self.visit.identity
        title = pick(self.page.title, self.page.title_en) if self.page else ""

        def work() -> PrintOutcome:
            full = self.rt.client.query(self.kind, token, page=1, page_size=PRINT_ROWS)
            lines = [(_("姓名"), ident.masked_name), (_("证件号码"), ident.masked_id), *print_lines(full)]
            doc = Document.build(Kind.RECEIPT, title, lines,
                                 footer=[_("打印时间 {t}").format(t=localtime.minutes()),
                                         _("本凭条仅供参考")])
            return print_slip(self.rt.devices.printer, doc)

        self.run(work, self._printed, _("正在打印…"))

    def _printed(self, outcome: PrintOutcome) -> None:
        self.printed = outcome
        self.ctx.changed()

    def on_done(self) -> None:
        self.finish(Outcome.DONE)

    def on_back(self) -> None:
        self.finish(Outcome.BACK)


class CasesJourney(QueryJourney):
    """我的办件: the citizen's applications and how far each has got."""

    name = "cases"

    def __init__(self, ctx: JourneyContext) -> None:
        super().__init__(ctx, None, QueryKind.CASE_PROGRESS)

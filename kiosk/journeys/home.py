"""Home: service categories, the most used services and search by name.

The catalogue comes from the platform through the client's ETag cache, so guides still
show while the platform is down; a service that can't be done right now (hall hours,
a device missing) stays visible with the reason, greyed out, rather than vanishing.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

from kiosk.i18n import _
from kiosk.journeys.availability import reason_now
from kiosk.journeys.base import Finished, Journey, JourneyContext, back_action, pick
from kiosk.journeys.certificates import ReprintJourney
from kiosk.journeys.guide import GuideJourney
from kiosk.journeys.query import CasesJourney
from kiosk.platform.client import CatalogResult
from kiosk.platform.contract.catalog import Service
from kiosk.services.ime import search as ime_search
from kiosk.services.ime.search import matches
from kiosk.views import Action, Choices, Form, FormField, Text, View

log = logging.getLogger(__name__)

POPULAR = 6
SEARCH_RESULTS = 8


class UsageCounter:
    """How often each service was opened at this kiosk (no personal data), for "most used"."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.counts: Counter[str] = Counter(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            self.counts = Counter()

    def add(self, code: str) -> None:
        self.counts[code] += 1
        try:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(dict(self.counts)), "utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            log.warning("usage counts not saved: %s", exc)


class HomeJourney(Journey):
    name = "home"

    def __init__(self, ctx: JourneyContext) -> None:
        super().__init__(ctx)
        self.catalog: CatalogResult | None = None
        self.category = ""
        self.query = ""
        self.usage = UsageCounter(self.rt.state_dir / "usage.json")

    def start(self) -> None:
        self.category = ""
        self.query = ""
        self.goto("home")
        if self.catalog is None:
            self.run(self._load_catalog, self._loaded, _("正在加载服务目录…"), self._failed)

    def _load_catalog(self) -> CatalogResult:
        result = self.rt.client.catalog()
        catalog = result.catalog
        ime_search.warm([s.name for s in catalog.services] + [c.name for c in catalog.categories])
        return result

    def _loaded(self, result: CatalogResult) -> None:
        self.catalog = result
        self.goto(self.state)

    def _failed(self, exc: BaseException) -> None:
        self.show_error(_("服务目录暂时无法加载，请稍后再试或呼叫帮办"))
        log.warning("catalogue unavailable: %s", type(exc).__name__)

    # -- helpers ------------------------------------------------------------------------
    def services(self) -> list[Service]:
        return list(self.catalog.catalog.services) if self.catalog else []

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services() if s.code == code), None)

    def _button(self, s: Service) -> Action:
        assert self.catalog is not None
        why = reason_now(s, self.catalog.catalog.hall_hours, self.rt.status.snapshot())
        return Action("service", pick(s.name, s.name_en), "secondary" if why else "primary", True,
                      (("code", s.code), ("note", why)))

    def search(self, query: str) -> list[Service]:
        """Services whose name, category, English name or code has ``query``: as characters, full
        pinyin or initials ("sb" and "shebao" find 社保医保's services; see kiosk.services.ime.search)."""
        if not query.strip() or self.catalog is None:
            return []
        cats = {c.code: c.name for c in self.catalog.catalog.categories}
        return [s for s in self.services()
                if matches(query, (s.name, cats.get(s.category, ""), s.name_en, s.code))][:SEARCH_RESULTS]

    def _popular(self) -> list[Service]:
        """The most used services, shown in catalogue order so a tile never moves because of a count.

        In elder mode the catalogue's first services, whatever this kiosk counted: an older citizen
        who learnt where a tile is finds it there on the next visit.
        """
        services = self.services()
        if self.ctx.elder:
            return services[:POPULAR]
        top = {s.code for s in sorted(services, key=lambda s: -self.usage.counts.get(s.code, 0))[:POPULAR]}
        return [s for s in services if s.code in top]

    # -- views --------------------------------------------------------------------------
    def view(self) -> View:
        if self.catalog is None:
            return View("home", _("政务服务"), (Text(_("服务目录暂不可用")),), (Action("retry", _("重试")),))
        if self.state == "category":
            return self._category_view()
        if self.state == "search":
            return self._search_view()
        # Every category in every mode (elder mode shows them larger, the screen scrolls), in the
        # platform's order; ``icon`` is the category's icon name, drawn by the screen.
        cats = sorted(self.catalog.catalog.categories, key=lambda c: c.order)
        blocks = [
            Choices(tuple(Action("category", pick(c.name, c.name_en), "primary", True,
                                 (("code", c.code), ("icon", c.icon or c.code)))
                          for c in cats), columns=2 if self.ctx.elder else 3, title=_("服务分类")),
            Choices(tuple(self._button(s) for s in self._popular()), columns=2, title=_("常用服务")),
        ]
        if self.catalog.stale:
            blocks.insert(0, Text(_("当前显示的是离线保存的服务目录"), "note"))
        actions = (Action("search", _("搜索服务"), "secondary"), Action("my_cases", _("我的办件"), "secondary"),
                   Action("reprint", _("凭回执码补打"), "secondary"))
        return View("home", _("请选择要办理的业务"), tuple(blocks), actions, prompt=_("请选择要办理的业务"))

    def _category_view(self) -> View:
        assert self.catalog is not None
        cat = next((c for c in self.catalog.catalog.categories if c.code == self.category), None)
        title = pick(cat.name, cat.name_en) if cat else _("服务")
        items = tuple(self._button(s) for s in self.services() if s.category == self.category)
        return View("home.category", title, (Choices(items, columns=1 if self.ctx.elder else 2),),
                    (back_action(),))

    def _search_view(self) -> View:
        q = self.query.strip()
        hits = self.search(q)
        blocks: list = [Form((FormField("q", _("服务名称"), self.query, keyboard="text", required=False),), "q")]
        if q and not hits:
            blocks.append(Text(_("没有找到相关服务，请换个关键词"), "note"))
        if hits:
            blocks.append(Choices(tuple(self._button(s) for s in hits), columns=1))
        return View("home.search", _("搜索服务"), tuple(blocks), (back_action(),))

    # -- actions ------------------------------------------------------------------------
    def on_retry(self) -> None:
        self.catalog = None
        self.start()

    def on_category(self, code: str, icon: str = "") -> None:
        self.category = code
        self.goto("category")

    def on_search(self) -> None:
        self.query = ""
        self.goto("search")

    def on_field(self, name: str, value: str) -> None:
        if name == "q":
            self.query = value[:40]
            self.ctx.changed()

    def on_back(self) -> None:
        self.goto("home")

    def on_service(self, code: str, note: str = "") -> None:
        service = self.service(code)
        if service is None:
            return
        self.usage.add(code)
        self.ctx.push(GuideJourney(self.ctx, service, self.catalog))

    def on_my_cases(self) -> None:
        self.ctx.open(CasesJourney(self.ctx))

    def on_reprint(self) -> None:
        self.ctx.push(ReprintJourney(self.ctx))

    def resume(self, child: Journey, result: Finished) -> None:
        self.ctx.changed()

"""Service figures for hall managers: visits, completion and abandonment, journey times, queue
tickets, printed pages and payments, per kiosk and per site, as charts and CSV. Each account
sees the figures of the kiosks it may see and no others."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import Response

from reference_platform import figures
from reference_platform.console import fleet, render
from reference_platform.console.web import ConsoleError, Ctx, SignedIn
from reference_platform.seed.common import LOCAL_TZ

router = APIRouter(prefix="/console", include_in_schema=False)
MAX_DAYS = 366


def _scope(ctx: Ctx, site: str, kiosk: str, since: str, until: str) -> tuple[list[str], date, date]:
    """The kiosk ids (of what ``ctx.user`` may see, narrowed by site/kiosk) and the day range."""
    today = datetime.fromtimestamp(ctx.now, LOCAL_TZ).date()
    try:
        end = date.fromisoformat(until) if until else today
        start = date.fromisoformat(since) if since else end - timedelta(days=6)
    except ValueError:
        raise ConsoleError(400, "日期格式应为 YYYY-MM-DD (dates as YYYY-MM-DD)") from None
    if start > end or (end - start).days > MAX_DAYS:
        raise ConsoleError(400, f"日期范围应在 {MAX_DAYS} 天以内 (at most {MAX_DAYS} days, start before end)")
    rows = fleet.kiosks(ctx.db, ctx.user, ctx.now, ctx.settings)
    ids = [k.kiosk_id for k in rows if (not site or k.site == site) and (not kiosk or k.kiosk_id == kiosk)]
    return ids, start, end


@router.get("/figures")
def figures_page(ctx: SignedIn, site: str = "", kiosk: str = "", since: str = "", until: str = "") -> Response:
    ids, start, end = _scope(ctx, site, kiosk, since, until)
    f = figures.service_figures(ctx.db, ids, start, end)
    services: dict[str, int] = {}
    for s in f["services"]:
        services[s["service_code"] or "整次办理"] = services.get(s["service_code"] or "整次办理", 0) + s["uses"]
    charts = [
        render.bar_chart([(d["day"][5:], d["visits"]) for d in f["days"]], title="每日办理人次 visits per day"),
        render.bar_chart(sorted(services.items(), key=lambda kv: -kv[1])[:15], title="各事项使用次数 uses per service"),
        render.bar_chart([(j["journey"], round(j["completion_rate"] * 100, 1)) for j in f["journeys"]],
                         title="各流程完成率 completion per journey", unit="%"),
        render.bar_chart([(s["site_name"] or "（未填）", s["visits"]) for s in f["per_site"]],
                         title="各场所办理人次 visits per site"),
    ]
    all_rows = fleet.kiosks(ctx.db, ctx.user, ctx.now, ctx.settings)
    return ctx.page("figures.html", f=f, charts=charts, site=site, kiosk=kiosk, since=start.isoformat(),
                    until=end.isoformat(), sites=fleet.sites(ctx.db, ctx.user),
                    kiosk_ids=[k.kiosk_id for k in all_rows if not site or k.site == site])


@router.get("/figures.csv")
def figures_export(ctx: SignedIn, site: str = "", kiosk: str = "", since: str = "", until: str = "") -> Response:
    ids, start, end = _scope(ctx, site, kiosk, since, until)
    ctx.audit("export_csv", "figures", f"{len(ids)} kiosks {start}..{end}")
    return Response("\ufeff" + figures.figures_csv(ctx.db, ids, start, end), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="figures-{start}-{end}.csv"',
                             "Cache-Control": "no-store"})

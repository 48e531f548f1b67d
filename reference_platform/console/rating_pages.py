"""好差评 pages: every rating, one rating's follow-up case, the follow-up report, CSV export."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from reference_platform.console import cases, render
from reference_platform.console.web import Ctx, Posted, SignedIn, not_found

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/ratings")
def ratings_page(ctx: SignedIn, bad: int = 0) -> Response:
    cases.sync(ctx.db, ctx.now, ctx.settings)
    return ctx.page("ratings.html", ratings=cases.ratings(ctx.db, ctx.user, bad_only=bool(bad)), bad=bad,
                    now=ctx.now)


def _case_page(ctx: Ctx, rating_id: str, *, reveal: bool = False, error: str = "", status: int = 200) -> Response:
    cases.sync(ctx.db, ctx.now, ctx.settings)
    found = cases.case(ctx.db, ctx.user, rating_id)
    if found is None:
        raise not_found()
    return ctx.page("case.html", status, r=found, reveal=reveal and ctx.user.role == "rating", error=error,
                    now=ctx.now, status_labels=cases.STATUS_LABELS)


@router.get("/cases/{rating_id}")
def case_page(rating_id: str, ctx: SignedIn) -> Response:
    return _case_page(ctx, rating_id)


@router.post("/cases/{rating_id}/contact")
def reveal_contact(rating_id: str, ctx: Posted) -> Response:
    """The rating officer looks up the number to call back: shown on this answer only, and audited."""
    if ctx.user.role != "rating" or cases.case(ctx.db, ctx.user, rating_id) is None:
        raise not_found()
    ctx.audit("contact_viewed", rating_id)
    return _case_page(ctx, rating_id, reveal=True)


@router.post("/cases/{rating_id}")
def case_step(rating_id: str, ctx: Posted) -> Response:
    if cases.case(ctx.db, ctx.user, rating_id) is None:
        raise not_found()
    step = ctx.form.get("step", "")
    try:
        cases.update(ctx.db, ctx.user, rating_id, step, ctx.form.get("text", ""), ctx.now)
    except cases.CaseError as exc:
        return _case_page(ctx, rating_id, error=str(exc), status=409 if ctx.user.role == "rating" else 403)
    ctx.audit(f"case_{step}", rating_id, ctx.form.get("text", "")[:80])
    return RedirectResponse(f"/console/cases/{rating_id}", status_code=303)


@router.get("/report")
def report_page(ctx: SignedIn) -> Response:
    cases.sync(ctx.db, ctx.now, ctx.settings)
    figures = cases.report(ctx.db, ctx.user, ctx.now)
    chart = render.bar_chart([("回访率 called", round(figures["call_rate"] * 100, 1)),
                              ("办结率 closed", round(figures["close_rate"] * 100, 1))],
                             title="回访与办结 follow-up (目标 100%)", unit="%")
    return ctx.page("report.html", f=figures, chart=chart, now=ctx.now)


@router.get("/ratings.csv")
def ratings_csv(ctx: SignedIn) -> Response:
    """Every rating the account may see; the contact is masked in the file whoever exports it."""
    cases.sync(ctx.db, ctx.now, ctx.settings)
    rows = cases.ratings(ctx.db, ctx.user, limit=100_000)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["评价编号 rating", "终端 kiosk", "场所 site", "事项 service", "评价 level", "原因 reasons",
                "内容 text", "联系电话 contact", "时间 time", "回访状态 status", "负责人 owner"])
    for r in rows:
        w.writerow([r["rating_id"], r["kiosk_id"], r["site_name"], r["service_code"], r["level_label"],
                    r["reason_labels"], r["text"], r["contact_masked"], render.when(r["created_at"]),
                    r["status_label"], r["owner"] or ""])
    ctx.audit("export_csv", "ratings", f"{len(rows)} rows")
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="ratings.csv"', "Cache-Control": "no-store"})

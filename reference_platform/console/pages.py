"""Console pages: sign-in, fleet, kiosk, alerts, audit (the 好差评 pages are in ``rating_pages``)."""

from __future__ import annotations

import secrets
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from reference_platform.console import alerts, audit, auth, fleet, remote_pages, render, sessions
from reference_platform.console.web import FormData, Posted, SignedIn, client_of, not_found, page
from reference_platform.problems import PlatformProblem

router = APIRouter(prefix="/console", include_in_schema=False)
LOGIN_COOKIE = "console_login_csrf"
_CSS = (resources.files("reference_platform.console") / "static" / "console.css").read_text(encoding="utf-8")


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/static/console.css")
def stylesheet() -> Response:
    return Response(_CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/")
def home() -> RedirectResponse:
    return _redirect("/console/fleet")


@router.get("/login")
def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", csrf=token, error="")
    response.set_cookie(LOGIN_COOKIE, token, path="/console", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


@router.post("/login")
def login(request: Request, form: FormData) -> Response:
    db, now, client = request.app.state.db, request.app.state.clock(), client_of(request)
    name, password = form.get("name", "").strip()[:40], form.get("password", "")
    token = request.cookies.get(LOGIN_COOKIE, "")
    if not token or not secrets.compare_digest(token, form.get("csrf", "")):
        return page(request, "login.html", 403, csrf="", error="页面已过期，请刷新后重新登录 (reload the page)")
    limiter = request.app.state.console_logins
    try:
        limiter.check(client, "login", now)
        limiter.check(name, "login-name", now)
    except PlatformProblem as exc:
        audit.record(db, now, None, "login_throttled", name, client=client, name=name)
        response = page(request, "login.html", 429, csrf=token,
                        error="登录失败次数过多，请稍后再试 (too many failed sign-ins; try later)")
        response.headers.update(exc.headers or {})
        return response
    who = auth.check_password(db, name, password)
    if who is None:
        limiter.miss(client, "login", now)
        limiter.miss(name, "login-name", now)
        audit.record(db, now, None, "login_failed", name, client=client, name=name)
        return page(request, "login.html", 401, csrf=token, error="用户名或密码错误 (wrong name or password)")
    response = _redirect("/console/fleet")
    sessions.start(db, response, request, who, now, request.app.state.console_settings.session_s)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    audit.record(db, now, who, "login", client=client)
    return response


@router.post("/logout")
def logout(ctx: Posted) -> Response:
    ctx.audit("logout")
    response = _redirect("/console/login")
    sessions.end(ctx.db, response, ctx.session)
    return response


@router.get("/fleet")
def fleet_page(ctx: SignedIn, site: str = "", status: str = "", sort: str = "kiosk",
               desc: int = 0) -> Response:
    everyone = fleet.kiosks(ctx.db, ctx.user, ctx.now, ctx.settings)
    rows = fleet.select(everyone, site, status, sort, bool(desc))
    return ctx.page("fleet.html", rows=rows, total=len(everyone), online=sum(k.online for k in everyone),
                    with_problems=sum(bool(k.problems) for k in everyone), sites=fleet.sites(ctx.db, ctx.user),
                    site=site, status=status, sort=sort, desc=desc, sort_keys=fleet.SORT_KEYS,
                    device_labels=fleet.DEVICE_LABELS, state_labels=fleet.STATE_LABELS,
                    media_labels=fleet.MEDIA_LABELS, now=ctx.now,
                    open_alerts=len(alerts.listing(ctx.db, ctx.user, open_only=True)))


@router.get("/kiosks/{kiosk_id}")
def kiosk_page(kiosk_id: str, ctx: SignedIn) -> Response:
    row = fleet.kiosk(ctx.db, ctx.user, kiosk_id, ctx.now, ctx.settings)
    if row is None:
        raise not_found()
    beats = fleet.history(ctx.db, kiosk_id)
    backlog = render.line_chart([(t, float(b.get("journal_depth") or 0)) for t, b in beats],
                                title="未上传积压 unsent backlog (件)", gaps_over_s=ctx.settings.offline_after_s)
    uptime = render.line_chart([(t, round(float(b.get("uptime_s") or 0) / 3600, 2)) for t, b in beats],
                               title="运行时长 uptime (小时 h)", gaps_over_s=ctx.settings.offline_after_s)
    kiosk_alerts = [a for a in alerts.listing(ctx.db, ctx.user, open_only=False) if a["kiosk_id"] == kiosk_id]
    return ctx.page("kiosk.html", k=row, actions=remote_pages.listing(ctx, kiosk_id),
                    action_kinds=remote_pages.KIND_LABELS, action_status=remote_pages.STATUS_LABELS,
                    charts=[backlog, uptime], beats=list(reversed(beats))[:20],
                    alerts=kiosk_alerts[:20], kind_labels=alerts.KIND_LABELS, device_labels=fleet.DEVICE_LABELS,
                    state_labels=fleet.STATE_LABELS, media_labels=fleet.MEDIA_LABELS, now=ctx.now)


@router.get("/alerts")
def alerts_page(ctx: SignedIn, show: str = "open") -> Response:
    rows = alerts.listing(ctx.db, ctx.user, open_only=show != "all")
    return ctx.page("alerts.html", alerts=rows, show=show, kind_labels=alerts.KIND_LABELS,
                    device_labels=fleet.DEVICE_LABELS)


@router.post("/alerts/{alert_id}/ack")
def acknowledge(alert_id: int, ctx: Posted) -> Response:
    found = alerts.acknowledge(ctx.db, ctx.user, alert_id, ctx.now)
    if found is None:
        raise not_found()
    ctx.audit("alert_ack", f"alert {alert_id}", f"{found['kiosk_id']} {found['kind']} {found['subject']}".strip())
    return _redirect(ctx.form.get("back") if ctx.form.get("back", "").startswith("/console/") else "/console/alerts")


@router.get("/audit")
def audit_page(ctx: SignedIn) -> Response:
    return ctx.page("audit.html", entries=audit.entries(ctx.db, ctx.user))

"""Remote actions from the kiosk page: an operator queues one (restart, reboot, test page, PIN
reset, masked logs, attract-screen screenshot, configuration push); the kiosk gets it with its
next heartbeat and answers. Hosts see the list of their own kiosks' actions but send none and
never open a payload (logs and screenshots are for the fleet's operators)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from reference_platform import actions
from reference_platform.console import fleet
from reference_platform.console.web import ConsoleError, Ctx, Posted, SignedIn, not_found

router = APIRouter(prefix="/console", include_in_schema=False)

KIND_LABELS = {"restart_app": "重启程序 restart app", "reboot": "重启整机 reboot",
               "print_test_page": "打印测试页 test page", "technician_pin_reset": "重置维护密码 reset technician PIN",
               "upload_logs": "上传脱敏日志 upload masked logs", "screenshot": "待机画面截图 attract screenshot",
               "config_push": "推送配置 push configuration"}
STATUS_LABELS = {"pending": "待下发", "deferred": "暂缓(办理中)", "done": "已完成", "failed": "失败",
                 "refused": "已拒绝"}


def listing(ctx: Ctx, kiosk_id: str) -> list[dict]:
    """The kiosk's actions for its page (call only after ``fleet.kiosk`` allowed the kiosk)."""
    return actions.actions_for(ctx.db, kiosk_id)


@router.post("/kiosks/{kiosk_id}/actions")
def send_action(kiosk_id: str, ctx: Posted) -> Response:
    if fleet.kiosk(ctx.db, ctx.user, kiosk_id, ctx.now, ctx.settings) is None:
        raise not_found()
    if ctx.user.role != "operator":
        raise ConsoleError(403, "只有运维人员可以下发远程操作 (operators only)")
    kind = ctx.form.get("kind", "")
    params = {}
    if kind == "config_push":
        params["toml"] = ctx.form.get("toml", "")
    if kind == "upload_logs" and ctx.form.get("lines", "").strip():
        params["lines"] = ctx.form["lines"].strip()
    try:
        action_id = actions.queue_action(ctx.db, kiosk_id, kind, params, f"console:{ctx.user.name}", now=ctx.now)
    except actions.ActionError as exc:
        raise ConsoleError(400, f"无法下发 cannot queue: {exc}") from None
    ctx.audit("action_sent", kiosk_id, f"{kind} {action_id}")
    return RedirectResponse(f"/console/kiosks/{kiosk_id}#actions", status_code=303)


@router.get("/actions/{action_id}/payload")
def payload(action_id: str, ctx: SignedIn) -> Response:
    found = actions.action_payload(ctx.db, action_id)
    if found is None or fleet.kiosk(ctx.db, ctx.user, found.kiosk_id, ctx.now, ctx.settings) is None:
        raise not_found()
    if ctx.user.role != "operator":
        raise not_found()
    ctx.audit("action_payload_viewed", found.kiosk_id, action_id)
    return Response(found.data, media_type=found.media_type, headers={
        "Content-Disposition": f'inline; filename="{found.filename}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})

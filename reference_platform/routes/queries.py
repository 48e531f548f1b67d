"""Query routes: one paged table per query kind, for the identified citizen."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, Header, Query, Request

from kiosk.platform.contract import Column, QueryKind, QueryPage, paths
from reference_platform.routes._deps import ERRORS, db, now, person_for_token

router = APIRouter(tags=["queries"])

C = Column
TABLES: dict[QueryKind, tuple[str, str, list[Column]]] = {
    QueryKind.SOCIAL_SECURITY: (
        "社会保险参保缴费记录",
        "Social insurance contributions",
        [
            C(key="month", title="费款所属期", title_en="Month"),
            C(key="insurance", title="险种", title_en="Insurance"),
            C(key="employer", title="参保单位", title_en="Employer"),
            C(key="base_fen", title="缴费基数", title_en="Base", unit="fen"),
            C(key="personal_fen", title="个人缴纳", title_en="Personal", unit="fen", total=True),
            C(key="employer_fen", title="单位缴纳", title_en="Employer share", unit="fen", total=True),
            C(key="status", title="状态", title_en="Status"),
        ],
    ),
    QueryKind.HOUSING_FUND: (
        "住房公积金缴存明细",
        "Housing fund deposits",
        [
            C(key="month", title="缴存月份", title_en="Month"),
            C(key="employer", title="缴存单位", title_en="Employer"),
            C(key="deposit_fen", title="月缴存额", title_en="Deposit", unit="fen", total=True),
            C(key="balance_fen", title="账户余额", title_en="Balance", unit="fen"),
            C(key="status", title="状态", title_en="Status"),
        ],
    ),
    QueryKind.PROPERTY: (
        "名下不动产登记信息",
        "Registered real estate",
        [
            C(key="certificate_no", title="不动产权证号", title_en="Title number"),
            C(key="address", title="坐落", title_en="Address"),
            C(key="area_m2", title="面积", title_en="Area", unit="m2"),
            C(key="usage", title="用途", title_en="Use"),
            C(key="share", title="共有情况", title_en="Ownership"),
            C(key="registered_on", title="登记日期", title_en="Registered"),
            C(key="mortgaged", title="抵押", title_en="Mortgaged"),
            C(key="sealed", title="查封", title_en="Sealed"),
        ],
    ),
    QueryKind.CREDIT: (
        "个人信用报告（概要）",
        "Personal credit report (summary)",
        [
            C(key="item", title="业务类型", title_en="Type"),
            C(key="institution", title="机构", title_en="Institution"),
            C(key="opened_on", title="开立日期", title_en="Opened"),
            C(key="amount_fen", title="授信额度", title_en="Limit", unit="fen"),
            C(key="balance_fen", title="余额", title_en="Balance", unit="fen"),
            C(key="status", title="账户状态", title_en="Status"),
            C(key="overdue_months", title="逾期月数", title_en="Months overdue"),
        ],
    ),
    QueryKind.TRAFFIC_VIOLATIONS: (
        "交通违法记录",
        "Traffic violations",
        [
            C(key="violation_id", title="决定书编号", title_en="Reference"),
            C(key="plate", title="号牌", title_en="Plate"),
            C(key="occurred_at", title="违法时间", title_en="Time"),
            C(key="place", title="违法地点", title_en="Place"),
            C(key="behaviour", title="违法行为", title_en="Offence"),
            C(key="points", title="记分", title_en="Points", total=True),
            C(key="fine_fen", title="罚款", title_en="Fine", unit="fen", total=True),
            C(key="handled", title="已处理", title_en="Handled"),
            C(key="paid", title="已缴款", title_en="Paid"),
        ],
    ),
    QueryKind.CASE_PROGRESS: (
        "办件进度",
        "Application progress",
        [
            C(key="case_no", title="办件编号", title_en="Case number"),
            C(key="service_name", title="事项名称", title_en="Service"),
            C(key="received_at", title="受理时间", title_en="Received"),
            C(key="status_text", title="当前状态", title_en="Status"),
            C(key="promised_by", title="承诺办结日期", title_en="Promised by"),
        ],
    ),
}

CASE_STATUS = {
    "received": ("已受理", "Received"),
    "reviewing": ("审核中", "Under review"),
    "approved": ("已审批", "Approved"),
    "rejected": ("不予受理", "Rejected"),
    "completed": ("已办结", "Completed"),
    "supplement_needed": ("待补正材料", "Documents needed"),
}


def _rows(request: Request, kind: QueryKind, person_id: str) -> list[dict]:
    store = db(request)
    if kind is QueryKind.CASE_PROGRESS:
        out = []
        for r in store.all(
            "SELECT c.*, s.json AS svc FROM cases c JOIN services s ON s.code = c.service_code"
            " WHERE c.person_id = ? ORDER BY c.received_at DESC",
            (person_id,),
        ):
            svc = json.loads(r["svc"])
            zh, en = CASE_STATUS.get(r["status"], (r["status"], r["status"]))
            out.append(
                {
                    "case_no": r["case_no"],
                    "service_name": svc["name"],
                    "service_name_en": svc["name_en"],
                    "received_at": r["received_at"],
                    "status": r["status"],
                    "status_text": zh,
                    "status_text_en": en,
                    "promised_by": r["promised_by"],
                }
            )
        return out
    rows = [
        json.loads(r["json"])
        for r in store.all(
            "SELECT json FROM records WHERE person_id = ? AND kind = ? ORDER BY seq", (person_id, kind.value)
        )
    ]
    if kind is QueryKind.TRAFFIC_VIOLATIONS:
        for row in rows:
            bill = store.one("SELECT paid_order FROM bills WHERE ref = ?", (row["violation_id"],))
            if bill is not None:
                row["paid"] = bill["paid_order"] is not None
    return rows


@router.get(paths.QUERY, response_model=QueryPage, responses=ERRORS)
async def run_query(
    kind: QueryKind,
    request: Request,
    page: int = Query(1, ge=1),
    page_size: int = Query(10, ge=1, le=100),
    x_person_token: str | None = Header(None, alias=paths.PERSON_TOKEN_HEADER),
) -> QueryPage:
    person_id = person_for_token(request, x_person_token)
    title, title_en, columns = TABLES[kind]
    rows = _rows(request, kind, person_id)
    start = (page - 1) * page_size
    return QueryPage(
        kind=kind,
        title=title,
        title_en=title_en,
        columns=columns,
        rows=rows[start : start + page_size],
        page=page,
        page_size=page_size,
        total=len(rows),
        printable=kind is not QueryKind.CREDIT,
        as_of=datetime.fromtimestamp(now(request), UTC),
        totals={c.key: sum(r.get(c.key) or 0 for r in rows) for c in columns if c.total},
    )

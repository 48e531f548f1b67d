"""Electronic certificates the demo citizens hold (one revoked, one expired), with what each one says."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, timedelta

from reference_platform.db import dumps
from reference_platform.seed.common import random_code

CERT_KINDS = {
    "ss_proof": (
        "社会保险个人参保证明",
        "Social insurance participation certificate",
        "市社会保险基金管理局",
        "Municipal Social Insurance Fund Administration",
        "440100-RSJ-0102",
        0,
    ),
    "hf_proof": (
        "住房公积金缴存证明",
        "Housing fund deposit certificate",
        "市住房公积金管理中心",
        "Municipal Housing Provident Fund Centre",
        "440100-GJJ-0302",
        0,
    ),
    "property_proof": (
        "不动产登记资料查询结果证明",
        "Real estate record certificate",
        "市不动产登记中心",
        "Municipal Real Estate Registration Centre",
        "440100-BDC-0402",
        0,
    ),
    "household_proof": (
        "户籍证明",
        "Household registration certificate",
        "市公安局天河区分局",
        "Tianhe Branch, Municipal Public Security Bureau",
        "440100-HJ-0801",
        0,
    ),
    "credit_report": (
        "个人信用报告（本人版）",
        "Personal credit report",
        "中国人民银行征信中心",
        "Credit Reference Center of the PBoC",
        "440100-ZX-0502",
        1000,
    ),
}
"""Kind -> (name, name in English, issuer, issuer in English, service, print fee in fen)."""
CERT_PLAN = {
    "P001": ["ss_proof", "household_proof"],
    "P002": ["ss_proof", "hf_proof", "property_proof", "credit_report"],
    "P003": ["ss_proof", "hf_proof", "property_proof"],
    "P004": ["ss_proof", "credit_report"],
    "P005": ["ss_proof", "household_proof"],
    "P006": ["property_proof", "credit_report"],
    "P008": ["ss_proof"],
    "P011": ["ss_proof"],
}
"""Who holds which certificates."""


def seed_certificates(c: sqlite3.Connection, rng: random.Random, today: date) -> None:
    n = 0
    for pid, kinds in CERT_PLAN.items():
        for kind in kinds:
            n += 1
            name, name_en, issuer, issuer_en, svc, fee = CERT_KINDS[kind]
            issued = today - timedelta(days=rng.randint(0, 40))
            valid_until = issued + timedelta(days=90)
            status = "valid"
            if (pid, kind) == ("P004", "ss_proof"):
                status = "revoked"
            if (pid, kind) == ("P006", "property_proof"):
                issued, valid_until = today - timedelta(days=200), today - timedelta(days=110)
            code = random_code(rng, 12)
            body = cert_body(c, pid, kind)
            c.execute(
                "INSERT INTO certificates (cert_id, person_id, kind, name, name_en, issuer, issuer_en, issued_on,"
                " valid_until, verification_code, status, service_code, print_fee_fen, body_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    f"C{n:05d}",
                    pid,
                    kind,
                    name,
                    name_en,
                    issuer,
                    issuer_en,
                    issued.isoformat(),
                    valid_until.isoformat(),
                    code,
                    status,
                    svc,
                    fee,
                    dumps(body),
                ),
            )


def cert_body(c: sqlite3.Connection, pid: str, kind: str) -> list[list[str]]:
    """Rows of (label zh, label en, value) printed on the certificate, from the citizen's records."""

    def rows(k: str) -> list[dict]:
        return [
            json.loads(r["json"])
            for r in c.execute("SELECT json FROM records WHERE person_id = ? AND kind = ? ORDER BY seq", (pid, k))
        ]

    if kind == "ss_proof":
        ss = rows("social_security")
        months = sorted({r["month"] for r in ss})
        return [
            ["参保险种", "Insurance", "基本养老保险、职工基本医疗保险"],
            ["参保单位", "Employer", ss[0]["employer"] if ss else "—"],
            ["本期缴费月数", "Months paid", str(len(months))],
            ["缴费起止", "Period", f"{months[0]} 至 {months[-1]}" if months else "—"],
            ["参保状态", "Status", "正常参保"],
        ]
    if kind == "hf_proof":
        hf = rows("housing_fund")
        return [
            ["缴存单位", "Employer", hf[0]["employer"] if hf else "—"],
            ["月缴存额", "Monthly deposit", f"¥{hf[0]['deposit_fen'] / 100:,.2f}" if hf else "—"],
            ["账户余额", "Balance", f"¥{hf[0]['balance_fen'] / 100:,.2f}" if hf else "—"],
            ["账户状态", "Status", "正常"],
        ]
    if kind == "property_proof":
        props = rows("property")
        return [["登记不动产数量", "Properties registered", str(len(props))]] + [
            [f"不动产{i}", f"Property {i}", f"{p['certificate_no']} {p['address']} {p['area_m2']}㎡"]
            for i, p in enumerate(props, start=1)
        ]
    if kind == "household_proof":
        return [
            ["户籍地址", "Registered address", "广州市天河区天河路385号"],
            ["户主关系", "Relation", "户主"],
            ["户口性质", "Type", "居民家庭户"],
        ]
    credit = rows("credit")
    return [
        ["信贷账户数", "Credit accounts", str(len(credit))],
        ["逾期账户数", "Overdue accounts", str(sum(1 for r in credit if r["overdue_months"]))],
        ["查询记录（近2年）", "Enquiries (2 years)", "3"],
    ]

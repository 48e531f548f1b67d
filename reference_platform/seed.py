"""Demo data that looks real: citizens of every card type with valid check
digits, their records, cases, bills, certificates, app tokens and appointments.

Everything is derived from fixed seeds, so two fresh databases hold the same
citizens; only dates follow the day the database was created.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from stdnum.cn import ric

from kiosk.platform.contract.demo import DEMO_KIOSK_ID, DEMO_SECRET
from reference_platform.catalog_data import CATEGORIES, SERVICES
from reference_platform.db import Database, dumps

DEMO_ENROLMENT_CODE = "DEMO-ENROL-2026"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def with_check_digit(first17: str) -> str:
    """Append the GB 11643 (ISO 7064 MOD 11-2) check character."""
    return first17 + ric.calc_check_digit(first17 + "0")


@dataclass(frozen=True)
class Citizen:
    person_id: str
    id_number: str
    name: str
    name_en: str
    card_type: str
    gender: str
    birth_date: str
    phone: str
    address: str
    nationality: str = ""
    employed: bool = True


CITIZENS_FILE = Path(__file__).resolve().parents[1] / "assets" / "demo" / "citizens.json"
"""The demo citizens; the kiosk's card emulator reads the same file to make their ID cards."""

CITIZENS: list[Citizen] = [Citizen(**c) for c in json.loads(CITIZENS_FILE.read_text(encoding="utf-8"))]

APP_TOKENS = {
    "P002": "GZZW-APP-7d3f9a61c2e84b0f",
    "P003": "GZZW-APP-1b6e0c55a9d34e27",
    "P005": "GZZW-APP-f04a2d8e6b1c3957",
    "P008": "GZZW-APP-9c7b5e3a1f2d4860",
    "P011": "GZZW-APP-2e4c6a8b0d1f3579",
}

EMPLOYERS = ["广州市云帆信息技术有限公司", "广东粤海建设工程有限公司", "广州市第一人民医院", "南方华创商贸有限公司"]


def seed(db: Database, *, now: float | None = None) -> None:
    """Fill an empty database; does nothing when it is already seeded."""
    if db.is_seeded():
        return
    now = time.time() if now is None else now
    today = datetime.fromtimestamp(now, LOCAL_TZ).date()
    rng = random.Random(20261123)
    with db.tx() as c:
        c.execute(
            "INSERT INTO kiosks (kiosk_id, secret, site_name, enrolled_at) VALUES (?, ?, ?, ?)",
            (DEMO_KIOSK_ID, DEMO_SECRET.decode(), "示范政务服务中心", _iso(now)),
        )
        c.execute("INSERT INTO enrolment_codes (code, uses_left) VALUES (?, ?)", (DEMO_ENROLMENT_CODE, 1000))
        for i, cat in enumerate(CATEGORIES):
            c.execute("INSERT INTO categories (code, json, ord) VALUES (?, ?, ?)", (cat.code, cat.model_dump_json(), i))
        for i, svc in enumerate(SERVICES):
            c.execute("INSERT INTO services (code, json, ord) VALUES (?, ?, ?)", (svc.code, svc.model_dump_json(), i))
        for p in CITIZENS:
            c.execute(
                "INSERT INTO persons (person_id, id_number, name, name_en, card_type, gender, birth_date, phone,"
                " address, nationality) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    p.person_id,
                    p.id_number,
                    p.name,
                    p.name_en,
                    p.card_type,
                    p.gender,
                    p.birth_date,
                    p.phone,
                    p.address,
                    p.nationality,
                ),
            )
        for pid, token in APP_TOKENS.items():
            c.execute("INSERT INTO app_tokens (token, person_id) VALUES (?, ?)", (token, pid))
        for p in CITIZENS:
            _records(c, p, rng, today)
        _cases(c, rng, now, today)
        _certificates(c, rng, today)
        _appointments(c, today)
        _queue(c, now)
        _announcements(c, now)
        _history(c, now)
        c.execute("INSERT INTO meta (key, value) VALUES ('seeded_at', ?)", (_iso(now),))
        c.execute("INSERT INTO meta (key, value) VALUES ('catalog_generated_at', ?)", (_iso(now),))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _months_back(today: date, n: int) -> list[str]:
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append(f"{y:04d}-{m:02d}")
    return out


def _add(c, pid: str, kind: str, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    for seq, row in enumerate(rows):
        c.execute("INSERT INTO records (person_id, kind, seq, json) VALUES (?, ?, ?, ?)", (pid, kind, seq, dumps(row)))


def _records(c, p: Citizen, rng: random.Random, today: date) -> None:  # type: ignore[no-untyped-def]
    months = _months_back(today, 12)
    employer = rng.choice(EMPLOYERS)
    if p.employed:
        base = rng.choice([568000, 720000, 1050000, 1480000])
        ss = []
        for month in months:
            ss.append(
                {
                    "month": month,
                    "insurance": "基本养老保险",
                    "insurance_en": "Pension",
                    "employer": employer,
                    "base_fen": base,
                    "personal_fen": base * 8 // 100,
                    "employer_fen": base * 14 // 100,
                    "status": "已到账",
                    "status_en": "Received",
                }
            )
            ss.append(
                {
                    "month": month,
                    "insurance": "职工基本医疗保险",
                    "insurance_en": "Medical",
                    "employer": employer,
                    "base_fen": base,
                    "personal_fen": base * 2 // 100,
                    "employer_fen": base * 55 // 1000,
                    "status": "已到账" if month != months[0] or p.person_id != "P004" else "欠缴",
                    "status_en": "Received" if month != months[0] or p.person_id != "P004" else "Arrears",
                }
            )
        _add(c, p.person_id, "social_security", ss)
        deposit = base * 24 // 100
        balance = rng.randint(20000, 9000000)
        hf = []
        for month in reversed(months):
            balance += deposit
            hf.append(
                {
                    "month": month,
                    "employer": employer,
                    "deposit_fen": deposit,
                    "balance_fen": balance,
                    "status": "正常缴存",
                    "status_en": "Normal",
                }
            )
        _add(c, p.person_id, "housing_fund", list(reversed(hf)))
    elif p.person_id == "P001":
        _add(
            c,
            p.person_id,
            "social_security",
            [
                {
                    "month": m,
                    "insurance": "城乡居民基本养老保险（领取）",
                    "insurance_en": "Residents' pension (paid out)",
                    "employer": "市社会保险基金管理局",
                    "base_fen": 0,
                    "personal_fen": 0,
                    "employer_fen": 0,
                    "status": "已发放 ¥3,215.60",
                    "status_en": "Paid ¥3,215.60",
                }
                for m in months
            ],
        )
    if p.card_type in ("resident", "hmt_residence_permit") and p.person_id not in ("P007",):
        props = []
        for n in range(rng.choice([1, 1, 2])):
            district = p.address[3:6] if p.address.startswith("广州市") else "天河区"
            props.append(
                {
                    "certificate_no": f"粤({today.year - 3 - n})广州市不动产权第{rng.randint(1000000, 9999999):07d}号",
                    "address": p.address
                    if n == 0
                    else f"广州市{district}金穗路{rng.randint(1, 99)}号{rng.randint(1, 30)}01房",
                    "area_m2": round(rng.uniform(58, 143), 2),
                    "usage": "住宅",
                    "usage_en": "Residential",
                    "share": rng.choice(["单独所有", "共同共有", "按份共有 1/2"]),
                    "registered_on": date(today.year - 3 - n, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
                    "mortgaged": n == 0 and p.person_id in ("P002", "P004"),
                    "sealed": False,
                }
            )
        _add(c, p.person_id, "property", props)
    credit = [
        {
            "item": "信用卡",
            "item_en": "Credit card",
            "institution": rng.choice(["招商银行", "中国工商银行", "中国银行"]),
            "opened_on": date(today.year - rng.randint(2, 10), rng.randint(1, 12), 1).isoformat(),
            "amount_fen": 5000000,
            "balance_fen": rng.randint(0, 1200000),
            "status": "正常",
            "status_en": "Normal",
            "overdue_months": 0,
        }
    ]
    if p.person_id in ("P002", "P004", "P006"):
        credit.append(
            {
                "item": "个人住房贷款",
                "item_en": "Mortgage",
                "institution": "中国建设银行",
                "opened_on": date(today.year - 6, 4, 1).isoformat(),
                "amount_fen": 180000000,
                "balance_fen": 126540000,
                "status": "正常",
                "status_en": "Normal",
                "overdue_months": 0,
            }
        )
    if p.person_id == "P006":
        credit.append(
            {
                "item": "个人经营性贷款",
                "item_en": "Business loan",
                "institution": "广州农村商业银行",
                "opened_on": date(today.year - 2, 9, 1).isoformat(),
                "amount_fen": 30000000,
                "balance_fen": 8000000,
                "status": "逾期",
                "status_en": "Overdue",
                "overdue_months": 1,
            }
        )
    _add(c, p.person_id, "credit", credit)
    violations = []
    if p.person_id in ("P002", "P004", "P006", "P009", "P011"):
        plate = f"粤A{rng.choice('BCDEF')}{rng.randint(1000, 9999)}{rng.choice('KLMN')}"
        offences = [
            ("机动车违反禁令标志指示", "Ignored a prohibition sign", 3, 20000),
            ("机动车在高速公路超过规定时速10%以上未达20%", "Speeding 10-20% on an expressway", 3, 20000),
            ("机动车违反规定停放", "Illegal parking", 0, 20000),
            ("驾驶机动车不按导向车道行驶", "Wrong lane", 2, 10000),
        ]
        for n in range(rng.randint(1, 3)):
            text, text_en, points, fine = offences[(n + int(p.person_id[-1])) % len(offences)]
            vid = f"4401{today.year}{rng.randint(10**9, 10**10 - 1)}"
            at = datetime.combine(today - timedelta(days=rng.randint(5, 200)), datetime.min.time(), LOCAL_TZ)
            handled = n != 2
            paid = n == 1
            violations.append(
                {
                    "violation_id": vid,
                    "plate": plate,
                    "occurred_at": (at + timedelta(hours=rng.randint(7, 22))).isoformat(),
                    "place": rng.choice(["广州大道中与黄埔大道交叉路口", "广园快速路沙河段", "天河北路体育中心"]),
                    "behaviour": text,
                    "behaviour_en": text_en,
                    "points": points,
                    "fine_fen": fine,
                    "handled": handled,
                    "paid": paid,
                }
            )
            if handled:
                c.execute(
                    "INSERT INTO bills (ref, service_code, person_id, description, description_en, amount_fen,"
                    " paid_order) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        vid,
                        "440100-JJ-0602",
                        p.person_id,
                        f"交通违法罚款：{text}",
                        f"Traffic fine: {text_en}",
                        fine,
                        "HISTORIC" if paid else None,
                    ),
                )
    _add(c, p.person_id, "traffic_violations", violations)


def _bill_seeds(c) -> None:  # type: ignore[no-untyped-def]
    bills = [
        (
            "SW-0100234567",
            "440100-SW-1001",
            "水费 2026年10月 户号0100234567",
            "Water, Oct 2026, account 0100234567",
            8650,
        ),
        (
            "SW-0100765432",
            "440100-SW-1001",
            "水费 2026年10月 户号0100765432",
            "Water, Oct 2026, account 0100765432",
            12340,
        ),
        ("FS-44010026000123", "440100-CZ-1002", "非税收入：考试报名费", "Non-tax income: exam registration fee", 12000),
        ("FS-44010026000456", "440100-CZ-1002", "非税收入：不动产登记费", "Non-tax income: registration fee", 8000),
    ]
    for ref, svc, d, d_en, amount in bills:
        c.execute(
            "INSERT INTO bills (ref, service_code, person_id, description, description_en, amount_fen)"
            " VALUES (?, ?, NULL, ?, ?, ?)",
            (ref, svc, d, d_en, amount),
        )


def _cases(c, rng: random.Random, now: float, today: date) -> None:  # type: ignore[no-untyped-def]
    _bill_seeds(c)
    cases = [
        ("P002", "440100-GJJ-0303", "completed", 12),
        ("P002", "440100-BDC-0403", "reviewing", 2),
        ("P003", "440100-RSJ-0103", "received", 0),
        ("P004", "440100-JJ-0603", "supplement_needed", 3),
        ("P008", "440100-HJ-0802", "approved", 5),
        ("P011", "440100-CRJ-0701", "completed", 30),
    ]
    for n, (pid, svc, status, days_ago) in enumerate(cases, start=1):
        received = now - days_ago * 86400 - 3600 * (n + 1)
        case_no = f"440100{datetime.fromtimestamp(received, LOCAL_TZ):%Y%m%d}{n:06d}"
        receipt = "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
        content = hashlib.sha256(f"seed:{case_no}".encode()).hexdigest()
        c.execute(
            "INSERT INTO cases (case_no, service_code, person_id, kiosk_id, idempotency_key, content_sha256, status,"
            " receipt_code, received_at, promised_by, form_json, materials_json)"
            " VALUES (?, ?, ?, 'counter', NULL, ?, ?, ?, ?, ?, '{}', '[]')",
            (case_no, svc, pid, content, status, receipt, _iso(received), (today + timedelta(days=3)).isoformat()),
        )


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


def _certificates(c, rng: random.Random, today: date) -> None:  # type: ignore[no-untyped-def]
    plan = {
        "P001": ["ss_proof", "household_proof"],
        "P002": ["ss_proof", "hf_proof", "property_proof", "credit_report"],
        "P003": ["ss_proof", "hf_proof", "property_proof"],
        "P004": ["ss_proof", "credit_report"],
        "P005": ["ss_proof", "household_proof"],
        "P006": ["property_proof", "credit_report"],
        "P008": ["ss_proof"],
        "P011": ["ss_proof"],
    }
    n = 0
    for pid, kinds in plan.items():
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
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(12))
            body = _cert_body(c, pid, kind)
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


def _cert_body(c, pid: str, kind: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Rows of (label zh, label en, value) printed on the certificate."""
    import json

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


def _appointments(c, today: date) -> None:  # type: ignore[no-untyped-def]
    """Slots for the next 7 days; DEMO- slots are moved to 'today' at every start (see refresh_demo_dates)."""
    for d in range(0, 7):
        day = today + timedelta(days=d)
        for svc in ("440100-CRJ-0702", "440100-BDC-0403"):
            for hour in (9, 10, 11, 14, 15, 16):
                c.execute(
                    "INSERT INTO appointment_slots (slot_id, service_code, day, start, end_, capacity)"
                    " VALUES (?, ?, ?, ?, ?, 4)",
                    (f"S{day:%Y%m%d}-{svc[-4:]}-{hour:02d}", svc, day.isoformat(), f"{hour:02d}:00", f"{hour:02d}:59"),
                )
    demo = [
        ("DEMO-1", "440100-CRJ-0702", "10:00", "P003", "365021"),
        ("DEMO-2", "440100-BDC-0403", "14:00", "P002", "470935"),
        ("DEMO-3", "440100-CRJ-0702", "15:00", "P008", "582244"),
    ]
    for slot, svc, start, pid, code in demo:
        c.execute(
            "INSERT INTO appointment_slots (slot_id, service_code, day, start, end_, capacity)"
            " VALUES (?, ?, ?, ?, ?, 1)",
            (slot, svc, today.isoformat(), start, start[:2] + ":59"),
        )
        c.execute(
            "INSERT INTO appointments (code, slot_id, person_id, status) VALUES (?, ?, ?, 'booked')", (code, slot, pid)
        )


DEMO_APPOINTMENT_CODES = ("365021", "470935", "582244")


def refresh_demo_dates(db: Database, now: float) -> None:
    """Keep the demo appointments and the queue ahead of the citizen on whatever day the demo runs."""
    with db.tx() as c:
        c.execute(
            "UPDATE appointment_slots SET day = ? WHERE slot_id LIKE 'DEMO-%'",
            (datetime.fromtimestamp(now, LOCAL_TZ).date().isoformat(),),
        )
        for n in range(1, 6):
            c.execute("UPDATE queue_tickets SET issued_at = ? WHERE ticket_id = ?", (_ahead_since(now) + n,
                                                                                      f"T-SEED-{n}"))


def _ahead_since(now: float) -> float:
    """When the seeded queue was issued: ten minutes ago, but never before today's midnight.

    Tickets count per hall day; seeded "ten minutes ago" just after midnight, they fell on
    yesterday and the demo queue was empty.
    """
    midnight = datetime.fromtimestamp(now, LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - 600, midnight.timestamp())


def _queue(c, now: float) -> None:  # type: ignore[no-untyped-def]
    for n in range(1, 6):
        c.execute(
            "INSERT INTO queue_tickets (ticket_id, number, service_code, window, window_en, issued_at)"
            " VALUES (?, ?, '440100-ZW-0903', '综合窗口 1-6号', 'General windows 1-6', ?)",
            (f"T-SEED-{n}", f"A{n:03d}", _ahead_since(now) + n),
        )


def _announcements(c, now: float) -> None:  # type: ignore[no-untyped-def]
    items = [
        (
            "A1",
            {"zh_CN": "系统维护通知", "en": "Maintenance notice"},
            {
                "zh_CN": "本周六 0:00-6:00 系统维护，期间查询业务暂停。",
                "en": "Queries are unavailable on Saturday 0:00-6:00 for maintenance.",
            },
            "important",
        ),
        (
            "A2",
            {"zh_CN": "城乡居民医保开始缴费", "en": "Residents' medical insurance: payment open"},
            {
                "zh_CN": "2027年度城乡居民医保个人缴费已开始，可在本机缴纳。",
                "en": "The 2027 residents' medical insurance contribution can be paid here.",
            },
            "normal",
        ),
    ]
    for aid, title, text, prio in items:
        body = {
            "announcement_id": aid,
            "title": title,
            "text": text,
            "priority": prio,
            "valid_from": _iso(now - 86400),
            "valid_until": _iso(now + 60 * 86400),
        }
        c.execute(
            "INSERT INTO announcements (announcement_id, json, valid_from, valid_until) VALUES (?, ?, ?, ?)",
            (aid, dumps(body), now - 86400, now + 60 * 86400),
        )


def _history(c, now: float) -> None:  # type: ignore[no-untyped-def]
    """Two settled orders from before, so audits and reports are not empty."""
    for n, (svc, amount, channel) in enumerate(
        [("440100-YBJ-0201", 38000, "wechat"), ("440100-SW-1001", 7420, "alipay")], start=1
    ):
        oid = f"O-SEED-{n}"
        items = [
            {
                "ref": "fee:0" if n == 1 else "SW-0100999999",
                "description": "",
                "description_en": "",
                "amount_fen": amount,
                "quantity": 1,
            }
        ]
        c.execute(
            "INSERT INTO orders (order_id, kiosk_id, service_code, items_json, amount_fen, status, mode, channel,"
            " receipt_code, created_at, expires_at, paid_at) VALUES (?, ?, ?, ?, ?, 'paid', 'scan', ?, ?, ?, ?, ?)",
            (
                oid,
                DEMO_KIOSK_ID,
                svc,
                dumps(items),
                amount,
                channel,
                f"R-SEED-{n}",
                now - 86400 * n,
                now - 86400 * n + 900,
                now - 86400 * n + 30,
            ),
        )
        c.execute(
            "INSERT INTO charges (charge_id, order_id, channel, code_hash, amount_fen, charged_at)"
            " VALUES (?, ?, ?, NULL, ?, ?)",
            (f"CH-SEED-{n}", oid, channel, amount, now - 86400 * n + 30),
        )

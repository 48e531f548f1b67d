"""What a citizen's queries show: social security, housing fund, property, credit, traffic.

Drawn from the seed's random generator citizen by citizen in a fixed order, so every
fresh database holds the same records; months and dates follow the day of seeding.
Traffic fines a citizen was told about are bills they can pay at the kiosk.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, timedelta

from reference_platform.seed.common import LOCAL_TZ, add_records, months_back
from reference_platform.seed.persons import Citizen

EMPLOYERS = ["广州市云帆信息技术有限公司", "广东粤海建设工程有限公司", "广州市第一人民医院", "南方华创商贸有限公司"]
TRAFFIC_FINE_SERVICE = "440100-JJ-0602"
OFFENCES = [
    ("机动车违反禁令标志指示", "Ignored a prohibition sign", 3, 20000),
    ("机动车在高速公路超过规定时速10%以上未达20%", "Speeding 10-20% on an expressway", 3, 20000),
    ("机动车违反规定停放", "Illegal parking", 0, 20000),
    ("驾驶机动车不按导向车道行驶", "Wrong lane", 2, 10000),
]


def seed_records(c: sqlite3.Connection, p: Citizen, rng: random.Random, today: date) -> None:
    months = months_back(today, 12)
    employer = rng.choice(EMPLOYERS)
    if p.employed:
        base = rng.choice([568000, 720000, 1050000, 1480000])
        add_records(c, p.person_id, "social_security", _contributions(p, months, employer, base))
        add_records(c, p.person_id, "housing_fund", _housing_fund(rng, months, employer, base))
    elif p.person_id == "P001":
        add_records(c, p.person_id, "social_security", _pension_paid(months))
    if p.card_type in ("resident", "hmt_residence_permit") and p.person_id not in ("P007",):
        add_records(c, p.person_id, "property", _properties(p, rng, today))
    add_records(c, p.person_id, "credit", _credit(p, rng, today))
    add_records(c, p.person_id, "traffic_violations", _traffic(c, p, rng, today))


def _contributions(p: Citizen, months: list[str], employer: str, base: int) -> list[dict]:
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
    return ss


def _housing_fund(rng: random.Random, months: list[str], employer: str, base: int) -> list[dict]:
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
    return list(reversed(hf))


def _pension_paid(months: list[str]) -> list[dict]:
    return [
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
    ]


def _properties(p: Citizen, rng: random.Random, today: date) -> list[dict]:
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
    return props


def _credit(p: Citizen, rng: random.Random, today: date) -> list[dict]:
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
    return credit


def _traffic(c: sqlite3.Connection, p: Citizen, rng: random.Random, today: date) -> list[dict]:
    """The citizen's traffic violations; each one handled is also a fine to pay (paid already for some)."""
    violations: list[dict] = []
    if p.person_id not in ("P002", "P004", "P006", "P009", "P011"):
        return violations
    plate = f"粤A{rng.choice('BCDEF')}{rng.randint(1000, 9999)}{rng.choice('KLMN')}"
    for n in range(rng.randint(1, 3)):
        text, text_en, points, fine = OFFENCES[(n + int(p.person_id[-1])) % len(OFFENCES)]
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
                (vid, TRAFFIC_FINE_SERVICE, p.person_id, f"交通违法罚款：{text}", f"Traffic fine: {text_en}", fine,
                 "HISTORIC" if paid else None),
            )
    return violations

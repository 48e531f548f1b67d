"""The scripted citizen visits ``kiosk demo`` drives through the real screens.

Plain data, no Kivy: each step is what a citizen (or the device in front of them)
does — press a button by its label, put a demo card on the reader, show a code to the
scanner, type into a field, wait for a screen. Labels are the Chinese ones; visits
that switch language press the language button first, as a citizen would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Step = tuple[str, ...]
"""("press", label) · ("card", person_id) · ("scan", code) · ("type", field, value) · ("wait", screen)
· ("lang",) · ("elder",) · ("paper", preset) · ("paper_mid_job",) · ("printer_ready",) · ("pay_qr",)
· ("pay_code",) (the citizen's phone shows a new payment code: they are single-use)
— see devtools/demo_driver.py."""


@dataclass(frozen=True)
class Visit:
    name: str
    steps: tuple[Step, ...]
    expect: str
    """The screen that proves the journey reached its goal."""
    tags: tuple[str, ...] = field(default_factory=tuple)
    tap_to_start: bool = True
    """False: the visit is started by its first step (a card or a code at the attract screen)."""


VISITS: tuple[Visit, ...] = (
    Visit("guide_without_identity", (
        ("wait", "home"), ("press", "不动产"), ("wait", "home.category"), ("press", "不动产登记信息查询"),
        ("wait", "guide"), ("press", "申请材料"), ("wait", "guide.materials"), ("press", "返回"),
        ("wait", "guide"),
    ), "guide"),
    Visit("query_social_security", (
        ("wait", "home"), ("press", "社保医保"), ("wait", "home.category"), ("press", "个人社会保险参保缴费查询"),
        ("wait", "guide"), ("press", "查询"), ("wait", "identify"), ("card", "P001"),
        ("wait", "identify.confirmed"), ("press", "继续"), ("wait", "query"), ("press", "打印查询结果"),
        ("wait", "query"), ("press", "完成"), ("wait", "rate"), ("press", "非常满意"), ("wait", "rate.thanks"),
    ), "rate.thanks"),
    Visit("english_elder_guide", (
        ("wait", "home"), ("lang",), ("elder",), ("wait", "home"), ("press", "Housing fund"),
        ("wait", "home.category"), ("press_first",), ("wait", "guide"),
    ), "guide", ("en", "elder")),
    Visit("my_cases_by_app_qr", (
        ("wait", "home"), ("press", "我的办件"), ("wait", "identify"), ("scan", "GZZW-APP-7d3f9a61c2e84b0f"),
        ("wait", "identify.confirmed"), ("press", "继续"), ("wait", "cases"),
    ), "cases"),
    Visit("apply_with_material_photo", (
        ("wait", "home"), ("press", "社保医保"), ("wait", "home.category"), ("press", "就业失业登记"),
        ("wait", "guide"), ("press", "apply"), ("wait", "identify"), ("card", "P001"),
        ("wait", "identify.confirmed"), ("press", "continue"), ("wait", "apply.form"),
        ("type", "status", "失业登记"), ("press", "next"), ("wait", "apply.materials"), ("press", "photo"),
        ("wait", "apply.materials"), ("press", "use"), ("wait", "apply.review"), ("press", "submit"),
        ("wait", "apply.receipt"), ("press", "print"), ("wait", "apply.receipt"), ("press", "done"),
        ("wait", "rate"), ("press", "满意"), ("wait", "rate.thanks"),
    ), "rate.thanks"),
    Visit("pay_by_payment_code", (
        ("wait", "home"), ("press", "便民缴费"), ("wait", "home.category"), ("press", "城乡居民基本医疗保险缴费"),
        ("wait", "guide"), ("press", "pay"), ("wait", "identify"), ("card", "P002"),
        ("wait", "identify.confirmed"), ("press", "continue"), ("wait", "pay"), ("press", "scan_code"),
        ("wait", "pay.scan"), ("pay_code",), ("wait", "pay.result"), ("press", "print"),
        ("wait", "pay.result"), ("press", "done"), ("wait", "rate"),
    ), "rate"),
    Visit("pay_by_showing_qr", (
        ("wait", "home"), ("press", "便民缴费"), ("wait", "home.category"), ("press", "城乡居民基本医疗保险缴费"),
        ("wait", "guide"), ("press", "pay"), ("wait", "identify"), ("card", "P003"),
        ("wait", "identify.confirmed"), ("press", "continue"), ("wait", "pay"), ("press", "show_qr"),
        ("wait", "pay.qr"), ("pay_qr",), ("wait", "pay.result"),
    ), "pay.result"),
    Visit("print_certificate", (
        ("wait", "home"), ("press", "证照打印"), ("wait", "home.category"), ("press", "电子证照打印"),
        ("wait", "guide"), ("press", "print"), ("wait", "identify"), ("card", "P001"),
        ("wait", "identify.confirmed"), ("press", "continue"), ("wait", "certificates"), ("press_first",),
        ("wait", "certificates.preview"), ("press", "print"), ("wait", "certificates.result"), ("press", "done"),
        ("wait", "rate"),
    ), "rate"),
    Visit("paper_out_mid_certificate", (
        ("wait", "home"), ("press", "证照打印"), ("wait", "home.category"), ("press", "电子证照打印"),
        ("wait", "guide"), ("press", "print"), ("wait", "identify"), ("card", "P002"),
        ("wait", "identify.confirmed"), ("press", "continue"), ("wait", "certificates"), ("press_first",),
        ("wait", "certificates.preview"), ("paper_mid_job",), ("press", "用凭条打印机打印"),
        ("wait", "certificates.result"), ("paper", "ok"), ("printer_ready",), ("press", "retry"),
        ("wait", "certificates.result"),
    ), "certificates.result"),
    Visit("queue_ticket", (
        ("wait", "home"), ("press", "预约排队"), ("wait", "home.category"), ("press", "现场排队取号"),
        ("wait", "guide"), ("press", "queue"), ("wait", "queue"), ("press", "take"), ("wait", "queue.ticket"),
    ), "queue.ticket"),
    Visit("check_in_by_appointment_code", (
        ("scan", "365021"), ("wait", "checkin.done"),
    ), "checkin.done", tap_to_start=False),
    Visit("bad_rating_asks_why", (
        ("wait", "home"), ("press", "预约排队"), ("wait", "home.category"), ("press", "现场排队取号"),
        ("wait", "guide"), ("press", "queue"), ("wait", "queue"), ("press", "take"), ("wait", "queue.ticket"),
        ("press", "done"), ("wait", "rate"), ("press", "不满意"), ("wait", "rate.reasons"),
        ("press", "办理时间长"), ("type", "contact", "13800138000"), ("press", "提交评价"), ("wait", "rate.thanks"),
    ), "rate.thanks"),
)

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
· ("lang",) · ("elder",) · ("paper", preset) · ("end",) — see kiosk/ui/demo_driver.py."""


@dataclass(frozen=True)
class Visit:
    name: str
    steps: tuple[Step, ...]
    expect: str
    """The screen that proves the journey reached its goal."""
    tags: tuple[str, ...] = field(default_factory=tuple)


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
    Visit("bad_rating_asks_why", (
        ("wait", "home"), ("press", "结束办理"), ("wait", "rate"), ("press", "不满意"), ("wait", "rate.reasons"),
        ("press", "办理时间长"), ("type", "contact", "13800138000"), ("press", "提交评价"), ("wait", "rate.thanks"),
    ), "rate.thanks"),
)

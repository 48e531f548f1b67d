"""The layout audit: it finds what it is meant to find (planted faults), passes a clean screen,
and over every screen of the demo, in every shape and mode, finds nothing."""

from __future__ import annotations

import time

import pytest

from screens.audit import contrast


def _kinds(findings) -> set[str]:
    return {f.kind for f in findings}


@pytest.fixture
def sandbox(kiosk_ui):
    """A window-sized float layout for planted widgets, kept off the window itself: the
    kiosk's own screens stay untouched (Kivy still lays it out and renders its labels)."""
    from kivy.uix.floatlayout import FloatLayout

    return FloatLayout(size=kiosk_ui.window.size)


def _audit(kiosk_ui, box, elder: bool = False):
    from screens.audit import audit

    kiosk_ui.frames(3)
    return audit(box, tuple(kiosk_ui.window.size), elder)


def test_contrast_ratio_matches_wcag_examples():
    assert contrast((0, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(21.0)
    assert contrast((0.467, 0.467, 0.467, 1), (1, 1, 1, 1)) == pytest.approx(4.48, abs=0.02)  # #777 on white


def test_a_clean_planted_screen_has_no_findings(kiosk_ui, sandbox):
    from screens.widgets import BigButton, WrapLabel

    label = WrapLabel("短的说明", "body", size_hint_x=None, pos=(20, 200), width=400)
    button = BigButton("继续", lambda: None, size_hint_x=None, pos=(20, 40), width=200)
    sandbox.add_widget(label)
    sandbox.add_widget(button)
    assert _audit(kiosk_ui, sandbox) == []


def test_it_catches_a_planted_overflow(kiosk_ui, sandbox):
    from kivy.uix.label import Label

    from screens.theme import THEME

    text = "这一行说明文字太长，放不进这个很窄的标签里"
    sandbox.add_widget(Label(text=text, font_size=30, color=THEME["text"], size_hint=(None, None),
                             size=(120, 40), pos=(20, 300)))
    findings = _audit(kiosk_ui, sandbox)
    assert "cut" in _kinds(findings), findings


def test_it_catches_a_small_target_and_elder_mode_needs_more(kiosk_ui, sandbox):
    from screens.widgets import BigButton

    small = BigButton("确定", lambda: None, size_hint_x=None, pos=(20, 40), width=50)
    sandbox.add_widget(small)
    assert [f.kind for f in _audit(kiosk_ui, sandbox) if f.kind != "wrap"] == ["target"]  # 确 / 定 as well
    small.width = 200  # 60 px high: enough in normal mode, not in elder mode
    assert _audit(kiosk_ui, sandbox) == []
    assert [f.kind for f in _audit(kiosk_ui, sandbox, elder=True)] == ["target"]


def test_it_catches_low_contrast_and_overlap_and_leaving_the_window(kiosk_ui, sandbox):
    from screens.widgets import WrapLabel

    w, _h = kiosk_ui.window.size
    dim = WrapLabel("看不清的字", "body", colour=(0.2, 0.25, 0.35, 1), size_hint_x=None, pos=(20, 500), width=300)
    first = WrapLabel("第一行", "body", size_hint_x=None, pos=(20, 300), width=300)
    second = WrapLabel("第二行", "body", size_hint_x=None, pos=(40, 305), width=300)
    off = WrapLabel("出界", "body", size_hint_x=None, pos=(w - 30, 100), width=200)
    for label in (dim, first, second, off):
        sandbox.add_widget(label)
    findings = _audit(kiosk_ui, sandbox)
    assert _kinds(findings) == {"contrast", "overlap", "outside"}, findings
    assert [f.widget for f in findings if f.kind == "contrast"] == ["WrapLabel('看不清的字')"]


def test_it_catches_a_torn_label_and_a_split_word(kiosk_ui, sandbox):
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    from screens.theme import THEME

    # a plain button wrapped where it falls: 凭回执码补 / 打
    torn = Button(text="凭回执码补打", font_size=30, size_hint=(None, None), size=(170, 120), pos=(20, 300),
                  text_size=(150, None), halign="center", background_color=(0.1, 0.2, 0.5, 1))
    split = Label(text="Verification", font_size=30, color=THEME["text"], size_hint=(None, None), size=(200, 120),
                  pos=(20, 500), text_size=(90, None))
    sandbox.add_widget(torn)
    sandbox.add_widget(split)
    findings = [f for f in _audit(kiosk_ui, sandbox) if f.kind == "wrap"]
    details = [f.detail.split(":")[0] for f in findings]
    assert details == ["its last line is the one character '打'", "a word is split"], findings


def test_it_catches_an_empty_band_under_the_content(kiosk_ui, sandbox):
    from kivy.uix.floatlayout import FloatLayout

    from screens.widgets import WrapLabel

    w, h = kiosk_ui.window.size
    region = FloatLayout(size_hint=(None, None), size=(w, h * 0.8), pos=(0, 0))
    region.audit_role = "content"
    label = WrapLabel("只有一行内容", "body", size_hint_x=None, width=400)
    region.add_widget(label)
    sandbox.add_widget(region)
    label.pos = (20, region.top - 60)
    assert [f.kind for f in _audit(kiosk_ui, sandbox)] == ["band"]
    label.pos = (20, 30)  # content reaching down to the bottom of its region
    assert _audit(kiosk_ui, sandbox) == []


def test_a_short_action_label_is_never_torn_in_elder_mode(kiosk_ui, sandbox):
    """An icon beside the words moves above them, then the type shrinks a little, before a word is torn;
    a sentence wraps to even lines (800x480 elder mode: 凭回执码补 / 打, 输入证件号码并核验人 / 脸)."""
    from kivy.metrics import dp

    from screens.widgets import BigButton, font

    char = font("body", 1.5)  # a Chinese character is about as wide as the type is large
    reprint = BigButton("凭回执码补打", lambda: None, "secondary", scale=1.5, icon="reprint", size_hint_x=None,
                        width=char * 6.6 + dp(24), pos=(20, 500))  # the words fit, the icon beside them not
    plain = BigButton("凭回执码补打", lambda: None, "secondary", scale=1.5, size_hint_x=None,
                      width=char * 5.5 + dp(24), pos=(20, 300))  # a little too narrow: smaller type
    sentence = BigButton("输入证件号码并核验人脸", lambda: None, "secondary", scale=1.5, size_hint_x=None,
                         width=char * 7 + dp(24), pos=(20, 20))  # two lines, six and five characters
    english = BigButton("Print on A4 (recommended, with seal)", lambda: None, "secondary", scale=1.5,
                        size_hint_x=None, width=char * 6 + dp(24), pos=(300, 20))  # even lines, no word split
    for b in (reprint, plain, sentence, english):
        sandbox.add_widget(b)
    findings = _audit(kiosk_ui, sandbox, elder=True)
    assert findings == [], findings
    assert reprint.text.split("\n")[-1] == "凭回执码补打"  # the icon on its own line above the words
    assert plain.font_size < font("body", 1.5) and len(plain._label._cached_lines) == 1
    assert [len("".join(w.text for w in line.words)) for line in sentence._label._cached_lines] == [6, 5]


def test_it_catches_faults_planted_in_a_real_screen(kiosk_ui):
    """The home screen as drawn passes; a squeezed tile, a dimmed title and a clipped heading are found."""
    from screens.audit import audit
    from screens.theme import THEME

    try:
        kiosk_ui.controller.act("start")
        kiosk_ui.wait_screen("home")
        journey = kiosk_ui.journey
        size = tuple(kiosk_ui.window.size)
        assert audit(kiosk_ui.root, size) == []
        tile = next(b for b in kiosk_ui.buttons() if b.action_id == "category")
        tile.size_hint_x = None
        tile.width = 40
        journey.title.color = (0.1, 0.15, 0.25, 1)
        heading = next(w for w in journey.body.walk(restrict=True) if getattr(w, "text", "") == "服务分类")
        heading.unbind(texture_size=heading._grow)
        heading.height = 6  # its text no longer fits
        kiosk_ui.frames(3)
        kinds = _kinds(audit(kiosk_ui.root, size))
        assert {"target", "cut", "contrast"} <= kinds, kinds
    finally:
        if "heading" in locals():
            heading.bind(texture_size=heading._grow)
        kiosk_ui.journey.title.color = THEME["accent"]
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)


def test_every_demo_screen_in_every_shape_and_mode_passes_the_audit(kiosk_ui, tmp_path):
    """The whole of ``kiosk demo`` with the layout matrix: 5 window sizes x (zh, en, elder mode)."""
    from devtools.demo_driver import run_demo
    from devtools.layout_audit import MODES, SHAPES, LayoutMatrix
    from kiosk.app import GC_AFTER_VISIT_S

    original = tuple(kiosk_ui.window.size)
    matrix = LayoutMatrix()
    started = time.perf_counter()
    try:
        summary = run_demo(kiosk_ui.app, tmp_path / "demo", inspect=matrix)
    finally:
        kiosk_ui.resize(original)
        # a between-visits collection still scheduled must not land in the next test's count
        kiosk_ui.wait(lambda: False, GC_AFTER_VISIT_S + 1)
    report = matrix.report()
    assert summary["ok"], [j for j in summary["journeys"] if j["outcome"] != "ok"]
    screens = report["screens"]
    assert {"attract", "home", "guide", "identify", "pay", "apply.form", "rate"} <= set(screens)
    assert report["checked"] == len(screens) * len(SHAPES) * len(MODES)
    assert report["findings"] == [], "\n".join(report["findings"][:30])
    print(f"layout audit: {report['checked']} layouts of {len(screens)} screens in "
          f"{time.perf_counter() - started:.0f} s")

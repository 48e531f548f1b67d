import gettext

import pytest

from kiosk import i18n


def test_english_catalogue_translates_and_chinese_is_identity():
    assert i18n.translator("en").gettext("请触摸屏幕开始办理") == "Touch the screen to start"
    assert i18n.translator("zh_CN").gettext("请触摸屏幕开始办理") == "请触摸屏幕开始办理"


def test_fallbacks_keep_chinese_visible():
    assert i18n.translator("en").gettext("没有这条翻译") == "没有这条翻译"
    assert i18n.translator("fr").gettext("长辈模式") == "长辈模式"


def test_set_language_switches_underscore_and_rejects_unknown():
    try:
        i18n.set_language("en")
        assert i18n._("长辈模式") == "Elder mode"
        with pytest.raises(ValueError):
            i18n.set_language("xx")
        assert i18n.current_language() == "en"
    finally:
        i18n.set_language("zh_CN")
    assert i18n._("长辈模式") == "长辈模式"


def test_compile_from_po_matches_committed_mo(tmp_path):
    import shutil

    src = i18n.LOCALE_DIR
    shutil.copytree(src, tmp_path / "locale")
    written = i18n.compile_catalogs(tmp_path / "locale")
    assert {p.parent.parent.name for p in written} == {"zh_CN", "en", "zh_TW"}
    for mo in written:
        rel = mo.relative_to(tmp_path / "locale")
        fresh = gettext.GNUTranslations(mo.open("rb"))
        committed = gettext.GNUTranslations((src / rel).open("rb"))
        drop = ""
        assert {k: v for k, v in fresh._catalog.items() if k != drop} == {
            k: v for k, v in committed._catalog.items() if k != drop}, f"{rel} stale: recompile"


def test_every_status_label_is_translated_in_english():
    from kiosk.devices.board import DEVICE_LABELS, STATE_LABELS

    en = i18n.translator("en")
    for zh in [*DEVICE_LABELS.values(), *STATE_LABELS.values()]:
        assert en.gettext(zh) != zh


# -- the catalogues against the source (devtools.i18n_extract) ----------------------------------
def _catalogue(lang: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale=lang) if m.id}


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[str]]:
    from devtools.i18n_extract import extract_messages

    found = extract_messages()
    assert len(found) > 300, "the extractor found almost nothing: wrong paths or keywords?"
    return found


def test_extraction_covers_kiosk_and_screens_but_not_the_reference_platform(extracted):
    files = {loc.rsplit(":", 1)[0] for locs in extracted.values() for loc in locs}
    assert {"screens/attract.py", "kiosk/services/forms.py", "kiosk/services/printing.py"} <= files
    assert not any(f.startswith(("reference_platform/", "tests/")) for f in files)


def test_every_extracted_message_has_english(extracted):
    en = _catalogue("en")
    missing = [m for m in extracted if not en.get(m, "").strip()]
    assert not missing, f"no English in en/kiosk.po (run python -m kiosk.i18n extract): {missing}"


def test_zh_cn_catalogue_has_every_message_as_itself(extracted):
    zh = _catalogue("zh_CN")
    assert [m for m in extracted if m not in zh] == []
    assert {m: t for m, t in zh.items() if t != m} == {}


def test_english_keeps_the_placeholders_of_the_chinese():
    from devtools.i18n_extract import placeholders

    wrong = {m: t for m, t in _catalogue("en").items() if t and placeholders(m) != placeholders(t)}
    assert wrong == {}
    assert (i18n.translator("en").gettext("剩余支付时间：{m} 分 {s:02d} 秒").format(m=4, s=5)
            == "Time left to pay: 4 min 05 s")


def test_no_chinese_left_in_english():
    from devtools.i18n_extract import CJK

    assert {m: t for m, t in _catalogue("en").items() if CJK.search(t)} == {}


def test_catalogues_hold_nothing_the_source_does_not_use(extracted):
    for lang in i18n.LANGUAGES:
        assert sorted(set(_catalogue(lang)) - set(extracted)) == [], f"{lang}: stale; extract --prune"


def test_dynamically_translated_labels_are_marked(extracted):
    """``_(TABLE[key])`` only works if every value of TABLE was extracted (marked with N_)."""
    from kiosk.devices.board import DEVICE_LABELS, STATE_LABELS
    from kiosk.journeys import guide, pay_views, queue

    tables = [guide.FORMS, guide.DELIVERY, guide.DEPTH, guide.CAPABILITY_ACTIONS, queue.APPOINTMENT_STATUS,
              pay_views.CHANNELS, DEVICE_LABELS, STATE_LABELS]
    en = i18n.translator("en")
    for table in tables:
        for zh in table.values():
            assert zh in extracted, zh
            assert en.gettext(zh) != zh, zh


def test_no_translation_call_hides_inside_an_f_string():
    from devtools.i18n_extract import hidden_calls

    assert hidden_calls() == []


def test_update_appends_new_ids_keeps_translations_and_prunes(tmp_path):
    import shutil

    from devtools.i18n_extract import read_po, update_catalogs

    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    en_po = locale / "en" / "LC_MESSAGES" / "kiosk.po"
    zh_po = locale / "zh_CN" / "LC_MESSAGES" / "kiosk.po"
    before = en_po.read_text(encoding="utf-8")
    messages = {"长辈模式": ["kiosk/journeys/controller.py:1"], "新的“提示”{n}": ["kiosk/journeys/new.py:3"]}

    report = update_catalogs(messages, locale, write=False)
    assert report.added == {"zh_CN": ["新的“提示”{n}"], "en": ["新的“提示”{n}"], "zh_TW": ["新的“提示”{n}"]}
    assert report.untranslated == ["新的“提示”{n}", "新的“提示”{n}"]  # no English, no Traditional text yet
    assert en_po.read_text(encoding="utf-8") == before  # write=False writes nothing

    report = update_catalogs(messages, locale)
    en, zh = read_po(en_po), read_po(zh_po)
    assert en.get("长辈模式").msgstr == "Elder mode"
    assert en.get("新的“提示”{n}").msgstr == "" and en.get("新的“提示”{n}").comments == ["# kiosk/journeys/new.py"]
    assert zh.get("新的“提示”{n}").msgstr == "新的“提示”{n}"
    assert en_po.read_text(encoding="utf-8").startswith(before.rstrip("\n"))  # only appended
    assert "请触摸屏幕开始办理" in report.stale["en"]

    again = update_catalogs(messages, locale)
    assert again.added == {"zh_CN": [], "en": [], "zh_TW": []}

    update_catalogs(messages, locale, prune=True)
    assert [e.msgid for e in read_po(en_po).entries] == ["长辈模式", "新的“提示”{n}"]
    written = i18n.compile_catalogs(locale)
    en_mo = next(p for p in written if p.parent.parent.name == "en")
    cat = gettext.GNUTranslations(en_mo.open("rb"))
    assert cat.gettext("长辈模式") == "Elder mode"
    assert cat.gettext("新的“提示”{n}") == "新的“提示”{n}"  # untranslated falls back to Chinese


def test_extract_check_is_clean_on_the_repository(capsys):
    from devtools.i18n_extract import main

    assert main(["extract", "--check"]) == 0, capsys.readouterr().out


def test_traditional_chinese_is_complete_and_the_opencc_conversion_of_the_source():
    """zh_TW (Hong Kong, Macau, Taiwan residents) has every message, in Traditional characters,
    exactly as devtools/i18n_traditional.py generates it from the Simplified ids."""
    tw = _catalogue("zh_TW")
    assert set(tw) == set(_catalogue("zh_CN")) and all(tw.values())
    assert tw["请触摸屏幕开始办理"] == "請觸摸屏幕開始辦理"
    pytest.importorskip("opencc")
    from devtools.i18n_traditional import converted

    assert {e.msgid: e.msgstr for e in converted()} == tw, "stale: python -m devtools.i18n_traditional"


def test_the_kiosk_speaks_traditional_chinese_when_chosen():
    i18n.set_language("zh_TW")
    try:
        assert i18n._("身份核验成功") == "身份核驗成功"
    finally:
        i18n.set_language("zh_CN")


UNMARKED_ALLOWED = {
    "kiosk/app.py": "the window title, seen by the window manager only",
    "kiosk/config.py": "the default centre name, configuration data",
    "kiosk/devices/demo_cards.py": "demo card data (issuing authorities), as printed on the card",
    "kiosk/journeys/apply.py": "a catalogue material name the platform sends, matched as data",
    "kiosk/journeys/pay.py": "the currency unit stripped from an amount typed",
    "kiosk/journeys/screen.py": "each language's name in itself (繁體中文 is never translated)",
    "kiosk/journeys/technician/mode.py": "the language name 中文 in the technician's language toggle",
    "kiosk/platform/contract/catalog.py": "zh_CN/en pairs shown through kiosk.i18n.pair (the contract imports no i18n)",
    "kiosk/platform/contract/feedback.py": "zh_CN/en pairs shown through kiosk.i18n.pair",
    "kiosk/platform/errors.py": "zh_CN/en pairs shown through kiosk.i18n.pair, like the platform's own messages",
    "kiosk/services/ime/pinyin.py": "words the candidate bar never offers",
    "kiosk/services/ime/search.py": "a sample word converted once to load the pinyin dictionaries ahead of use",
    "screens/warm.py": "glyphs rendered once to warm the font cache",
    "drivers/idreader/card.py": "ID card field values (sex, ethnicity) as the card encodes them",
    "drivers/idreader/sample_cards.py": "sample card data",
    "drivers/printer/doctor.py": "the bilingual printer self-test page for the technician",
    "drivers/printer/realtime.py": "zh_CN/en pairs shown through kiosk.i18n.pair (drivers import no kiosk)",
}
"""Files whose Chinese literals are data, not screen text the catalogues should hold, and why."""


def test_every_chinese_text_in_the_code_reaches_the_catalogue():
    """A Chinese literal outside ``_``/``N_`` is invisible to the extractor, so the catalogue-based
    checks above cannot see it missing (the camera's face prompts were such: English in zh_TW)."""
    from devtools.i18n_extract import unmarked_literals

    found = unmarked_literals()
    assert any(f.startswith("kiosk/platform/errors.py:") for f in found), "the scan finds nothing: broken?"
    stray = [f for f in found if f.split(":", 1)[0] not in UNMARKED_ALLOWED]
    assert stray == [], "mark these with _() or N_() (or name the file in UNMARKED_ALLOWED, with why):\n" + \
        "\n".join(stray)


def test_face_and_document_prompts_are_translated_in_every_language():
    from drivers.camera.capture import DocumentIssue
    from drivers.camera.face import FaceIssue
    from drivers.camera.liveness import Step, Turn
    from kiosk.journeys.apply_materials import DOCUMENT_PROMPTS
    from kiosk.journeys.face_check import FACE_PROMPTS, step_prompt

    assert set(FACE_PROMPTS) == set(FaceIssue) and set(DOCUMENT_PROMPTS) == set(DocumentIssue)
    en, tw = _catalogue("en"), _catalogue("zh_TW")
    for zh in [*FACE_PROMPTS.values(), *DOCUMENT_PROMPTS.values()]:
        assert en.get(zh, "").strip() and tw.get(zh, "").strip(), zh
    i18n.set_language("zh_TW")
    try:
        assert step_prompt(Step.FACE_CAMERA, Turn.LEFT, (FaceIssue.TOO_FAR,)) == "請靠近一些"
        assert step_prompt(Step.TURN, Turn.LEFT, ()) == "請慢慢向左轉頭"
    finally:
        i18n.set_language("zh_CN")


def test_platform_content_and_pairs_show_in_traditional_chinese():
    """The platform serves Simplified Chinese and English: zh_TW converts its Chinese for display."""
    from kiosk.journeys.base import pick
    from kiosk.platform.contract.feedback import RATING_LEVEL_LABELS, RatingLevel

    assert i18n.platform_text("社会保险个人参保证明打印", "zh_TW") == "社會保險個人參保證明打印"
    assert i18n.platform_text("社会保险", "zh_CN") == "社会保险"
    i18n.set_language("zh_TW")
    try:
        assert pick("住房公积金", "Housing fund") == "住房公積金"
        assert i18n.pair(RATING_LEVEL_LABELS[RatingLevel.DISSATISFIED]) == "不滿意"
    finally:
        i18n.set_language("zh_CN")
    assert pick("住房公积金", "Housing fund") == "住房公积金"
    i18n.set_language("en")
    try:
        assert pick("住房公积金", "Housing fund") == "Housing fund"
        assert i18n.pair(RATING_LEVEL_LABELS[RatingLevel.DISSATISFIED]) == "Dissatisfied"
    finally:
        i18n.set_language("zh_CN")


def test_without_opencc_platform_text_stays_simplified_and_says_why(monkeypatch, caplog):
    import builtins

    real_import = builtins.__import__

    def no_opencc(name, *a, **kw):
        if name == "opencc":
            raise ImportError("no opencc")
        return real_import(name, *a, **kw)

    i18n._opencc.cache_clear()
    i18n._traditional.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_opencc)
    try:
        assert i18n.platform_text("社会保险", "zh_TW") == "社会保险"
        assert "opencc is not installed" in caplog.text
    finally:
        monkeypatch.undo()
        i18n._opencc.cache_clear()
        i18n._traditional.cache_clear()

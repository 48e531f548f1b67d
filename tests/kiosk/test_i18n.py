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
    assert {p.parent.parent.name for p in written} == {"zh_CN", "en"}
    for mo in written:
        rel = mo.relative_to(tmp_path / "locale")
        fresh = gettext.GNUTranslations(mo.open("rb"))
        committed = gettext.GNUTranslations((src / rel).open("rb"))
        drop = ""
        assert {k: v for k, v in fresh._catalog.items() if k != drop} == {
            k: v for k, v in committed._catalog.items() if k != drop}, f"{rel} stale: recompile"


def test_every_status_label_is_translated_in_english():
    from kiosk.status import DEVICE_LABELS, STATE_LABELS

    en = i18n.translator("en")
    for zh in [*DEVICE_LABELS.values(), *STATE_LABELS.values()]:
        assert en.gettext(zh) != zh

"""Pinyin search keys through pypinyin's real dictionary."""

from __future__ import annotations

from kiosk.services.ime.search import matches, pinyin_keys


def test_keys_are_full_pinyin_and_initials():
    assert pinyin_keys("社保医保") == ("shebaoyibao", "sbyb")
    assert pinyin_keys("银行") == ("yinhang", "yh")  # the phrase reading, not 银xing


def test_matches_characters_full_pinyin_and_initials():
    names = ("社保医保",)
    for query in ("社保", "sb", "SB", "shebao", "she bao", "yibao"):
        assert matches(query, names), query
    for query in ("gjj", "住房", "xyz", "", "  "):
        assert not matches(query, names), query


def test_english_and_codes_match_as_text():
    assert matches("social", ("社保医保", "Social insurance"))
    assert matches("rsj-0101", ("个人社会保险参保缴费查询", "", "440100-RSJ-0101"))


def test_pypinyin_never_loads_in_the_kiosk_process():
    """Its dictionaries (0.8 s, 56 MB) are loaded by a short-lived child process that works out the keys."""
    import subprocess
    import sys

    code = ("import sys; import kiosk.services.ime.search as s; s.warm(['社保医保', '银行']).join(); "
            "print(s.matches('sbyb', ['社保医保']), s.matches('yinhang', ['银行']), s.matches('yx', ['银行']), "
            "'pypinyin' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True", "False", "False"]


def test_a_name_not_learnt_yet_is_learnt_when_searched():
    from kiosk.services.ime import search

    assert search.matches("jzzm", ["居住证明"])
    assert search._keys["居住证明"] == ("juzhuzhengming", "jzzm")
    assert search.warm(["居住证明"]) is None  # known: nothing to start

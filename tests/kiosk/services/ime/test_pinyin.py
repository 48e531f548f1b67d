"""librime through the ctypes binding, with Debian's real pinyin_simp dictionary (no mocks)."""

from __future__ import annotations

import pytest

from kiosk.services.ime import ImeUnavailable
from kiosk.services.ime.pinyin import PAGE_SIZE, RimeEngine, engine


@pytest.fixture
def session():
    s = engine().session()
    yield s
    s.close()


def type_keys(session, keys: str) -> list[str]:
    return [session.press(k).commit for k in keys]


def test_shebao_offers_shebao_and_the_pick_commits_it(session):
    assert type_keys(session, "shebao") == [""] * 6  # nothing committed while composing
    shown = session.composition()
    assert shown.preedit == "she bao"
    assert "社保" in shown.candidates and len(shown.candidates) <= PAGE_SIZE
    assert session.pick(shown.candidates.index("社保")) == "社保"
    assert not session.composition().composing


def test_initials_and_space_take_the_first_candidate(session):
    type_keys(session, "sb")
    first = session.composition().candidates[0]
    result = session.press("space")
    assert result.taken and result.commit == first and len(first) == 2


def test_candidates_are_paged(session):
    type_keys(session, "shi")
    page0 = session.composition()
    assert page0.page == 0 and not page0.last_page and len(page0.candidates) == PAGE_SIZE
    session.press("page_down")
    page1 = session.composition()
    assert page1.page == 1 and set(page1.candidates).isdisjoint(page0.candidates)
    session.press("page_up")
    assert session.composition().candidates == page0.candidates


def test_backspace_edits_the_pinyin_then_falls_through(session):
    type_keys(session, "sheb")
    session.press("backspace")
    assert session.composition().preedit == "she"
    session.press("backspace")
    session.press("backspace")
    assert session.press("backspace").taken  # the last letter goes
    assert not session.composition().composing
    assert not session.press("backspace").taken  # nothing to edit: the field deletes instead


def test_clear_forgets_the_pinyin(session):
    type_keys(session, "wang")
    session.clear()
    assert not session.composition().composing and session.composition().candidates == ()


def test_a_pick_outside_the_page_is_refused(session):
    type_keys(session, "a")
    with pytest.raises(ValueError):
        session.pick(PAGE_SIZE)


def test_nothing_typed_is_learned_on_disk(session):
    type_keys(session, "zhangsan")
    session.press("space")
    user_dir = engine().user_dir
    assert not [p for p in user_dir.rglob("*") if "userdb" in p.name]


def test_missing_dictionary_is_a_clear_error(tmp_path):
    with pytest.raises(ImeUnavailable, match="rime-data-pinyin-simp"):
        RimeEngine(tmp_path / "user", shared_dir=tmp_path)


def test_vulgar_words_are_never_offered_and_picks_still_land(session):
    type_keys(session, "sb")
    seen: list[str] = []
    for _page in range(4):
        shown = session.composition()
        assert len(shown.indices) == len(shown.candidates)
        seen += shown.candidates
        session.press("page_down")
    assert "傻逼" not in seen and "设备" in seen
    session.press("page_up")
    shown = session.composition()
    last = len(shown.candidates) - 1
    assert session.pick(shown.indices[last]) == shown.candidates[last]

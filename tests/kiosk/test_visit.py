from kiosk.visit import Identity, SessionHolder, remove_stale_visit_dirs


def _identity():
    return Identity("id_card", "tok", "11010519491231002X", "王小明", "110105********002X", "王*明")


def test_end_wipes_memory_and_temp_files():
    holder = SessionHolder()
    visit = holder.start()
    visit.identity = _identity()
    visit.form_values["phone"] = "13812341234"
    visit.photos["material"] = bytearray(b"jpegdata")
    photo = visit.photos["material"]
    tmp = visit.tmp_dir()
    (tmp / "preview.jpg").write_bytes(b"jpegdata")
    holder.end()
    assert holder.visit is None
    assert visit.identity is None and not visit.form_values and not visit.photos
    assert photo == bytearray(len(photo))  # zeroed in place, not just dropped
    assert not tmp.exists()


def test_starting_a_visit_wipes_the_previous_one():
    holder = SessionHolder()
    first = holder.start()
    first.identity = _identity()
    holder.start(language="en")
    assert first.identity is None and holder.visit.language == "en"


def test_stale_dirs_from_a_crash_are_removed():
    holder = SessionHolder()
    tmp = holder.start().tmp_dir()
    (tmp / "x").write_bytes(b"1")
    assert remove_stale_visit_dirs() >= 1
    assert not tmp.exists()

"""``kiosk.ops.layout``: editing kiosk.toml keeps everything it does not own; files are written only when changed."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from kiosk.ops.layout import prune_empty_dirs, set_toml_value, toml_string, write_file

DOC = """# comment
[kiosk]
id = "old"  # trailing
language = "zh_CN"

[platform]
url = ""
"""


def test_set_toml_value_replaces_inserts_and_appends() -> None:
    text = set_toml_value(DOC, "kiosk", "id", "new-id")
    text = set_toml_value(text, "kiosk", "site_name", "大厅 \"3\" \\ 号")
    text = set_toml_value(text, "platform", "url", "https://p.example")
    text = set_toml_value(text, "metrics", "host", "0.0.0.0")
    data = tomllib.loads(text)
    assert data["kiosk"] == {"id": "new-id", "language": "zh_CN", "site_name": "大厅 \"3\" \\ 号"}
    assert data["platform"] == {"url": "https://p.example"} and data["metrics"] == {"host": "0.0.0.0"}
    assert text.startswith("# comment\n[kiosk]\n")
    # The new key joins its own section, before the blank line that separates the next one.
    assert 'site_name = "大厅 \\"3\\" \\\\ 号"\n\n[platform]' in text
    assert set_toml_value(text, "kiosk", "id", "new-id") == text


def test_toml_string_round_trips_control_characters() -> None:
    for value in ["plain", "tab\there", "line\nbreak", "quote\"back\\slash", "\x01\x7f", "中文"]:
        assert tomllib.loads(f"v = {toml_string(value)}")["v"] == value


def test_a_file_is_written_once_with_its_mode_and_then_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "kiosk" / "secret"
    assert write_file(path, b"s3cret", 0o600) == "created"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_bytes() == b"s3cret"
    before = path.stat().st_mtime_ns
    assert write_file(path, b"s3cret", 0o600) == "unchanged"
    assert path.stat().st_mtime_ns == before
    os.chmod(path, 0o644)
    assert write_file(path, b"s3cret", 0o600) == "updated"  # the mode alone is put right
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert write_file(path, b"other", 0o600) == "updated"
    assert path.read_bytes() == b"other" and [p.name for p in path.parent.iterdir()] == ["secret"]


def test_empty_folders_are_pruned_up_to_the_root_only(tmp_path: Path) -> None:
    deep = tmp_path / "etc" / "kiosk"
    deep.mkdir(parents=True)
    (tmp_path / "etc" / "keep").write_text("x")
    prune_empty_dirs(deep, tmp_path)
    assert not deep.exists() and (tmp_path / "etc").is_dir() and tmp_path.is_dir()

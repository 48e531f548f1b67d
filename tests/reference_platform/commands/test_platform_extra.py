"""Without the ``platform`` extra, the platform's commands say what to install instead of a traceback."""

from __future__ import annotations

import importlib.util

import pytest

from kiosk import cli

find_spec = importlib.util.find_spec


@pytest.mark.parametrize("argv", [["platform", "serve", "--port", "0"], ["platform", "openapi", "--out", "-"]])
def test_a_missing_extra_is_named_with_the_install_command(monkeypatch, capsys, argv: list[str]) -> None:
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "fastapi" else find_spec(name, *a))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "`platform` extra" in err and "fastapi" in err and "pip install 'gov-kiosk[platform]'" in err
    assert "uvicorn" not in err  # only what is really missing

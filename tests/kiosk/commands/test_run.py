import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.commands.run import display_problem

ROOT = Path(__file__).resolve().parents[3]


def _run(args, env_update, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_update)
    return subprocess.run([sys.executable, "-m", "kiosk", "run", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_display_detection():
    assert display_problem({}) is not None
    assert display_problem({"DISPLAY": ":1"}) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}) is None
    assert display_problem({"SDL_VIDEODRIVER": "kmsdrm"}) is None
    assert display_problem({"SDL_VIDEODRIVER": "x11"}) is not None


def test_no_display_prints_how_to_use_a_virtual_display_and_fails():
    res = _run(["--demo"], {"KIOSK_CONFIG": ""}, drop=("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"))
    assert res.returncode == 3
    assert "no display" in res.stderr and "xvfb-run" in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_config_exits_2_with_the_key(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[display]\nmax_fps = 5\n", encoding="utf-8")
    res = _run(["--config", str(bad)], {})
    assert res.returncode == 2
    assert "display.max_fps" in res.stderr


def test_config_is_read_before_or_after_the_command_name(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[display]\nmax_fps = 5\n", encoding="utf-8")
    no_display = ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")  # a config ignored exits 3, not hanging in a UI
    env = {**{k: v for k, v in os.environ.items() if k not in no_display}, "KIOSK_CONFIG": ""}
    before = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(bad), "run"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert before.returncode == 2 and "display.max_fps" in before.stderr
    other = tmp_path / "other.toml"
    other.write_text("[display]\nmax_fps = 4\n", encoding="utf-8")
    both = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(bad), "run", "--config", str(other)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert both.returncode == 2 and str(other) in both.stderr  # the nearer one wins


def test_sigterm_stops_the_app_on_its_main_loop():
    from kiosk.commands.run import stop_on_sigterm

    posted = []
    before = signal.getsignal(signal.SIGTERM)
    try:
        stop_on_sigterm(lambda: posted.append("stopped"), lambda fn: (posted.append("posted"), fn()))
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):  # the handler runs between bytecodes of the main thread
            if posted:
                break
            time.sleep(0.01)
    finally:
        signal.signal(signal.SIGTERM, before)
    assert posted == ["posted", "stopped"]


NO_DISPLAY = ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")
"""Dropped so a kiosk that wrongly got past its configuration exits 3 instead of opening a window."""


def test_no_configuration_is_an_error_not_a_demo(tmp_path, monkeypatch):
    """Without --demo a missing file is exit 2 with what to do, a red unit and a status line."""
    monkeypatch.setattr("kiosk.config.DEFAULT_PATH", tmp_path / "absent.toml")
    import socket

    from kiosk.cli import main

    sock_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(sock_path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(sock_path))
        monkeypatch.delenv("KIOSK_CONFIG", raising=False)
        assert main(["run"]) == 2
        sock.settimeout(2)
        status = sock.recv(4096).decode()
    assert status.startswith("STATUS=configuration error:") and "no configuration file" in status


def test_a_configuration_with_demo_fallbacks_is_refused_without_demo(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text("[kiosk]\nsite_name = \"x\"\n", encoding="utf-8")
    res = _run(["--config", str(cfg)], {}, drop=NO_DISPLAY)
    assert res.returncode == 2, res.stderr
    for key in ("platform.url", "kiosk.secret_file", "devices.printer.backend", "devices.idreader.backend"):
        assert key in res.stderr
    demo = _run(["--demo", "--config", str(cfg)], {}, drop=NO_DISPLAY)
    assert demo.returncode == 3  # accepted: it went on to look for a display


def test_a_field_configuration_passes(tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(b"s" * 32)
    cfg = tmp_path / "kiosk.toml"
    devices = "".join(f'[devices.{n}]\nbackend = "none"\n' for n in ("idreader", "scanner", "printer", "a4printer",
                                                                        "camera"))
    cfg.write_text(f'[kiosk]\nsecret_file = "{secret}"\n[platform]\nurl = "https://p.example"\n{devices}',
                   encoding="utf-8")
    res = _run(["--config", str(cfg)], {}, drop=NO_DISPLAY)
    assert res.returncode == 3, res.stderr
@pytest.mark.ui
def test_full_screen_covers_a_landscape_panel(tmp_path):
    """Configured for a 1080x1920 totem, run on a 1920x1080 panel without a window manager:
    the window covers the whole panel (it drew a 1080-wide strip) and the screens lay
    themselves out for it."""
    import shutil

    from PIL import Image

    if not shutil.which("xvfb-run"):
        pytest.skip("needs xvfb-run")
    shot = tmp_path / "attract.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "KIVY_HOME")}
    res = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24 +extension GLX", sys.executable, "-m",
                          "kiosk", "run", "--demo", "--screenshot", str(shot)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    saved = [Path(line.split(": ", 1)[1]) for line in res.stdout.splitlines() if line.startswith("screenshot: ")]
    assert saved, res.stderr[-2000:]
    image = Image.open(saved[0]).convert("L")
    assert image.size == (1920, 1080)
    right = image.crop((1400, 0, 1920, 1080))
    assert right.getextrema()[0] > 5, "the right part of the panel is black: nothing drawn there"

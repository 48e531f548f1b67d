"""The installed artifact: a non-editable install of the wheel without the ``platform``
extra runs ``kiosk run`` against a platform started from a second install with it.

Nothing here imports from the checkout: the wheel is built from a copy of the tree, both
virtual environments are fresh (no system site-packages), and both installs run from a
working directory outside the checkout with no PYTHONPATH. The dependencies come from
pip's cache (warm after scripts/bootstrap.sh), so the module takes about a minute.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.platform.contract.demo import DEMO_KIOSK_ID
from kiosk.platform.process import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "kiosk", "drivers", "screens", "reference_platform", "devtools",
           "assets", "systemd")
DATA_FILES = (
    "assets/theme/theme.json",
    "assets/locale/zh_CN/LC_MESSAGES/kiosk.mo",
    "assets/locale/en/LC_MESSAGES/kiosk.mo",
    "assets/demo/citizens.json",
    "systemd/kiosk.toml.example",
    "screens/attract.kv",
    "reference_platform/console/templates/base.html",
    "reference_platform/console/static/console.css",
)


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without anything pointing at the checkout or another config."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KIOSK_CONFIG", "VIRTUAL_ENV")}
    return {**env, "PYTHONNOUSERSITE": "1", **extra}


@dataclass
class Installs:
    wheel: Path
    kiosk: Path
    """venv with the wheel alone."""
    platform: Path
    """venv with the wheel and its ``platform`` extra."""
    outside: Path
    """A working directory outside the checkout."""

    def run(self, venv: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=self.outside, env=clean_env(),
                              capture_output=True, text=True, timeout=timeout)


def _venv(path: Path, requirement: str, env: dict[str, str]) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, env=env, timeout=120)
    done = subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "-q", requirement], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return path


@pytest.fixture(scope="module")
def installs(tmp_path_factory: pytest.TempPathFactory) -> Installs:
    base = tmp_path_factory.mktemp("installed")
    outside = base / "cwd"
    outside.mkdir()
    assert not outside.resolve().is_relative_to(ROOT)
    env = clean_env()
    tree = base / "tree"
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tree / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            tree.mkdir(exist_ok=True)
            shutil.copy2(src, tree / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(tree), "-w", str(base)],
                           cwd=outside, env=env, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = base.glob("gov_kiosk-*.whl")
    with ThreadPoolExecutor(2) as pool:
        kiosk = pool.submit(_venv, base / "kiosk-venv", str(wheel), env)
        platform = pool.submit(_venv, base / "platform-venv", f"{wheel}[platform]", env)
        return Installs(wheel, kiosk.result(), platform.result(), outside)


def test_the_wheel_carries_its_data(installs: Installs) -> None:
    names = set(zipfile.ZipFile(installs.wheel).namelist())
    assert set(DATA_FILES) <= names, sorted(set(DATA_FILES) - names)
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


def test_the_kiosk_install_has_no_platform_and_says_so(installs: Installs) -> None:
    probe = installs.run(installs.kiosk, "python", "-c",
                         "import importlib.util as u; print(u.find_spec('fastapi'), u.find_spec('uvicorn'))")
    assert probe.stdout.split() == ["None", "None"], probe.stdout + probe.stderr
    serve = installs.run(installs.kiosk, "kiosk", "platform", "serve", "--port", "0")
    assert serve.returncode == 2
    assert "`platform` extra" in serve.stderr and "gov-kiosk[platform]" in serve.stderr
    assert "Traceback" not in serve.stderr


def test_demo_mode_without_the_extra_says_what_to_install(installs: Installs) -> None:
    """No platform URL: the kiosk would start the reference platform, which this install lacks."""
    cfg = installs.outside / "demo.toml"
    cfg.write_text(f'[kiosk]\nstate_dir = "{installs.outside / "demo-state"}"\n[speech]\nenabled = false\n'
                   '[metrics]\nenabled = false\n', encoding="utf-8")
    with display() as screen:
        env = clean_env(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_HOME=str(installs.outside / "kivy"), **screen)
        res = subprocess.run([str(installs.kiosk / "bin" / "kiosk"), "--config", str(cfg), "run", "--demo"],
                             cwd=installs.outside, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2, res.stderr
    assert "`platform` extra" in res.stderr and "gov-kiosk[platform]" in res.stderr
    assert "Traceback" not in res.stderr, res.stderr


def site_packages(venv: Path) -> Path:
    [path] = venv.glob("lib/python3*/site-packages")
    return path


@pytest.fixture
def platform(installs: Installs) -> Iterator[tuple[str, Path, Path]]:
    """``kiosk platform serve`` from the platform install; yields its URL, database and log."""
    port = free_port()
    db, log = installs.outside / "platform.sqlite3", installs.outside / "platform.log"
    with log.open("wb") as out:
        cmd = [str(installs.platform / "bin" / "kiosk"), "platform", "serve", "--demo",
               "--port", str(port), "--db", str(db)]
        proc = subprocess.Popen(cmd, cwd=installs.outside, env=clean_env(), stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the platform did not answer: " + log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(url + "/openapi.json", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        yield url, db, log
    finally:
        proc.terminate()
        proc.wait(30)


@contextlib.contextmanager
def display() -> Iterator[dict[str, str]]:
    """The inherited DISPLAY (scripts/test.sh starts Xvfb), else a private Xvfb."""
    if os.environ.get("DISPLAY"):
        yield {}
        return
    assert shutil.which("Xvfb"), "no DISPLAY and no Xvfb (scripts/bootstrap.sh installs it)"
    n = next(n for n in range(200, 260) if not Path(f"/tmp/.X11-unix/X{n}").exists()
             and not Path(f"/tmp/.X{n}-lock").exists())
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x1024x24", "-ac", "+extension", "GLX",
                             "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                break
            time.sleep(0.05)
        yield {"DISPLAY": f":{n}"}
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def heartbeat(db: Path) -> str | None:
    with sqlite3.connect(db) as c:
        row = c.execute("SELECT last_heartbeat FROM kiosks WHERE kiosk_id = ?", (DEMO_KIOSK_ID,)).fetchone()
    return row[0] if row else None


def wait_for(what: str, done: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while not done():
        assert proc.poll() is None, f"the kiosk exited before {what}: " + log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"no {what}: " + log.read_text(errors="replace")
        time.sleep(0.3)


def test_kiosk_run_from_the_wheel_talks_to_the_platform_install(installs: Installs, platform) -> None:
    url, db, platform_log = platform
    assert heartbeat(db) is None
    metrics_port = free_port()
    cfg = installs.outside / "kiosk.toml"
    cfg.write_text(f"""
[kiosk]
state_dir = "{installs.outside / 'state'}"

[platform]
url = "{url}"

[display]
fullscreen = false
width = 540
height = 960

[metrics]
enabled = true
port = {metrics_port}

[speech]
enabled = false
""", encoding="utf-8")

    where = installs.run(installs.kiosk, "python", "-c",
                         "import kiosk, drivers, screens; print(kiosk.__file__, drivers.__file__, screens.__file__)")
    for module in where.stdout.split():
        assert Path(module).is_relative_to(site_packages(installs.kiosk)), where.stdout + where.stderr

    log = installs.outside / "kiosk.log"
    with display() as screen:
        env = clean_env(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_HOME=str(installs.outside / "kivy"), **screen)
        with log.open("wb") as out:
            kiosk = subprocess.Popen([str(installs.kiosk / "bin" / "kiosk"), "run", "--demo", "--config", str(cfg)],
                                     cwd=installs.outside, env=env, stdout=out, stderr=out)
        try:
            wait_for("heartbeat", lambda: heartbeat(db) is not None, kiosk, log)
            wait_for("window", lambda: "Start application main loop" in log.read_text(errors="replace"), kiosk, log)
            wait_for("attract screen data",
                     lambda: "GET /v1/announcements" in platform_log.read_text(errors="replace"), kiosk, log)
            def metrics() -> str:
                with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as resp:
                    return resp.read().decode()

            assert f'kiosk_id="{DEMO_KIOSK_ID}"' in metrics()
            # The emulated reader comes online after its own handshake, which a loaded machine can finish
            # after the attract screen's first requests: wait for it, and show its state if it never comes.
            online = 'kiosk_device_state{device="idreader",state="online"} 1.0'
            try:
                wait_for("the ID reader online", lambda: online in metrics(), kiosk, log)
            except AssertionError:
                states = [line for line in metrics().splitlines() if line.startswith("kiosk_device_state")]
                raise AssertionError("\n".join(states)) from None
        finally:
            kiosk.send_signal(signal.SIGTERM)
            try:
                kiosk.wait(15)  # systemd's TimeoutStopSec is 20
            finally:
                kiosk.kill()
    text = log.read_text(errors="replace")
    assert kiosk.returncode == 0, text  # stopped cleanly: the app, then the runtime
    assert "SIGTERM: stopping" in text
    assert "Traceback" not in text, text
    assert "POST /v1/heartbeat" in platform_log.read_text(errors="replace")  # signed with the demo secret

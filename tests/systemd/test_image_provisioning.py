"""First-boot provisioning of the image from system credentials, and the site's update server.

The two helper scripts run by kiosk-config-dir.service and kiosk-update-source.service
(systemd/image/mkosi.extra/usr/lib/kiosk/), run here on temporary directories.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXTRA = REPO / "systemd/image/mkosi.extra"
HELPERS = EXTRA / "usr/lib/kiosk"
UNITS = EXTRA / "usr/lib/systemd/system"


def run(script: str, *args: str, creds: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"]}
    if creds is not None:
        env["CREDENTIALS_DIRECTORY"] = str(creds)
    return subprocess.run([str(HELPERS / script), *args], capture_output=True, text=True, env=env, timeout=30)


def test_update_source_points_every_transfer_at_the_site_server(tmp_path: Path) -> None:
    url_file = tmp_path / "update-url"
    url_file.write_text("http://10.0.2.2:8000/kiosk/\n")
    out = tmp_path / "run/sysupdate.d"
    res = run("update-source", str(url_file), str(EXTRA / "usr/lib/sysupdate.d"), str(out))
    assert res.returncode == 0, res.stderr
    for original in sorted((EXTRA / "usr/lib/sysupdate.d").glob("*.conf")):
        copied = (out / original.name).read_text()
        assert "Path=http://10.0.2.2:8000/kiosk/" in copied and "example.gov.cn" not in copied
        # Only the source moves: the targets (a partition, /EFI/Linux) stay what they were.
        targets = [ln for ln in original.read_text().splitlines() if ln.startswith("Path=") and "://" not in ln]
        assert targets and all(t in copied.splitlines() for t in targets)


@pytest.mark.parametrize("url", ["ftp://host/", "http://host/no-slash", ""])
def test_update_source_refuses_a_bad_url(tmp_path: Path, url: str) -> None:
    url_file = tmp_path / "update-url"
    url_file.write_text(url + "\n")
    res = run("update-source", str(url_file), str(EXTRA / "usr/lib/sysupdate.d"), str(tmp_path / "out"))
    assert res.returncode == 1 and "must hold one http(s) URL" in res.stderr
    assert not (tmp_path / "out").exists()


def test_import_without_credentials_changes_nothing(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    dest = tmp_path / "kiosk-config"
    dest.mkdir()
    assert run("import-credentials", str(dest), creds=creds).returncode == 0
    assert run("import-credentials", str(dest)).returncode == 0
    assert list(dest.iterdir()) == []


def test_import_keeps_a_provisioned_kiosk(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "kiosk-config.toml").write_text("[kiosk]\nid = \"new\"\n")
    (creds / "kiosk-config.secret").write_text("new-secret\n")
    dest = tmp_path / "kiosk-config"
    dest.mkdir()
    (dest / "kiosk.toml").write_text("[kiosk]\nid = \"old\"\n")
    res = run("import-credentials", str(dest), creds=creds)
    assert res.returncode == 0 and "already holds a configuration" in res.stdout
    assert (dest / "kiosk.toml").read_text() == "[kiosk]\nid = \"old\"\n" and not (dest / "secret").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="install -o needs root")
def test_import_writes_config_secret_and_update_url(tmp_path: Path) -> None:
    try:
        pwd.getpwnam("kiosk")
    except KeyError:
        pytest.skip("no kiosk user on this machine (the image has one)")
    creds = tmp_path / "creds"
    creds.mkdir()
    for name, text in (("kiosk-config.toml", "[kiosk]\n"), ("kiosk-config.secret", "s\n"),
                       ("kiosk-config.update-url", "https://u/\n")):
        (creds / name).write_text(text)
    dest = tmp_path / "kiosk-config"
    dest.mkdir()
    assert run("import-credentials", str(dest), creds=creds).returncode == 0
    assert oct((dest / "secret").stat().st_mode & 0o777) == "0o600"
    assert oct((dest / "kiosk.toml").stat().st_mode & 0o777) == "0o640"
    assert (dest / "update-url").read_text() == "https://u/\n"


def test_units_run_the_helpers_on_the_names_they_handle() -> None:
    config_dir = (UNITS / "kiosk-config-dir.service").read_text()
    assert "ImportCredential=kiosk-config.*" in config_dir
    assert "ExecStart=/usr/lib/kiosk/import-credentials /var/lib/kiosk-config" in config_dir
    helper = (HELPERS / "import-credentials").read_text()
    for name in ("kiosk-config.toml", "kiosk-config.secret", "kiosk-config.update-url", "kiosk-config.boot-ok.env"):
        assert f'"$creds/{name}"' in helper and name in config_dir, name
    source = (UNITS / "kiosk-update-source.service").read_text()
    exec_start = "ExecStart=/usr/lib/kiosk/update-source /etc/kiosk/update-url /usr/lib/sysupdate.d /run/sysupdate.d"
    assert exec_start in source
    assert "Before=sysinit.target systemd-sysupdate.service" in source
    assert "EnvironmentFile=-/etc/kiosk/boot-ok.env" in (REPO / "systemd/kiosk-boot-ok.service").read_text()
    assert all(os.access(p, os.X_OK) for p in HELPERS.iterdir())

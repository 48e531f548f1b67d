"""scripts/build-image's signing half: a key made once, trusted by the image, signing SHA256SUMS
the way systemd-sysupdate verifies it (gpg against /etc/systemd/import-pubring.gpg)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts/build-image"
IMAGE = REPO / "systemd/image"

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg not installed")


def build(tmp: Path, out: Path, keys: str = "keys") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), "--keys", str(tmp / keys), "--pubring", str(tmp / "pubring.gpg"),
                           "--sign-only", str(out)], capture_output=True, text=True, timeout=120)


def sysupdate_verify(tmp: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """What systemd-pull runs: gpg with only the image's keyring, on a fresh home."""
    home = tmp / "verifier"
    home.mkdir(mode=0o700, exist_ok=True)
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--no-default-keyring", "--keyring",
                           str(tmp / "pubring.gpg"), "--verify", "SHA256SUMS.gpg", "SHA256SUMS"],
                          cwd=out, capture_output=True, text=True, timeout=60)


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    out = tmp_path / "mkosi.output"
    out.mkdir()
    (out / "kiosk_1.2.3.root-x86-64.raw").write_bytes(b"root" * 1000)
    (out / "kiosk_1.2.3.efi").write_bytes(b"uki" * 1000)
    (out / "kiosk_1.2.3.raw").write_bytes(b"whole disk, not an update artifact")
    return out


def test_signed_sums_verify_with_the_key_the_image_trusts(tmp_path: Path, artifacts: Path) -> None:
    res = build(tmp_path, artifacts)
    assert res.returncode == 0, res.stderr
    sums = (artifacts / "SHA256SUMS").read_text()
    assert "kiosk_1.2.3.root-x86-64.raw" in sums and "kiosk_1.2.3.efi" in sums and "kiosk_1.2.3.raw\n" not in sums
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=artifacts, capture_output=True).returncode == 0
    assert sysupdate_verify(tmp_path, artifacts).returncode == 0


def test_a_changed_sums_file_or_another_key_is_refused(tmp_path: Path, artifacts: Path) -> None:
    assert build(tmp_path, artifacts).returncode == 0
    good = (artifacts / "SHA256SUMS").read_text()
    (artifacts / "SHA256SUMS").write_text(good.replace("kiosk_1.2.3.efi", "kiosk_9.9.9.efi"))
    assert sysupdate_verify(tmp_path, artifacts).returncode != 0
    trusted = (tmp_path / "pubring.gpg").read_bytes()
    assert build(tmp_path, artifacts, keys="someone-else").returncode == 0  # signs with a new key ...
    (tmp_path / "pubring.gpg").write_bytes(trusted)  # ... the image still trusts the first
    assert sysupdate_verify(tmp_path, artifacts).returncode != 0


def test_the_key_is_made_once(tmp_path: Path, artifacts: Path) -> None:
    assert build(tmp_path, artifacts).returncode == 0
    first = (tmp_path / "pubring.gpg").read_bytes()
    again = build(tmp_path, artifacts)
    assert again.returncode == 0 and "generating" not in again.stderr
    assert (tmp_path / "pubring.gpg").read_bytes() == first


def test_the_image_carries_what_verification_needs() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    assert 'pubring="$image/mkosi.extra/etc/systemd/import-pubring.gpg"' in script
    assert "mkosi.extra/etc/systemd/import-pubring.gpg" in (IMAGE / ".gitignore").read_text(encoding="utf-8")
    for conf in (IMAGE / "mkosi.extra/usr/lib/sysupdate.d").iterdir():
        assert conf.suffix == ".conf", conf  # systemd 254 reads sysupdate.d/*.conf only
        assert "Verify=yes" in conf.read_text(encoding="utf-8")

"""The booted image, its boot entry, and a rollback told from the ESP and from the kiosk's own record."""

from __future__ import annotations

from pathlib import Path

from kiosk.ops.image import booted_entry, image_state, newer

ENTRY_VAR = bytes(4) + "kiosk_1.3+2-1.efi\0".encode("utf-16-le")


def tree(tmp: Path, version: str, esp_files: tuple[str, ...] = ()) -> dict:
    release = tmp / "os-release"
    release.write_text(f'ID=debian\nIMAGE_ID=kiosk\nIMAGE_VERSION="{version}"\n', encoding="utf-8")
    entry = tmp / "LoaderEntrySelected"
    entry.write_bytes(bytes(4) + f"kiosk_{version}.efi\0".encode("utf-16-le"))
    esp = tmp / "esp"
    esp.mkdir(exist_ok=True)
    for name in esp_files:
        (esp / name).touch()
    return {"release": release, "entry": entry, "esp": (esp,), "listing": tmp / "no-listing"}


def test_versions_order_like_systemd() -> None:
    assert newer("1.10", "1.9") and newer("2", "1.99") and not newer("1.2", "1.2") and newer("1.2", "")
    assert not newer("", "1.0")


def test_booted_entry_drops_the_tries_counter(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.write_bytes(ENTRY_VAR)
    assert booted_entry(var) == "kiosk_1.3.efi"
    assert booted_entry(tmp_path / "absent") == ""


def test_a_failed_newer_entry_on_the_esp_is_a_rollback(tmp_path: Path) -> None:
    state = image_state(tmp_path, **tree(tmp_path, "1.2", ("kiosk_1.2.efi", "kiosk_1.3+0-3.efi")))
    assert state.version == "1.2" and state.slot == "kiosk_1.2.efi"
    assert state.rolled_back and state.newest_attempted == "1.3"


def test_an_entry_with_tries_left_is_not_a_rollback(tmp_path: Path) -> None:
    state = image_state(tmp_path, **tree(tmp_path, "1.2", ("kiosk_1.2.efi", "kiosk_1.3+2-1.efi")))
    assert not state.rolled_back


def test_having_started_a_newer_image_before_is_a_rollback(tmp_path: Path) -> None:
    boot = tmp_path / "boot"
    boot.mkdir()
    assert not image_state(tmp_path, **tree(boot, "1.3")).rolled_back
    assert image_state(tmp_path, **tree(boot, "1.2")).rolled_back  # 1.3 was started here, now 1.2
    assert not image_state(tmp_path, **tree(boot, "1.4")).rolled_back  # a newer update came up


def test_a_development_machine_has_no_image(tmp_path: Path) -> None:
    state = image_state(tmp_path, release=tmp_path / "none", entry=tmp_path / "none", esp=(), listing=tmp_path / "none")
    assert state.version == "" and not state.rolled_back


def test_a_failed_entry_in_the_boot_time_listing_is_a_rollback(tmp_path: Path) -> None:
    """The app cannot read the root-only ESP; kiosk-boot-entries.service lists its entries in /run."""
    paths = tree(tmp_path, "1.2")
    paths["esp"][0].chmod(0)  # as unreadable as the real one is to the kiosk user
    paths["listing"].write_text("kiosk_1.2.efi\nkiosk_1.3+0-3.efi\n", encoding="utf-8")
    state = image_state(tmp_path, **paths)
    assert state.rolled_back and state.newest_attempted == "1.3"
    paths["listing"].write_text("kiosk_1.2.efi\nkiosk_1.3+1-2.efi\n", encoding="utf-8")
    assert not image_state(tmp_path, **paths).rolled_back

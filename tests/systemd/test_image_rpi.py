"""The Raspberry Pi image recipe (systemd/image-rpi/, scripts/build-image-rpi) hangs together.

The build itself (a Debian arm64 tree under qemu-user, several minutes to an hour) is not
run here; ``scripts/check-image-rpi`` checks a built image (docs/image.md). These tests
check what would make a Pi not boot, or an A/B switch boot the wrong slot, silently:

* the real ``systemd-repart`` lays out the image and then the first boot's partitions,
  and the partition numbers autoboot.txt names (2 for slot A's boot partition, 4 for
  slot B's) are the ones it makes;
* the image carries the x86 image's payload, with the Pi's boot route instead of its own;
* the checker's readers of config.txt / cmdline.txt / autoboot.txt refuse what a Pi
  would not boot.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.systemd.test_image import IMAGE, MKOSI, VERSION, layout_only, repart

REPO = Path(__file__).resolve().parents[2]
RPI = REPO / "systemd/image-rpi"
EXTRA = RPI / "extra"


def _checker():
    loader = importlib.machinery.SourceFileLoader("check_image_rpi", str(REPO / "scripts/check-image-rpi"))
    spec = importlib.util.spec_from_loader("check_image_rpi", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


check = _checker()
AUTOBOOT = check.autoboot((EXTRA / "usr/lib/kiosk/rpi-bootconfig/autoboot.txt").read_text(encoding="utf-8"))


def packages() -> set[str]:
    return {ln.strip() for ln in (RPI / "packages").read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")}


def test_same_payload_as_the_x86_image() -> None:
    x86 = set(MKOSI["Content"]["Packages"])
    x86_boot = {"systemd-boot", "systemd-boot-efi", "linux-image-amd64"}
    assert x86 - x86_boot <= packages(), (x86 - x86_boot) - packages()
    assert {"linux-image-arm64", "raspi-firmware", "initramfs-tools", "systemd-sysv"} <= packages()
    assert not packages() & x86_boot


def test_kernel_and_systemd_from_backports() -> None:
    """bookworm's 6.1 kernel has no Pi 5 device tree, its systemd no sysupdate: both from backports."""
    pref = (RPI / "apt/kiosk-backports.pref").read_text(encoding="utf-8")
    pinned = re.search(r"^Package: (.*)$", pref, re.M)
    assert pinned and {"systemd", "linux-image-*", "udev"} <= set(pinned.group(1).split())
    assert "Pin: release n=bookworm-backports" in pref and re.search(r"^Pin-Priority: [6-9]\d\d$", pref, re.M)
    sources = (RPI / "apt/sources.list").read_text(encoding="utf-8")
    assert re.search(r"^deb MIRROR bookworm-backports main non-free-firmware$", sources, re.M)
    # raspi-firmware is in non-free-firmware.
    assert re.search(r"^deb MIRROR bookworm main non-free-firmware$", sources, re.M)


def test_erofs_root_can_be_mounted_by_the_initramfs() -> None:
    modules = (EXTRA / "etc/initramfs-tools/modules").read_text(encoding="utf-8").split()
    assert "erofs" in modules
    extra = (EXTRA / "etc/default/raspi-extra-cmdline").read_text(encoding="utf-8").split()
    # raspi-firmware's hook writes "rw" before the extra arguments: the later "ro" must win.
    hook_line = f"console=tty2 root=PARTLABEL=kiosk_{VERSION} rw fsck.repair=yes rootwait " + " ".join(extra)
    assert check.cmdline_problems(hook_line, f"kiosk_{VERSION}") == []


def test_cmdline_checks_refuse_what_would_not_boot_the_slot() -> None:
    label = f"kiosk_{VERSION}"
    assert check.cmdline_problems(f"root=PARTLABEL={label} rootfstype=erofs ro", label) == []
    assert check.cmdline_problems("root=/dev/mmcblk0p2 rootfstype=erofs ro", label)
    assert check.cmdline_problems(f"root=PARTLABEL={label} ro", label) == ["no rootfstype=erofs"]
    assert check.cmdline_problems(f"root=PARTLABEL={label} rootfstype=erofs ro rw", label)
    assert check.cmdline_problems("root=PARTLABEL=kiosk_9.9.9 rootfstype=erofs ro", label)


def test_config_txt_reader() -> None:
    text = "# generated\narm_64bit=1\nenable_uart=1\nupstream_kernel=1\n\nkernel=vmlinuz-6.12.95+deb12-arm64\n" \
           "# comment\ninitramfs initrd.img-6.12.95+deb12-arm64\n"
    assert check.config_txt(text) == {"arm_64bit": "1", "enable_uart": "1", "upstream_kernel": "1",
                                      "kernel": "vmlinuz-6.12.95+deb12-arm64",
                                      "initramfs": "initrd.img-6.12.95+deb12-arm64"}


def test_autoboot_names_slot_a_by_default_and_slot_b_for_tryboot() -> None:
    assert AUTOBOOT == {"all": {"tryboot_a_b": "1", "boot_partition": "2"}, "tryboot": {"boot_partition": "4"}}
    # The firmware reads at most 512 bytes of it.
    assert len((EXTRA / "usr/lib/kiosk/rpi-bootconfig/autoboot.txt").read_bytes()) <= 512


def test_build_script() -> None:
    script = REPO / "scripts/build-image-rpi"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text(encoding="utf-8")
    # The same post-install as the x86 image: units, udev rules, tmpfiles, sysusers from the wheel.
    assert "systemd/image/mkosi.postinst.chroot" in text
    assert "--no-index --find-links /wheelhouse gov-kiosk" in text and "manylinux2014_aarch64" in text
    assert "ROOTPART=PARTLABEL=kiosk_$version" in text
    assert "--target rpi" in (REPO / "scripts/build-image").read_text(encoding="utf-8")
    assert (IMAGE / "mkosi.postinst.chroot").exists()


@pytest.mark.skipif(shutil.which("systemd-repart") is None, reason="systemd-repart not installed")
def test_partition_numbers_are_the_ones_autoboot_names(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text(f"ID=debian\nIMAGE_ID=kiosk\nIMAGE_VERSION={VERSION}\n", "utf-8")
    image = tmp_path / "disk.raw"
    repart(root, layout_only(RPI / "repart", tmp_path / "build"), image, "--empty=create", "--size=auto")
    built = check.gpt(image)
    basic, root_arm64 = str(check.BASIC_DATA), str(check.ROOT_ARM64)
    assert [(p["number"], p["type"], p["label"]) for p in built] == [
        (1, basic, "kiosk-bootconfig"), (2, basic, f"kiosk-boot_{VERSION}"), (3, root_arm64, f"kiosk_{VERSION}")]

    with image.open("r+b") as f:  # first boot on a 16 GB SD card
        f.truncate(16 * 1024**3)
    repart(root, layout_only(EXTRA / "usr/lib/repart.d", tmp_path / "runtime"), image)
    booted = {p["number"]: p for p in check.gpt(image)}
    assert [booted[n] for n in (1, 2, 3)] == built, "first boot must keep the image's partitions"
    assert int(AUTOBOOT["all"]["boot_partition"]) == 2
    slot_b_boot = booted[int(AUTOBOOT["tryboot"]["boot_partition"])]
    assert (slot_b_boot["type"], slot_b_boot["label"]) == (basic, "_empty")
    assert slot_b_boot["size"] == booted[2]["size"]
    assert (booted[5]["type"], booted[5]["label"], booted[5]["size"]) == (root_arm64, "_empty", booted[3]["size"])
    assert booted[6]["label"] == "kiosk-var" and booted[6]["size"] > 2 * 1024**3


def test_transfers_match_the_labels_and_split_artifacts_the_build_makes() -> None:
    from tests.systemd.test_image import ini, one

    build = {p.name: ini(p) for p in sorted((RPI / "repart").glob("*.conf"))}
    transfers = {p.name: ini(p) for p in sorted((EXTRA / "usr/lib/sysupdate.d").glob("*.conf"))}
    assert set(transfers) == {"10-root.conf", "20-boot.conf"}  # systemd 254 reads *.conf only
    pairs = {"10-root.conf": "20-root-a.conf", "20-boot.conf": "10-boot-a.conf"}
    for name, part in pairs.items():
        t, d = transfers[name], build[part]
        label = one(d, "Partition", "Label").replace("%M", "kiosk").replace("%A", "@v")
        assert one(t, "Target", "MatchPattern") == label
        split = one(d, "Partition", "SplitName")
        assert f"kiosk_@v.{split}.raw" in one(t, "Source", "MatchPattern").split()
        assert one(t, "Transfer", "ProtectVersion") == "%A" and one(t, "Transfer", "Verify") == "yes"
        assert int(one(t, "Target", "InstancesMax")) == 2
    assert one(transfers["20-boot.conf"], "Target", "MatchPartitionType") == str(check.BASIC_DATA)
    # The bootloader's own partition has the same type but a label no pattern matches.
    assert not re.fullmatch(r"kiosk-boot_.+", one(build["00-bootconfig.conf"], "Partition", "Label"))


# -- tryboot: the Pi's switch and bless (systemd/image-rpi/extra/usr/lib/kiosk/tryboot) -----------

TRYBOOT = EXTRA / "usr/lib/kiosk/tryboot"


def run_tryboot(tmp_path: Path, tryboot: int | None, partition: int, *args: str) -> subprocess.CompletedProcess:
    dt = tmp_path / "dt"
    dt.mkdir(exist_ok=True)
    if tryboot is not None:
        (dt / "tryboot").write_bytes(tryboot.to_bytes(4, "big"))
    (dt / "partition").write_bytes(partition.to_bytes(4, "big"))
    env = {"PATH": "/usr/bin:/bin", "KIOSK_TRYBOOT_DT": str(dt), "KIOSK_AUTOBOOT": str(tmp_path / "autoboot.txt")}
    return subprocess.run(["sh", str(TRYBOOT), *args], env=env, capture_output=True, text=True, timeout=30)


@pytest.fixture
def bootconfig(tmp_path: Path) -> Path:
    shutil.copy(EXTRA / "usr/lib/kiosk/rpi-bootconfig/autoboot.txt", tmp_path / "autoboot.txt")
    return tmp_path / "autoboot.txt"


@pytest.mark.parametrize(("tryboot", "partition"), [(None, 2), (0, 2), (1, 2)])
def test_only_a_try_of_the_tryboot_partition_is_checked(tmp_path: Path, bootconfig: Path, tryboot: int | None,
                                                        partition: int) -> None:
    """A normal boot, or a try flag on the default partition, is not put to the test."""
    flag = tmp_path / "run/kiosk-tryboot"
    res = run_tryboot(tmp_path, tryboot, partition, "state", str(flag))
    assert res.returncode == 0, res.stderr
    assert not flag.exists()


def test_a_try_that_passes_becomes_the_default_and_the_old_slot_takes_the_next_update(
        tmp_path: Path, bootconfig: Path) -> None:
    flag = tmp_path / "run/kiosk-tryboot"
    res = run_tryboot(tmp_path, 1, 4, "state", str(flag))
    assert res.returncode == 0, res.stderr
    assert flag.read_text().strip() == "4"

    res = run_tryboot(tmp_path, 1, 4, "bless")
    assert res.returncode == 0, res.stderr
    blessed = check.autoboot(bootconfig.read_text())
    assert blessed == {"all": {"tryboot_a_b": "1", "boot_partition": "4"}, "tryboot": {"boot_partition": "2"}}
    assert len(bootconfig.read_bytes()) <= 512 and not (tmp_path / "autoboot.txt.new").exists()

    # The next update goes to slot A and is tried the same way.
    flag.unlink()
    assert run_tryboot(tmp_path, 1, 2, "state", str(flag)).returncode == 0 and flag.read_text().strip() == "2"
    assert run_tryboot(tmp_path, 1, 2, "bless").returncode == 0
    assert check.autoboot(bootconfig.read_text()) == AUTOBOOT


def test_bless_refuses_an_unreadable_autoboot(tmp_path: Path, bootconfig: Path) -> None:
    bootconfig.write_text("[all]\ntryboot_a_b=1\n")
    res = run_tryboot(tmp_path, 1, 4, "bless")
    assert res.returncode == 1 and "cannot read" in res.stderr
    assert bootconfig.read_text() == "[all]\ntryboot_a_b=1\n"


def test_tryboot_units_gate_kiosk_boot_ok() -> None:
    from tests.systemd.test_image import ini, one

    units = EXTRA / "usr/lib/systemd/system"
    dropin = ini(units / "kiosk-boot-ok.service.d/10-rpi-tryboot.conf")
    # The empty assignment drops x86's LoaderBootCountPath condition; the flag replaces it.
    assert dropin["Unit"]["ConditionPathExists"] == ["", "/run/kiosk-tryboot"]
    state = ini(units / "kiosk-tryboot.service")
    assert one(state, "Service", "ExecStart") == "/usr/lib/kiosk/tryboot state /run/kiosk-tryboot"
    bless = ini(units / "kiosk-tryboot-bless.service")
    assert one(bless, "Unit", "Requires") == "kiosk-boot-ok.service" == one(bless, "Unit", "After")
    assert one(bless, "Service", "ExecStart") == "/usr/lib/kiosk/tryboot bless"
    preset = (EXTRA / "usr/lib/systemd/system-preset/05-kiosk-rpi.preset").read_text(encoding="utf-8")
    assert "enable kiosk-tryboot.service" in preset and "enable kiosk-tryboot-bless.service" in preset
    # kiosk-boot-ok.service reboots on failure: the firmware then starts the old slot.
    assert "FailureAction=reboot" in (REPO / "systemd/kiosk-boot-ok.service").read_text(encoding="utf-8")


@pytest.mark.skipif(not (shutil.which("mkfs.vfat") and shutil.which("mcopy")), reason="dosfstools/mtools missing")
def test_fat_reader_lists_long_and_short_names(tmp_path: Path) -> None:
    """The checker reads the boot partition with mtools, as the firmware reads FAT: by name."""
    fat = tmp_path / "boot.vfat"
    subprocess.run(["mkfs.vfat", "-C", str(fat), "16384"], check=True, capture_output=True)
    files = {"initrd.img-6.12.95+deb12-arm64": 3000, "config.txt": 12, "bcm2712-rpi-5-b.dtb": 700, "START4.ELF": 5}
    for name, size in files.items():
        (tmp_path / name).write_bytes(b"k" * size)
        subprocess.run(["mcopy", "-i", str(fat), str(tmp_path / name), "::"], check=True)
    listed = check.fat_files(fat, 0)
    assert listed == {"initrd.img-6.12.95+deb12-arm64": 3000, "config.txt": 12, "bcm2712-rpi-5-b.dtb": 700,
                      "start4.elf": 5}
    assert check.fat_read(fat, 0, "config.txt") == "k" * 12

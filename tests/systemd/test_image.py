"""The OS image recipe in systemd/image/ hangs together.

mkosi cannot build the image in CI (no mkosi >= 24 there, and a build downloads a
whole Debian), so these tests check what would break an A/B update silently:

* the partitions systemd-repart creates, at build time and on first boot, are what
  the systemd-sysupdate transfer files look for: run the real ``systemd-repart`` on
  the definitions (layout keys only) into a sparse image file and read its GPT back;
* the labels carry the version the way ``@v`` expects, both root slots have one size,
  the number of slots is ``InstancesMax=``;
* the build script puts the venv where the units start it, the image's own units
  pass ``systemd-analyze verify``, and the preset names units that exist.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import uuid
from pathlib import Path

import pytest

from kiosk.ops.layout import install_system_files

REPO = Path(__file__).resolve().parents[2]
IMAGE = REPO / "systemd/image"
EXTRA = IMAGE / "mkosi.extra"
BUILD_REPART = IMAGE / "mkosi.repart"
RUNTIME_REPART = EXTRA / "usr/lib/repart.d"
SYSUPDATE = EXTRA / "usr/lib/sysupdate.d"
IMAGE_UNITS = EXTRA / "usr/lib/systemd/system"

GPT_TYPES = {
    "esp": uuid.UUID("c12a7328-f81f-11d2-ba4b-00a0c93ec93b"),
    "root": uuid.UUID("4f68bce3-e8cd-4db1-96e7-fbcaf984b709"),  # root-x86-64
    "linux-generic": uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4"),
}
LAYOUT_KEYS = {"Type", "Label", "SizeMinBytes", "SizeMaxBytes", "Weight", "Priority", "PaddingMinBytes",
               "PaddingMaxBytes"}
CONTENT_KEYS = {"Format", "CopyFiles", "ExcludeFiles", "FactoryReset", "Minimize", "MakeDirectories", "ReadOnly",
                "Flags", "GrowFileSystem"}


def ini(path: Path) -> dict[str, dict[str, list[str]]]:
    """systemd/mkosi INI: repeated keys accumulate, indented lines continue the previous key."""
    out: dict[str, dict[str, list[str]]] = {}
    section: dict[str, list[str]] | None = None
    last: str | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.lstrip().startswith(("#", ";")):
            continue
        if raw[0].isspace() and section is not None and last is not None:
            section[last].append(raw.strip())
            continue
        if raw.startswith("["):
            section = out.setdefault(raw.strip()[1:-1], {})
            continue
        assert section is not None and "=" in raw, f"{path}: {raw!r}"
        key, value = raw.split("=", 1)
        last = key.strip()
        section.setdefault(last, []).extend(value.split() if last == "Packages" else [value.strip()])
    return out


def one(conf: dict[str, dict[str, list[str]]], section: str, key: str) -> str:
    values = conf[section][key]
    assert len(values) == 1, (section, key, values)
    return values[0]


MKOSI = ini(IMAGE / "mkosi.conf")
IMAGE_ID = one(MKOSI, "Output", "ImageId")
VERSION = (IMAGE / "mkosi.version").read_text(encoding="utf-8").strip()
BUILD = [ini(p) for p in sorted(BUILD_REPART.glob("*.conf"))]
RUNTIME = [ini(p) for p in sorted(RUNTIME_REPART.glob("*.conf"))]
TRANSFERS = {p.name: ini(p) for p in sorted(SYSUPDATE.glob("*.conf"))}
"""systemd 254 (the image's, from backports) reads sysupdate.d/*.conf; other names are ignored."""


def test_mkosi_conf() -> None:
    assert one(MKOSI, "Distribution", "Distribution") == "debian"
    assert one(MKOSI, "Distribution", "Release") == "bookworm"
    assert one(MKOSI, "Distribution", "Architecture") == "x86-64"
    assert one(MKOSI, "Output", "Format") == "disk" and one(MKOSI, "Output", "SplitArtifacts") == "yes"
    assert one(MKOSI, "Content", "Bootable") == "yes" and one(MKOSI, "Content", "Bootloader") == "systemd-boot"
    assert "ro" in one(MKOSI, "Content", "KernelCommandLine").split()
    packages = set(MKOSI["Content"]["Packages"])
    assert {"systemd", "systemd-boot-efi", "linux-image-amd64", "python3", "python3-venv", "cage",
            "fonts-wqy-microhei", "espeak-ng", "cups", "librime1", "rime-data-pinyin-simp", "libzinnia0",
            "tegaki-zinnia-simplified-chinese"} <= packages
    # systemd/polkit/50-kiosk-reboot.rules (technician mode's reboot) needs polkitd, and logind needs D-Bus.
    assert {"polkitd", "dbus"} <= packages
    # sysupdate downloads through systemd-pull (systemd-container) and checks SHA256SUMS.gpg with gpg.
    assert {"systemd-container", "gpg"} <= packages


def test_hardware_watchdog() -> None:
    conf = ini(EXTRA / "usr/lib/systemd/system.conf.d/10-kiosk-watchdog.conf")
    assert one(conf, "Manager", "RuntimeWatchdogSec") == "30s"
    assert one(conf, "Manager", "RebootWatchdogSec") == "2min"



def test_build_installs_the_wheel_without_an_index() -> None:
    """The repository is a build source (docs for /opt/kiosk/docs); the kiosk and its dependencies
    come from the wheelhouse scripts/build-image makes and mounts, so the build needs no index."""
    src, _, target = one(MKOSI, "Content", "BuildSources").partition(":")
    assert (IMAGE / src).resolve() == REPO and target == "kiosk"
    assert "WithNetwork" not in MKOSI["Content"]
    build = (IMAGE / "mkosi.build.chroot").read_text(encoding="utf-8")
    assert '--no-index --find-links "$wheels" gov-kiosk' in build and 'wheels="$SRCDIR/wheelhouse"' in build
    script = (REPO / "scripts/build-image").read_text(encoding="utf-8")
    assert '--build-sources="$cache/wheelhouse:wheelhouse"' in script and "pip wheel" in script
    # mkosi uses the package manager tree's sources instead of its own (which adds debian-debug).
    sources = (IMAGE / "mkosi.pkgmngr/etc/apt/sources.list.d/mkosi.sources").read_text("utf-8")
    assert not re.search(r"^URIs: .*debian-debug", sources, re.M) and "Suites: bookworm bookworm-updates" in sources
    assert one(MKOSI, "Host", "Incremental") == "yes"


def test_version_fits_a_gpt_label() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    assert len(f"{IMAGE_ID}_{VERSION}") <= 36  # GPT partition names hold 36 UTF-16 units


def test_systemd_comes_from_backports() -> None:
    """bookworm's systemd 252 has no systemd-sysupdate; the pin brings 254 from backports."""
    sources = (IMAGE / "mkosi.pkgmngr/etc/apt/sources.list.d/bookworm-backports.sources").read_text("utf-8")
    assert "Suites: bookworm-backports" in sources
    pref = (IMAGE / "mkosi.pkgmngr/etc/apt/preferences.d/systemd-backports.pref").read_text("utf-8")
    assert "Pin: release n=bookworm-backports" in pref and re.search(r"^Package: systemd ", pref, re.M)
    assert re.search(r"^Pin-Priority: ([6-9]\d\d|\d{4})$", pref, re.M)


def test_scripts() -> None:
    for name in ("mkosi.build.chroot", "mkosi.postinst.chroot"):
        path = IMAGE / name
        assert os.access(path, os.X_OK), name
        assert subprocess.run(["sh", "-n", str(path)], capture_output=True).returncode == 0, name
    build = (IMAGE / "mkosi.build.chroot").read_text(encoding="utf-8")
    # The venv is built at the path the units start, inside the image, then copied out.
    assert "python3 -m venv /opt/kiosk/.venv" in build and '"$DESTDIR/opt/"' in build
    unit = (REPO / "systemd/cage@.service").read_text(encoding="utf-8")
    assert "/opt/kiosk/.venv/bin/kiosk" in unit
    post = (IMAGE / "mkosi.postinst.chroot").read_text(encoding="utf-8")
    # The unit files come from the installed wheel, where kiosk provision finds them too.
    assert "SYSTEMD_SRC" in post and 'install.sh" --root /' in post and "preset-all" in post


def test_transfers_name_the_partitions_repart_creates() -> None:
    root_t, uki_t = TRANSFERS["10-root.conf"], TRANSFERS["20-uki.conf"]
    bases = {one(t, "Source", "Path") for t in TRANSFERS.values()}
    assert len(bases) == 1 and next(iter(bases)).startswith("https://") and next(iter(bases)).endswith("/")
    for t in TRANSFERS.values():
        assert one(t, "Source", "Type") == "url-file" and one(t, "Transfer", "ProtectVersion") == "%A"

    # Root: a partition of the type and label the build-time definition gives slot A.
    assert one(root_t, "Target", "Type") == "partition" and one(root_t, "Target", "MatchPartitionType") == "root"
    assert one(root_t, "Target", "MatchPattern") == f"{IMAGE_ID}_@v"
    # Each UKI names its own slot, so falling back to the old UKI falls back to the old root.
    cmdline = one(MKOSI, "Content", "KernelCommandLine").split()
    pinned = [a.removeprefix("root=PARTLABEL=") for a in cmdline if a.startswith("root=PARTLABEL=")]
    assert [p.replace("%i", IMAGE_ID).replace("%v", "@v") for p in pinned] == [f"{IMAGE_ID}_@v"]
    build_root = [d for d in BUILD if one(d, "Partition", "Type") == "root"]
    assert len(build_root) == 1 and one(build_root[0], "Partition", "Label") == "%M_%A"  # IMAGE_ID_IMAGE_VERSION
    # mkosi's split artifact of the root partition is <ImageId>_<version>.root-x86-64.raw.
    assert all(p.startswith(f"{IMAGE_ID}_@v.root-x86-64.raw") for p in one(root_t, "Source", "MatchPattern").split())

    # Two slots after first boot, both the same size as the image's slot, and InstancesMax says two.
    runtime_roots = [d for d in RUNTIME if one(d, "Partition", "Type") == "root"]
    assert int(one(root_t, "Target", "InstancesMax")) == len(runtime_roots) == 2
    assert [d["Partition"].get("Label") for d in runtime_roots] == [None, ["_empty"]]
    slot = {(one(d, "Partition", "SizeMinBytes"), one(d, "Partition", "SizeMaxBytes"))
            for d in build_root + runtime_roots}
    assert len(slot) == 1 and len(set(next(iter(slot)))) == 1

    # First boot matches the image's partitions in order, then adds slot B and /var.
    assert [one(d, "Partition", "Type") for d in RUNTIME][: len(BUILD)] == [one(d, "Partition", "Type") for d in BUILD]

    # UKI: on the ESP, boot-counted, as many as root slots.
    assert one(uki_t, "Target", "Type") == "regular-file" and one(uki_t, "Target", "Path") == "/EFI/Linux"
    assert one(uki_t, "Target", "PathRelativeTo") == "boot" and int(one(uki_t, "Target", "TriesLeft")) >= 1
    assert int(one(uki_t, "Target", "InstancesMax")) == 2
    assert one(uki_t, "Source", "MatchPattern") == f"{IMAGE_ID}_@v.efi"
    assert all(p.startswith(f"{IMAGE_ID}_@v") for p in one(uki_t, "Target", "MatchPattern").split())


def sysupdate_regex(pattern: str) -> str:
    """A sysupdate MatchPattern as a regex: @v the version, @l/@d the tries left/done."""
    out = re.escape(pattern)
    for spec, rx in (("@v", r"(?P<v>[^/+]+)"), ("@l", r"(?P<l>\d+)"), ("@d", r"(?P<d>\d+)")):
        out = out.replace(re.escape(spec), rx)
    return out


def test_installed_uki_is_named_as_the_transfer_names_it() -> None:
    """The image's own UKI must match 20-uki.conf's target patterns with the image's version.

    mkosi's default name (&e-&k: kiosk-6.1.0-57-amd64.efi, seen on the first built image)
    matches none, so sysupdate would not see the installed version on the ESP at all.
    UnifiedKernelImageFormat= takes mkosi's %i (ImageId) and %v (version) specifiers; with an
    explicit format mkosi appends no roothash or tries, so the first entry is already "good".
    """
    fmt = one(MKOSI, "Content", "UnifiedKernelImageFormat")
    assert "&" not in fmt, "kernel version or boot counting in the name would break the match"
    installed = fmt.replace("%i", IMAGE_ID).replace("%v", VERSION) + ".efi"
    patterns = one(TRANSFERS["20-uki.conf"], "Target", "MatchPattern").split()
    matches = [m for p in patterns if (m := re.fullmatch(sysupdate_regex(p), installed))]
    assert matches and matches[0].group("v") == VERSION, (installed, patterns)
    # A counted entry as sysupdate writes it, and the same entry once blessed, match too.
    for name in (f"{IMAGE_ID}_{VERSION}+3-0.efi", f"{IMAGE_ID}_{VERSION}+0-3.efi"):
        assert any(re.fullmatch(sysupdate_regex(p), name) for p in patterns), name
    # mkosi's default name does not: the check can fail.
    assert not any(re.fullmatch(sysupdate_regex(p), f"{IMAGE_ID}-6.1.0-57-amd64.efi") for p in patterns)


def test_var_partition_is_mounted_by_label() -> None:
    var = [d for d in RUNTIME if one(d, "Partition", "Type") == "linux-generic"]
    assert len(var) == 1
    label = one(var[0], "Partition", "Label")
    fstab = [ln.split() for ln in (EXTRA / "etc/fstab").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    var_lines = [f[:3] for f in fstab if f[1] == "/var"]
    assert var_lines == [[f"PARTLABEL={label}", "/var", one(var[0], "Partition", "Format")]]


def test_tmp_is_a_tmpfs_on_the_read_only_root() -> None:
    """Xwayland's sockets and the namespaces of PrivateTmp=/PrivateDevices= units need a writable /tmp."""
    fstab = [ln.split() for ln in (EXTRA / "etc/fstab").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert [f[:3] for f in fstab if f[1] == "/tmp"] == [["tmpfs", "/tmp", "tmpfs"]]


def test_repart_keys_are_known() -> None:
    for d in BUILD + RUNTIME:
        assert set(d) == {"Partition"}
        assert set(d["Partition"]) <= LAYOUT_KEYS | CONTENT_KEYS, set(d["Partition"]) - LAYOUT_KEYS - CONTENT_KEYS


# -- the real systemd-repart on the definitions --------------------------------------------


def gpt(path: Path) -> list[tuple[uuid.UUID, str, int]]:
    """(type, name, size in bytes) of each used entry of a GPT with 512-byte sectors."""
    with path.open("rb") as f:
        f.seek(512)
        header = f.read(92)
        assert header[:8] == b"EFI PART", "no GPT"
        entries_lba, count, entry_size = struct.unpack_from("<QII", header, 72)
        f.seek(entries_lba * 512)
        table = f.read(count * entry_size)
    out = []
    for i in range(count):
        e = table[i * entry_size:(i + 1) * entry_size]
        ptype = uuid.UUID(bytes_le=e[:16])
        if ptype.int == 0:
            continue
        first, last = struct.unpack_from("<QQ", e, 32)
        name = e[56:128].decode("utf-16-le").rstrip("\0")
        out.append((ptype, name, (last - first + 1) * 512))
    return out


def layout_only(defs: Path, out: Path) -> Path:
    """Copies of the definitions with only the layout keys: no file systems, no loop devices."""
    out.mkdir()
    for p in sorted(defs.glob("*.conf")):
        keep = [ln for ln in p.read_text(encoding="utf-8").splitlines()
                if ln.startswith("[") or ln.split("=", 1)[0] in LAYOUT_KEYS]
        (out / p.name).write_text("\n".join(keep) + "\n", encoding="utf-8")
    return out


def repart(root: Path, defs: Path, image: Path, *extra: str) -> None:
    res = subprocess.run(["systemd-repart", f"--root={root}", f"--definitions={defs}", "--dry-run=no",
                          "--no-pager", *extra, str(image)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Unknown key" not in res.stderr and "Failed to parse" not in res.stderr, res.stderr


@pytest.mark.skipif(shutil.which("systemd-repart") is None, reason="systemd-repart not installed")
def test_repart_lays_out_what_sysupdate_expects(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    # What mkosi writes into the image's os-release; %M_%A in the label comes from here.
    (root / "etc/os-release").write_text(f"ID=debian\nIMAGE_ID={IMAGE_ID}\nIMAGE_VERSION={VERSION}\n", "utf-8")
    image = tmp_path / "disk.raw"

    repart(root, layout_only(BUILD_REPART, tmp_path / "build"), image, "--empty=create", "--size=auto")
    built = gpt(image)
    assert [t for t, _, _ in built] == [GPT_TYPES["esp"], GPT_TYPES["root"]]
    slot_a = built[1][1]
    target = re.escape(one(TRANSFERS["10-root.conf"], "Target", "MatchPattern")).replace("@v", "(.+)")
    m = re.fullmatch(target, slot_a)
    assert m and m.group(1) == VERSION, slot_a

    with image.open("r+b") as f:  # first boot on a 16 GB disk
        f.truncate(16 * 1024**3)
    repart(root, layout_only(RUNTIME_REPART, tmp_path / "runtime"), image)
    booted = gpt(image)
    assert [t for t, _, _ in booted] == [GPT_TYPES["esp"], GPT_TYPES["root"], GPT_TYPES["root"],
                                        GPT_TYPES["linux-generic"]]
    assert booted[:2] == built, "first boot must keep the image's partitions as they are"
    (_, a, size_a), (_, b, size_b) = booted[1], booted[2]
    assert (a, b) == (slot_a, "_empty") and size_a == size_b
    assert booted[3][1] == "kiosk-var" and booted[3][2] > 2 * 1024**3


# -- the image's own units ---------------------------------------------------------------

HOST_SYSTEMD = int(re.search(r"systemd (\d+)", subprocess.run(
    ["systemctl", "--version"], capture_output=True, text=True).stdout or "systemd 0").group(1))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_image_units_verify(tmp_path: Path) -> None:
    install_system_files(tmp_path)
    host = next(d for d in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system"))
                if (d / "sysinit.target").exists())
    shutil.copytree(host, tmp_path / "usr/lib/systemd/system", symlinks=True, dirs_exist_ok=True)
    shutil.copytree(IMAGE_UNITS, tmp_path / "usr/lib/systemd/system", dirs_exist_ok=True)
    shutil.copytree(EXTRA / "usr/lib/kiosk", tmp_path / "usr/lib/kiosk")
    for binary in ("usr/bin/install",):
        stub = tmp_path / binary
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\n", encoding="utf-8")
        stub.chmod(0o755)
    units = [str(tmp_path / "usr/lib/systemd/system" / p.name) for p in sorted(IMAGE_UNITS.iterdir())]
    res = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={tmp_path}", *units],
                         capture_output=True, text=True, timeout=120)
    # ImportCredential= is new in systemd 254, the image's; an older host's verify does not know it.
    problems = [ln for ln in res.stderr.splitlines()
                if not (HOST_SYSTEMD < 254 and "Unknown key 'ImportCredential'" in ln)]
    assert res.returncode == 0 and problems == [], res.stderr


FROM_DEBIAN = {"systemd-sysupdate.timer", "systemd-sysupdate-reboot.timer", "systemd-boot-update.service",
               "systemd-timesyncd.service", "systemd-resolved.service", "systemd-networkd.service", "cups.service",
               "getty@tty1.service", "seatd.service"}


def test_preset_names_real_units() -> None:
    ours = {p.name for p in (REPO / "systemd").iterdir() if p.suffix in (".service", ".timer")}
    ours |= {p.name for p in IMAGE_UNITS.iterdir()}
    lines = [ln.split() for ln in (EXTRA / "usr/lib/systemd/system-preset/10-kiosk.preset")
             .read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    enabled = {u for verb, u in lines if verb == "enable"}
    for verb, unit in lines:
        assert verb in ("enable", "disable")
        assert unit in ours | FROM_DEBIAN or unit.replace("@tty1.", "@.") in ours, unit
    # Exactly one app unit, the boot check that gates A/B fallback, the sysupdate timer.
    assert len(enabled & {"kiosk.service", "cage@tty1.service"}) == 1
    assert {"kiosk-boot-ok.service", "systemd-sysupdate.timer", "etc-kiosk.mount"} <= enabled
    # cage@ takes its seat from seatd (no logind session, whose scope would swallow READY=1).
    assert "cage@tty1.service" not in enabled or "seatd.service" in enabled


def test_one_cjk_font_and_the_same_packages_everywhere() -> None:
    """The UI, the receipt raster, the guide, bootstrap and the image all use WenQuanYi Micro Hei."""
    from drivers.printer.raster import CJK_FONT as RASTER_FONT
    from kiosk.app import CJK_FONT as APP_FONT
    from screens.theme import CJK_FONT as THEME_FONT

    assert APP_FONT == THEME_FONT == str(RASTER_FONT) == "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    guide = (REPO / "docs/technician.md").read_text(encoding="utf-8")
    [install] = [ln for ln in guide.splitlines() if ln.startswith("sudo apt-get install")]
    bootstrap = (REPO / "scripts/bootstrap.sh").read_text(encoding="utf-8")
    packages = set(MKOSI["Content"]["Packages"])
    # cage@.service gets the seat from seatd: the guide's install line and the image both carry it.
    assert {"fonts-wqy-microhei", "xwayland", "cage", "seatd"} <= set(install.split()) and "noto" not in install
    assert "fonts-wqy-microhei" in bootstrap and {"fonts-wqy-microhei", "xwayland", "cage", "seatd"} <= packages
    owner = subprocess.run(["dpkg", "-S", APP_FONT], capture_output=True, text=True)
    if owner.returncode == 0:  # on Debian: the path is the one that package installs
        assert owner.stdout.startswith("fonts-wqy-microhei:")

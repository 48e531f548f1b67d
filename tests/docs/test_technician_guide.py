"""Every command in docs/technician.md's shell blocks is exercised somewhere.

A technician types these on a kiosk; a command nobody ran is how a guide stops being true.
Each command (one line of a ```` ```sh ```` block, continuation lines joined, the trailing
``# comment`` dropped) must be one of:

- a step of the guide walk (devtools/guide_walk.py, ``STEPS``: run in order on a fresh
  Debian 12 system booted with systemd-nspawn; a developer runs it, it takes minutes);
- run or checked, as written, by the test named in :data:`TESTED` (the test must exist);
- one of :data:`NEEDS_DEVICE` or :data:`IMAGE_ONLY`, the commands neither can reach: they
  need udev with a real USB device, or the A/B OS image. Those lists are closed: the test
  fails when the guide gains a command that is in none of them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devtools.guide_walk import STEPS

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "technician.md"
FENCE_RE = re.compile(r"^ *```(\w*)[^\n]*\n(.*?)^ *```", re.S | re.M)
COMMENT_RE = re.compile(r"\s+#\s.*$")

TESTED: dict[str, str] = {
    # What udev runs for a stick, not typed by the technician: the rule's RUN is parsed and
    # compared option by option, each option checked against this systemd-mount's --help.
    "systemd-mount --no-block --automount=yes --timeout-idle-sec=1s --bind-device --fsck=no --collect "
    "--owner=kiosk --options=umask=0077,nosuid,nodev,noexec /dev/sdb1 /run/media/kiosk/sdb1":
        "tests/systemd/test_units.py::test_usb_stick_rule_mounts_where_the_app_looks",
}
# The container the walk boots has no udev and no USB bus; these show what a plugged-in
# device looks like and are only meaningful on a kiosk with the device.
NEEDS_DEVICE: dict[str, str] = {
    "systemctl list-units --type=automount,mount | grep run-media-kiosk": "a FAT USB stick, udev",
    "sudo -u kiosk ls -ld /run/media/kiosk/*": "a FAT USB stick, udev",
    "journalctl -b -u systemd-udevd | grep -i systemd-mount": "a FAT USB stick, udev",
    "ls -l /dev/ttyUSB* /dev/ttyACM* /dev/usb/lp* /dev/video* /dev/input/by-id/": "USB devices",
    "udevadm info --attribute-walk --name=/dev/ttyUSB0 | grep -E 'idVendor|idProduct|serial' | head": "a USB-serial "
    "adapter, udev",
    "sudo udevadm control --reload && sudo udevadm trigger": "udev (not running in a container)",
    "ls -l /dev/kiosk/": "udev and the devices 60-kiosk.rules names",
}
# A hand-installed Debian 12 has systemd 252 without systemd-sysupdate and no boot counting:
# these belong to the OS image (docs/updates.md) and its boot script.
IMAGE_ONLY: dict[str, str] = {
    "/usr/lib/systemd/systemd-sysupdate list": "OS image (systemd 254 from backports)",
    "sudo /usr/lib/systemd/systemd-sysupdate update": "OS image",
    "sudo /usr/lib/systemd/systemd-sysupdate reboot": "OS image",
    "bootctl list": "OS image (systemd-boot, boot counting)",
}


def normalise(command: str) -> str:
    return " ".join(command.split())


def guide_commands(text: str) -> list[str]:
    """The lines of the shell blocks, continuations joined, comments and blank lines dropped."""
    found = []
    for fence in FENCE_RE.finditer(text):
        if fence.group(1) not in ("sh", "shell", "bash", "console"):
            continue
        joined = ""
        for line in fence.group(2).split("\n"):
            joined += line
            if joined.rstrip().endswith("\\"):
                joined = joined.rstrip()[:-1] + " "
                continue
            command = normalise(COMMENT_RE.sub("", joined))
            joined = ""
            if command and not command.startswith("#"):
                found.append(command)
    return found


def walked() -> set[str]:
    return {normalise(command) for step in STEPS for command in (step.command, *step.also)}


def uncovered(commands: list[str]) -> list[str]:
    known = walked() | {normalise(c) for c in (*TESTED, *NEEDS_DEVICE, *IMAGE_ONLY)}
    return [command for command in commands if command not in known]


def test_every_command_of_the_guide_is_exercised() -> None:
    commands = guide_commands(GUIDE.read_text(encoding="utf-8"))
    assert len(commands) > 30  # the blocks were found at all
    assert uncovered(commands) == []


def test_a_new_command_without_coverage_fails(tmp_path: Path) -> None:
    text = GUIDE.read_text(encoding="utf-8") + "\n```sh\nsudo kiosk frobnicate --all \\\n    --now   # new\n```\n"
    assert uncovered(guide_commands(text)) == ["sudo kiosk frobnicate --all --now"]


def test_every_listed_command_is_still_in_the_guide() -> None:
    """No stale entries: a command dropped from the guide leaves the walk and the tables too."""
    text = normalise(GUIDE.read_text(encoding="utf-8").replace("\\\n", " "))
    fenced = set(guide_commands(GUIDE.read_text(encoding="utf-8")))
    for command in (*TESTED, *NEEDS_DEVICE, *IMAGE_ONLY):
        assert normalise(command) in fenced, command
    for command in walked():  # a walk step may also type a command the prose names inline
        assert command in fenced or command in text, command


@pytest.mark.parametrize("node", sorted(set(TESTED.values())))
def test_the_named_tests_exist(node: str) -> None:
    path, _, name = node.partition("::")
    assert re.search(rf"^def {re.escape(name)}\(", (ROOT / path).read_text(encoding="utf-8"), re.M), node


def test_the_lists_do_not_overlap() -> None:
    tables = [set(map(normalise, t)) for t in (TESTED, NEEDS_DEVICE, IMAGE_ONLY)] + [walked()]
    for i, first in enumerate(tables):
        for second in tables[i + 1:]:
            assert not first & second

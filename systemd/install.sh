#!/bin/sh
# Install the kiosk's systemd units, udev rules, tmpfiles, sysusers, PAM file and polkit rule.
#   systemd/install.sh [--root DIR]
# With --root the files land under DIR (an image tree being built); nothing is
# enabled or reloaded then. Without it, install on this machine and reload.
set -eu
ROOT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --root) [ $# -ge 2 ] || { echo "--root needs a directory" >&2; exit 2; }; ROOT="$2"; shift 2 ;;
        --root=*) ROOT="${1#--root=}"; shift ;;
        -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
SRC=$(cd "$(dirname "$0")" && pwd)
put() { install -D -m "$1" "$SRC/$2" "$ROOT$3"; }

for unit in kiosk.service cage@.service kiosk-selfcheck.service kiosk-selfcheck.timer kiosk-boot-ok.service; do
    put 0644 "$unit" "/etc/systemd/system/$unit"
done
put 0644 udev/60-kiosk.rules /etc/udev/rules.d/60-kiosk.rules
put 0644 udev/80-kiosk-usb-stick.rules /etc/udev/rules.d/80-kiosk-usb-stick.rules
put 0644 tmpfiles.d/kiosk.conf /etc/tmpfiles.d/kiosk.conf
put 0644 sysusers.d/kiosk.conf /etc/sysusers.d/kiosk.conf
put 0644 pam.d/cage /etc/pam.d/cage
put 0644 polkit/50-kiosk-reboot.rules /etc/polkit-1/rules.d/50-kiosk-reboot.rules
# The example config never overwrites a configured kiosk.
if [ ! -e "$ROOT/etc/kiosk/kiosk.toml" ]; then
    put 0640 kiosk.toml.example /etc/kiosk/kiosk.toml
fi

if [ -z "$ROOT" ]; then
    systemd-sysusers /etc/sysusers.d/kiosk.conf
    systemd-tmpfiles --create /etc/tmpfiles.d/kiosk.conf
    chgrp kiosk /etc/kiosk/kiosk.toml
    udevadm control --reload && udevadm trigger
    systemctl daemon-reload
    # polkitd reads the new rule by itself; without polkitd the rule does nothing and
    # technician mode's reboot button is refused.
    [ -x /usr/lib/polkit-1/polkitd ] || echo "note: polkitd is not installed: technician mode cannot reboot (apt-get install polkitd)" >&2
fi
echo "installed into ${ROOT:-/}"

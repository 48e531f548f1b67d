#!/usr/bin/env bash
# Start the kiosk: installs what is missing, then runs `kiosk run` with any arguments
# given (e.g. --config /etc/kiosk/kiosk.toml). With no configuration the kiosk uses
# emulated devices and the reference platform on loopback.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$here/scripts/bootstrap.sh"
exec "$here/.venv/bin/kiosk" run "$@"

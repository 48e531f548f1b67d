#!/usr/bin/env bash
# Start the kiosk: installs what is missing, then runs `kiosk run` with any arguments
# given (e.g. --config /etc/kiosk/kiosk.toml). With no configuration at all (no
# --config, no $KIOSK_CONFIG, no /etc/kiosk/kiosk.toml) it asks for demo mode:
# emulated devices and the reference platform on loopback. `kiosk run` itself never
# falls back to demo mode; on a kiosk a missing configuration is an error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$here/scripts/bootstrap.sh"
demo=()
case " $* " in
  *" --config "*|*" --config="*|*" --demo "*) ;;
  *) if [ -z "${KIOSK_CONFIG:-}" ] && [ ! -e /etc/kiosk/kiosk.toml ]; then demo=(--demo); fi ;;
esac
exec "$here/.venv/bin/kiosk" run "${demo[@]}" "$@"

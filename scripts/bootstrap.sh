#!/usr/bin/env bash
# Installs what the kiosk and its tests need on Debian 12 / Raspberry Pi OS, then
# returns quickly on later runs: apt only when a package is missing, pip only when
# pyproject.toml changed since the last install.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

APT_PACKAGES=(
  python3 python3-venv python3-dev gcc linux-libc-dev   # venv; evdev compiles against kernel headers
  xvfb xauth libgl1 libgl1-mesa-dri libegl1 libgles2 libmtdev1   # Kivy's SDL2 wheel under X / Xvfb
  fonts-wqy-microhei        # one-face Simplified-Chinese font for the UI and the printer raster
  libzbar0                  # pyzbar's second-opinion QR decoder
  cups-client               # lp / lpstat for the A4 printer
  cups printer-driver-cups-pdf   # a real cupsd with a PDF queue for the A4 printer's tests
  poppler-utils             # pdfinfo: the A4 tests check the page cups-pdf wrote
  tesseract-ocr tesseract-ocr-osd   # page orientation (OSD) for document capture
  systemd                   # systemd-analyze verify of the units
  dosfstools mtools         # a FAT boot partition for the Raspberry Pi image checker's test (mkfs.vfat, mcopy)
  espeak-ng                 # spoken prompts (Mandarin and English voices)
  librime1 rime-data-pinyin-simp   # pinyin input: the Rime engine and its simplified pinyin dictionary
  libzinnia0 tegaki-zinnia-simplified-chinese   # handwriting input: zinnia and its zh_CN model
  prometheus                # promtool: tests check the shipped alert rules (systemd/monitoring/)
  chromium                  # Playwright's browser for the web console's tests (no browser download)
)

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

PY=${KIOSK_PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing the project into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip >&2
  .venv/bin/python -m pip install -q -e ".[test]" >&2
  rm -f .venv/.installed-*
  touch "$stamp"
fi

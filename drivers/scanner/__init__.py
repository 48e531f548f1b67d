"""QR/barcode scanners: serial line mode, USB HID keyboard mode (evdev), the camera as a fallback."""

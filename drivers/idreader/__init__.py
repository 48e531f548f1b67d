"""Resident ID-card reader (SAM serial protocol, GA 467): codec, card parsing, driver, emulator."""

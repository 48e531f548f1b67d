"""Hardware drivers: one subpackage per device class, each with real backends and an
emulator speaking the same wire protocol. No Kivy and no platform knowledge here."""

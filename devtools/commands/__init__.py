"""``kiosk demo`` and ``kiosk chaos``, registered with the ``kiosk`` CLI by entry point."""

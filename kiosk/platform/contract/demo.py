"""The demo kiosk's credentials, which both sides of the contract must agree on.

A platform started in demo mode (loopback only) enrols this kiosk with this secret; a
kiosk with no secret file configured signs with it. No real platform accepts it.
"""

DEMO_KIOSK_ID = "demo-kiosk-001"
DEMO_SECRET = b"demo-secret-for-loopback-only-0001"

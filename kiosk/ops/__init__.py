"""Running a kiosk in the field: watchdog, heap care, metrics, heartbeat, provisioning,
field operations and the technician PIN. Nothing here is seen by a citizen.
"""

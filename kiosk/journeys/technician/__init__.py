"""Technician mode: device self-tests, platform and queue status, recent errors, log export,
configuration check, restart and reboot — behind a hidden gesture and the technician PIN.

The attract screen's gesture (five taps in the top-left corner within three seconds) sends
the ``technician`` action, which the visit controller accepts only on the attract screen:
no citizen visit is running and none can start while this mode is open. The technician's
id and PIN are checked against the platform's cached technician list, or the bootstrap
``[kiosk] technician_pin_hash`` while the platform lists none (``kiosk.ops.pin.sign_in``:
scrypt, persisted per-kiosk lock-out) in the worker pool; until it is accepted no other
action does anything. The mode needs no citizen identity and holds nothing personal: a scanned code
is shown masked, the camera frame lives only on the page, and the log bundle is scrubbed.
There is no path to a shell, a desktop or a file dialog: every page is a ``View`` of
fixed buttons. Leaving (the "退出维护" button, the inactivity timeout, a restart) writes
one audit line to the log, never the PIN.

``mode.TechnicianJourney`` is the mode (timer, bar, navigation, audit); ``pin.PinPrompt``
the PIN entry; each page is one class in its own module (``page.Page`` is their contract).
"""

from kiosk.journeys.technician.mode import TechnicianJourney
from kiosk.journeys.technician.pin import MASK, PIN_STATE_FILE

__all__ = ["MASK", "PIN_STATE_FILE", "TechnicianJourney"]

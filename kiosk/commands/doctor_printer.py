"""Where technician mode finds the printer's self-test page.

The page belongs to the printer's doctor (``drivers.printer.doctor``); ``kiosk doctor
printer`` is served by ``kiosk.commands.doctor``. This module only keeps the name
technician mode imports.
"""

from drivers.printer.doctor import self_test_document

__all__ = ["self_test_document"]

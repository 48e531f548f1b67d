"""The kiosk application: configuration, journeys, platform contract and client, CLI.

Only ``kiosk/app.py`` (the composition root) may import Kivy; everything else here
runs headless so it can be tested without a display.
"""

__version__ = "0.1.0"

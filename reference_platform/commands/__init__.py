"""``kiosk platform ...`` commands, registered with the ``kiosk`` CLI by entry point.

They import FastAPI only inside ``run``, so listing the commands works on a kiosk
installed without the ``platform`` extra; running one there says what to install.
"""

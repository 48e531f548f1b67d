"""Sub-commands of the ``kiosk`` CLI, one module each.

Each module defines ``COMMAND`` (a tuple path such as ``("config", "check")``),
``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``. ``kiosk.cli`` finds them
by walking this package, so adding a command never means editing a shared list.
"""

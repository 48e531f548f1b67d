"""Kivy screens and widgets. They render journey state and forward touches; no I/O."""

"""Printers: the ESC/POS thermal printer (receipts, tickets, certificates), the A4 printer (CUPS), emulators."""

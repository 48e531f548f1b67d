"""Development tooling, never imported by the kiosk: the kill harness (``chaos``), the
scripted demo that drives the real screens, and the translation-string extractor.
"""

"""Fixtures for the platform-client tests; the servers live in http_stubs.py."""

from .http_stubs import refused_url, stub

__all__ = ["refused_url", "stub"]

"""Simulated power cuts on the kiosk's SQLite stores: a VFS shim that records the disk (``disk``)
and random store work checked after each cut (``workload``); see docs/durability.md."""

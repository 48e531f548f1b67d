"""The reference government-service platform: a real HTTP server (FastAPI on
SQLite) implementing the whole kiosk contract, seeded with demo data.

Entry points: :func:`reference_platform.app.create_app`,
:func:`reference_platform.server.serve_in_thread`, :func:`reference_platform.audit.audit`.
"""

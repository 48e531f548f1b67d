"""The reference government-service platform: a real HTTP server (FastAPI on
SQLite) implementing the whole kiosk contract, seeded with demo data.

Entry points: :func:`kiosk.reference.app.create_app`,
:func:`kiosk.reference.server.serve_in_thread`, :func:`kiosk.reference.audit.audit`.
"""

"""The kiosk's platform client: signed HTTP, safe retries, typed errors, cached catalogue."""

from kiosk.client.api import CatalogResult, PlatformClient, decode
from kiosk.client.cache import CachedCatalog, CatalogCache
from kiosk.client.errors import (
    AuthRejected,
    BadResponse,
    Conflict,
    NotFound,
    PlatformError,
    PlatformTimeout,
    PlatformUnreachable,
    ServerError,
    ValidationRejected,
)
from kiosk.client.transport import RetryPolicy, Transport, new_idempotency_key

__all__ = [
    "AuthRejected",
    "BadResponse",
    "CachedCatalog",
    "CatalogCache",
    "CatalogResult",
    "Conflict",
    "NotFound",
    "PlatformClient",
    "PlatformError",
    "PlatformTimeout",
    "PlatformUnreachable",
    "RetryPolicy",
    "ServerError",
    "Transport",
    "ValidationRejected",
    "decode",
    "new_idempotency_key",
]

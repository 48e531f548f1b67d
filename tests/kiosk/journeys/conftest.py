from __future__ import annotations

from collections.abc import Iterator

import pytest

from .harness import Kiosk


@pytest.fixture
def kiosk(tmp_path) -> Iterator[Kiosk]:
    k = Kiosk(tmp_path)
    try:
        yield k
    finally:
        k.close()

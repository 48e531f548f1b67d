"""The reference platform on a loopback port (one fresh database per test module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reference_platform.server import ServerHandle, serve_in_thread

from .helpers import Signed


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = serve_in_thread(tmp_path_factory.mktemp("platform") / "platform.db", always_open=True)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def api(platform: ServerHandle) -> Signed:
    return Signed(platform.url)

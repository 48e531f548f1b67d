"""What every technician page shares: a result area under its content, and work in the pool.

A page shows its content (rows, a table, a note) and its buttons; the outcome of the
last test or command run from it appears below, until the technician opens a page
(the same one too) again. Pages run slow work through technician mode, which shows the
spinner and ignores touches meanwhile, so a page needs no state for "busy".
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

from kiosk.i18n import _
from kiosk.journeys.base import TechnicianContext
from kiosk.runtime import Runtime
from kiosk.views import Action, Block, Text, View

log = logging.getLogger(__name__)


class PageHost(Protocol):
    """What a page (and the PIN prompt) uses of technician mode."""

    ctx: TechnicianContext

    @property
    def rt(self) -> Runtime: ...

    def run(self, work: Callable[[], Any], then: Callable[[Any], None], busy: str,
            fail: Callable[[BaseException], None] | None = None) -> None: ...

    def leave(self, reason: str) -> None: ...


class Page(ABC):
    """One page of technician mode; ``on_<action>`` handlers take the touches of its buttons."""

    key = ""
    """The page's id: the navigation's ``page`` argument and the screen name ``technician.<key>``."""
    label = ""
    """Its navigation label, a message id marked with ``N_``."""

    def __init__(self, host: PageHost) -> None:
        self.host = host
        self.result: tuple[Block, ...] = ()
        """The outcome of the last test or command on this page."""

    @property
    def rt(self) -> Runtime:
        return self.host.rt

    def opened(self) -> None:
        """The technician chose this page (again): a fresh page without the last result."""
        self.result = ()

    def refresh(self) -> None:  # noqa: B027 - optional hook: pages that read nothing
        """The bar's "刷新": read again what the page shows."""

    @abstractmethod
    def body(self) -> tuple[list[Block], list[Action]]:
        """The page's content and buttons, shown under the navigation."""

    def takeover(self) -> View | None:
        """A whole screen instead of the page (a confirmation), or None."""
        return None

    def tick(self) -> bool:
        """About once a second; True when the page changed and must be drawn again."""
        return False

    def on_event(self, event: object) -> bool:
        """A card or a code while this page is shown; True if the page used it."""
        return False

    def run(self, work: Callable[[], Any], then: Callable[[Any], None], busy: str) -> None:
        """``work`` in the pool; a failure becomes this page's result."""
        self.host.run(work, then, busy, self.failed)

    def failed(self, exc: BaseException) -> None:
        log.warning("technician %s page: %s: %s", self.key, type(exc).__name__, exc)
        self.result = (Text(_("操作失败：{why}").format(why=type(exc).__name__), "error"),)

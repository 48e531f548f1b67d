"""The journeys of one visit, the current one last, and how a journey finishes or replaces another.

This is the core of what journeys use of the visit controller (their ``JourneyContext``):
``VisitController`` extends it with opening journeys from its factories, the visit's
lifecycle, input, time and what to show. A journey that finishes resumes the one below
it; when none is left the visit ends.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from kiosk.journeys.base import Finished, Journey
from kiosk.runtime import Runtime

log = logging.getLogger(__name__)


class JourneyStack(ABC):
    """The open journeys and the calls that move through them; worker results are tied to the visit."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.sessions = rt.sessions
        self.stack: list[Journey] = []
        self.generation = 0
        """Bumped at every visit start and end: late worker results of an old visit are dropped."""
        self._listeners: list[Callable[[], None]] = []

    # -- plumbing --------------------------------------------------------------------------
    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def run(self, work: Callable[[], Any], then: Callable[[Any], None],
            fail: Callable[[BaseException], None]) -> None:
        """Worker-pool work whose result only counts if the same visit is still going."""
        gen = self.generation

        def guard(fn: Callable[[Any], None]) -> Callable[[Any], None]:
            def call(value: Any) -> None:
                if gen != self.generation:
                    log.info("dropped a late result from an ended visit")
                    return
                fn(value)
                self.changed()
            return call

        self.rt.submit(work, guard(then), guard(fail))

    @property
    def active(self) -> bool:
        return bool(self.stack)

    @property
    def current(self) -> Journey | None:
        return self.stack[-1] if self.stack else None

    # -- the journey stack -----------------------------------------------------------------
    def push(self, journey: Journey) -> None:
        self.stack.append(journey)
        journey.start()
        self.changed()

    def finish(self, journey: Journey, result: Finished) -> None:
        if journey not in self.stack:
            return
        while self.stack and self.stack[-1] is not journey:
            self.stack.pop()
        self.stack.pop()
        parent = self.current
        if parent is None:
            self.end_visit("journey stack emptied")
            return
        parent.resume(journey, result)
        self.changed()

    def replace(self, journey: Journey, successor: Journey) -> None:
        """``journey`` hands over to ``successor`` without finishing (identify -> the service it gated)."""
        if journey in self.stack:
            del self.stack[self.stack.index(journey):]
        self.push(successor)

    def home(self) -> None:
        del self.stack[1:]
        if self.stack:
            self.stack[0].start()
        self.changed()

    @abstractmethod
    def end_visit(self, reason: str) -> None:
        """The visit is over (here: its last journey finished); ``VisitController`` wipes it."""

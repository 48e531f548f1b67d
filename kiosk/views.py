"""What a screen shows, as plain frozen data: the contract between journeys and screens/.

A journey describes its current step as a ``View`` (title, blocks, actions) with every
string already translated and masked; screens/ turns it into widgets and sends touches
back as action ids. Keeping the description in kiosk/ means a whole visit can run and
be tested headless, and every screen gets elder mode, translation and the timeout
overlay from one renderer instead of forty hand-made layouts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Style = Literal["primary", "secondary", "danger"]
TextStyle = Literal["lead", "body", "note", "error", "big", "success"]


@dataclass(frozen=True)
class Action:
    """A button. ``id`` is what ``act`` receives; ``args`` travel with it (e.g. a service code)."""

    id: str
    label: str
    style: Style = "primary"
    enabled: bool = True
    args: tuple[tuple[str, str], ...] = ()

    def kwargs(self) -> dict[str, str]:
        return dict(self.args)


@dataclass(frozen=True)
class Text:
    text: str
    style: TextStyle = "body"


@dataclass(frozen=True)
class Pairs:
    """Label/value rows (a guide's elements, an identity, a receipt)."""

    rows: tuple[tuple[str, str], ...]
    title: str = ""


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    page: int = 1
    pages: int = 1
    empty: str = ""


@dataclass(frozen=True)
class Choices:
    """A grid of large buttons (categories, services, query kinds, certificates)."""

    items: tuple[Action, ...]
    columns: int = 2
    title: str = ""


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    value: str = ""
    error: str = ""
    keyboard: Literal["text", "code", "digits", "id", "phone", "date"] = "text"
    """``text``: Chinese and Latin (pinyin, handwriting); ``code``: letters and digits (receipt codes), no
    input method; the others: the numeric keypad."""
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    fields: tuple[FormField, ...]
    focus: str = ""


@dataclass(frozen=True)
class Picture:
    """An image to show: PNG bytes (a QR code, a certificate preview, a material photo)."""

    png: bytes = field(repr=False)
    caption: str = ""
    height: int = 360


@dataclass(frozen=True)
class Rating:
    levels: tuple[str, ...]
    selected: int | None = None


@dataclass(frozen=True)
class Progress:
    """A busy step: a message and, where the wait is bounded, seconds left."""

    message: str
    seconds_left: int | None = None


Block = Text | Pairs | Table | Choices | Form | Picture | Rating | Progress


@dataclass(frozen=True)
class View:
    """One step of a journey; ``screen`` names it for screenshots, tests and the demo summary."""

    screen: str
    title: str
    blocks: tuple[Block, ...] = ()
    actions: tuple[Action, ...] = ()
    prompt: str = ""
    """Spoken when the step is first shown (speech engine), usually the lead text."""
    step: tuple[int, int] | None = None
    """(current, total) steps of a journey, for the progress dots."""


@dataclass(frozen=True)
class Chrome:
    """What surrounds every view: the bar with help/language/elder, banners and the countdown."""

    language: str
    elder: bool
    banner: str = ""
    countdown: int | None = None
    """Seconds left while the timeout warning is shown, else None."""
    help_status: str = ""
    identity: str = ""
    """The masked identity shown in the bar while a citizen is identified."""
    can_go_home: bool = False
    labels: tuple[tuple[str, str], ...] = ()
    """Translated chrome labels by key (help, home, language, elder, more_time...)."""

    def label(self, key: str) -> str:
        return dict(self.labels).get(key, key)


@dataclass(frozen=True)
class Frame:
    """Everything a screen renders at one moment."""

    view: View
    chrome: Chrome
    attract: bool = False

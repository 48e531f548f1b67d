"""One TOML file configures a kiosk; it is validated completely at start-up.

A technician edits this file in the field, so a wrong value must be refused with the
file, the key and what is allowed, before anything opens a device. With no file at
all the kiosk runs in demo mode: emulated devices and the reference platform on
loopback, state under the user's home.
"""

from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    create_model,
    field_validator,
)

from drivers import registry
from drivers.registry import SectionModel
from kiosk.platform.contract.demo import DEMO_KIOSK_ID, DEMO_SECRET
from kiosk.platform.settings import PlatformSection

DEFAULT_PATH = Path("/etc/kiosk/kiosk.toml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KioskSection(_Section):
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")] = DEMO_KIOSK_ID
    """Kiosk id given by the platform at enrolment."""
    secret_file: str = ""
    """File holding the enrolment secret (mode 0600). Empty: the demo secret."""
    site_name: str = "示范政务服务中心"
    language: Literal["zh_CN", "en", "zh_TW"] = "zh_CN"
    elder_mode_default: bool = False
    state_dir: str = ""
    """Journal, catalogue cache and keys. Empty: /var/lib/kiosk, or ~/.local/state/kiosk in demo mode."""
    screen_timeout_s: Annotated[int, Field(ge=30, le=600)] = 90
    elder_timeout_factor: Annotated[float, Field(ge=1.0, le=4.0)] = 2.0
    technician_pin_hash: str = ""
    technician_export_dir: str = ""
    """Technician mode exports its log bundle here. Empty: the first USB stick mounted under /media or /run/media."""
    timezone: str = "Asia/Shanghai"
    """IANA zone of every time the citizen reads: screen, receipts, queue tickets, certificates."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (use an IANA name such as Asia/Shanghai)") from None
        return value


class DisplaySection(_Section):
    fullscreen: bool = True
    width: Annotated[int, Field(ge=320, le=7680)] = 1080
    height: Annotated[int, Field(ge=240, le=7680)] = 1920
    rotation: Literal[0, 90, 180, 270] = 0
    max_fps: Annotated[int, Field(ge=10, le=120)] = 30


class DevicesSection(_Section):
    """``[devices]``: one sub-table per device class of the driver registry.

    The model is assembled from the registry (``drivers.registry``): each device class
    brings its own section model, so the kiosk lists no device here. A key naming no
    registered device is refused like any unknown key.
    """

    def section(self, name: str) -> SectionModel:
        """The ``[devices.<name>]`` section; the class's defaults when it was registered after this was read."""
        value = getattr(self, name, None)
        return value if isinstance(value, SectionModel) else registry.get(name).section()


@functools.lru_cache(maxsize=8)
def _devices_model(specs: tuple[registry.DeviceSpec, ...]) -> type[DevicesSection]:
    fields: dict[str, Any] = {s.name: (s.section, Field(default_factory=s.section)) for s in specs}
    return create_model("DevicesSection", __base__=DevicesSection, **fields)


def devices_model() -> type[DevicesSection]:
    """The ``[devices]`` model for the device classes registered now (the same class while they stay)."""
    return _devices_model(registry.specs())


def _devices(value: object) -> DevicesSection:
    model = devices_model()
    if isinstance(value, model):
        return value
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return model.model_validate(value)


_DevicesField = Annotated[DevicesSection, PlainValidator(_devices), PlainSerializer(lambda v: v.model_dump())]


class MetricsSection(_Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 9464
    heartbeat_s: Annotated[int, Field(ge=10, le=3600)] = 60
    """Seconds between heartbeats to the platform (device states, paper, journal depth)."""


class JournalSection(_Section):
    max_mb: Annotated[int, Field(ge=1, le=10_000)] = 200


class SpeechSection(_Section):
    enabled: bool = True
    engine: Literal["espeak-ng", "none"] = "espeak-ng"


class Config(_Section):
    kiosk: KioskSection = KioskSection()
    platform: PlatformSection = PlatformSection()
    display: DisplaySection = DisplaySection()
    devices: _DevicesField = Field(default_factory=lambda: _devices({}))
    metrics: MetricsSection = MetricsSection()
    journal: JournalSection = JournalSection()
    speech: SpeechSection = SpeechSection()
    source: str = Field(default="", exclude=True)
    """Where this configuration came from (a path, or "defaults")."""

    @property
    def demo(self) -> bool:
        return self.source == "defaults"

    def state_path(self) -> Path:
        if self.kiosk.state_dir:
            return Path(self.kiosk.state_dir)
        if self.demo:
            base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
            return Path(base) / "kiosk"
        return Path("/var/lib/kiosk")


class ConfigError(Exception):
    """A configuration file that can't be used; the message names file, key and the allowed values."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


def _describe(err: dict) -> str:
    key = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "extra_forbidden":
        return f"{key}: unknown key (check the spelling against docs/configuration.md)"
    if kind == "literal_error":
        return f"{key}: must be one of {ctx.get('expected')} (got {got!r})"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{key}: {msg} (got {got!r})"


def parse(text: str, path: str) -> Config:
    """Validate TOML text as a kiosk configuration; raises ``ConfigError`` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    try:
        return Config.model_validate({**data, "source": path})
    except ValidationError as exc:
        raise ConfigError(path, [_describe(e) for e in exc.errors()]) from None


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the configuration the kiosk should use.

    Order: the explicit path, ``$KIOSK_CONFIG``, ``/etc/kiosk/kiosk.toml``; with none of
    them present, the demo defaults. An explicit path that does not exist is an error,
    not a silent fallback to demo mode.
    """
    explicit = path or os.environ.get("KIOSK_CONFIG")
    candidate = Path(explicit) if explicit else DEFAULT_PATH
    if not candidate.exists():
        if explicit:
            raise ConfigError(str(candidate), ["file not found"])
        return Config(source="defaults")
    try:
        text = candidate.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(candidate), [f"cannot be read: {exc}"]) from None
    return with_dropins(parse(text, str(candidate)), text)


DROPIN_DIR = "config.d"
"""Drop-in fragments in the state folder (``/var/lib/kiosk/config.d/*.toml``), read after the file in name
order, each overriding what came before it key by key. A configuration pushed from the platform is written
there (the kiosk user cannot write /etc/kiosk, and the service's file system is read-only elsewhere)."""
NOT_PUSHABLE = ("kiosk.id", "kiosk.secret_file", "kiosk.state_dir", "platform")
"""Keys a drop-in may not set: they would cut the kiosk off from the platform, or move the folder holding the
drop-ins themselves. A technician changes them in the file."""


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def fragment(text: str, path: str) -> dict[str, Any]:
    """A drop-in's TOML as data; ``ConfigError`` when it is not TOML or sets a key in ``NOT_PUSHABLE``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    refused = [key for key in NOT_PUSHABLE
               if (section := data.get(key.partition(".")[0])) is not None
               and (not key.partition(".")[2] or (isinstance(section, dict) and key.partition(".")[2] in section))]
    if refused:
        raise ConfigError(path, [f"{key}: cannot be set by a drop-in (change it in the configuration file)"
                                 for key in refused])
    return data


def dropins(cfg: Config) -> list[Path]:
    folder = cfg.state_path() / DROPIN_DIR
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def with_dropins(cfg: Config, text: str, extra: tuple[str, str] | None = None) -> Config:
    """``cfg`` (parsed from ``text``) with its drop-ins applied, and ``extra`` = (name, fragment text) last.

    Validated as a whole with the same schema as the file; a problem names the drop-in it came from.
    """
    try:
        sources = [(str(p), p.read_text(encoding="utf-8")) for p in dropins(cfg)]
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(cfg.state_path() / DROPIN_DIR), [f"a drop-in cannot be read: {exc}"]) from None
    if extra is not None:
        sources.append(extra)
    if not sources:
        return cfg
    data = tomllib.loads(text)
    for path, fragment_text in sources:
        data = _merge(data, fragment(fragment_text, path))
        try:
            Config.model_validate({**data, "source": cfg.source})
        except ValidationError as exc:
            raise ConfigError(path, [_describe(e) for e in exc.errors()]) from None
    return Config.model_validate({**data, "source": cfg.source})


def read_secret(cfg: Config) -> bytes:
    """The enrolment secret; the demo secret only when no secret file is configured."""
    if not cfg.kiosk.secret_file:
        return DEMO_SECRET
    p = Path(cfg.kiosk.secret_file)
    try:
        secret = p.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(cfg.source, [f"kiosk.secret_file: cannot read {p}: {exc.strerror}"]) from None
    if len(secret) < 16:
        raise ConfigError(cfg.source, [f"kiosk.secret_file: {p} holds fewer than 16 bytes"])
    return secret


def demo_config(state_dir: str | os.PathLike[str], *, speech: bool = False, metrics: dict | None = None,
                platform: dict | None = None, kiosk: dict | None = None, **devices: dict) -> Config:
    """Demo defaults with state under ``state_dir`` (``kiosk demo``, tests): emulators, loopback platform."""
    data = {"kiosk": {**(kiosk or {}), "state_dir": str(state_dir)}, "speech": {"enabled": speech},
            "metrics": metrics or {"enabled": False}, "platform": platform or {}, "devices": devices,
            "source": "defaults"}
    return Config.model_validate(data)

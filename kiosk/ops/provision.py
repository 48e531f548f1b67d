"""Provisioning: turn a fresh machine (or an image tree) into an enrolled kiosk.

``provision()`` does, in this order, and nothing that the platform has not agreed to:

1. Find an existing enrolment: ``/etc/kiosk/kiosk.toml`` pointing at the same platform
   with a readable secret. If there is one it is kept (checked with one signed,
   read-only call) and the enrolment code is not used again.
2. Otherwise trade the enrolment code for a kiosk id and secret (``POST /v1/enrol``).
   The call's idempotency key is written to ``/etc/kiosk/enrolment.json`` *before*
   it is sent, so a run that died after the platform answered resumes with the same
   key and gets the same kiosk back instead of enrolling a second one.
3. Install the units, udev rules, tmpfiles, sysusers and PAM files and the polkit rule
   from ``systemd/``.
4. Write the secret (0600, owner ``kiosk`` when that user exists), the technician PIN
   hash and the configuration (0640, group ``kiosk``), editing only the keys it owns
   in an existing file so a technician's other settings and comments survive.

Every file is compared before it is written and written atomically
(``kiosk.ops.layout``), so a second run with the same inputs changes nothing: same
bytes, same mtimes, no new enrolment. A salted PIN hash is only replaced when the PIN
actually changed.

Everything lands under ``root`` (``/`` on a live machine, an image tree or a test
directory otherwise). Only on a live root are ``systemd-sysusers``,
``systemd-tmpfiles``, ``udevadm`` and ``systemctl daemon-reload`` run.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from kiosk import config
from kiosk.ops import pin as technician
from kiosk.ops.layout import (
    KIOSK_USER,
    SYSTEMD_SRC,
    Account,
    FileState,
    activate,
    install_system_files,
    lookup_account,
    prune_empty_dirs,
    remove_file,
    set_toml_value,
    under,
    write_file,
)
from kiosk.platform.client import PlatformClient
from kiosk.platform.contract.hosts import is_loopback
from kiosk.platform.contract.operations import EnrolRequest
from kiosk.platform.errors import AuthRejected, PlatformError, PlatformTimeout, PlatformUnreachable
from kiosk.platform.transport import RetryPolicy

CONFIG_PATH = "/etc/kiosk/kiosk.toml"
SECRET_PATH = "/etc/kiosk/secret"
RECORD_PATH = "/etc/kiosk/enrolment.json"
TEMPLATE = "kiosk.toml.example"

EnrolmentState = Literal["new", "resumed", "kept", "kept-unverified"]


class ProvisionError(Exception):
    """Provisioning stopped; ``exit_code``: 2 bad input, 3 platform refused, 4 platform unreachable."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Options:
    platform_url: str
    enrol_code: str
    root: Path = Path("/")
    pin: str | None = None
    """Technician PIN (6-12 digits); None keeps the current one."""
    site_name: str | None = None
    ca_bundle: str = ""
    re_enrol: bool = False
    """Enrol again with the code even though an enrolment exists (replaces the kiosk id and secret)."""
    systemd_src: Path = SYSTEMD_SRC
    live: bool | None = None
    """Run sysusers/tmpfiles/udev/daemon-reload; default: only when ``root`` is ``/``."""


@dataclass
class Report:
    kiosk_id: str = ""
    platform: str = ""
    enrolment: EnrolmentState = "new"
    files: dict[str, FileState] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(s != "unchanged" for s in self.files.values()) or self.enrolment in ("new", "resumed")

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "changed" if self.changed else "unchanged",
            "kiosk_id": self.kiosk_id,
            "platform": self.platform,
            "enrolment": self.enrolment,
            "files": dict(sorted(self.files.items())),
            "notes": list(self.notes),
        }


def _sha256(data: str) -> str:
    return hashlib.sha256(data.encode()).hexdigest()


# -- the enrolment record ------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    state: Literal["pending", "enrolled"]
    platform: str
    code_sha256: str
    idempotency_key: str
    kiosk_id: str = ""
    enrolled_at: str = ""

    def dump(self) -> bytes:
        return (json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n").encode()


def load_record(root: Path) -> Record | None:
    try:
        data = json.loads(under(root, RECORD_PATH).read_text(encoding="utf-8"))
        return Record(**{k: str(data[k]) for k in Record.__dataclass_fields__ if k in data})  # type: ignore[arg-type]
    except (OSError, ValueError, TypeError):
        return None


# -- the steps -----------------------------------------------------------------------------


def _normalise_url(url: str) -> str:
    """The platform URL; plain http only to this machine, as the enrolment answer carries the kiosk's secret."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ProvisionError(f"--platform {url!r}: must start with http:// or https://")
    host = urlsplit(url).hostname or ""
    if url.startswith("http://") and not is_loopback(host):
        raise ProvisionError(f"--platform {url!r}: cleartext http:// would send the enrolment code and receive "
                             "the kiosk's secret readable on the network; use https:// (http only to loopback)")
    return url


def _existing_config(root: Path, template: str) -> tuple[str | None, config.Config | None]:
    """The current kiosk.toml (text and parsed), or (None, None) for a fresh or example-only file."""
    path = under(root, CONFIG_PATH)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvisionError(f"{path}: cannot be read: {exc}") from None
    if text == template:
        return None, None  # install.sh's example: nothing configured yet
    try:
        return text, config.parse(text, str(path))
    except config.ConfigError as exc:
        raise ProvisionError(f"the existing configuration is invalid; fix or remove it first:\n{exc}") from None


def _existing_secret(root: Path, cfg: config.Config | None) -> bytes | None:
    if cfg is None or not cfg.kiosk.secret_file:
        return None
    try:
        secret = under(root, cfg.kiosk.secret_file).read_bytes().strip()
    except OSError:
        return None
    return secret if len(secret) >= 16 else None


def _hardware_id(root: Path) -> str:
    """An app-specific hash of the machine id (the raw id stays on the machine)."""
    try:
        mid = under(root, "/etc/machine-id").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return hashlib.sha256(f"gov-kiosk:{mid}".encode()).hexdigest()[:32] if mid else ""


def _client(opts: Options, url: str, kiosk_id: str = "unenrolled", secret: bytes = b"") -> PlatformClient:
    return PlatformClient(url, kiosk_id, secret, ca_bundle=opts.ca_bundle,
                          retry=RetryPolicy(attempts=3, backoff_s=0.5, deadline_s=30.0))


def _check_existing(opts: Options, url: str, kiosk_id: str, secret: bytes, report: Report) -> None:
    """One signed read: does the platform still accept this kiosk?"""
    try:
        with _client(opts, url, kiosk_id, secret) as client:
            client.announcements()
    except AuthRejected as exc:
        raise ProvisionError(
            f"the platform refuses the existing enrolment of {kiosk_id} ({exc.code}); "
            "run again with --re-enrol to enrol with a new code", 3) from None
    except (PlatformUnreachable, PlatformTimeout) as exc:
        report.enrolment = "kept-unverified"
        report.notes.append(f"platform not reachable ({exc.code}); kept the existing enrolment without checking it")
        return
    except PlatformError as exc:
        report.enrolment = "kept-unverified"
        report.notes.append(f"platform answered {exc.code}; kept the existing enrolment without checking it")
        return
    report.enrolment = "kept"


def _enrol(opts: Options, url: str, site_name: str, report: Report) -> tuple[str, bytes, Record]:
    root = opts.root
    code_hash = _sha256(opts.enrol_code)
    pending = load_record(root)
    if pending and pending.state == "pending" and pending.platform == url and pending.code_sha256 == code_hash:
        key, report.enrolment = pending.idempotency_key, "resumed"
    else:
        key, report.enrolment = str(uuid.uuid4()), "new"
        pending = Record("pending", url, code_hash, key)
        # Persist the key first: if we die after the platform answered, the next run replays it.
        write_file(under(root, RECORD_PATH), pending.dump(), 0o600, dir_mode=0o750)
    req = EnrolRequest(enrolment_code=opts.enrol_code, site_name=site_name, hardware_id=_hardware_id(root))
    try:
        with _client(opts, url) as client:
            resp = client.enrol(req, idempotency_key=key)
    except (PlatformUnreachable, PlatformTimeout) as exc:
        raise ProvisionError(f"cannot reach the platform at {url}: {exc}", 4) from None
    except PlatformError as exc:
        if exc.status == 409:  # the same request is still being handled: keep the key, try again later
            raise ProvisionError(f"the platform is still handling this enrolment ({exc.code}); run again", 4) from None
        if 400 <= exc.status < 500:
            # A refused code is final: the next try starts afresh, and a fresh root stays empty.
            remove_file(under(root, RECORD_PATH))
            prune_empty_dirs(under(root, RECORD_PATH).parent, root)
            raise ProvisionError(f"the platform refused the enrolment: {exc.code} (HTTP {exc.status})", 3) from None
        raise ProvisionError(f"enrolment failed: {exc}", 4) from None
    secret = resp.secret.encode()
    if len(secret) < 16:
        raise ProvisionError("the platform sent a secret shorter than 16 bytes", 3)
    try:
        config.KioskSection(id=resp.kiosk_id)
    except ValueError:
        raise ProvisionError(f"the platform sent an unusable kiosk id {resp.kiosk_id[:80]!r}", 3) from None
    record = Record("enrolled", url, code_hash, key, resp.kiosk_id, resp.enrolled_at.astimezone(UTC).isoformat())
    return resp.kiosk_id, secret, record


def _pin_hash(opts: Options, current: str) -> str:
    if opts.pin is None:
        return current
    if current and technician.verify_pin(opts.pin, current):
        return current  # same PIN: keep the salted hash, so the file does not change
    try:
        return technician.hash_pin(opts.pin)
    except technician.PinFormatError as exc:
        raise ProvisionError(f"technician PIN: {exc}") from None


def provision(opts: Options) -> Report:
    """Enrol (or keep the enrolment) and lay out the kiosk's files under ``opts.root``."""
    root = opts.root
    url = _normalise_url(opts.platform_url)
    if len(opts.enrol_code.strip()) < 4:
        raise ProvisionError("--enrol-code: the code from the hall's administrator has at least 4 characters")
    if opts.pin is not None and not (opts.pin.isdigit() and 6 <= len(opts.pin) <= 12):
        raise ProvisionError("technician PIN: a technician PIN has 6 to 12 digits")
    template = (opts.systemd_src / TEMPLATE).read_text(encoding="utf-8")
    text, cfg = _existing_config(root, template)
    report = Report(platform=url)

    secret = _existing_secret(root, cfg)
    site_name = opts.site_name if opts.site_name is not None else (cfg.kiosk.site_name if cfg else None)
    if site_name is None or not site_name.strip():
        raise ProvisionError("--site-name is needed for a kiosk without a configuration (the hall's name)")
    record: Record | None = None
    if cfg is not None and secret is not None and cfg.platform.url == url and not opts.re_enrol:
        kiosk_id = cfg.kiosk.id
        _check_existing(opts, url, kiosk_id, secret, report)
        old = load_record(root)
        if old and old.state == "enrolled" and old.code_sha256 != _sha256(opts.enrol_code):
            report.notes.append(f"already enrolled as {kiosk_id}; the new enrolment code was not used "
                                "(--re-enrol replaces the enrolment)")
    else:
        had_record = under(root, RECORD_PATH).exists()
        kiosk_id, secret, record = _enrol(opts, url, site_name, report)
    report.kiosk_id = kiosk_id

    live = opts.live if opts.live is not None else root.resolve() == Path("/")
    states = install_system_files(root, opts.systemd_src)
    if live:
        activate(root, states, report.notes)
    account = lookup_account(root)
    if account is None:
        report.notes.append(f"no '{KIOSK_USER}' user under {root}: the secret stays owned by root")
    kiosk_group = Account(0, account.gid) if account else None

    etc_kiosk = under(root, "/etc/kiosk")
    etc_kiosk.mkdir(parents=True, exist_ok=True, mode=0o750)
    states[SECRET_PATH] = write_file(under(root, SECRET_PATH), secret, 0o600, account)

    new_text = text if text is not None else template
    for section, key, value in (
        ("kiosk", "id", kiosk_id),
        ("kiosk", "secret_file", SECRET_PATH),
        ("kiosk", "site_name", site_name),
        ("kiosk", "technician_pin_hash", _pin_hash(opts, cfg.kiosk.technician_pin_hash if cfg else "")),
        ("platform", "url", url),
        *((("platform", "ca_bundle", opts.ca_bundle),) if opts.ca_bundle else ()),
    ):
        new_text = set_toml_value(new_text, section, key, value)
    try:
        config.parse(new_text, CONFIG_PATH)
    except config.ConfigError as exc:
        raise ProvisionError(f"the configuration written would be invalid:\n{exc}") from None
    states[CONFIG_PATH] = write_file(under(root, CONFIG_PATH), new_text.encode(), 0o640, kiosk_group)
    if record is not None:
        state = write_file(under(root, RECORD_PATH), record.dump(), 0o600)
        states[RECORD_PATH] = "created" if not had_record else state
    report.files = states
    return report


def summary(report: Report) -> str:
    d = report.as_dict()
    lines = [f"{d['status']}: kiosk {d['kiosk_id']} on {d['platform']} (enrolment: {d['enrolment']})"]
    for path, state in sorted(report.files.items()):
        if state != "unchanged":
            lines.append(f"  {state:<9} {path}")
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines)

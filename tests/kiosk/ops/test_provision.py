"""``kiosk.ops.provision`` against the reference platform over real HTTP on loopback.

Each test provisions into its own scratch root; the platform is one per module with
its own one-off enrolment codes, so counting its kiosks shows whether a run enrolled.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import config
from kiosk.ops import pin as technician
from kiosk.ops.layout import SYSTEM_FILES, under
from kiosk.ops.provision import (
    CONFIG_PATH,
    RECORD_PATH,
    SECRET_PATH,
    Options,
    ProvisionError,
    load_record,
    provision,
)
from kiosk.platform.client import PlatformClient
from kiosk.platform.contract.operations import Heartbeat
from kiosk.platform.errors import AuthRejected
from reference_platform import enrolment
from reference_platform.db import Database
from reference_platform.server import ServerHandle, serve_in_thread

PIN = "246810"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = serve_in_thread(tmp_path_factory.mktemp("platform") / "platform.db")
    yield handle
    handle.stop()


def new_code(platform: ServerHandle) -> str:
    db = Database(platform.db_path)
    try:
        return enrolment.issue(db)
    finally:
        db.close()


def platform_rows(platform: ServerHandle, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(platform.db_path) as c:
        return c.execute(sql, params).fetchall()


def kiosk_count(platform: ServerHandle) -> int:
    return platform_rows(platform, "SELECT count(*) FROM kiosks")[0][0]


def snapshot(root: Path) -> dict[str, tuple[str, int, int, int, int]]:
    """Every file under root: content hash, mtime, mode, owner, group."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(root))] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mtime_ns,
                                             stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    return out


def client_from_root(root: Path) -> PlatformClient:
    """What the kiosk itself does at start: load the config, read the secret it names."""
    cfg = config.load(under(root, CONFIG_PATH))
    secret = under(root, cfg.kiosk.secret_file).read_bytes()
    return PlatformClient.from_config(cfg.platform, cfg.kiosk.id, secret)


def heartbeat(root: Path) -> None:
    with client_from_root(root) as client:
        ack = client.heartbeat(Heartbeat(kiosk_version="test", uptime_s=1.0))
    assert ack.catalog_version


def opts(platform: ServerHandle, code: str, root: Path, **kw: object) -> Options:
    kw.setdefault("site_name", "天河区政务服务中心")
    return Options(platform.url, code, root=root, **kw)  # type: ignore[arg-type]


def test_provisioned_kiosk_makes_signed_requests(platform: ServerHandle, tmp_path: Path) -> None:
    code = new_code(platform)
    before = kiosk_count(platform)
    report = provision(opts(platform, code, tmp_path, pin=PIN))
    assert report.enrolment == "new" and report.as_dict()["status"] == "changed"
    assert kiosk_count(platform) == before + 1

    cfg = config.parse(under(tmp_path, CONFIG_PATH).read_text(encoding="utf-8"), CONFIG_PATH)
    assert cfg.kiosk.id == report.kiosk_id and cfg.kiosk.secret_file == SECRET_PATH
    assert cfg.platform.url == platform.url and cfg.kiosk.site_name == "天河区政务服务中心"
    assert technician.verify_pin(PIN, cfg.kiosk.technician_pin_hash)
    assert not technician.verify_pin("135790", cfg.kiosk.technician_pin_hash)

    heartbeat(tmp_path)
    seen = platform_rows(platform, "SELECT last_heartbeat FROM kiosks WHERE kiosk_id = ?", (report.kiosk_id,))
    assert seen and seen[0][0] is not None

    # The platform really checks the written secret: a wrong one is refused.
    with PlatformClient(platform.url, report.kiosk_id, b"x" * 43) as wrong, pytest.raises(AuthRejected):
        wrong.announcements()


def test_files_and_modes(platform: ServerHandle, tmp_path: Path) -> None:
    report = provision(opts(platform, new_code(platform), tmp_path))
    mode = lambda rel: stat.S_IMODE(under(tmp_path, rel).stat().st_mode)  # noqa: E731
    assert mode(SECRET_PATH) == 0o600 and mode(CONFIG_PATH) == 0o640 and mode(RECORD_PATH) == 0o600
    for _, dest, want in SYSTEM_FILES:
        assert mode(dest) == want, dest
        assert report.files[dest] == "created"
    record = load_record(tmp_path)
    assert record is not None and record.state == "enrolled" and record.kiosk_id == report.kiosk_id
    # The record never holds the code itself, only its hash.
    assert "KSK-" not in under(tmp_path, RECORD_PATH).read_text(encoding="utf-8")


def test_second_run_changes_nothing(platform: ServerHandle, tmp_path: Path) -> None:
    code = new_code(platform)
    first = provision(opts(platform, code, tmp_path, pin=PIN))
    before, kiosks = snapshot(tmp_path), kiosk_count(platform)
    # The one-off code is spent: a second enrolment with it would be refused (exit 3).
    second = provision(opts(platform, code, tmp_path, pin=PIN))
    assert second.as_dict()["status"] == "unchanged" and second.enrolment == "kept"
    assert set(second.files.values()) == {"unchanged"}
    assert second.kiosk_id == first.kiosk_id
    assert snapshot(tmp_path) == before
    assert kiosk_count(platform) == kiosks
    assert enrolment.uses_left(Database(platform.db_path), code) == 0


def test_rerun_without_pin_or_site_name_keeps_them(platform: ServerHandle, tmp_path: Path) -> None:
    code = new_code(platform)
    provision(opts(platform, code, tmp_path, pin=PIN))
    before = snapshot(tmp_path)
    report = provision(Options(platform.url, code, root=tmp_path))
    assert report.as_dict()["status"] == "unchanged" and snapshot(tmp_path) == before


def test_new_pin_changes_only_the_config(platform: ServerHandle, tmp_path: Path) -> None:
    code = new_code(platform)
    provision(opts(platform, code, tmp_path, pin=PIN))
    before = snapshot(tmp_path)
    report = provision(opts(platform, code, tmp_path, pin="97531864"))
    changed = {p for p, s in report.files.items() if s != "unchanged"}
    assert changed == {CONFIG_PATH}
    after = snapshot(tmp_path)
    assert {k for k in after if after[k] != before.get(k)} == {CONFIG_PATH.lstrip("/")}
    cfg = config.load(under(tmp_path, CONFIG_PATH))
    assert technician.verify_pin("97531864", cfg.kiosk.technician_pin_hash)


def test_technician_edits_survive(platform: ServerHandle, tmp_path: Path) -> None:
    code = new_code(platform)
    provision(opts(platform, code, tmp_path))
    path = under(tmp_path, CONFIG_PATH)
    edited = path.read_text(encoding="utf-8").replace("screen_timeout_s = 90", "screen_timeout_s = 120  # hall 3")
    path.write_text(edited + "# site note: printer on the left\n", encoding="utf-8")
    report = provision(opts(platform, code, tmp_path))
    assert report.files[CONFIG_PATH] == "unchanged"
    assert path.read_text(encoding="utf-8") == edited + "# site note: printer on the left\n"


def test_resumes_after_dying_between_enrolment_and_writing(platform: ServerHandle, tmp_path: Path) -> None:
    """The platform answered, then the run died: the next run gets the same kiosk back."""
    code = new_code(platform)
    kiosks = kiosk_count(platform)
    blocker = under(tmp_path, SECRET_PATH)
    blocker.mkdir(parents=True)  # writing the secret fails like a full disk or a pulled plug
    with pytest.raises(OSError):
        provision(opts(platform, code, tmp_path))
    assert kiosk_count(platform) == kiosks + 1
    pending = load_record(tmp_path)
    assert pending is not None and pending.state == "pending"
    blocker.rmdir()

    report = provision(opts(platform, code, tmp_path))
    assert report.enrolment == "resumed"
    assert kiosk_count(platform) == kiosks + 1, "the resumed run enrolled a second kiosk"
    newest = platform_rows(platform, "SELECT kiosk_id FROM kiosks ORDER BY rowid DESC LIMIT 1")[0][0]
    assert report.kiosk_id == newest
    heartbeat(tmp_path)


def test_refused_code_writes_nothing(platform: ServerHandle, tmp_path: Path) -> None:
    with pytest.raises(ProvisionError) as err:
        provision(opts(platform, "NOT-A-CODE", tmp_path))
    assert err.value.exit_code == 3 and "enrolment_code_invalid" in str(err.value)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_bad_pin_is_refused_before_enrolling(platform: ServerHandle, tmp_path: Path) -> None:
    code = new_code(platform)
    with pytest.raises(ProvisionError) as err:
        provision(opts(platform, code, tmp_path, pin="12ab"))
    assert err.value.exit_code == 2
    assert enrolment.uses_left(Database(platform.db_path), code) == 1


def test_fresh_kiosk_needs_a_site_name(platform: ServerHandle, tmp_path: Path) -> None:
    code = new_code(platform)
    with pytest.raises(ProvisionError, match="site-name"):
        provision(Options(platform.url, code, root=tmp_path))
    assert enrolment.uses_left(Database(platform.db_path), code) == 1


def test_platform_that_forgot_the_kiosk(platform: ServerHandle, tmp_path: Path) -> None:
    first = provision(opts(platform, new_code(platform), tmp_path))
    with sqlite3.connect(platform.db_path) as c:
        c.execute("DELETE FROM kiosks WHERE kiosk_id = ?", (first.kiosk_id,))
    code = new_code(platform)
    with pytest.raises(ProvisionError, match="--re-enrol") as err:
        provision(opts(platform, code, tmp_path))
    assert err.value.exit_code == 3
    again = provision(opts(platform, code, tmp_path, re_enrol=True))
    assert again.enrolment == "new" and again.kiosk_id != first.kiosk_id
    heartbeat(tmp_path)


def test_unreachable_platform_keeps_the_enrolment(platform: ServerHandle, tmp_path: Path) -> None:
    code = new_code(platform)
    provision(opts(platform, code, tmp_path))
    before = snapshot(tmp_path)
    down = serve_in_thread(tmp_path.parent / f"{tmp_path.name}-down.db")
    url = down.url
    down.stop()  # a port that refuses connections now
    path = under(tmp_path, CONFIG_PATH)
    path.write_text(path.read_text(encoding="utf-8").replace(platform.url, url), encoding="utf-8")
    before = snapshot(tmp_path)
    report = provision(Options(url, code, root=tmp_path))
    assert report.enrolment == "kept-unverified" and snapshot(tmp_path) == before


def test_example_config_from_install_sh_counts_as_fresh(platform: ServerHandle, tmp_path: Path) -> None:
    example = (Path(__file__).resolve().parents[3] / "systemd/kiosk.toml.example").read_bytes()
    under(tmp_path, CONFIG_PATH).parent.mkdir(parents=True)
    under(tmp_path, CONFIG_PATH).write_bytes(example)
    report = provision(opts(platform, new_code(platform), tmp_path))
    assert report.enrolment == "new" and report.files[CONFIG_PATH] == "updated"
    cfg = config.load(under(tmp_path, CONFIG_PATH))
    assert cfg.kiosk.id == report.kiosk_id and cfg.kiosk.id != "gz-tianhe-hall-03"


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_secret_owned_by_the_kiosk_user(platform: ServerHandle, tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0::/root:/bin/sh\nkiosk:x:4242:4343::/var/lib/kiosk:/usr/sbin/nologin\n",
                                encoding="utf-8")
    provision(opts(platform, new_code(platform), tmp_path))
    st = under(tmp_path, SECRET_PATH).stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (4242, 4343, 0o600)
    cst = under(tmp_path, CONFIG_PATH).stat()
    assert (cst.st_uid, cst.st_gid, stat.S_IMODE(cst.st_mode)) == (0, 4343, 0o640)

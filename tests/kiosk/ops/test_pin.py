import time

import pytest

from kiosk.ops.pin import (
    LOCKOUT_S,
    MAX_FAILURES,
    MAX_LOCKOUT_S,
    PinFormatError,
    PinGate,
    boot_clock,
    hash_pin,
    trivial,
    verify_pin,
)


def test_hash_round_trip_and_salt():
    h1, h2 = hash_pin("246810"), hash_pin("246810")
    assert h1 != h2 and h1.startswith("scrypt$")
    assert verify_pin("246810", h1) and not verify_pin("246811", h1)
    assert not verify_pin("246810", "garbage")


def test_pin_format():
    with pytest.raises(PinFormatError):
        hash_pin("12ab")


def test_lockout_persists_and_doubles(tmp_path):
    now = [1000.0]
    state = tmp_path / "pin.json"
    gate = PinGate(hash_pin("246810"), state, clock=lambda: now[0], boot=lambda: "b1")
    for _ in range(MAX_FAILURES):
        assert not gate.try_pin("000000")
    assert gate.locked_for() == LOCKOUT_S
    assert not gate.try_pin("246810")  # right PIN refused while locked
    restarted = PinGate(gate.stored_hash, state, clock=lambda: now[0], boot=lambda: "b1")
    assert restarted.locked_for() == LOCKOUT_S
    now[0] += LOCKOUT_S + 1
    for _ in range(MAX_FAILURES):
        restarted.try_pin("000000")
    assert restarted.locked_for() == 2 * LOCKOUT_S
    now[0] += 2 * LOCKOUT_S + 1
    assert restarted.try_pin("246810")


@pytest.mark.parametrize("pin", ["000000", "123456", "987654", "1234567890", "111111111", "121212", "123123",
                                 "456789", "909090"])
def test_trivial_pins_are_refused(pin):
    assert trivial(pin)
    with pytest.raises(PinFormatError, match="first anyone would try"):
        hash_pin(pin)


@pytest.mark.parametrize("pin", ["246810", "975310", "24681357", "135792", "112358"])
def test_ordinary_pins_are_accepted(pin):
    assert not trivial(pin) and verify_pin(pin, hash_pin(pin))


def lock_out(gate: PinGate) -> None:
    for _ in range(MAX_FAILURES):
        gate.try_pin("135790")


def test_lockout_is_capped(tmp_path):
    now = [0.0]
    gate = PinGate(hash_pin("246810"), tmp_path / "pin.json", clock=lambda: now[0], boot=lambda: "b1")
    longest = 0.0
    for _ in range(10):
        lock_out(gate)
        longest = gate.locked_for()
        now[0] += longest + 1
    assert longest == MAX_LOCKOUT_S


def test_a_reboot_restarts_the_lock_in_full(tmp_path):
    """The boot clock starts again at 0 after a reboot: the lock is re-imposed, never shortened."""
    state = tmp_path / "pin.json"
    now = [5000.0]
    lock_out(PinGate(hash_pin("246810"), state, clock=lambda: now[0], boot=lambda: "b1"))
    now[0] = 3.0  # rebooted: the boot clock is small again
    after = PinGate(hash_pin("246810"), state, clock=lambda: now[0], boot=lambda: "b2")
    assert after.locked_for() == LOCKOUT_S


def test_setting_the_wall_clock_back_does_not_lift_the_lock(tmp_path, monkeypatch):
    gate = PinGate(hash_pin("246810"), tmp_path / "pin.json")  # the real boot clock and boot id
    lock_out(gate)
    monkeypatch.setattr(time, "time", lambda: 0.0)  # the wall clock set back to 1970
    assert gate.locked_for() > LOCKOUT_S - 5
    assert boot_clock() > 0


def test_reset_lifts_the_lock(tmp_path):
    gate = PinGate(hash_pin("246810"), tmp_path / "pin.json", clock=lambda: 100.0, boot=lambda: "b1")
    lock_out(gate)
    gate.reset()
    assert gate.locked_for() == 0 and gate.try_pin("246810")


def test_roster_cache_damaged_or_absent_means_bootstrap_and_a_failed_fetch_keeps_it(tmp_path):
    from datetime import UTC, datetime

    from kiosk.ops.pin import LOCAL_ID, PIN_STATE_FILE, Roster, refresh_roster, sign_in
    from kiosk.platform.contract import TechnicianCredential, TechnicianList

    roster, gate = Roster(tmp_path), PinGate(hash_pin("602913"), tmp_path / PIN_STATE_FILE)
    assert roster.load() is None and not roster.personal()
    listing = TechnicianList(issued_at=datetime.now(UTC), technicians=[
        TechnicianCredential(technician_id="T007", pin_hash=hash_pin("480215"))])
    assert refresh_roster(lambda: listing, roster) and roster.personal()

    def down() -> TechnicianList:
        raise ConnectionError("platform away")

    assert not refresh_roster(down, roster)
    assert sign_in(gate, roster, "T007", "480215", gate.stored_hash) == "T007"
    assert sign_in(gate, roster, "T008", "480215", gate.stored_hash) is None  # unknown id
    roster.path.write_text("{not json")
    assert roster.load() is None
    assert sign_in(gate, roster, "", "602913", gate.stored_hash) == LOCAL_ID


def test_a_hash_with_an_absurd_cost_never_matches():
    assert not verify_pin("480215", "scrypt$1073741824$8$1$" + "00" * 16 + "$" + "00" * 32)


def test_two_heartbeats_storing_the_list_at_once_both_succeed(tmp_path):
    """The periodic heartbeat and a technician's "send now" are answered at the same moment."""
    import threading
    from datetime import UTC, datetime

    from kiosk.ops.pin import Roster
    from kiosk.platform.contract import TechnicianCredential, TechnicianList

    roster = Roster(tmp_path)
    listing = TechnicianList(issued_at=datetime.now(UTC), technicians=[
        TechnicianCredential(technician_id="T007", pin_hash=hash_pin("480215"))])
    errors: list[BaseException] = []

    def store_many() -> None:
        try:
            for _ in range(300):
                roster.store(listing)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=store_many) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and roster.load() == listing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["technicians.json"]

import pytest

from kiosk.ops.pin import LOCKOUT_S, MAX_FAILURES, PinFormatError, PinGate, hash_pin, verify_pin


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
    gate = PinGate(hash_pin("246810"), state, clock=lambda: now[0])
    for _ in range(MAX_FAILURES):
        assert not gate.try_pin("000000")
    assert gate.locked_for() == LOCKOUT_S
    assert not gate.try_pin("246810")  # right PIN refused while locked
    restarted = PinGate(gate.stored_hash, state, clock=lambda: now[0])
    assert restarted.locked_for() == LOCKOUT_S
    now[0] += LOCKOUT_S + 1
    for _ in range(MAX_FAILURES):
        restarted.try_pin("000000")
    assert restarted.locked_for() == 2 * LOCKOUT_S
    now[0] += 2 * LOCKOUT_S + 1
    assert restarted.try_pin("246810")

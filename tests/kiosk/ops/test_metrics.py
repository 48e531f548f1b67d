import socket

import requests

from drivers.base import DeviceState, DeviceStatusChanged, MediaStatus
from kiosk.devices.board import DeviceBoard
from kiosk.ops.metrics import KioskMetrics


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_metrics_endpoint_reports_paper_out():
    board = DeviceBoard()
    m = KioskMetrics("0.1.0", "k1", board)
    assert m.registry.get_sample_value("kiosk_device_state", {"device": "printer", "state": "online"}) == 0
    assert m.registry.get_sample_value("kiosk_device_media", {"device": "printer", "media": "out"}) is None
    board.handle(DeviceStatusChanged("printer", DeviceState.USER_ERROR, MediaStatus.OUT))
    port = _free_port()
    m.serve("127.0.0.1", port)
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert 'kiosk_device_state{device="printer",state="user_error"} 1.0' in text
    assert 'kiosk_device_state{device="printer",state="online"} 0.0' in text
    assert 'kiosk_device_media{device="printer",media="out"} 1.0' in text
    assert 'kiosk_info{kiosk_id="k1",version="0.1.0"} 1.0' in text


def test_longest_ui_frame_is_published_per_period():
    """The app's frame meter feeds ``kiosk_longest_frame_ms`` and starts each period afresh."""
    import time

    from kiosk.app import FrameMeter

    m = KioskMetrics("0.1.0", "k1", DeviceBoard())
    meter = FrameMeter()
    for _ in range(4):
        meter.tick()  # the first frames (window creation) are not counted
    time.sleep(0.08)  # one frame that took 80 ms
    meter.tick()
    meter.tick()
    meter.publish(m.frame_ms)
    assert m.registry.get_sample_value("kiosk_longest_frame_ms") >= 80
    meter.tick()
    meter.publish(m.frame_ms)
    assert m.registry.get_sample_value("kiosk_longest_frame_ms") < 80

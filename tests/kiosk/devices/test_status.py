import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from drivers.base import DeviceState, DeviceStatusChanged
from kiosk.bus import AnnouncementsUpdated, EventBus, PlatformReachability
from kiosk.devices.board import DEVICE_NAMES
from kiosk.devices.status import MAX_ANNOUNCEMENTS, Announcement, PlatformPoller, StatusModel


def test_devices_start_unknown_and_follow_bus_events():
    bus = EventBus()
    model = StatusModel()
    model.attach(bus)
    assert model.snapshot().devices == {n: "unknown" for n in DEVICE_NAMES}
    changes = []
    model.on_change(lambda: changes.append(1))
    bus.publish(DeviceStatusChanged("printer", DeviceState.USER_ERROR))
    bus.publish(DeviceStatusChanged("printer", DeviceState.USER_ERROR))
    snap = model.snapshot()
    assert snap.devices["printer"] == "user_error"
    assert changes == [1]
    assert snap.platform_reachable is None


def test_unknown_state_value_is_shown_as_unknown():
    model = StatusModel()
    model.set_device("camera", "melted")
    assert model.snapshot().devices["camera"] == "unknown"


def test_announcements_are_parsed_defensively():
    model = StatusModel()
    model.handle(AnnouncementsUpdated(({"title": " 停电通知 ", "body": "周六维护"}, {"title": ""}, "junk",
                                       {"title": 5}, {"title": "ok", "body": None})))
    assert model.snapshot().announcements == (Announcement("停电通知", "周六维护"), Announcement("ok", ""))
    model.set_announcements([{"title": f"t{i}", "body": "x" * 5000} for i in range(50)])
    anns = model.snapshot().announcements
    assert len(anns) == MAX_ANNOUNCEMENTS and len(anns[0].body) == 500


def test_reachability_event():
    model = StatusModel()
    model.handle(PlatformReachability(False, "ConnectionRefusedError"))
    snap = model.snapshot()
    assert snap.platform_reachable is False and snap.platform_detail == "ConnectionRefusedError"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps([{"title": "社保卡业务调整", "body": "即日起可自助补卡"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return None


def test_poller_over_real_http_reports_data_then_unreachable():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/announcements"

    def source():
        with urllib.request.urlopen(url, timeout=2) as resp:
            return json.load(resp)

    bus = EventBus()
    model = StatusModel()
    model.attach(bus)
    poller = PlatformPoller(source, bus)
    assert poller.poll_once() is True
    snap = model.snapshot()
    assert snap.platform_reachable is True
    assert snap.announcements[0].title == "社保卡业务调整"
    server.shutdown()
    server.server_close()
    assert poller.poll_once() is False
    snap = model.snapshot()
    assert snap.platform_reachable is False
    assert snap.announcements[0].title == "社保卡业务调整"  # last known announcements stay visible


def test_poller_thread_starts_and_stops():
    bus = EventBus()
    model = StatusModel()
    model.attach(bus)
    polled = threading.Event()

    def source():
        polled.set()
        return [{"title": "a"}]

    poller = PlatformPoller(source, bus, interval_s=60)
    poller.start()
    assert polled.wait(5)
    poller.stop()
    assert model.snapshot().platform_reachable is True


def test_bilingual_contract_shaped_announcements():
    from kiosk.platform.contract.operations import AnnouncementList

    data = {"announcements": [{"announcement_id": "a1", "title": {"zh_CN": "春节安排", "en": "Spring Festival"},
                               "text": {"zh_CN": "2月9日起暂停", "en": "Closed from 9 Feb"},
                               "valid_from": "2026-01-01T00:00:00Z"}]}
    listing = AnnouncementList.model_validate(data)
    bus = EventBus()
    model = StatusModel()
    model.attach(bus)
    PlatformPoller(lambda: listing, bus).poll_once()
    ann = model.snapshot().announcements[0]
    assert ann.in_language("zh_CN") == ("春节安排", "2月9日起暂停")
    assert ann.in_language("en") == ("Spring Festival", "Closed from 9 Feb")
    model.set_announcements(data["announcements"])
    assert model.snapshot().announcements[0] == ann

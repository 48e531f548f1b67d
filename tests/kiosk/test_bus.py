import threading

from drivers.base import DeviceState, DeviceStatusChanged
from kiosk.bus import EventBus, PlatformReachability


def test_sync_subscriber_runs_in_publisher_thread_and_filters_by_type():
    bus = EventBus()
    seen = []
    bus.subscribe(lambda e: seen.append((e, threading.current_thread().name)), DeviceStatusChanged, sync=True)
    ev = DeviceStatusChanged("printer", DeviceState.ONLINE)
    t = threading.Thread(target=bus.publish, args=(ev,), name="reader")
    t.start()
    t.join()
    bus.publish(PlatformReachability(True))
    assert seen == [(ev, "reader")]


def test_dispatcher_thread_delivers_in_order_from_many_threads():
    bus = EventBus()
    got = []
    done = threading.Event()

    def handler(e):
        got.append(e)
        if len(got) == 400:
            done.set()

    bus.subscribe(handler)

    def burst(tag):
        for i in range(100):
            bus.publish((tag, i))

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert done.wait(5)
    for tag in range(4):
        assert [i for (g, i) in got if g == tag] == list(range(100))
    bus.close()


def test_failing_handler_does_not_stop_others_or_publisher():
    bus = EventBus()
    got = []
    bus.subscribe(lambda e: 1 / 0, sync=True)
    bus.subscribe(got.append, sync=True)
    bus.publish("x")
    assert got == ["x"]


def test_unsubscribe_and_close_drain():
    bus = EventBus()
    got = []
    sub = bus.subscribe(got.append, sync=True)
    bus.unsubscribe(sub)
    bus.publish(1)
    assert got == []
    async_got = []
    bus.subscribe(async_got.append)
    bus.publish(2)
    bus.close()
    assert async_got == [2]

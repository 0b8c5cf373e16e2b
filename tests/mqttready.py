"""Test peers subscribe and wait for the broker's SUBACK before a test goes on.

Until then the broker does not route to them: a message published in that gap is lost (or
arrives later as a retained copy), and a test waiting for it times out on a busy machine.
"""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt


def connect_subscribed(client: mqtt.Client, port: int, filters: list[tuple[str, int]],
                       timeout: float = 10.0) -> None:
    """Connect `client` to 127.0.0.1:`port`, start its loop and return once the broker has
    granted `filters`. Sets the client's on_connect and on_subscribe: it subscribes on
    CONNACK, from paho's thread, so the SUBSCRIBE goes out at once (queued before CONNACK, it
    waited for the loop's next turn, up to a second) and its mid is known before the SUBACK."""
    granted = threading.Event()
    pending: list[int] = []

    def on_connect(c, _u, _f, reason_code, _p) -> None:
        if not reason_code.is_failure:
            pending.append(c.subscribe(filters)[1])

    def on_subscribe(_c, _u, mid, reason_codes, _p) -> None:
        if mid in pending and not any(code.is_failure for code in reason_codes):
            granted.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.connect("127.0.0.1", port)
    client.loop_start()
    if not granted.wait(timeout):
        client.loop_stop()
        raise TimeoutError(f"broker on port {port} did not grant {filters} within {timeout} s")

# ruff: noqa: UP031 - MicroPython code: %-formatting is what its runtime handles best
"""MicroPython script `roomink flash` runs on the board (`mpremote run`) after writing
config.json: join the configured Wi-Fi and open a TCP connection to the broker, so a wrong
password or an unreachable broker is reported at the desk instead of by a silent sign.

It reads the secrets from the board's own config.json (they never travel in a command line)
and prints one result line per check, never a secret:

    roomink-wifi ok 192.168.1.50        | roomink-wifi fail <wlan.status() code>
    roomink-broker ok                   | roomink-broker fail <OSError>
"""

import json
import socket
import time

import network

_FAILED = (2, 15, 200, 201, 202, 203, 204, 210, 211)  # ESP32 WLAN.status() failure codes
_JOIN_MS = 15000


def check(path="config.json"):
    with open(path) as f:
        cfg = json.load(f)
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    try:
        wlan.disconnect()
    except OSError:
        pass
    wlan.connect(cfg["wifi_ssid"], cfg.get("wifi_password") or "")
    start = time.ticks_ms()
    status = wlan.status()
    while not wlan.isconnected():
        status = wlan.status()
        if status in _FAILED or time.ticks_diff(time.ticks_ms(), start) > _JOIN_MS:
            break
        time.sleep_ms(100)
    if not wlan.isconnected():
        print("roomink-wifi fail %s" % status)
        wlan.active(False)
        return
    print("roomink-wifi ok %s" % wlan.ifconfig()[0])
    s = socket.socket()
    try:
        s.settimeout(5)
        s.connect(socket.getaddrinfo(cfg["broker_host"], cfg["broker_port"])[0][-1])
        print("roomink-broker ok")
    except OSError as e:
        print("roomink-broker fail %s" % e)
    finally:
        s.close()
    wlan.active(False)


check()

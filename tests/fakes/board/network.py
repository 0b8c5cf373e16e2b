"""Fake MicroPython `network` for the board scripts the fake mpremote runs on the unix port.
$ROOMINK_FAKE_WIFI picks the outcome: ok | wrong_password | no_ap. Codes are the ESP32
port's WLAN.status() values."""

import os

STA_IF = 0
STAT_IDLE = 1000
STAT_CONNECTING = 1001
STAT_GOT_IP = 1010
STAT_NO_AP_FOUND = 201
STAT_WRONG_PASSWORD = 202

_OUTCOME = {"ok": STAT_GOT_IP, "wrong_password": STAT_WRONG_PASSWORD,
            "no_ap": STAT_NO_AP_FOUND}


class WLAN:
    def __init__(self, interface):
        self._status = STAT_IDLE
        self._active = False

    def active(self, value=None):
        if value is None:
            return self._active
        self._active = bool(value)
        return None

    def connect(self, ssid, password):
        if not self._active:
            raise OSError("Wifi Not Started")
        self._status = _OUTCOME[os.getenv("ROOMINK_FAKE_WIFI") or "ok"]

    def disconnect(self):
        self._status = STAT_IDLE

    def isconnected(self):
        return self._status == STAT_GOT_IP

    def status(self, param=None):
        return self._status

    def ifconfig(self, config=None):
        return ("192.168.1.50", "255.255.255.0", "192.168.1.1", "192.168.1.1")

"""ESP32 board: panel on machine.SPI, buttons on RTC GPIOs (ext1 wake), battery on an ADC
divider, Wi-Fi station, RTC memory, watchdog, deep sleep.

Pins come from config.json "pins" (defaults below fit a Waveshare ESP32 e-Paper driver board).
Currents and timings that matter for battery life are in tools/bench_wake.py.
"""

import json
import time

import esp32
import machine
import network

# Waveshare "e-Paper ESP32 Driver Board" wiring; buttons on RTC-capable GPIOs for ext1 wake.
DEFAULT_PINS: dict = {"sck": 13, "mosi": 14, "cs": 15, "dc": 27, "rst": 26, "busy": 25,
                "battery": 35, "buttons": [32, 33, 34, 39]}
_BATTERY_DIVIDER = 2  # 100k/100k divider in front of the ADC pin
_RTC_MAX = 2048  # bytes of RTC slow memory MicroPython exposes via RTC.memory()
_EPOCH_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0  # ports with a 2000 epoch


class Board:
    """The ESP32 node. Construct at boot; `configure(cfg)` before using the panel or Wi-Fi."""

    name = "esp32"

    def __init__(self, node_dir: str = "") -> None:
        self.t0 = time.ticks_ms()
        self.dir = node_dir
        self.pins: dict = dict(DEFAULT_PINS)
        self.wdt: machine.WDT | None = None
        self.wlan: network.WLAN | None = None
        self.radio = False
        self.cfg: dict = {}
        self._buttons = self._read_buttons()  # read first thing: the press may be short
        self.panel = None

    def file_path(self, name: str) -> str:
        """A file the provisioning put beside config.json (e.g. ca.pem)."""
        return self.dir + "/" + name

    def configure(self, cfg: dict) -> None:
        self.cfg = cfg
        self.pins.update(cfg.get("pins") or {})
        # A hung wake (stuck socket, stuck panel) resets the node instead of draining the
        # battery; the margin covers connect + a slow tri-colour refresh.
        self.wdt = machine.WDT(timeout=(cfg["max_awake_s"] + 40) * 1000)

    def feed_watchdog(self) -> None:
        if self.wdt is not None:
            self.wdt.feed()

    # -- panel ---------------------------------------------------------------------------------
    def panel_bus(self, ctrl: str, width: int, height: int, colors: tuple) -> tuple:
        p = self.pins
        spi = machine.SPI(1, baudrate=4_000_000, polarity=0, phase=0,
                          sck=machine.Pin(p["sck"]), mosi=machine.Pin(p["mosi"]))
        dc = machine.Pin(p["dc"], machine.Pin.OUT, value=0)
        cs = machine.Pin(p["cs"], machine.Pin.OUT, value=1)
        rst = machine.Pin(p["rst"], machine.Pin.OUT, value=1)
        busy = machine.Pin(p["busy"], machine.Pin.IN)
        return spi, dc, cs, rst, busy

    # -- network -------------------------------------------------------------------------------
    def network_up(self, timeout_ms: int = 10000) -> bool:
        """Join the configured Wi-Fi; False after the timeout (the caller sleeps and retries)."""
        ssid = self.cfg.get("wifi_ssid")
        if not ssid:
            return False
        wlan = network.WLAN(network.STA_IF)
        self.wlan = wlan
        wlan.active(True)
        static = self.cfg.get("static_ip")
        if static:
            wlan.ifconfig(tuple(static))  # no DHCP round trips
        if not wlan.isconnected():
            wlan.connect(ssid, self.cfg.get("wifi_password") or "")
        start = time.ticks_ms()
        while not wlan.isconnected():
            if time.ticks_diff(time.ticks_ms(), start) > timeout_ms:
                # Why, on the serial console: 202 wrong password, 201 network not found,
                # 15 handshake timeout (ESP-IDF wifi_err_reason_t).
                print("roomink: Wi-Fi %r not joined, status %s" % (ssid, wlan.status()))
                return False
            self.feed_watchdog()
            time.sleep_ms(50)
        self.radio = True
        return True

    def radio_off(self) -> None:
        """Wi-Fi off (e.g. during a refresh): the CPU may then light-sleep between BUSY polls."""
        if self.wlan is not None:
            self.wlan.active(False)
        self.radio = False

    def rssi(self) -> int | None:
        try:
            return self.wlan.status("rssi") if self.wlan else None
        except OSError:
            return None

    # -- time ----------------------------------------------------------------------------------
    def uptime_ms(self) -> int:
        return time.ticks_diff(time.ticks_ms(), self.t0)

    def sleep_ms(self, ms: int) -> None:
        if not self.radio and ms >= 5:
            machine.lightsleep(ms)  # ~0.8 mA instead of ~20 mA while the panel works
        else:
            time.sleep_ms(ms)

    def unix_time(self) -> int:
        return time.time() + _EPOCH_OFFSET

    # -- RTC memory ----------------------------------------------------------------------------
    def rtc_load(self) -> dict | None:
        if machine.reset_cause() != machine.DEEPSLEEP_RESET:
            return None  # power-on / reset: RTC memory content is not ours
        try:
            raw = machine.RTC().memory()
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def rtc_save(self, state: dict) -> None:
        raw = json.dumps(state).encode()
        if len(raw) > _RTC_MAX:
            state = dict(state)
            state["asm"] = None  # the half-received frame is the only large part: resend it
            raw = json.dumps(state).encode()
        machine.RTC().memory(raw)

    # -- sensors -------------------------------------------------------------------------------
    def battery_mv(self) -> int:
        adc = machine.ADC(machine.Pin(self.pins["battery"]), atten=machine.ADC.ATTN_11DB)
        return adc.read_uv() * _BATTERY_DIVIDER // 1000

    def _read_buttons(self) -> int:
        mask = 0
        for i, gpio in enumerate(self.pins["buttons"][:4]):
            if machine.Pin(gpio, machine.Pin.IN).value():  # pressed = high (pull-down fitted)
                mask |= 1 << i
        return mask

    def buttons(self) -> int:
        return self._buttons

    def wake_reason(self, rtc: dict | None) -> str:
        cause = machine.reset_cause()
        if cause == machine.WDT_RESET:
            return "watchdog"
        if cause == machine.DEEPSLEEP_RESET:
            reason = machine.wake_reason()
            if reason in (machine.EXT0_WAKE, machine.EXT1_WAKE) or self._buttons:
                return "button"
            return "timer"
        if cause == machine.PWRON_RESET:
            return "power"
        return "reset"

    # -- deep sleep ----------------------------------------------------------------------------
    def deep_sleep(self, sleep_s: int | None, reason: str) -> None:
        """Radio off, buttons armed, then deep sleep (never returns on hardware)."""
        print("roomink: deep sleep %s s (%s)" % (sleep_s, reason))
        if self.wlan is not None:
            self.wlan.active(False)
        pins = [machine.Pin(g, machine.Pin.IN) for g in self.pins["buttons"][:4]]
        if pins:
            esp32.wake_on_ext1(pins, esp32.WAKEUP_ANY_HIGH)
        if sleep_s is None:
            machine.deepsleep()
        machine.deepsleep(max(1, sleep_s) * 1000)

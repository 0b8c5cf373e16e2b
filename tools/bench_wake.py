"""Wake-cycle benchmark: a simulated office day (8 meetings) and an empty day, end to end.

Real parts: the hub service (fixed clock, real calendar parsing, rendering, change detection,
region updates), a private mosquitto, and the real node firmware under the MicroPython unix
port, one process per wake. The node sleeps for whatever its sleep.json says; the hub's clock
jumps by exactly that much before the next wake. Measured per wake: time awake (the node's own
step log), MQTT bytes on the socket (rx/tx), refreshes.

Battery life is then *modelled* for an ESP32 + 7.5" BWR panel on 2,500 mAh, from these figures
and the currents below, for two configurations of the same firmware:
  default   : Wi-Fi joined with DHCP; the CPU polls BUSY with Wi-Fi connected during the
              panel refresh (modem sleep)
  battery   : config "static_ip" (no DHCP) and "refresh_offline": the node acks a verified
              frame at once, leaves the broker, switches Wi-Fi off and light-sleeps between
              BUSY polls while the panel refreshes, then deep-sleeps (no rejoin)
Run: python tools/bench_wake.py [--profile 7.5-bwr] [--max-sleep 14400]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.hostnode import HostNode  # noqa: E402
from hub.mosquitto import Mosquitto  # noqa: E402
from tests.hubharness import RunningHub, config_text  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")

# --- Currents and times (mA, s). ESP32 figures: Espressif, ESP-WROOM-32 / ESP32 datasheet,
# "Power Consumption by Power Modes": Wi-Fi Rx and listening 80-90 mA, Tx 160-260 mA, modem
# sleep (CPU on, radio off) 20 mA at max speed / 5-10 mA normal, association sleep pattern
# (light sleep, DTIM1) 1.2 mA, deep sleep with RTC timer + RTC memory 10 uA.
I_BOOT = 30.0          # CPU on, radio off, MicroPython boot to main.py (modem-sleep class)
T_BOOT = 0.6           # assumed boot time from deep sleep to main.py
I_WIFI = 100.0         # association + DHCP: mostly Rx/listen (80-90 mA) with Tx bursts
T_WIFI_TYPICAL = 2.5   # scan + auth + DHCP: 2-4 s typical from deep-sleep wake
T_WIFI_FAST = 1.0      # static IP, still scanning: ~1 s (0.2-0.5 s reported with cached BSSID)
I_SESSION = 90.0       # MQTT session: Rx/listening upper figure
T_SESSION_RTT = 0.15   # added per wake for real network round trips (host loopback has none)
I_REFRESH_CPU_MODEM = 20.0   # polling BUSY, Wi-Fi connected, modem sleep (max speed)
I_REFRESH_CPU_LIGHT = 0.8    # light sleep, Wi-Fi off (datasheet: light-sleep 0.8 mA)
I_PANEL_REFRESH = 8.0  # panel during refresh: ~26 mW (Waveshare e-Paper spec sheets) at 3.3 V
T_REFRESH = {"7.5-bwr": 17.1, "4.2-bwr": 15.0, "2.9-bwr": 15.0, "7.5-bw": 4.0, "4.2-bw": 4.0,
             "2.9-bw": 3.0}  # GxEPD2 measured refresh times (e.g. GDEW075Z08: 17.13 s)
I_SLEEP = 0.020        # 10 uA ESP32 + ~5 uA LDO + ~2 uA battery divider + panel deep sleep
CAPACITY_MAH = 2500.0
USABLE = 0.8           # derating: cut-off voltage, self-discharge, temperature

MEETINGS = [("08:30", "08:45", "Daily stand-up"), ("09:00", "10:30", "Design review"),
            ("11:00", "12:00", "Customer call"), ("13:00", "13:30", "1:1"),
            ("14:00", "15:00", "Sprint planning"), ("15:00", "15:45", "Budget"),
            ("16:00", "16:30", "Interview"), ("17:00", "17:30", "Retro")]


def ics(day: datetime, meetings: list[tuple[str, str, str]]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//roomink//bench//EN"]
    for i, (start, end, title) in enumerate(meetings):
        d = day.strftime("%Y%m%d")
        lines += ["BEGIN:VEVENT", f"UID:bench-{i}@roomink.example", "DTSTAMP:20260101T000000Z",
                  f"DTSTART;TZID=Europe/Berlin:{d}T{start.replace(':', '')}00",
                  f"DTEND;TZID=Europe/Berlin:{d}T{end.replace(':', '')}00",
                  f"SUMMARY:{title}", "END:VEVENT"]
    return "\r\n".join(lines + ["END:VCALENDAR"]) + "\r\n"


@dataclass
class Wake:
    at: datetime
    awake_ms: int
    rx: int
    tx: int
    refreshes: int
    sleep_s: int | None


def parse_log(text: str) -> tuple[int, int, int, int]:
    """(awake ms, rx bytes, tx bytes, refreshes) of the last wake in a node log."""
    last = text[text.rfind("wake reason="):]
    times = [int(m) for m in re.findall(r"roomink:\s+(\d+) ms", last)]
    rx_tx = re.search(r"mqtt rx=(\d+) tx=(\d+) bytes", last)
    rx, tx = (int(rx_tx.group(1)), int(rx_tx.group(2))) if rx_tx else (0, 0)
    return (times[-1] if times else 0), rx, tx, len(re.findall(r"frame seq=\d+ shown$", last,
                                                               re.MULTILINE))


def simulate_day(tmp: Path, port: int, profile: str, day: datetime, meetings,
                 max_sleep: int) -> list[Wake]:
    node_id = f"bench-{profile.replace('.', '')}-{day:%a}".lower()
    cal = tmp / f"{node_id}.ics"
    cal.write_text(ics(day, meetings))
    text = config_text({"room": str(cal)}, {node_id: "room"}, display=profile)
    start = day.replace(hour=0, minute=0, second=30)
    end = start + timedelta(days=1)
    wakes: list[Wake] = []
    with RunningHub(port, text, tmp, start) as running:
        node = HostNode(node_id, tmp / node_id, profile, "127.0.0.1", port)
        node.write_config(max_sleep_s=max_sleep, max_msg=8192)
        now = start
        while now < end:
            running.advance(now)
            code = node.run_cycle(timeout=120)
            if code != 0:
                raise SystemExit(f"node failed at {now}:\n{node.log_text[-3000:]}")
            awake, rx, tx, refreshes = parse_log(node.log_text)
            sleep_s = json.loads((node.directory / "sleep.json").read_text())["sleep_s"]
            wakes.append(Wake(now, awake, rx, tx, refreshes, sleep_s))
            now = now + timedelta(seconds=max(1, sleep_s or max_sleep))
    return wakes


def energy_mas(wakes: list[Wake], profile: str, optimised: bool) -> float:
    """Charge (mA*s) spent awake over the day's wakes."""
    total = 0.0
    t_wifi = T_WIFI_FAST if optimised else T_WIFI_TYPICAL
    i_cpu = I_REFRESH_CPU_LIGHT if optimised else I_REFRESH_CPU_MODEM
    for w in wakes:
        total += I_BOOT * T_BOOT + I_WIFI * t_wifi
        total += I_SESSION * (w.awake_ms / 1000 + T_SESSION_RTT)
        total += w.refreshes * T_REFRESH[profile] * (i_cpu + I_PANEL_REFRESH)
    return total


def awake_s(wakes: list[Wake], profile: str, optimised: bool) -> float:
    t_wifi = T_WIFI_FAST if optimised else T_WIFI_TYPICAL
    return sum(T_BOOT + t_wifi + w.awake_ms / 1000 + T_SESSION_RTT
               + w.refreshes * T_REFRESH[profile]
               for w in wakes)


def day_mah(wakes: list[Wake], profile: str, optimised: bool) -> float:
    awake = awake_s(wakes, profile, optimised)
    return (energy_mas(wakes, profile, optimised) + I_SLEEP * (86400 - awake)) / 3600


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="7.5-bwr")
    ap.add_argument("--max-sleep", type=int, default=4 * 3600,
                    help="node max_sleep_s (how soon a lost hub is noticed)")
    args = ap.parse_args()
    weekday = datetime(2026, 11, 25, tzinfo=TZ)  # a Wednesday
    weekend = datetime(2026, 11, 28, tzinfo=TZ)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "broker").mkdir()
        broker = Mosquitto(tmp / "broker")
        broker.start()
        try:
            busy = simulate_day(tmp, broker.port, args.profile, weekday, MEETINGS,
                                args.max_sleep)
            empty = simulate_day(tmp, broker.port, args.profile, weekend, [], args.max_sleep)
        finally:
            broker.stop()

    print(f"profile {args.profile}, node max_sleep_s {args.max_sleep}, "
          f"{len(MEETINGS)} meetings on the busy day\n")
    print(f"{'time':>5} {'awake ms':>8} {'rx B':>6} {'tx B':>5} {'refr':>4} {'sleep s':>7}")
    for w in busy:
        print(f"{w.at:%H:%M} {w.awake_ms:>8} {w.rx:>6} {w.tx:>5} {w.refreshes:>4} "
              f"{w.sleep_s!s:>7}")
    for name, wakes in (("8-meeting day", busy), ("empty day", empty)):
        n = len(wakes)
        print(f"\n{name}: {n} wake-ups (target <= {2 * len(MEETINGS) + 4} on the busy day), "
              f"{sum(w.rx for w in wakes)} B received, {sum(w.tx for w in wakes)} B sent, "
              f"{sum(w.refreshes for w in wakes)} refreshes, host awake time per wake "
              f"{sum(w.awake_ms for w in wakes) / max(1, n):.0f} ms avg, "
              f"max {max(w.awake_ms for w in wakes)} ms")
    print("\nmodelled battery life on 2,500 mAh (80 % usable):")
    for optimised in (False, True):
        label = "battery config" if optimised else "default config"
        busy_mah = day_mah(busy, args.profile, optimised)
        empty_mah = day_mah(empty, args.profile, optimised)
        week = 5 * busy_mah + 2 * empty_mah
        years_busy = CAPACITY_MAH * USABLE / busy_mah / 365
        years_week = CAPACITY_MAH * USABLE / (week / 7) / 365
        print(f"  {label}: {busy_mah:.2f} mAh per meeting day, {empty_mah:.2f} mAh per empty "
              f"day -> {years_busy:.1f} years of meeting days only, {years_week:.1f} years "
              f"with weekends")
    print("\nassumed: boot 0.6 s @30 mA; Wi-Fi join 2.5 s (DHCP) / 1.0 s (static IP) @100 mA; "
          "session = measured + 0.15 s @90 mA;\n  refresh "
          f"{T_REFRESH[args.profile]} s with CPU @20 mA (modem sleep, radio on) / 0.8 mA (light "
          "sleep, radio off, after the ack) + panel 8 mA;\n  deep sleep 20 uA (ESP32 10 uA "
          "per Espressif datasheet + LDO, divider, panel)")


if __name__ == "__main__":
    main()

"""Board support: everything that differs between the unix port (host) and a real ESP32.

`port.host` wires the drivers to a virtual panel and keeps "RTC memory" and "deep sleep" in the
node directory; `port.esp32` uses machine.SPI/Pin/ADC/RTC/deepsleep. node.py only talks to a
Board object, so the app logic is the same on both.
"""

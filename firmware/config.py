"""Node configuration: defaults in one place, copied and overridden by NODE_DIR/config.json.

Every problem is one line an admin can act on (ConfigError), never a traceback.
"""

import json

from profiles import PROFILES
from wire import DEFAULT_PREFIX, WBITS_MAX, WBITS_MIN, valid_node_id

DEFAULTS = {
    "node_id": None,  # required
    "broker_host": None,  # required
    "broker_port": 1883,
    "profile": None,  # required
    "max_awake_s": 20,
    "press_wait_s": 10,  # after a button press, wait this long for the hub's new screen
    "max_sleep_s": 3600,
    "username": None,
    "password": None,
    "tls": False,  # TLS to the broker, trusting only ca.pem beside config.json (roomink tls-ca)
    "hmac_key": None,  # 64 hex digits from the hub's provisioning: frames must carry its MAC
    "keepalive": 60,
    "max_msg": 16384,
    "wbits": 10,
    "prefix": DEFAULT_PREFIX,
    "connect_tries": 3,
    # leave the broker and switch the radio off while a (slow, tri-colour) refresh runs
    "radio_off_refresh": False,
    # battery builds: ack a verified frame at once, refresh after leaving the broker (no
    # reconnect; a failed refresh shows up as the old seq in the next hello)
    "refresh_offline": False,
    # ESP32 only: Wi-Fi station and pin overrides (see port/esp32.py DEFAULT_PINS)
    "wifi_ssid": None,
    "wifi_password": None,
    "static_ip": None,  # [ip, netmask, gateway, dns]: skips DHCP (0.5-2 s of radio time)
    "pins": None,
}

_INTS = {  # key: (min, max)
    "broker_port": (1, 65535),
    "max_awake_s": (1, 600),
    "press_wait_s": (0, 60),
    "max_sleep_s": (10, 7 * 86400),
    "keepalive": (0, 65535),
    "max_msg": (1024, 262144),
    "wbits": (WBITS_MIN, WBITS_MAX),
    "connect_tries": (1, 10),
}


class ConfigError(Exception):
    """config.json is missing or wrong; the message names the file, the key and the fix."""


def load(path: str) -> dict:
    """Read and validate config.json -> dict with every key of DEFAULTS."""
    try:
        with open(path) as f:
            raw = json.load(f)
    except OSError:
        raise ConfigError("%s not found: create it (see docs/firmware.md)" % path) from None
    except ValueError:
        raise ConfigError("%s is not valid JSON" % path) from None
    if not isinstance(raw, dict):
        raise ConfigError("%s must hold a JSON object" % path)
    cfg = dict(DEFAULTS)
    for key, value in raw.items():
        if key not in DEFAULTS:
            raise ConfigError("%s: unknown key %r" % (path, key))
        cfg[key] = value
    for key in ("node_id", "broker_host", "profile"):
        if not isinstance(cfg[key], str) or not cfg[key]:
            raise ConfigError("%s: %r is required (a string)" % (path, key))
    if not valid_node_id(str(cfg["node_id"])):
        raise ConfigError("%s: node_id %r must be 1-32 of a-z, 0-9, -" % (path, cfg["node_id"]))
    if cfg["profile"] not in PROFILES:
        raise ConfigError("%s: profile %r unknown (known: %s)"
                          % (path, cfg["profile"], ", ".join(sorted(PROFILES))))
    for key, (lo, hi) in _INTS.items():
        v = cfg[key]
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise ConfigError("%s: %r must be an integer %d..%d, got %r" % (path, key, lo, hi, v))
    if cfg["pins"] is not None and not isinstance(cfg["pins"], dict):
        raise ConfigError("%s: 'pins' must be an object like {\"busy\": 25}" % path)
    for key in ("radio_off_refresh", "refresh_offline", "tls"):
        if not isinstance(cfg[key], bool):
            raise ConfigError("%s: %r must be true or false" % (path, key))
    if cfg["static_ip"] is not None and (not isinstance(cfg["static_ip"], list)
                                         or len(cfg["static_ip"]) != 4):
        raise ConfigError("%s: 'static_ip' must be [ip, netmask, gateway, dns]" % path)
    for key in ("username", "password", "prefix", "wifi_ssid", "wifi_password"):
        if cfg[key] is not None and not isinstance(cfg[key], str):
            raise ConfigError("%s: %r must be a string" % (path, key))
    key = cfg["hmac_key"]
    if key == "":  # the bundle's config template: no key, unsigned operation
        key = cfg["hmac_key"] = None
    if key is not None and not (isinstance(key, str) and _is_hex(key) and 32 <= len(key) <= 128):
        raise ConfigError("%s: 'hmac_key' must be 32-128 hex digits (from roomink flash)" % path)
    return cfg


def _is_hex(text: str) -> bool:
    for ch in text:
        if ch not in "0123456789abcdefABCDEF":
            return False
    return len(text) % 2 == 0

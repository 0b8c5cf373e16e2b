"""Protocol v1 constants, node side (docs/protocol.md is the contract).

The hub's twin is renderer/frame.py + hub/wire.py; both are checked against tests/vectors/.
Keys are small ints so the CBOR stays tiny; topics are built once at boot as bytes.
"""

from micropython import const

PROTOCOL_VERSION = const(1)
FW_VERSION = "0.1.0"

# Frame / ctl map keys.
K_V = const(0)
K_SEQ = const(1)
K_PANEL = const(2)
K_RECT = const(3)
K_COLORS = const(4)
K_ENC = const(5)
K_WBITS = const(6)
K_CRC = const(7)
K_CHUNK = const(8)
K_DATA = const(9)
K_WAKE_AT = const(10)
K_NOW = const(11)
K_FULL = const(12)
K_WAKE_ID = const(13)  # ctl: the hello's wake_id this ctl answers
K_LAYOUT = const(15)  # frame: decoded data layout, absent = LAYOUT_ROWS

ENC_RAW = const(0)
ENC_DEFLATE = const(1)
WBITS_MIN = const(9)
WBITS_MAX = const(15)

# Decoded data layouts (frame key 15; the hello lists the ones the node can write).
LAYOUT_ROWS = const(0)  # per plane: rows, MSB = leftmost pixel (framebuf.MONO_HLSB)
LAYOUT_COLUMNS = const(1)  # per plane: bands of 8 rows, a byte per column, LSB = top (MONO_VLSB)

# Wire colour codes (frame key 4) and their names in the hello.
BLACK = const(1)
RED = const(2)
YELLOW = const(3)
COLOR_NAMES = {BLACK: "black", RED: "red", YELLOW: "yellow"}

# Error codes, in the order a frame message is checked.
E_CBOR = "cbor"
E_VERSION = "version"
E_SCHEMA = "schema"
E_GEOMETRY = "geometry"
E_RECT = "rect"
E_COLORS = "colors"
E_ENC = "enc"
E_WBITS = "wbits"
E_LENGTH = "length"
E_INFLATE = "inflate"
E_CRC = "crc"
E_PANEL = "panel"

# Wake reasons reported in the status.
WAKE_POWER = "power"
WAKE_TIMER = "timer"
WAKE_BUTTON = "button"
WAKE_RESET = "reset"
WAKE_WATCHDOG = "watchdog"

DEFAULT_PREFIX = "roomink"


class ProtocolError(Exception):
    """A message the node must reject: `code` is the protocol error code, `msg` says why.

    Raised by the CBOR decoder and the frame checks; the app turns it into an error ack and
    reports it in the next status. The panel is never touched once one is raised.
    """

    def __init__(self, code: str, msg: str = "") -> None:
        super().__init__(code, msg)
        self.code = code
        self.msg = msg


def topic(prefix: str, node: str, leaf: str) -> bytes:
    """`{prefix}/v1/{node}/{leaf}` as bytes (MQTT topics are byte strings on the wire)."""
    return ("%s/v%d/%s/%s" % (prefix, PROTOCOL_VERSION, node, leaf)).encode()


def valid_node_id(node: str) -> bool:
    """1-32 characters of a-z, 0-9, '-' (docs/protocol.md, Topics)."""
    if not 1 <= len(node) <= 32:
        return False
    for ch in node:
        if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch == "-"):
            return False
    return True

"""MicroPython runner for firmware/auth.py: reads JSON requests on stdin, one per line, answers
one JSON line each. Usage: micropython tests/fw_auth.py FIRMWARE_DIR < requests

  {"op": "hmac", "key": HEX, "msg": HEX}                 -> {"mac": HEX} (full HMAC-SHA256)
  {"op": "check", "key": HEX, "kind": "frame", "msg": HEX} -> {"ok": true} or {"err", "msg"}
  {"op": "button", "key": HEX, "node": ID, "wake_id": N, "mask": N, "seq": N|null} -> {"mac"}
"""

import json
import sys

sys.path.insert(0, sys.argv[1])

from auth import Auth, Hmac  # noqa: E402
from wire import ProtocolError  # noqa: E402


def hexs(b):
    return "".join(f"{x:02x}" for x in b)


def answer(req):
    key = bytes.fromhex(req["key"])
    if req["op"] == "hmac":
        return {"mac": hexs(Hmac(key).digest(bytes.fromhex(req["msg"])))}
    if req["op"] == "check":
        buf = bytearray(bytes.fromhex(req["msg"]))
        try:
            Auth(key, "x").check(req["kind"].encode(), memoryview(buf))
        except ProtocolError as e:
            return {"err": e.code, "msg": e.msg}
        return {"ok": True}
    if req["op"] == "button":
        return {"mac": Auth(key, req["node"]).button_mac(req["wake_id"], req["mask"], req["seq"])}
    return {"err": "op"}


for line in sys.stdin:
    if line.strip():
        print(json.dumps(answer(json.loads(line))))

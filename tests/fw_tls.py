"""MicroPython runner: TLS-connect to a broker with firmware/brokertls.py and log in over MQTT.

Usage: micropython tests/fw_tls.py FIRMWARE_DIR CA_PEM HOST PORT USER PASSWORD
Prints one JSON line: {"connack": return code} or {"error": "..."}.
"""

import json
import socket
import sys

sys.path.insert(0, sys.argv[1])

import brokertls  # noqa: E402


def field(b):
    return bytes([len(b) >> 8, len(b) & 0xFF]) + b


def main():
    ca, host, port, user, pw = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
    sock = socket.socket()
    sock.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    try:
        s = brokertls.wrap(brokertls.context(ca), sock, host)
    except (OSError, ValueError) as e:
        print(json.dumps({"error": "tls: " + str(e)}))
        return
    body = field(b"MQTT") + bytes([4, 0xC2, 0, 30]) + field(b"fw-tls") + field(
        user.encode()) + field(pw.encode())
    s.write(bytes([0x10, len(body)]) + body)
    ack = s.read(4)
    print(json.dumps({"connack": ack[3]}))
    s.close()


main()

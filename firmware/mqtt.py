"""A small MQTT 3.1.1 client: one layer, one socket, no reconnect policy.

Shaped like micropython-lib's umqtt.simple, with what roomink needs on top:
- every socket wait has a timeout (MQTTError on expiry, never a hang);
- incoming PUBLISH payloads are read with readinto() straight into one preallocated buffer
  (a 40 KB frame is never built as a temporary bytes object); the callback gets a memoryview
  that is valid only until it returns;
- QoS 1 publishes do not block: their packet ids stay in `pending` until the PUBACK comes in
  through the same receive loop. So a callback may publish (e.g. the frame ack) without
  re-entering the receive loop, and `flush()` waits for the broker to have everything;
- an incoming QoS 1 PUBLISH is PUBACKed only after the callback returned, so a node that dies
  while writing a frame gets it redelivered.
Reconnects, retries and Wi-Fi belong to the caller (node.py).
"""

import select
import socket
import struct
import time

from micropython import const

_CONNECT = const(0x10)
_CONNACK = const(0x20)
_PUBLISH = const(0x30)
_PUBACK = const(0x40)
_SUBSCRIBE = const(0x82)
_SUBACK = const(0x90)
_PINGREQ = const(0xC0)
_PINGRESP = const(0xD0)
_DISCONNECT = const(0xE0)

_CONNACK_TEXT = {
    1: "unacceptable protocol version",
    2: "client id rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorized",
}


class MQTTError(Exception):
    """The broker or the link failed: timeout, closed socket, refused CONNECT, protocol error.

    Always transient from the node's point of view except a refused CONNECT (codes 4/5: the
    admin must fix the credentials); the caller retries a bounded number of times, then sleeps.
    """


class MQTTClient:
    """MQTT 3.1.1 client for one connection. `max_msg` bounds incoming payloads (bytes)."""

    def __init__(self, client_id: str, host: str, port: int = 1883, user: str | None = None,
                 password: str | None = None, keepalive: int = 60, max_msg: int = 16384,
                 timeout_ms: int = 5000, buf: bytearray | None = None, ssl_ctx=None) -> None:
        self.client_id = client_id
        self.ssl_ctx = ssl_ctx  # an ssl.SSLContext: TLS to the broker (firmware/brokertls.py)
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.keepalive = keepalive
        self.timeout_ms = timeout_ms
        self.sock: socket.socket | None = None
        self.poller: select.poll | None = None
        self.pid = 0
        self.pending: list[int] = []  # packet ids of our QoS 1 publishes not yet PUBACKed
        self.cb = None
        self.will: tuple[bytes, bytes, bool, int] | None = None
        # incoming payloads land here; a caller may hand in a buffer it allocated at boot
        self.buf = buf if buf is not None and len(buf) >= max_msg else bytearray(max_msg)
        self.mv = memoryview(self.buf)
        self.topic_buf = bytearray(128)
        self.hdr = bytearray(8)  # fixed headers built in place
        self.out = bytearray(256)  # outgoing packet staging
        self.out_n = 0
        self.last_tx = time.ticks_ms()
        self.dropped = 0  # incoming messages larger than max_msg (read and discarded)
        self.rx_bytes = 0  # bytes through the socket: what a wake costs on the air
        self.tx_bytes = 0
        self.suback: tuple[int, int] | None = None

    # -- configuration -------------------------------------------------------------------------
    def set_callback(self, cb) -> None:
        """cb(topic: bytes, payload: memoryview, retained: bool), called from the receive loop."""
        self.cb = cb

    def set_last_will(self, topic: bytes, msg: bytes, retain: bool = False,
                      qos: int = 0) -> None:
        self.will = (topic, msg, retain, qos)

    # -- low level -----------------------------------------------------------------------------
    def _write(self, data: bytes | bytearray | memoryview) -> None:
        """Stage small pieces so a packet leaves in one TCP segment (fewer radio frames, no
        Nagle/delayed-ACK stalls); large payloads go straight out after the staged header."""
        n = len(data)
        out = self.out
        if self.out_n + n > len(out):
            self._flush_out()
        if n <= len(out):
            out[self.out_n:self.out_n + n] = data
            self.out_n += n
            return
        self._send(data)

    def _flush_out(self) -> None:
        if self.out_n:
            n = self.out_n
            self.out_n = 0
            self._send(memoryview(self.out)[:n])

    def _send(self, data: bytes | bytearray | memoryview) -> None:
        mv = memoryview(data)
        sent = 0
        while sent < len(mv):
            sock = self.sock
            if sock is None:
                raise MQTTError("not connected")
            try:
                n = sock.write(mv[sent:])
            except OSError as e:
                raise MQTTError("send failed: %s" % e) from None
            if n is None or n <= 0:
                raise MQTTError("send failed: connection closed")
            sent += n
            self.tx_bytes += n
        self.last_tx = time.ticks_ms()

    def _read_into(self, mv: memoryview) -> None:
        """Fill `mv` completely or raise (timeout / closed)."""
        got = 0
        while got < len(mv):
            sock = self.sock
            if sock is None:
                raise MQTTError("not connected")
            try:
                n = sock.readinto(mv[got:])
            except OSError as e:
                raise MQTTError("receive failed: %s" % e) from None
            if not n:
                raise MQTTError("connection closed by broker")
            got += n
            self.rx_bytes += n

    def _read_byte(self) -> int:
        self._read_into(memoryview(self.hdr)[:1])
        return self.hdr[0]

    def _read_u16(self) -> int:
        self._read_into(memoryview(self.hdr)[:2])
        return (self.hdr[0] << 8) | self.hdr[1]

    def _read_varlen(self) -> int:
        n = 0
        shift = 0
        while True:
            b = self._read_byte()
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7
            if shift > 21:
                raise MQTTError("malformed remaining length")

    def _send_header(self, ptype: int, length: int) -> None:
        """Fixed header: type byte + remaining length (variable-length encoding)."""
        h = self.hdr
        h[0] = ptype
        i = 1
        while True:
            b = length & 0x7F
            length >>= 7
            h[i] = b | (0x80 if length else 0)
            i += 1
            if not length:
                break
        self._write(memoryview(h)[:i])

    def _send_str(self, s: bytes) -> None:
        struct.pack_into("!H", self.hdr, 0, len(s))
        self._write(memoryview(self.hdr)[:2])
        self._write(s)

    def _next_pid(self) -> int:
        self.pid = self.pid % 65535 + 1
        return self.pid

    # -- connection ----------------------------------------------------------------------------
    def connect(self, clean_session: bool = True) -> bool:
        """Open the socket and CONNECT. Returns the broker's session-present flag."""
        try:
            addr = socket.getaddrinfo(self.host, self.port)[0][-1]
            sock = socket.socket()
            self.sock = sock
            sock.settimeout(self.timeout_ms / 1000)
            try:
                sock.setsockopt(6, 1, 1)  # IPPROTO_TCP, TCP_NODELAY (Linux and lwIP values)
            except OSError:
                pass
            sock.connect(addr)
        except OSError as e:
            self.close()
            raise MQTTError("cannot reach broker %s:%d: %s" % (self.host, self.port, e)) from None
        if self.ssl_ctx is not None:
            try:
                sock = self.ssl_ctx.wrap_socket(sock, server_hostname=self.host)
                self.sock = sock
            except (OSError, ValueError) as e:
                self.close()
                raise MQTTError("TLS to broker %s failed (untrusted certificate or wrong host "
                                "name?): %s" % (self.host, e)) from None
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        self.poller = poller
        cid = self.client_id.encode() if isinstance(self.client_id, str) else self.client_id
        length = 10 + 2 + len(cid)
        flags = 0x02 if clean_session else 0
        if self.will:
            wt, wm, wr, wq = self.will
            length += 2 + len(wt) + 2 + len(wm)
            flags |= 0x04 | (wq & 3) << 3 | (wr & 1) << 5
        user = self.user.encode() if isinstance(self.user, str) else self.user
        pw = self.password.encode() if isinstance(self.password, str) else self.password
        if user is not None:
            length += 2 + len(user)
            flags |= 0x80
            if pw is not None:
                length += 2 + len(pw)
                flags |= 0x40
        self._send_header(_CONNECT, length)
        self._send_str(b"MQTT")
        vh = bytearray(4)
        vh[0] = 4  # protocol level 3.1.1
        vh[1] = flags
        struct.pack_into("!H", vh, 2, self.keepalive)
        self._write(vh)
        self._send_str(cid)
        if self.will:
            self._send_str(self.will[0])
            self._send_str(self.will[1])
        if user is not None:
            self._send_str(user)
            if pw is not None:
                self._send_str(pw)
        self._flush_out()
        if self._read_byte() != _CONNACK or self._read_byte() != 2:
            raise MQTTError("broker did not answer CONNECT with CONNACK")
        self._read_into(memoryview(self.hdr)[:2])
        if self.hdr[1]:
            code = self.hdr[1]
            self.close()
            raise MQTTError("broker refused connection: %s" % _CONNACK_TEXT.get(code, code))
        return bool(self.hdr[0] & 1)

    def disconnect(self) -> None:
        if self.sock:
            try:
                self._send_header(_DISCONNECT, 0)
                self._flush_out()
            except MQTTError:
                pass
        self.close()

    def close(self) -> None:
        self.out_n = 0
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.poller = None

    # -- outgoing ------------------------------------------------------------------------------
    def publish(self, topic: bytes, msg: bytes, retain: bool = False, qos: int = 0) -> int:
        """Send PUBLISH. QoS 1 returns at once; its packet id stays in `pending` until PUBACK."""
        length = 2 + len(topic) + len(msg)
        pid = 0
        if qos:
            pid = self._next_pid()
            length += 2
        self._send_header(_PUBLISH | (qos & 1) << 1 | (1 if retain else 0), length)
        self._send_str(topic)
        if qos:
            struct.pack_into("!H", self.hdr, 0, pid)
            self._write(memoryview(self.hdr)[:2])
            self.pending.append(pid)
        self._write(msg)
        self._flush_out()
        return pid

    def subscribe(self, topic: bytes, qos: int = 1) -> None:
        """SUBSCRIBE and wait for SUBACK (PUBLISHes arriving meanwhile go to the callback)."""
        pid = self._next_pid()
        self._send_header(_SUBSCRIBE, 2 + 2 + len(topic) + 1)
        struct.pack_into("!H", self.hdr, 0, pid)
        self._write(memoryview(self.hdr)[:2])
        self._send_str(topic)
        self.hdr[0] = qos
        self._write(memoryview(self.hdr)[:1])
        self._flush_out()
        self.suback = None
        deadline = time.ticks_add(time.ticks_ms(), self.timeout_ms)
        while self.suback is None:
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0:
                raise MQTTError("no SUBACK for %s" % topic.decode())
            self.wait_msg(left)
        if self.suback[0] != pid or self.suback[1] == 0x80:
            raise MQTTError("broker refused subscription to %s" % topic.decode())

    def ping(self) -> None:
        self._send_header(_PINGREQ, 0)
        self._flush_out()

    def flush(self, timeout_ms: int | None = None) -> bool:
        """Wait until every QoS 1 publish is PUBACKed (True) or the timeout passed (False)."""
        timeout_ms = self.timeout_ms if timeout_ms is None else timeout_ms
        deadline = time.ticks_add(time.ticks_ms(), timeout_ms)
        while self.pending:
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0:
                return False
            self.wait_msg(left)
        return True

    # -- incoming ------------------------------------------------------------------------------
    def wait_msg(self, timeout_ms: int) -> bool:
        """Handle at most one incoming packet, waiting up to `timeout_ms`. True if one came.

        Also sends PINGREQ when the link has been quiet for half the keepalive.
        """
        poller = self.poller
        if self.sock is None or poller is None:
            raise MQTTError("not connected")
        if self.keepalive and time.ticks_diff(time.ticks_ms(), self.last_tx) > \
                self.keepalive * 500:
            self.ping()
        ready = poller.poll(max(0, int(timeout_ms)))
        if not ready:
            return False
        for _obj, ev in ready:
            if ev & (select.POLLHUP | select.POLLERR) and not ev & select.POLLIN:
                raise MQTTError("connection lost")
        first = self._read_byte()
        length = self._read_varlen()
        ptype = first & 0xF0
        if ptype == _PUBLISH:
            self._on_publish(first, length)
        elif ptype == _PUBACK:
            pid = self._read_u16()
            if pid in self.pending:
                self.pending.remove(pid)
        elif ptype == _SUBACK:
            pid = self._read_u16()
            granted = self._read_byte()
            self._skip(length - 3)
            self.suback = (pid, granted)
        elif ptype == _PINGRESP:
            pass
        else:
            raise MQTTError("unexpected packet type 0x%02x" % first)
        return True

    def _skip(self, n: int) -> None:
        """Read and discard n bytes through the message buffer."""
        while n > 0:
            k = min(n, len(self.buf))
            self._read_into(self.mv[:k])
            n -= k

    def _on_publish(self, first: int, length: int) -> None:
        qos = (first >> 1) & 3
        tlen = self._read_u16()
        length -= 2
        if tlen > len(self.topic_buf):
            raise MQTTError("topic of %d bytes is too long" % tlen)
        self._read_into(memoryview(self.topic_buf)[:tlen])
        length -= tlen
        topic = bytes(self.topic_buf[:tlen])
        pid = 0
        if qos:
            pid = self._read_u16()
            length -= 2
        if length > len(self.buf):
            self._skip(length)  # too big for us: PUBACK it anyway, it would only come back
            self.dropped += 1
            if self.cb:
                self.cb(topic, None, bool(first & 1))
        else:
            payload = self.mv[:length]
            self._read_into(payload)
            if self.cb:
                self.cb(topic, payload, bool(first & 1))
        if qos == 1:
            self._send_header(_PUBACK, 2)
            struct.pack_into("!H", self.hdr, 0, pid)
            self._write(memoryview(self.hdr)[:2])
            self._flush_out()
        elif qos == 2:
            raise MQTTError("QoS 2 is not supported")

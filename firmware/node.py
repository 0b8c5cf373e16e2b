"""App logic: one wake cycle of a display node (docs/protocol.md, docs/firmware.md).

connect (persistent session, last will) -> subscribe frame+ctl -> online=1, hello -> take frame
messages (check, write, refresh, ack) and the retained ctl -> status -> deep sleep until the
ctl's wake_at (capped by max_sleep_s). Everything that must survive deep sleep (seq on the
panel, an unreported error, a half-received chunked frame) goes to RTC memory via the board.
"""

import gc
import json
import os
import time

import drivers
from assembly import Assembly
from auth import E_REPLAY, Auth, key_from_hex
from drivers import PanelError
from framedec import FrameDecoder, parse_ctl, peek_seq
from mqtt import MQTTClient, MQTTError
from profiles import Profile
from wire import (
    COLOR_NAMES,
    E_LENGTH,
    E_PANEL,
    FW_VERSION,
    LAYOUT_COLUMNS,
    LAYOUT_ROWS,
    PROTOCOL_VERSION,
    ProtocolError,
    topic,
)

_T0 = time.ticks_ms()


def log(msg):
    """One line per step, with milliseconds since boot (what a wake costs, step by step)."""
    print("roomink: %5d ms %s" % (time.ticks_diff(time.ticks_ms(), _T0), msg))


class Node:
    """One wake cycle on one board with one config."""

    def __init__(self, board, cfg, msg_buf=None):
        self.board = board
        self.cfg = cfg
        # The message buffer is the one big block: take it before small objects fragment
        # the heap, and sweep first, so the long-lived objects of this wake are packed from
        # the bottom of the free space rather than between the config parser's garbage.
        gc.collect()
        ssl_ctx = None
        if cfg["tls"]:
            import brokertls

            ssl_ctx = brokertls.context(board.file_path("ca.pem"))
        self.mqtt = MQTTClient("roomink-" + cfg["node_id"], cfg["broker_host"],
                               cfg["broker_port"], cfg["username"], cfg["password"],
                               cfg["keepalive"], cfg["max_msg"], buf=msg_buf, ssl_ctx=ssl_ctx)
        self.profile = p = Profile(cfg["profile"])
        # the decoder's band buffer (panel width) is next in size: before the small objects too
        spi, dc, cs, rst, busy = board.panel_bus(p.ctrl, p.w, p.h, p.colors)
        self.driver = drivers.load(p.ctrl)(board, spi, dc, cs, rst, busy, p.w, p.h, p.colors)
        self.dec = FrameDecoder(p.w, p.h, p.colors, cfg["wbits"], self.driver)
        rtc = board.rtc_load()
        self.wake = board.wake_reason(rtc)
        rtc = rtc or {}
        # changes on every wake, so the ctl answering *this* hello can be told from the
        # retained one of the last wake; random after power-on (RTC memory lost)
        last = rtc.get("wake_id")
        if not isinstance(last, int):
            last = int.from_bytes(os.urandom(3), "big")
        self.wake_id = (last + 1) & 0xFFFFFFFF
        self.shown = rtc.get("seq")  # seq of the frame on the panel, None if unknown
        self.err = rtc.get("err")  # last error not yet reported in a status
        self.err_msg = rtc.get("msg")
        self.wake_at = rtc.get("wake_at")
        self.broker_fails = rtc.get("broker_fails", 0)
        # With a key (docs/protocol.md, Authentication) frames and ctl must carry its MAC, and
        # a frame older than the newest authentic one accepted (`mac_seq`) is a replay.
        key = key_from_hex(cfg["hmac_key"])
        self.auth = Auth(key, cfg["node_id"]) if key else None
        self.mac_seq = rtc.get("mac_seq") or 0
        a = rtc.get("asm")
        self.asm = Assembly(a["seq"], a["count"], a) if a else None
        self.settled = -1  # highest seq acked (shown or rejected) in this cycle
        self.pressed = None  # seq on the panel when a button was pressed in this wake
        self.deferred = None  # [box, full] acked but not yet refreshed (refresh_offline)
        self.shown_before = None
        self.to_refresh = None  # an Assembly complete in RAM, waiting for its refresh
        self.ctl_seq = None
        self.ctl_now = None
        self.ctl_wake_id = None
        self.client = None
        prefix, nid = cfg["prefix"], cfg["node_id"]
        self.t_frame = topic(prefix, nid, "frame")
        self.t_ctl = topic(prefix, nid, "ctl")
        self.t_ack = topic(prefix, nid, "ack")
        self.t_status = topic(prefix, nid, "status")
        self.t_hello = topic(prefix, nid, "hello")
        self.t_online = topic(prefix, nid, "online")
        self.t_button = topic(prefix, nid, "button")

    # -- messages ------------------------------------------------------------------------------
    def _publish(self, t, obj, retain=False):
        c = self.client
        if c is None:
            raise MQTTError("not connected")
        c.publish(t, json.dumps(obj).encode(), retain, 1)

    def _ack(self, seq, err=None, msg=None, missing=None):
        body = {"seq": seq, "ok": err is None and missing is None}
        if err:
            body["err"] = err
            if msg:
                body["msg"] = msg
        if missing is not None:
            body["missing"] = missing
        self._publish(self.t_ack, body)
        log("ack %s" % json.dumps(body))

    def _error(self, code, msg):
        self.err = code
        self.err_msg = msg

    def on_message(self, t, payload, retained):
        if payload is None:
            self._error(E_LENGTH, "message larger than max_msg %d" % self.cfg["max_msg"])
            log("dropped a message larger than max_msg on %s" % t.decode())
            return
        if self.auth is not None:
            try:
                self.auth.check(b"frame" if t == self.t_frame else b"ctl", payload)
            except ProtocolError as e:
                log("%s rejected: %s" % (t.decode(), e.msg))
                self._error(e.code, e.msg)
                if t == self.t_frame:
                    seq = peek_seq(payload)
                    self._ack(seq, e.code, e.msg)
                return
        if t == self.t_frame:
            self.on_frame(payload)
        elif t == self.t_ctl:
            try:
                seq, wake_at, now, wake_id = parse_ctl(payload)
            except ProtocolError as e:
                log("ctl rejected: %s %s" % (e.code, e.msg))
                self._error(e.code, "ctl: " + e.msg)
                return
            self.ctl_seq, self.ctl_now, self.ctl_wake_id = seq, now, wake_id
            if wake_at is not None:
                self.wake_at = wake_at
            log("ctl seq=%d wake_at=%s wake_id=%s%s" % (
                seq, wake_at, wake_id, " (this wake)" if wake_id == self.wake_id else ""))

    def on_frame(self, payload):
        try:
            info = self.dec.check(payload)
        except ProtocolError as e:
            seq = peek_seq(payload)
            log("frame seq=%s rejected: %s (%s)" % (seq, e.code, e.msg))
            self._error(e.code, e.msg)
            self._settle(seq)
            self._ack(seq, e.code, e.msg)
            return
        seq = info.seq
        if self.auth is not None:
            if seq < self.mac_seq:
                msg = "frame %d is older than frame %d" % (seq, self.mac_seq)
                log("frame seq=%d rejected: %s (%s)" % (seq, E_REPLAY, msg))
                self._error(E_REPLAY, msg)
                self._ack(seq, E_REPLAY, msg)
                return
            self.mac_seq = seq
        if self.shown is not None and seq <= self.shown:
            log("frame seq=%d already shown" % seq)
            self._ack(seq)
            return
        asm = self.asm
        if asm is None or asm.seq != seq or asm.count != info.count:
            asm = self.asm = Assembly(seq, info.count)
        if info.wake_at is not None:
            self.wake_at = info.wake_at
        if asm.has(info.index):
            return
        try:
            self.dec.write(info)
            asm.add(info.index, info.rect, info.full)
            log("frame seq=%d chunk %d/%d written rect=%s"
                % (seq, info.index, info.count, info.rect))
        except PanelError as e:
            self._panel_failed(seq, e)
            return
        if asm.complete():
            # Refreshed by the main loop once this message is PUBACKed: a refresh takes up to
            # ~20 s and may switch the radio off.
            self.to_refresh = asm

    def _panel_failed(self, seq, e):
        log("panel error: %s" % e)
        self._error(E_PANEL, str(e))
        self._settle(seq)
        self._ack(seq, E_PANEL, str(e))

    def refresh_pending(self):
        """Show the frame whose chunks are all in RAM, then ack it.

        With `radio_off_refresh` the node leaves the broker and switches the radio off for the
        refresh (a tri-colour refresh lasts ~17 s, far longer than a fast reconnect costs),
        then reconnects (persistent session: nothing is lost) to ack.
        """
        asm = self.to_refresh
        self.to_refresh = None
        if asm is None or asm.box is None:
            return
        if self.cfg["refresh_offline"]:
            self._defer(asm)
            return
        x0, y0, x1, y1 = asm.box
        radio_off = self.cfg["radio_off_refresh"]
        if radio_off and self.client is not None:
            self.client.disconnect()
            self.client = None
            self.board.radio_off()
            log("radio off for the refresh")
        try:
            self.driver.refresh(x0, y0, x1 - x0, y1 - y0, asm.full)
            failed = None
        except PanelError as e:
            failed = e
        if radio_off and not self.connect():
            raise MQTTError("could not reconnect after the refresh")
        if failed is not None:
            self._panel_failed(asm.seq, failed)
            return
        self.shown = asm.seq
        self.asm = None
        self._settle(asm.seq)
        log("frame seq=%d shown" % asm.seq)
        self._ack(asm.seq)

    def _defer(self, asm):
        """`refresh_offline`: the frame is verified and in the controller's RAM, so ack it now
        and refresh after leaving the broker, just before deep sleep — the ~17 s refresh then
        costs no radio time and no reconnect. Should the refresh fail, the next hello reports
        the old seq and the hub sends the screen again."""
        d = self.deferred
        if d is None:
            self.shown_before = self.shown
            self.deferred = [list(asm.box), asm.full]
        else:  # a second frame in this wake: one refresh shows both
            b = d[0]
            d[0] = [min(b[0], asm.box[0]), min(b[1], asm.box[1]),
                    max(b[2], asm.box[2]), max(b[3], asm.box[3])]
            d[1] = d[1] or asm.full
        self.shown = asm.seq
        self.asm = None
        self._settle(asm.seq)
        log("frame seq=%d in panel RAM, refresh after disconnect" % asm.seq)
        self._ack(asm.seq)

    def refresh_deferred(self):
        d = self.deferred
        self.deferred = None
        if d is None:
            return
        self.board.radio_off()
        x0, y0, x1, y1 = d[0]
        try:
            self.driver.refresh(x0, y0, x1 - x0, y1 - y0, d[1])
            log("frame seq=%s shown (radio off)" % self.shown)
        except PanelError as e:
            log("panel error: %s" % e)
            self.shown = self.shown_before
            self._error(E_PANEL, str(e))

    def _settle(self, seq):
        if isinstance(seq, int) and seq > self.settled:
            self.settled = seq

    def done(self):
        """Awake long enough: the ctl answering this wake's hello came, its frame is shown.

        (A rejected frame counts as answered: staying awake would not make it valid.)
        """
        if self.ctl_seq is None or self.ctl_wake_id != self.wake_id:
            return False
        if not (self.settled >= self.ctl_seq or (self.shown is not None
                                                 and self.shown >= self.ctl_seq)):
            return False
        # After a button press the hub answers with a new screen: wait for it (bounded),
        # so the person at the sign sees the result now, not on the next wake.
        p = self.pressed
        if p is None or self.board.uptime_ms() > self.cfg["press_wait_s"] * 1000:
            return True
        return (self.shown is not None and self.shown > p) or self.settled > p

    # -- the cycle -----------------------------------------------------------------------------
    def hello(self, heap):
        p = self.profile
        body = {"v": PROTOCOL_VERSION, "fw": FW_VERSION, "profile": p.name, "ctrl": p.ctrl,
                "w": p.w, "h": p.h, "colors": [COLOR_NAMES[c] for c in p.colors],
                "max_msg": self.cfg["max_msg"], "wbits": self.cfg["wbits"],
                "layouts": [LAYOUT_ROWS, LAYOUT_COLUMNS], "heap": heap,
                "wake_id": self.wake_id, "seq": self.shown}
        if self.auth is not None:
            # a hub that lost its state must continue above it: older frames are replays
            body["mac_seq"] = self.mac_seq
        return body

    def status(self):
        body = {"battery_mv": self.board.battery_mv(), "rssi": self.board.rssi(),
                "wake": self.wake, "uptime_ms": self.board.uptime_ms(), "seq": self.shown,
                "err": self.err}
        if self.err and self.err_msg:
            body["msg"] = self.err_msg
        return body

    def connect(self):
        cfg = self.cfg
        if not self.board.network_up():
            log("network: could not join Wi-Fi")
            return False
        c = self.mqtt
        c.set_last_will(self.t_online, b"0", True, 1)
        c.set_callback(self.on_message)
        tries = cfg["connect_tries"]
        for attempt in range(1, tries + 1):
            try:
                log("connect %s:%d as roomink-%s (try %d/%d)" % (
                    cfg["broker_host"], cfg["broker_port"], cfg["node_id"], attempt, tries))
                present = c.connect(clean_session=False)
                log("connected, session present=%s" % present)
                self.client = c
                return True
            except MQTTError as e:
                log("broker: %s" % e)
                c.close()
                if attempt < tries:
                    self.board.sleep_ms(500 * attempt)
        return False

    def run(self):
        """One wake cycle; returns (sleep_s, reason)."""
        gc.collect()
        heap = gc.mem_free()
        log("wake reason=%s profile=%s seq on panel=%s heap=%d"
            % (self.wake, self.profile.name, self.shown, heap))
        if not self.connect():
            # back off across wakes: 1, 2, 4 ... minutes, never beyond max_sleep_s
            self.broker_fails += 1
            wait = min(self.cfg["max_sleep_s"], 60 << min(self.broker_fails - 1, 10))
            return wait, "broker unreachable (%d wakes in a row)" % self.broker_fails
        self.broker_fails = 0
        c = self.client
        if c is None:
            return self.cfg["max_sleep_s"], "no client"
        try:
            c.subscribe(self.t_frame, 1)
            c.subscribe(self.t_ctl, 1)
            log("subscribed frame+ctl")
            c.publish(self.t_online, b"1", True, 1)
            self._publish(self.t_hello, self.hello(heap), retain=True)
            log("hello published")
            mask = self.board.buttons()
            if mask:
                event = {"mask": mask, "seq": self.shown}
                if self.auth is not None:
                    event["wake_id"] = self.wake_id
                    event["mac"] = self.auth.button_mac(self.wake_id, mask, self.shown)
                self._publish(self.t_button, event)
                self.pressed = self.shown if self.shown is not None else -1
                log("button mask=%d" % mask)
            limit = self.cfg["max_awake_s"] * 1000
            while not self.done():
                left = limit - self.board.uptime_ms()
                if left <= 0:
                    log("max awake time reached")
                    break
                self.board.feed_watchdog()
                c.wait_msg(min(left, 200))
                if self.to_refresh is not None:
                    self.refresh_pending()
                    c = self.client or c
            if self.to_refresh is not None:  # the last chunk came with the final message
                self.refresh_pending()
                c = self.client or c
            if self.asm is not None:
                self._ack(self.asm.seq, missing=self.asm.missing())
            status = self.status()
            self._publish(self.t_status, status)
            log("status %s" % json.dumps(status))
            c.publish(self.t_online, b"0", True, 1)  # going to sleep: no frames queued for us
            if c.flush():
                self.err = self.err_msg = None  # reported
            else:
                log("broker did not confirm every message before sleep")
        except MQTTError as e:
            log("broker: %s" % e)
            c.close()
            self.refresh_deferred()
            return self.sleep_plan()[0], "broker lost"
        c.disconnect()
        log("mqtt rx=%d tx=%d bytes" % (c.rx_bytes, c.tx_bytes))
        self.refresh_deferred()
        return self.sleep_plan()

    def sleep_plan(self):
        """Seconds until wake_at (hub clock when known), capped to 1..max_sleep_s."""
        cap = self.cfg["max_sleep_s"]
        if self.wake_at is None:
            return cap, "max_sleep (no wake_at)"
        now = self.ctl_now if self.ctl_now is not None else self.board.unix_time()
        s = self.wake_at - now
        if s > cap:
            return cap, "max_sleep (wake_at capped)"
        return max(1, s), "wake_at"

    def save(self):
        self.board.rtc_save({"seq": self.shown, "err": self.err, "msg": self.err_msg,
                             "wake_at": self.wake_at, "wake_id": self.wake_id,
                             "broker_fails": self.broker_fails, "mac_seq": self.mac_seq,
                             "asm": self.asm.state() if self.asm else None})

    def finish_panel(self):
        """Deep-sleep the controller, unless a chunked frame is half in its RAM (keep it)."""
        try:
            if self.asm is not None:
                self.driver.power_off()
            else:
                self.driver.sleep()
        except PanelError as e:
            log("panel error at sleep: %s" % e)

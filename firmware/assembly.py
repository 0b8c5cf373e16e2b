"""A chunked frame being received: which chunks are in RAM and the region they cover.

Lives in RTC memory between wakes (state()), so chunks resent after a sleep complete it.
"""


class Assembly:
    """A chunked frame being received: which chunks are in, and the region they cover."""

    def __init__(self, seq, count, state=None):
        self.seq = seq
        self.count = count
        self.got = 0
        self.box = None  # [x0, y0, x1, y1]
        self.full = False
        if state:
            self.got = state["got"]
            self.box = state["box"]
            self.full = state["full"]

    def add(self, index, rect, full):
        x, y, w, h = rect
        self.got |= 1 << index
        self.full = self.full or full
        if self.box is None:
            self.box = [x, y, x + w, y + h]
        else:
            b = self.box
            b[0], b[1] = min(b[0], x), min(b[1], y)
            b[2], b[3] = max(b[2], x + w), max(b[3], y + h)

    def has(self, index):
        return bool(self.got >> index & 1)

    def complete(self):
        return self.got == (1 << self.count) - 1

    def missing(self):
        return [i for i in range(self.count) if not self.has(i)]

    def state(self):
        return {"seq": self.seq, "count": self.count, "got": self.got, "box": self.box,
                "full": self.full}

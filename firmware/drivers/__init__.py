"""Panel drivers. Each exposes the same streaming interface used by framedec and node:

    init()                       reset + register init + power on
    begin_region(x, y, w, h)     select the RAM window a frame message covers
    plane(color)                 start writing the RAM of one wire colour
    data(buf)                    plane bytes in wire polarity (1 = ink); buf may be modified
    end_region(colors)           blank the panel colours a message did not carry
    refresh(x, y, w, h, full)    show RAM on the glass (waits for BUSY)
    sleep() / power_off()        deep sleep (RAM may be lost) / power off (RAM kept)
"""


class PanelError(Exception):
    """The controller did not respond (BUSY stuck): reported as error code `panel`.

    Check the panel cable and the BUSY/RST pins; a fresh power cycle usually clears it.
    """


def load(ctrl):
    """Driver class for a controller family name."""
    if ctrl == "uc8176":
        from drivers.uc8176 import UC8176

        return UC8176
    if ctrl == "uc8179":
        from drivers.uc8179 import UC8179

        return UC8179
    if ctrl == "ssd1680":
        from drivers.ssd1680 import SSD1680

        return SSD1680
    raise ValueError("no driver for controller %r" % ctrl)

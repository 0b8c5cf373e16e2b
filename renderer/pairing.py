"""The pairing screen of a node no room is assigned to yet: its id, the hub, a QR code.

An installer reads the node id off the panel (or scans the QR code, which carries the same
facts) and assigns the node to a room on the hub.
"""

from __future__ import annotations

from urllib.parse import urlencode

from renderer.canvas import Canvas
from renderer.fonts import font
from renderer.layout import draw_header, draw_qr
from renderer.profiles import BLACK
from renderer.specs import LayoutSpec
from renderer.strings import Locale
from renderer.textfit import Box, draw_fitted, fit_font, line_height


def pairing_payload(node_id: str, hub_address: str) -> str:
    """What the pairing QR code says when no explicit URL is configured."""
    return "roomink:pair?" + urlencode({"node": node_id, "hub": hub_address})


def draw_pairing(canvas: Canvas, node_id: str, hub_address: str, qr_data: str, loc: Locale,
                 spec: LayoutSpec) -> None:
    """Header with the title, facts on the left, the QR code on the right."""
    width, height = canvas.image.size
    draw_header(canvas, Box(0, 0, width, spec.header_h), loc.t("pair_title"), "", "", spec)
    body = Box(0, spec.header_h, width, height)
    portrait = height > width
    side = min(body.height, width // 2) if not portrait else min(width, body.height // 2)
    if portrait:
        qr_box = Box(0, body.y1 - side, width, body.y1)
        text_box = Box(0, body.y0, width, qr_box.y0).inset(spec.margin)
    else:
        qr_box = Box(body.x1 - side, body.y0, body.x1, body.y1)
        text_box = Box(0, body.y0, qr_box.x0, body.y1).inset(spec.margin)
    draw_qr(canvas, qr_box.inset(spec.margin // 2), qr_data, "", spec)

    label_font = font(spec.detail_size, bold=True)
    value_font = font(spec.band_sub_size)
    hint_font = font(spec.detail_size)
    y = text_box.y0
    y += draw_fitted(canvas, Box(text_box.x0, y, text_box.x1, text_box.y1), loc.t("pair_node"),
                     label_font, BLACK)
    id_font = fit_font(font(spec.band_title_size, bold=True), node_id, text_box.width,
                       line_height(font(spec.band_title_size, bold=True)), spec.band_sub_size)
    y += draw_fitted(canvas, Box(text_box.x0, y, text_box.x1, text_box.y1), node_id, id_font,
                     BLACK)
    y += spec.margin // 2
    y += draw_fitted(canvas, Box(text_box.x0, y, text_box.x1, text_box.y1), loc.t("pair_hub"),
                     label_font, BLACK)
    y += draw_fitted(canvas, Box(text_box.x0, y, text_box.x1, text_box.y1), hub_address,
                     value_font, BLACK, max_lines=2)
    y += spec.margin // 2
    draw_fitted(canvas, Box(text_box.x0, y, text_box.x1, text_box.y1), loc.t("pair_hint"),
                hint_font, BLACK, max_lines=3)

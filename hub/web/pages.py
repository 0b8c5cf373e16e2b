"""Server-rendered HTML: the room grid, a room's page, the login form.

Plain HTML with one small stylesheet, readable on a phone; every value from the hub or a
calendar goes through `escape`. Pages take the snapshot dicts of `hub.web.snapshot`.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from hub.web import svg
from renderer.profiles import PROFILES

CSS = """
*{box-sizing:border-box}
body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#f4f4f2}
header{background:#222;color:#fff;padding:.5rem 1rem;display:flex;gap:1rem;flex-wrap:wrap;
align-items:baseline}header a{color:#fff}header .health{margin-left:auto}
main{padding:1rem;max-width:1400px;margin:auto}h1,h2{margin:.2rem 0}h2{font-size:1.1rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(240px,1fr))}
.tile,.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6rem}
.tile img,.card img{width:100%;height:auto;border:1px solid #ccc;image-rendering:pixelated}
.noimg{background:#eee;color:#777;padding:2rem .5rem;text-align:center}
.state{font-weight:600}.busy{color:#b00}.soon{color:#a60}.free{color:#070}.unknown{color:#777}
.bad{color:#b00}.muted{color:#777}.nodes{list-style:none;padding:0;margin:.3rem 0}
.badge{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.85em;color:#fff}
.online{background:#287a28}.offline{background:#777}.lowbat{background:#c00}
.chart{width:100%;max-width:420px;height:auto;background:#fafafa;border:1px solid #ddd}
.chart .line{fill:none;stroke:#246;stroke-width:1.5}.chart .low{stroke:#c00;stroke-dasharray:4 3}
.chart.bars rect{fill:#468}table{border-collapse:collapse}td,th{padding:.15rem .5rem;
text-align:left;border-bottom:1px solid #eee}form{display:inline-block;margin:.3rem .3rem 0 0}
button{font:inherit;padding:.3rem .8rem}.flash{background:#e8f4e8;padding:.5rem;border-radius:4px}
.cols{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(300px,1fr))}
"""


def _time(iso: str | None, tz) -> str:
    if iso is None:
        return "-"
    return f"{datetime.fromisoformat(iso).astimezone(tz):%Y-%m-%d %H:%M}"


def page(title: str, body: str, *, problems: list[str] | None = None,
         nav: list[tuple[str, str]] | None = None, refresh: int | None = None) -> str:
    links = "".join(f'<a href="{escape(path)}">{escape(label)}</a>'
                    for label, path in [("Rooms", "/"), *(nav or [])])
    health = ""
    if problems is not None:
        health = ('<span class="health">all healthy</span>' if not problems else
                  f'<span class="health bad">{len(problems)} problem(s)</span>')
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">{meta}'
            f"<title>{escape(title)} · roomink</title><style>{CSS}</style></head>"
            f"<body><header><strong>roomink</strong>{links}{health}</header>"
            f"<main>{body}</main></body></html>")


def screen_img(node: dict) -> str:
    if node["screen"] is None:
        return '<div class="noimg">no picture acknowledged yet</div>'
    width, height = PROFILES[node["profile"]].screen_size
    return (f'<img src="{escape(node["screen"])}" width="{width}" '
            f'height="{height}" alt="what the panel of node {escape(node["id"])} shows">')


def node_badges(node: dict) -> str:
    online = ('<span class="badge online">online</span>' if node["online"] else
              '<span class="badge offline">offline</span>')
    battery = ""
    if node["battery_mv"] is not None:
        volts = f"{node['battery_mv'] / 1000:.2f} V"
        battery = (f'<span class="badge lowbat" title="battery low">battery low {volts}</span>'
                   if node["low_battery"] else f'<span class="battery">{volts}</span>')
    rssi = f"{node['rssi']} dBm" if node["rssi"] is not None else ""
    error = (f'<span class="bad">error {escape(node["error"])}</span>' if node["error"] else "")
    parts = [online, escape(node["id"]), battery, rssi,
             f"seen {escape(node['last_seen_ago'])}", f"fw {escape(str(node['fw'] or '-'))}",
             error]
    return " · ".join(p for p in parts if p)


def calendar_line(room: dict) -> str:
    cal = room["calendar"]
    if cal["ok"]:
        return ""
    return f'<p class="bad calerr">calendar: {escape(cal["error"] or "failing")}</p>'


def state_line(room: dict) -> str:
    state = room["state"]
    subject = f" · {escape(state['subject'])}" if state.get("subject") else ""
    return f'<p class="state {state["kind"]}">{escape(state["text"])}{subject}</p>'


def tile(room: dict) -> str:
    nodes = room["nodes"]
    picture = screen_img(nodes[0]) if nodes else '<div class="noimg">no node assigned</div>'
    items = "".join(f'<li class="node" data-node="{escape(n["id"])}" '
                    f'data-online="{int(n["online"])}" data-low-battery="{int(n["low_battery"])}">'
                    f"{node_badges(n)}</li>" for n in nodes)
    return (f'<article class="tile" data-room="{escape(room["id"])}">'
            f'<h2><a href="/rooms/{escape(room["id"])}">{escape(room["name"])}</a></h2>'
            f"{picture}{state_line(room)}{calendar_line(room)}"
            f'<ul class="nodes">{items}</ul></article>')


def grid_page(rooms: list[dict], unassigned: list[dict], problems: list[str],
              nav: list[tuple[str, str]]) -> str:
    nodes = [n for r in rooms for n in r["nodes"]]
    counts = [(sum(not n["online"] for n in nodes), "offline (asleep or gone)"),
              (sum(n["low_battery"] for n in nodes), "battery low"),
              (sum(n["error"] is not None for n in nodes), "reporting an error"),
              (sum(not r["calendar"]["ok"] for r in rooms), "calendars failing")]
    summary = " · ".join(f"{count} {label}" for count, label in counts if count)
    body = [f"<h1>{len(rooms)} rooms</h1><p class=muted>{len(nodes)} nodes"
            f"{' · ' + escape(summary) if summary else ''}</p>"]
    if problems:
        body.append('<ul class="bad">' + "".join(f"<li>{escape(p)}</li>" for p in problems)
                    + "</ul>")
    body.append('<div class="grid">' + "".join(tile(r) for r in rooms) + "</div>")
    if unassigned:
        body.append("<h2>Nodes without a room</h2><p class=muted>They show their pairing "
                    "screen; assign them with <code>roomink assign NODE ROOM</code>.</p>"
                    '<ul class="nodes">' + "".join(f"<li>{node_badges(n)}</li>"
                                                   for n in unassigned) + "</ul>")
    return page("Rooms", "".join(body), problems=problems, nav=nav, refresh=60)


def schedule_list(events: list[dict], tz) -> str:
    if not events:
        return '<p class="muted">no more meetings today or tomorrow</p>'
    rows = []
    for e in events:
        start, end = datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"])
        when = (f"{start:%a %d %b}, all day" if e["all_day"] else
                f"{start:%a %d %b %H:%M}–{end:%H:%M}")
        mark = ' class="state busy"' if e["now"] else ""
        rows.append(f"<tr{mark}><td>{escape(when)}</td><td>{escape(e['subject'])}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def node_card(node: dict, history: dict, forms: dict[str, str], low_mv: int,
              span: tuple[float, float], tz) -> str:
    battery = [(datetime.fromisoformat(ts).timestamp(), mv) for ts, mv in history["battery"]]
    days = history["days"]
    table = "".join(f"<tr><td>{d['date']}</td><td>{d['wakes']}</td><td>{d['bytes']:,}</td></tr>"
                    for d in reversed(days))
    error = ""
    if node["error"]:
        error = (f'<p class="bad">node reports error <code>{escape(node["error"])}</code> '
                 f"{escape(node['error_msg'] or '')}</p>")
    node_id = escape(node["id"])
    return (
        f'<section class="card" data-node="{node_id}"><h2>Node {node_id}</h2>'
        f'{screen_img(node)}<p>{node_badges(node)}</p>{error}'
        f'<p class="muted">frame {node["acked_seq"]}/{node["seq"]} acked/sent · '
        f'{node["bytes_sent"]:,} bytes sent · last seen {_time(node["last_seen"], tz)}</p>'
        f'<form method="post" action="/nodes/{node_id}/redraw">'
        f'<input type="hidden" name="csrf" value="{forms["redraw"]}">'
        f'<button type="submit">Redraw now</button></form>'
        f'<form method="post" action="/nodes/{node_id}/draw">'
        f'<input type="hidden" name="csrf" value="{forms["draw"]}">'
        f'<input name="text" value="roomink test" maxlength="60" aria-label="test text"> '
        f'<button type="submit">Draw test screen</button></form>'
        f"<h3>Battery, last 30 days</h3>{svg.battery_plot(battery, *span, low_mv)}"
        f"<h3>Wake-ups per day</h3>{svg.bars([d['wakes'] for d in days], 'wake-ups per day')}"
        f"<h3>Bytes per day</h3>{svg.bars([d['bytes'] for d in days], 'bytes sent per day')}"
        f"<details><summary>per day</summary><table><tr><th>day</th><th>wake-ups</th>"
        f"<th>bytes</th></tr>{table}</table></details></section>")


def room_page(room: dict, events: list[dict], cards: list[str], flash: str | None,
              problems: list[str], nav: list[tuple[str, str]], tz) -> str:
    cal = room["calendar"]
    fetched = f"last read {_time(cal['fetched_at'], tz)}" if cal["fetched_at"] else "never read"
    body = (
        f"<h1>{escape(room['name'])}</h1>"
        + (f'<p class="flash">{escape(flash)}</p>' if flash else "")
        + f"{state_line(room)}{calendar_line(room)}"
        + f'<p class="muted">calendar {fetched} · display {escape(room["display"])}</p>'
        + f"<h2>Upcoming</h2>{schedule_list(events, tz)}"
        + '<div class="cols">' + ("".join(cards) or "<p>No node shows this room.</p>")
        + "</div>")
    return page(room["name"], body, problems=problems, nav=nav)


def login_page(next_path: str, failed: bool = False) -> str:
    message = '<p class="bad">That token is not right.</p>' if failed else ""
    return page("Sign in", (
        f"<h1>Sign in</h1>{message}<p>This dashboard needs the token from the hub's "
        "<code>[web]</code> configuration.</p>"
        f'<form method="post" action="/login"><input type="hidden" name="next" '
        f'value="{escape(next_path)}"><input type="password" name="token" '
        'autocomplete="current-password" aria-label="token" required> '
        '<button type="submit">Sign in</button></form>'))

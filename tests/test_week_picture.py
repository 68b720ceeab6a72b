"""The week picture: a layout that places every event of a busy week, and a PNG with ink where the boxes are."""

from __future__ import annotations

import datetime as dt
import io

from click.testing import CliRunner
from PIL import Image

from bot.cli import cli
from bot.pipeline.digest import Digest, DigestDay, DigestEvent
from bot.pipeline.week_picture import HEIGHT, WIDTH, layout_week, wrap
from bot.pipeline.week_png import BACKGROUND, STYLE, measure, render_week_png, week_layout

MONDAY = dt.date(2026, 3, 16)


def event(title: str, day: int, time: str | None = None, sources: int = 1, precision: str = "day") -> DigestEvent:
    date = MONDAY + dt.timedelta(days=day)
    return DigestEvent(title=title, date=date, precision=precision, time=time,
                       timezone="America/New_York" if time else None,
                       sources=[f"B{i}" for i in range(1, sources + 1)], urls=[None] * sources)


def busy_week() -> Digest:
    """A week like the ones teams paste: central banks, data releases, a summit, later items."""
    days = {
        0: [event("Harbour authority publishes tariff schedule", 0, sources=2)],
        1: [event("Retail sales report", 1, "08:30")],
        2: [event("Central bank rate decision", 2, "14:00", 3), event("Pension reform vote in the assembly", 2)],
        3: [event("Northern bank policy meeting ends", 3, sources=2), event("Quarterly growth estimate", 3, "08:30")],
        4: [event("Energy ministers meet in Lisbon", 4)],
    }
    week = [DigestDay(MONDAY + dt.timedelta(days=d), evs) for d, evs in days.items()]
    later = [event("Payrolls report", 11, "08:30"), event("Budget statement", 15, precision="month"),
             event("Shipping alliance renegotiation", 20)]
    return Digest(date=MONDAY, timezone="America/New_York", week_ahead=week, later=later, days=7)


def inside(box, width=WIDTH, height=HEIGHT) -> bool:
    return 0 <= box.x and 0 <= box.y and box.x + box.w <= width and box.y + box.h <= height


def test_layout_has_seven_day_columns_and_places_every_event_title():
    digest = busy_week()
    layout = layout_week(digest, measure)
    days = layout.of("today") + layout.of("day")
    assert [b.lines[0] for b in sorted(days, key=lambda b: b.x)] == [
        "Mon 16 Mar", "Tue 17", "Wed 18", "Thu 19", "Fri 20", "Sat 21", "Sun 22"]
    placed = {b.ref for b in layout.of("title")} | {b.ref for b in layout.of("chip")}
    assert placed == {e.title for e in digest.events()}
    for box in layout.boxes:
        assert inside(box), box
    for title in layout.of("title"):  # each title sits in its day's column, under the day label
        [column] = [d for d in days if d.x <= title.x < d.x + d.w]
        assert column.lines[0].split()[1] == str(event_date(digest, title.ref).day)
        assert title.y > column.y + column.h
    for day in days:  # every day label fits its column
        assert measure(day.lines[0], day.size, True) <= day.w - 10, day.lines
    weekday_w, weekend_w = days[0].w, [d for d in days if d.lines[0].startswith("Sat")][0].w
    assert weekend_w < weekday_w  # a quiet weekend gives its room to the working days
    # time and source count are on the card
    fed = {b.kind: b for b in layout.boxes if b.ref == "Central bank rate decision"}
    assert fed["time"].lines == ("14:00 EDT",) and fed["sources"].lines == ("3 sources",)
    vote = {b.kind: b for b in layout.boxes if b.ref == "Pension reform vote in the assembly"}
    assert vote["time"].lines == ("No time given",) and vote["sources"].lines == ("1 source",)
    assert layout.of("strip-label")[0].lines == ("Later",)


def event_date(digest: Digest, title: str) -> dt.date:
    return next(e.date for e in digest.events() if e.title == title)


def test_cards_do_not_overlap_and_a_crowded_day_says_how_many_more():
    crowded = [event(f"Auction of {n}-year notes and bonds", 2, f"1{n % 10}:00") for n in range(2, 12)]
    digest = Digest(date=MONDAY, timezone="UTC", week_ahead=[DigestDay(MONDAY + dt.timedelta(days=2), crowded)])
    layout = layout_week(digest, measure)
    cards = sorted(layout.of("card"), key=lambda b: b.y)
    assert 2 <= len(cards) < len(crowded)
    for a, b in zip(cards, cards[1:], strict=False):
        assert a.y + a.h <= b.y
    more = layout.of("more")
    assert [m.lines[0] for m in more if m.y > cards[-1].y] == [f"+{len(crowded) - len(cards)} more"]
    assert all(c.y + c.h <= layout.of("strip")[0].y for c in cards)


def test_long_titles_wrap_within_the_card_and_end_in_an_ellipsis():
    lines = wrap("Supercalifragilisticexpialidocious parliamentary committee hearing on the proposed "
                 "constitutional amendments for regional autonomy", 140, 21, True, measure, 4)
    assert len(lines) == 4 and lines[-1].endswith("…")
    assert all(measure(line, 21, True) <= 140 for line in lines)


def test_png_has_the_layout_size_and_ink_in_every_text_box():
    digest = busy_week()
    data = render_week_png(digest)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and image.size == (WIDTH, HEIGHT)
    layout = week_layout(digest)
    for box in layout.boxes:
        if not box.lines:
            continue
        fill = STYLE[box.kind][0]
        paper = Image.new("RGB", (1, 1), fill or BACKGROUND).getpixel((0, 0))
        region = image.crop((int(box.x), int(box.y), int(box.x + box.w), int(box.y + box.h)))
        raw = region.tobytes()
        pixels = (raw[i:i + 3] for i in range(0, len(raw), 3))
        inked = sum(1 for px in pixels if sum(abs(a - b) for a, b in zip(px, paper, strict=True)) > 200)
        assert inked > 20 * len(box.lines), (box.kind, box.lines)
    quiet = Image.open(io.BytesIO(render_week_png(Digest(date=MONDAY, timezone="UTC"))))
    assert quiet.size == (WIDTH, HEIGHT)


def test_digest_png_option_writes_the_picture(tmp_path):
    out = tmp_path / "week.png"
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "w.db"), "digest", "--date", "2026-03-16",
                                      "--png", str(out)])
    assert result.exit_code == 0, result.output
    assert Image.open(out).size == (WIDTH, HEIGHT)
    bad = CliRunner().invoke(cli, ["--db", str(tmp_path / "w.db"), "digest", "--png", str(tmp_path / "no/x.png")])
    assert bad.exit_code == 1 and "Error: cannot write" in bad.output

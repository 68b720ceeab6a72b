"""Lay out the week ahead as a calendar picture: days as columns, events as cards, later events as a strip.

Pure geometry: `layout_week(digest, measure)` places text boxes and returns them; it draws nothing. The
caller passes `measure(text, size, bold) -> width in pixels` for the font it will draw with, so lines wrap
exactly where the renderer's text would. `bot.pipeline.week_png` draws the boxes with Pillow.

Sized for Slack's inline preview: a 1280x720 picture is shown at roughly half size, so text is never
smaller than 17 px here (about 9 px on screen) and a card shows at most four lines of title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.pipeline.digest import Digest, DigestEvent, later_heading
from bot.pipeline.zones import short_zone

Measure = Callable[[str, int, bool], float]

WIDTH, HEIGHT = 1280, 720
MARGIN, GAP, PAD = 24, 10, 10
HEADER_SIZE, DAY_SIZE, TITLE_SIZE, TIME_SIZE, SOURCES_SIZE, CHIP_SIZE = 34, 22, 21, 18, 17, 19
MAX_TITLE_LINES = 4
MAX_COLUMNS = 7
QUIET_WEEKEND_WEIGHT = 0.6  # a Saturday or Sunday without events, relative to a full column
DAY_TOP = MARGIN + HEADER_SIZE + 22
CARDS_TOP = DAY_TOP + DAY_SIZE + 24
STRIP_HEIGHT = 112
STRIP_TOP = HEIGHT - MARGIN - STRIP_HEIGHT


@dataclass(frozen=True)
class Box:
    """A rectangle of the picture; text boxes carry their wrapped lines, font size and weight.

    `kind` names what it is (header, day, today, column, card, time, title, sources, more, strip,
    strip-label, chip, note) so the renderer picks colours; `ref` is the event's title for the boxes that belong to one event.
    """

    kind: str
    x: float
    y: float
    w: float
    h: float
    lines: tuple[str, ...] = ()
    size: int = 0
    bold: bool = False
    ref: str = ""


@dataclass(frozen=True)
class WeekLayout:
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)

    def of(self, kind: str) -> list[Box]:
        return [b for b in self.boxes if b.kind == kind]


def line_height(size: int) -> int:
    return round(size * 1.25)


def wrap(text: str, width: float, size: int, bold: bool, measure: Measure, max_lines: int) -> list[str]:
    """Greedy word wrap to `width`; a word longer than a line is cut; the last kept line ends in '…'."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while measure(word, size, bold) > width and len(word) > 1:  # a word wider than the line: cut it
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut], size, bold) > width:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}".strip()
        if current and measure(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and measure(last + "…", size, bold) > width:
            last = last[:-1].rstrip()
        lines = lines[: max_lines - 1] + [last + "…"]
    return lines


def _time_label(event: DigestEvent) -> str:
    if not event.time:
        return "No time given"  # the article gave a day, not a time: never a made-up one
    zone = short_zone(event.date, event.time, event.timezone)
    return f"{event.time} {zone}" if zone else event.time


def _sources_label(event: DigestEvent) -> str:
    n = len(event.sources)
    return f"{n} source" if n == 1 else f"{n} sources"


def _card(event: DigestEvent, x: float, y: float, w: float, measure: Measure) -> list[Box]:
    """The boxes of one event card at (x, y): the card, its time, its title lines and its source count."""
    inner = w - 2 * PAD
    title = wrap(event.title, inner, TITLE_SIZE, True, measure, MAX_TITLE_LINES)
    top = y + PAD
    time_box = Box("time", x + PAD, top, inner, line_height(TIME_SIZE), (_time_label(event),), TIME_SIZE, False,
                   event.title)
    top += time_box.h + 2
    title_box = Box("title", x + PAD, top, inner, line_height(TITLE_SIZE) * len(title), tuple(title), TITLE_SIZE,
                    True, event.title)
    top += title_box.h + 4
    sources_box = Box("sources", x + PAD, top, inner, line_height(SOURCES_SIZE), (_sources_label(event),),
                      SOURCES_SIZE, False, event.title)
    height = sources_box.y + sources_box.h + PAD - y
    return [Box("card", x, y, w, height, ref=event.title), time_box, title_box, sources_box]


def _chip_text(event: DigestEvent) -> str:
    if event.precision == "day":
        when = f"{event.date:%a} {event.date.day} {event.date:%b}"
    elif event.precision == "week":
        when = f"Week of {event.date.day} {event.date:%b}"
    else:
        when = f"{event.date:%B}"
    return f"{when} · {event.title}"


def _strip(digest: Digest, later: list[DigestEvent], measure: Measure) -> list[Box]:
    headings = {later_heading(e, digest.date) for e in later}
    label = headings.pop() if len(headings) == 1 else "Later"
    if not later:
        label = "Later this month"
    boxes = [Box("strip", MARGIN, STRIP_TOP, WIDTH - 2 * MARGIN, STRIP_HEIGHT)]
    label_w = measure(label, DAY_SIZE, True)
    boxes.append(Box("strip-label", MARGIN + 16, STRIP_TOP + 18, label_w, line_height(DAY_SIZE), (label,),
                     DAY_SIZE, True))
    row_h = line_height(CHIP_SIZE) + 12
    rows = [STRIP_TOP + 14, STRIP_TOP + 14 + row_h + 10]  # two rows of chips right of the label
    left = MARGIN + 16 + label_w + 20
    right = WIDTH - MARGIN - 16
    x, row = left, 0
    if not later:
        boxes.append(Box("note", left, rows[0] + 6, right - left, row_h, ("Nothing else on the calendar",), CHIP_SIZE))
    for i, event in enumerate(later):
        text = _chip_text(event)
        w = measure(text, CHIP_SIZE, False) + 24
        more = f"+{len(later) - i} more"
        more_w = measure(more, CHIP_SIZE, True) + 24
        if x + w > right - (more_w + GAP if i < len(later) - 1 else 0):
            if row + 1 < len(rows) and w <= right - left:
                row, x = row + 1, left
            if x + w > right - (more_w + GAP if i < len(later) - 1 else 0):
                boxes.append(Box("more", x, rows[row], more_w, row_h, (more,), CHIP_SIZE, True))
                break
        boxes.append(Box("chip", x, rows[row], w, row_h, (text,), CHIP_SIZE, False, event.title))
        x += w + GAP
    return boxes


def _day_label(day: dt.date, width: float, *, with_month: bool, measure: Measure) -> str:
    """'Sat 1 Nov' when it fits the column (with the month where one starts), else 'Sat 1', else '1'."""
    options = ([f"{day:%a} {day.day} {day:%b}"] if with_month else []) + [f"{day:%a} {day.day}", str(day.day)]
    return next((o for o in options if measure(o, DAY_SIZE, True) <= width - 2 * PAD), options[-1])


def layout_week(digest: Digest, measure: Measure) -> WeekLayout:
    """Place the header, one column per day (at most seven), event cards and the 'later' strip."""
    n_days = max(1, min(digest.days, MAX_COLUMNS))
    days = [digest.date + dt.timedelta(days=i) for i in range(n_days)]
    by_day = {d.date: d.events for d in digest.week_ahead}
    # Days past the seventh column join the strip, in date order, ahead of the later events.
    overflow = [e for d in digest.week_ahead if d.date > days[-1] for e in d.events]
    later = overflow + list(digest.later)
    bottom = STRIP_TOP - GAP

    end = days[-1]
    header = (f"Week ahead · {days[0]:%a} {days[0].day} {days[0]:%b} – {end:%a} {end.day} {end:%b %Y}"
              if n_days > 1 else f"{days[0]:%A} {days[0].day} {days[0]:%B %Y}")
    boxes = [Box("header", MARGIN, MARGIN, measure(header, HEADER_SIZE, True), line_height(HEADER_SIZE),
                 (header,), HEADER_SIZE, True)]
    # A quiet Saturday or Sunday gets a narrow column, so the working days' titles wrap less.
    weights = [QUIET_WEEKEND_WEIGHT if day.weekday() >= 5 and not by_day.get(day) else 1.0 for day in days]
    unit = (WIDTH - 2 * MARGIN - (n_days - 1) * GAP) / sum(weights)
    x = MARGIN
    for i, day in enumerate(days):
        col_w = unit * weights[i]
        label = _day_label(day, col_w, with_month=i == 0 or day.day == 1, measure=measure)
        boxes.append(Box("today" if day == digest.date else "day", x, DAY_TOP, col_w, line_height(DAY_SIZE) + 8,
                         (label,), DAY_SIZE, True))
        events = by_day.get(day, [])
        boxes.append(Box("column", x, CARDS_TOP - 6, col_w, bottom - CARDS_TOP + 6))
        y = CARDS_TOP
        for j, event in enumerate(events):
            card = _card(event, x, y, col_w, measure)
            more_h = line_height(SOURCES_SIZE) + 8
            room = bottom - (more_h + GAP if j < len(events) - 1 else 0)
            if card[0].y + card[0].h > room:
                boxes.append(Box("more", x, y, col_w, more_h, (f"+{len(events) - j} more",), SOURCES_SIZE, True))
                break
            boxes += card
            y += card[0].h + GAP
        x += col_w + GAP
    boxes += _strip(digest, later, measure)
    return WeekLayout(WIDTH, HEIGHT, boxes)

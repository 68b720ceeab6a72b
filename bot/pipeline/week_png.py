"""Draw the week-ahead layout as a PNG with Pillow.

Fonts: DejaVu Sans (regular and bold) when the machine has it, else the font bundled with Pillow >= 10.1
(`ImageFont.load_default(size=…)`). Both ship with their package or system; nothing is downloaded.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bot.pipeline.digest import Digest
from bot.pipeline.week_picture import Box, WeekLayout, layout_week, line_height

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
             "/Library/Fonts", "C:/Windows/Fonts")
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}

BACKGROUND = "#f6f7f9"
STYLE = {  # kind -> (fill, outline, ink)
    "header": (None, None, "#1d1c1d"),
    "day": (None, None, "#4a4a4f"),
    "today": ("#1264a3", None, "#ffffff"),
    "card": ("#ffffff", "#d7dbe0", None),
    "time": (None, None, "#1264a3"),
    "title": (None, None, "#1d1c1d"),
    "sources": (None, None, "#6b6f76"),
    "more": (None, None, "#6b6f76"),
    "note": (None, None, "#6b6f76"),
    "column": ("#eceff3", None, None),
    "strip": ("#e8eef6", None, None),
    "strip-label": (None, None, "#1d1c1d"),
    "chip": ("#ffffff", "#c9d3e0", "#1d1c1d"),
}


@functools.cache
def font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans if installed, else Pillow's bundled font at the same size (bold falls back to regular)."""
    for folder in FONT_DIRS:
        path = Path(folder) / FONT_FILES[bold]
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def measure(text: str, size: int, bold: bool) -> float:
    return font(size, bold).getlength(text)


def week_layout(digest: Digest) -> WeekLayout:
    """The layout measured with the fonts `render_week_png` draws with."""
    return layout_week(digest, measure)


def _draw_box(draw: ImageDraw.ImageDraw, box: Box) -> None:
    fill, outline, ink = STYLE.get(box.kind, (None, None, "#1d1c1d"))
    rect = (box.x, box.y, box.x + box.w, box.y + box.h)
    if fill or outline:
        radius = 12 if box.kind in ("card", "strip", "column") else 8
        draw.rounded_rectangle(rect, radius=radius, fill=fill, outline=outline, width=2 if outline else 0)
    if not box.lines:
        return
    face = font(box.size, box.bold)
    x = box.x + {"chip": 12, "day": 10, "today": 10, "more": 10}.get(box.kind, 0)
    y = box.y + (6 if box.kind in ("chip", "today", "day", "more") else 0)
    for line in box.lines:
        draw.text((x, y), line, font=face, fill=ink)
        y += line_height(box.size)


def render_week_png(digest: Digest) -> bytes:
    """The digest's week as PNG bytes."""
    layout = week_layout(digest)
    image = Image.new("RGB", (layout.width, layout.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for box in layout.boxes:
        _draw_box(draw, box)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()

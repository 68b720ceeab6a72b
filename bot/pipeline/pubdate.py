"""The page's own first-publication date, in the publisher's local calendar.

Why not take one metadata field: pages disagree with themselves. A byline reads "Nov 19, 2019, 10:31 pm
CST" while `article:published_time` says 2019-11-20T04:31Z (the same instant in UTC, the next calendar
day), some JSON-LD stamps a UTC clock with the local offset, and some pages put the modification time in
the published field. A reader goes by the date the page shows, so:

  1. Structured candidates: JSON-LD `datePublished`, `<meta>` published fields (`article:published_time`,
     `itemprop=datePublished`, `pubdate`, `sailthru.date`, `dc.date`...), `<time itemprop=datePublished>`.
     Modification fields are never read. A timestamp with a non-zero UTC offset is already local and
     beats a UTC one.
  2. Visible dates: the text of `<time>` elements and "Month D, YYYY" dates written next to a clock time
     or a "Published"/"Posted" label, skipping ones labelled "Updated"/"Modified". The first one that
     lies within a day of the structured date is the local date of that same instant, so it wins; a
     visible date further away is something else (a related story) and is ignored.
  3. With no structured date: the first visible date, then a date in the URL path (/2019/11/18/).
"""

from __future__ import annotations

import datetime as dt
import json
import re

__all__ = ["page_published_date"]

_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}

_META_PUBLISHED = {
    "article:published_time", "og:article:published_time", "article:published", "datepublished",
    "pubdate", "publishdate", "publish-date", "publish_date", "published_date", "published-date",
    "date.published", "sailthru.date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.issued",
    "article_date_original", "original-publish-date", "parsely-pub-date", "cxenseparse:recs:publishtime",
}
_META_TAG = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR = re.compile(r"""(\w[\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_JSONLD = re.compile(r"<script\b[^>]*application/ld\+json[^>]*>(.*?)</script>", re.I | re.S)
_TIME_TAG = re.compile(r"<time\b([^>]*)>(.*?)</time>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"<(script|style|noscript)\b.*?</\1>", re.I | re.S)

_ISO = re.compile(
    r"(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)"
    r"(?:[T ](?P<clock>\d\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(?P<tz>Z|UTC|GMT|[+-]\d\d:?\d\d)?)?"
)
_MON = r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_HUMAN = re.compile(
    rf"\b(?:{_MON}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<mon2>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?\s+(?P<y2>(?:19|20)\d\d))\b",
    re.I,
)
_CLOCK_NEAR = re.compile(r"\b\d{1,2}:\d\d\s*(?:[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?", re.I)
_PUBLISHED_LABEL = re.compile(r"\b(?:published|posted|first\s+published|on)\b[:\s]*$", re.I)
_UPDATED_LABEL = re.compile(r"\b(?:updated|modified|last\s+updated|edited)\b[^.]{0,40}$", re.I)
_DATE_CLASS = re.compile(r"""(?:class|itemprop|id)\s*=\s*["'][^"']*(?:date|time|publish|posted|byline)""", re.I)
_CANONICAL = re.compile(
    r"""<link\b[^>]*rel=["']canonical["'][^>]*href=["']([^"']+)|<meta\b[^>]*property=["']og:url["'][^>]*content=["']([^"']+)""",
    re.I,
)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[^\d]|$)")


def _attrs(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(tag)}


def _stamp(value: str) -> tuple[dt.date, bool] | None:
    """(date as written, local?) of an ISO-like timestamp; local means it carries a non-zero offset."""
    m = _ISO.search(value or "")
    if not m:
        return None
    try:
        day = dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    except ValueError:
        return None
    tz = (m.group("tz") or "").upper()
    local = bool(tz) and tz not in ("Z", "UTC", "GMT") and tz.replace(":", "") not in ("+0000", "-0000")
    # A space-separated offset ("2019-11-19 21:57:00 -0800") is local too.
    if not tz and re.match(r"\s+[+-]\d{4}\b", value[m.end():]):
        local = not re.match(r"\s+[+-]0000\b", value[m.end():])
    return day, local


def _jsonld_published(html: str) -> list[str]:
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                out.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for block in _JSONLD.findall(html):
        try:
            walk(json.loads(block.strip()))
        except ValueError:
            out.extend(re.findall(r'"datePublished"\s*:\s*"([^"]+)"', block))
    return out


def _structured(html: str) -> list[tuple[dt.date, bool]]:
    values = _jsonld_published(html)
    for tag in _META_TAG.findall(html):
        a = _attrs(tag)
        key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
        if key in _META_PUBLISHED and a.get("content"):
            values.append(a["content"])
    for attrs, _ in _TIME_TAG.findall(html):
        a = _attrs(attrs)
        if a.get("itemprop", "").lower() == "datepublished" and a.get("datetime"):
            values.append(a["datetime"])
    out = []
    for value in values:
        stamp = _stamp(value)
        if stamp is None and (m := _HUMAN.search(value)) and (day := _human(m)):
            stamp = (day, True)  # "Monday, November 18, 2019, 08:19 PM": written in the publisher's calendar
        if stamp:
            out.append(stamp)
    return out


def _human(m: re.Match) -> dt.date | None:
    mon = _MONTHS[(m.group("mon") or m.group("mon2"))[:3].lower()]
    day = int(m.group("d1") or m.group("d2"))
    year = int(m.group("y1") or m.group("y2"))
    try:
        return dt.date(year, mon, day)
    except ValueError:
        return None


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _human_dates(text: str):
    """`_HUMAN` matches, found from their year: scanning for four digits is ~5x faster than the full pattern."""
    last = 0
    for y in _YEAR.finditer(text):
        m = _HUMAN.search(text, max(last, y.start() - 24), y.end())
        if m and m.end() == y.end():
            last = m.end()
            yield m


def _visible(html: str) -> list[dt.date]:
    """Dates a reader sees as the page's timestamp, in page order (see the module docstring)."""
    body = _SCRIPT.sub(" ", html)
    found: list[tuple[int, dt.date]] = []
    for tm in _TIME_TAG.finditer(body):
        text = " ".join(_TAG.sub(" ", tm.group(2)).split())
        m = _HUMAN.search(text)
        before = _TAG.sub(" ", body[max(0, tm.start() - 300):tm.start()])
        if m and not _UPDATED_LABEL.search(before[-60:]):
            day = _human(m)
            if day:
                found.append((tm.start(), day))
    # Dates in text: found directly (few per page), then judged by the text chunk and the tag around them.
    for m in _human_dates(body):
        lt, gt = body.rfind("<", 0, m.start()), body.rfind(">", 0, m.start())
        if lt > gt:
            continue  # inside a tag's attributes, not visible text
        chunk_start = gt + 1
        chunk_end = body.find("<", m.end())
        chunk_end = len(body) if chunk_end < 0 else chunk_end
        tag = body[body.rfind("<", 0, gt + 1):gt + 1] if gt >= 0 else ""
        before = body[max(chunk_start, m.start() - 60):m.start()]
        around = body[max(chunk_start, m.start() - 40):min(chunk_end, m.end() + 40)]
        if _UPDATED_LABEL.search(before):
            continue
        if _DATE_CLASS.search(tag) or _CLOCK_NEAR.search(around) or _PUBLISHED_LABEL.search(before):
            day = _human(m)
            if day:
                found.append((m.start(), day))
    return [d for _, d in sorted(found, key=lambda x: x[0])]


def page_published_date(html: str, url: str | None = None) -> dt.date | None:
    """The page's first-publication date in the publisher's calendar, or None when it gives none."""
    if not html:
        return None
    stamps = _structured(html)
    visible = _visible(html)
    in_url = _url_date(url) or _url_date(_canonical(html))
    if stamps:
        local = [d for d, is_local in stamps if is_local]
        base = local[0] if local else stamps[0][0]
        near = [d for d in [*visible, in_url] if d and abs((d - base).days) <= 1]
        return near[0] if near else base
    return visible[0] if visible else in_url


def _canonical(html: str) -> str | None:
    m = _CANONICAL.search(html[:200000])
    return (m.group(1) or m.group(2)) if m else None


def _url_date(url: str | None) -> dt.date | None:
    m = _URL_DATE.search(url or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None

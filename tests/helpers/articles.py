"""Generated, distinct article pages for tests that need many links (queue, faults)."""

from __future__ import annotations

BODIES = [
    "The {org} in {city} approved a plan on Monday to rebuild {thing}, after a consultation that ran for most "
    "of the year and drew several thousand written responses from residents and businesses.",
    "Officials said the first phase would cost about {n} million and take two years, with the remaining work "
    "depending on a second round of funding that the regional government has yet to confirm.",
    "Critics argued that the budget was too small for a project of this size and that delays at {thing} had "
    "already hurt local traders, while supporters said the plan was the best available compromise.",
    "A final vote on the financing is scheduled for Thursday, November {day}, and the {org} will publish "
    "its detailed timetable once that vote has taken place.",
]
ORGS = ["harbour authority", "regional water board", "city transport department", "state energy regulator",
        "county housing office", "municipal parks service", "port commission", "regional health agency",
        "city planning committee", "district schools board"]
CITIES = ["Rotterdam", "Lyon", "Porto", "Gdansk", "Valencia"]
THINGS = ["the old ferry pier", "the main pumping station", "the central tram depot", "the northern substation",
          "the riverside estate"]


def article_html(i: int) -> str:
    """A distinct page per link: different organisation, city, subject, figures and date."""
    fields = {"org": ORGS[i % len(ORGS)], "city": CITIES[(i // len(ORGS)) % len(CITIES)],
              "thing": THINGS[(i // 2) % len(THINGS)], "n": 40 + i * 3, "day": 3 + i % 25}
    title = f"{fields['org'].capitalize()} in {fields['city']} backs plan number {i + 1} for {fields['thing']}"
    paragraphs = "".join(f"<p>{p.format(**fields)}</p>\n" for p in BODIES)
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>\n{paragraphs}"
            "</article></body></html>")


# A hand-written news page: title, author and date in the head, navigation and footer around the story.
ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Central bank holds rates as inflation cools</title>
<meta name="author" content="Markets desk">
<meta property="article:published_time" content="2025-10-27T07:00:00Z">
</head><body><nav><a href="/">Home</a> · <a href="/markets">Markets</a></nav>
<article><h1>Central bank holds rates as inflation cools</h1>
<p>The central bank kept its main interest rate unchanged on Monday, saying inflation had cooled faster than
expected over the summer while the labour market remained solid.</p>
<p>Policymakers voted seven to two to hold the rate at 4.25%, with two members preferring a quarter-point cut.
The decision had been widely expected by economists and by traders in futures markets.</p>
<p>The governor said the committee would look closely at wage growth before deciding whether to lower
borrowing costs, and that the path ahead depended on how quickly services inflation eased.</p>
<p>The bank will publish its next economic projections on Wednesday, alongside minutes of the meeting.
Markets now price a first cut early next year.</p>
<p>It remains unclear whether the slowdown in prices will last once energy subsidies expire in the spring.</p>
</article><footer>All rights reserved.</footer></body></html>"""


# A short central-bank story with a dated meeting, for Slack flows.
RATES_HTML = """<html><head><title>Central bank signals a pause as inflation cools</title></head><body><article>
<h1>Central bank signals a pause as inflation cools</h1>
<p>The Federal Reserve kept its benchmark interest rate unchanged on Monday, saying that inflation had cooled
for a third straight month while hiring slowed across most industries.</p>
<p>Policymakers will meet again on Wednesday, October 29, when markets expect a decision on whether to cut
rates for the first time this year.</p>
<p>Several officials said the labour market was cooling gradually and that wage growth no longer posed a risk
to price stability.</p>
</article></body></html>"""

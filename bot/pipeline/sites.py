"""Which URLs belong to the same site, so a page can only speak for its own site.

A page's `<link rel=canonical>` decides the URL a brief is stored (and later found) under. Honouring it
for any host would let one page plant a brief under another site's URL, so a canonical link counts only
when it names the site that served the page: the same *registrable domain* (``www.paper.co.uk`` and
``paper.co.uk`` are one site, ``a.github.io`` and ``b.github.io`` are two).

The registrable domain comes from the Public Suffix List snapshot bundled with the `tld` package (already
installed with trafilatura); nothing is downloaded at run time, the snapshot is only read from disk.
Private suffixes (hosting platforms such as ``github.io``) count as suffixes, so two tenants of one
platform are two sites.

Hosts that have no registrable domain — IP literals, ``localhost``, single-label intranet names, names
under a suffix the snapshot does not know, or a host that *is* a public suffix — are one site only with
themselves on the same port: two services on different ports of one address may belong to different
people, and nothing about an address says otherwise.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit

from tld import get_fld

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str | None:
    """``news.paper.co.uk`` → ``paper.co.uk``; None for IP literals, bare suffixes and unknown suffixes."""
    host = (host or "").strip().rstrip(".").lower()
    if not host or _is_ip(host) or "." not in host:
        return None
    try:
        return get_fld(host, fix_protocol=True, fail_silently=True)
    except Exception:  # noqa: BLE001 - a host the parser rejects has no registrable domain
        return None


def _site_key(url: str) -> tuple[str, ...] | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return None
    domain = registrable_domain(host)
    if domain:
        return ("domain", domain)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return None
    return ("host", host, str(port))


def same_site(url: str, other: str) -> bool:
    """True when both URLs belong to one site (see the module docstring for what a site is)."""
    key = _site_key(url)
    return key is not None and key == _site_key(other)

"""The one place that opens outbound connections to article hosts.

Users paste arbitrary links into Slack, so every fetch is treated as hostile input:

* only http(s);
* the host is resolved *first* and every address is checked against an SSRF guard (loopback in all its
  numeric spellings, private, link-local / cloud metadata, CGNAT, multicast, reserved, and IPv6 forms
  that embed such an IPv4 address) before any socket is opened;
* the connection goes to the vetted IP itself, never to the name again, so a DNS answer that changes
  between check and connect (rebinding) cannot redirect us; the Host header and TLS SNI/certificate
  check still use the original name;
* each redirect target is canonicalised and checked again;
* one wall-clock deadline covers the whole fetch, including slow-drip headers and bodies, and the body
  (after gzip/deflate decoding) is capped.

Errors are `FetchError` / `BlockedAddressError` with one-line reasons; the caller names the source.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import charset_normalizer

from bot.errors import BlockedAddressError, FetchError

MB = 1024 * 1024
_CHUNK = 64 * 1024
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_TEXT_TYPES = {"text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown"}
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only track the click; dropping them makes one article one URL.
_TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "_ga", "_gl",
    "ref_src", "ref_url", "yclid", "twclid", "ttclid", "li_fat_id", "_hsenc", "_hsmi", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "s_cid", "cmpid", "ncid", "sr_share", "wt_mc",
    "__twitter_impression", "rb_clickid", "epik", "srsltid",
}
_TRACKING_PREFIXES = ("utm_", "pk_campaign", "pk_kwd", "hsa_")

# Ranges refused even if some Python version calls them global (explicit, so the guard doesn't depend on
# the stdlib's table alone).
_BLOCKED_V4 = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
)]
_BLOCKED_V6 = [ipaddress.ip_network(n) for n in (
    "::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
)]
_NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]
_V4_COMPAT = ipaddress.ip_network("::/96")


@dataclass(frozen=True)
class FetchPolicy:
    """Limits and guard settings for one fetch; tests pass small timeouts, an allow-list and a resolver."""

    connect_timeout: float = 5.0
    total_timeout: float = 20.0
    max_bytes: int = 5 * MB
    max_redirects: int = 5
    allow: tuple[str, ...] = ()  # hosts or CIDRs exempt from the SSRF guard (BRIEFBOT_FETCH_ALLOW)
    user_agent: str = "briefbot/0.1 (+article brief bot)"
    resolver: Callable[[str, int], list[str]] | None = None  # host, port -> IP strings


@dataclass(frozen=True)
class FetchedPage:
    url: str  # final URL after redirects (canonicalised)
    requested_url: str
    status: int
    content_type: str  # e.g. "text/html"
    text: str  # decoded body
    encoding: str


# --------------------------------------------------------------------------------------------- URLs


def _is_tracking(key: str) -> bool:
    k = unquote(key).strip().lower()
    return k in _TRACKING_PARAMS or k.startswith(_TRACKING_PREFIXES)


def _idna_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if not host or host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def canonical_url(url: str) -> str:
    """One spelling per article: lower-case scheme/host, no default port, fragment or tracking params.

    Other query parameters keep their order and their original encoding; non-ASCII in path or query is
    percent-encoded so the URL can go on the wire as is.
    """
    url = (url or "").strip().strip("<>").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not parts.netloc:
        return urlunsplit((scheme, "", parts.path, parts.query, ""))
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host_out = f"[{host}]"
    else:
        host_out = _idna_host(host)
    try:
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"invalid port in URL: {exc}") from None
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host_out = f"{host_out}:{port}"
    if parts.username is not None:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        host_out = f"{userinfo}@{host_out}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    kept = [p for p in parts.query.split("&") if p and not _is_tracking(p.split("=", 1)[0])]
    query = quote("&".join(kept), safe="/%:@!$&'()*+,;=-._~?")
    return urlunsplit((scheme, host_out, path, query, ""))


class _CanonicalLinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.href is not None or tag != "link":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        if "canonical" in a.get("rel", "").lower().split() and a.get("href", "").strip():
            self.href = a["href"].strip()


_LINK_TAG = re.compile(r"<link\b[^>]{0,4000}>", re.IGNORECASE)  # bounded: no rescans on unclosed tags


def find_canonical_link(html: str, base_url: str) -> str | None:
    """The page's `<link rel=canonical>`, resolved against `base_url`, canonicalised; http(s) only."""
    parser = _CanonicalLinkParser()
    try:
        # Only `<link>` tags are parsed (HTMLParser over a whole page costs ~10 ms); they live in <head>,
        # so the first 256 KB bound the cost on hostile pages.
        for tag in _LINK_TAG.finditer(html, 0, 256 * 1024):
            parser.feed(tag.group(0))
            if parser.href:
                break
    except Exception:  # noqa: BLE001 - HTMLParser on hostile input; a missing link is the safe answer
        return None
    if not parser.href:
        return None
    absolute = urljoin(base_url, parser.href)
    if urlsplit(absolute).scheme.lower() not in ("http", "https"):
        return None
    try:
        result = canonical_url(absolute)
    except FetchError:
        return None
    return result if urlsplit(result).hostname else None


# ---------------------------------------------------------------------------------------- SSRF guard


def _numeric_host(host: str) -> str | None:
    """The IP a numeric host spelling means to the OS (`127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`)."""
    h = host.strip("[]")
    try:
        return str(ipaddress.ip_address(h.split("%", 1)[0]))
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", h) and not h.endswith(".."):
        try:
            return socket.inet_ntoa(socket.inet_aton(h.rstrip(".")))
        except OSError:
            return None
    return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    found = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)
    if any(ip in n for n in _NAT64) or (ip in _V4_COMPAT and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _why_blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """A short reason this address must not be fetched, or None when it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in _embedded_v4(ip):
            reason = _why_blocked(inner)
            if reason:
                return reason
        blocked = any(ip in n for n in _BLOCKED_V6)
    else:
        blocked = any(ip in n for n in _BLOCKED_V4)
    if ip.is_loopback:
        return "loopback address"
    if ip.is_link_local:
        return "link-local address"
    if ip.is_multicast:
        return "multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "shared (CGNAT) address"
    if ip.is_private:
        return "private address"
    if ip.is_unspecified or ip.is_reserved or blocked or not ip.is_global:
        return "reserved address"
    return None


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def _allowed(host: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None, allow: tuple[str, ...]) -> bool:
    for entry in allow:
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            net = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if host == entry.rstrip(".") or (entry.startswith(".") and host.endswith(entry)):
                return True
            continue
        if ip is not None and ip.version == net.version and ip in net:
            return True
    return False


def _default_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str, policy: FetchPolicy) -> list[str]:
    """Resolve the URL's host and vet every address; return the IPs it is safe to connect to.

    The whole answer is refused if any address is refused: a name that resolves to both a public and a
    private address is an attack, not a fallback.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise FetchError(f"unsupported URL scheme {scheme + ':' if scheme else '(none)'}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError("URL has no host")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise FetchError("invalid port in URL") from None
    host = _idna_host(host) if ":" not in host else host

    numeric = _numeric_host(host)
    if numeric is not None:
        addresses = [numeric]
    else:
        resolver = policy.resolver or _default_resolver
        try:
            addresses = list(resolver(host, port))
        except (OSError, UnicodeError, LookupError) as exc:
            raise FetchError(f"host not found: {host}") from exc
        if not addresses:
            raise FetchError(f"host not found: {host}")

    host_allowed = _allowed(host, None, policy.allow)
    vetted = []
    for text in addresses:
        try:
            ip = _parse_ip(text)
        except ValueError:
            raise BlockedAddressError(f"refused: {host} resolved to an invalid address") from None
        if not host_allowed and not _allowed(host, ip, policy.allow):
            reason = _why_blocked(ip)
            if reason:
                shown = host if host == str(ip) else f"{host} ({ip})"
                raise BlockedAddressError(f"refused to fetch {shown}: {reason}")
        vetted.append(str(ip))
    return list(dict.fromkeys(vetted))


# ---------------------------------------------------------------------------------------- connection


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP connection to a vetted IP; `self.host` (the name) still goes in the Host header."""

    def __init__(self, host: str, port: int, ips: list[str], connect_timeout: float) -> None:
        super().__init__(host, port, timeout=connect_timeout)
        self._ips = ips

    def _open_socket(self) -> socket.socket:
        last: OSError | None = None
        for ip in self._ips:
            try:
                return socket.create_connection((ip, self.port), timeout=self.timeout)
            except OSError as exc:
                last = exc
        assert last is not None
        raise last

    def connect(self) -> None:
        self.sock = self._open_socket()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to a vetted IP with SNI and certificate verification against the original host name."""

    def __init__(self, host: str, port: int, ips: list[str], connect_timeout: float) -> None:
        super().__init__(host, port, ips, connect_timeout)
        self._context = ssl.create_default_context()

    def connect(self) -> None:
        raw = self._open_socket()
        try:
            self.sock = self._context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


class _Deadline:
    """One wall-clock budget for the whole fetch; a watchdog shuts the socket when it runs out, so even a
    server that drips one header byte at a time cannot hold us past it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchError(f"timed out after {self.seconds:g} s")
        return left

    def expired(self) -> bool:
        return time.monotonic() >= self.end


def _watchdog(holder: dict, seconds: float) -> threading.Timer:
    def fire() -> None:
        sock = holder.get("sock")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def _network_error(exc: BaseException, deadline: _Deadline, policy: FetchPolicy, connected: bool) -> FetchError:
    """Map socket/TLS/HTTP errors to short one-line reasons."""
    if deadline.expired():
        return FetchError(f"timed out after {deadline.seconds:g} s")
    if isinstance(exc, ConnectionRefusedError):
        return FetchError("connection refused")
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return FetchError("connection reset")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return FetchError(f"TLS certificate check failed: {exc.verify_message or 'invalid certificate'}")
    if isinstance(exc, ssl.SSLError):
        return FetchError("TLS handshake failed")
    if isinstance(exc, TimeoutError | socket.timeout):
        if not connected:
            return FetchError(f"connect timed out after {policy.connect_timeout:g} s")
        return FetchError(f"timed out after {deadline.seconds:g} s")
    if isinstance(exc, http.client.RemoteDisconnected | http.client.IncompleteRead):
        return FetchError("connection closed by the server before the page was complete")
    if isinstance(exc, http.client.HTTPException):
        return FetchError(f"bad HTTP response ({type(exc).__name__})")
    if isinstance(exc, OSError):
        reason = (exc.strerror or str(exc) or type(exc).__name__).splitlines()[0].lower()
        return FetchError(f"network error: {reason}")
    return FetchError(f"network error: {type(exc).__name__}")


# -------------------------------------------------------------------------------------------- body


class _Decoder:
    """Undo gzip/deflate transfer compression, counting decoded bytes against the cap (zip bombs)."""

    def __init__(self, encoding: str) -> None:
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            self._d = None
        elif enc in ("gzip", "x-gzip"):
            self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._d = zlib.decompressobj()
            self._raw_fallback = True
        else:
            raise FetchError(f"unsupported content encoding {enc}")
        self._first = True

    def feed(self, data: bytes, limit: int) -> bytes:
        if self._d is None:
            return data
        try:
            return self._inflate(data, limit)
        except zlib.error:
            # "deflate" is sometimes sent raw (no zlib header); retry the first block that way.
            if self._first and getattr(self, "_raw_fallback", False):
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                self._raw_fallback = False
                return self._inflate(data, limit)
            raise

    def _inflate(self, data: bytes, limit: int) -> bytes:
        out = bytearray(self._d.decompress(data, limit + 1))
        while self._d.unconsumed_tail and len(out) <= limit:
            out += self._d.decompress(self._d.unconsumed_tail, limit + 1 - len(out))
        self._first = False
        return bytes(out)

    def flush(self) -> bytes:
        return self._d.flush() if self._d is not None else b""


def _too_big(policy: FetchPolicy) -> FetchError:
    size = policy.max_bytes
    shown = f"{size / MB:g} MB" if size >= MB else f"{size} bytes"
    return FetchError(f"page larger than {shown}")


def _read_body(resp: http.client.HTTPResponse, sock: socket.socket, policy: FetchPolicy,
               deadline: _Deadline) -> bytes:
    length = resp.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > policy.max_bytes:
        raise _too_big(policy)
    decoder = _Decoder(resp.getheader("Content-Encoding") or "")
    body = bytearray()
    raw_total = 0
    while True:
        sock.settimeout(deadline.remaining())
        chunk = resp.read1(_CHUNK) if hasattr(resp, "read1") else resp.read(_CHUNK)
        if not chunk:
            break
        raw_total += len(chunk)
        if raw_total > policy.max_bytes:
            raise _too_big(policy)
        try:
            body += decoder.feed(chunk, policy.max_bytes - len(body))
        except zlib.error:
            raise FetchError("corrupt compressed body") from None
        if len(body) > policy.max_bytes:
            raise _too_big(policy)
        deadline.remaining()
    deadline.remaining()  # the watchdog may have cut the body short: that is a timeout, not the end
    try:
        body += decoder.flush()
    except zlib.error:
        raise FetchError("corrupt compressed body") from None
    if len(body) > policy.max_bytes:
        raise _too_big(policy)
    return bytes(body)


# ----------------------------------------------------------------------------------------- charset

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# Browsers read these labels as windows-1252 (WHATWG encoding standard); so do we.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "windows-1252",
              "cp1252", "x-cp1252"}


def _norm_charset(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        import codecs

        return codecs.lookup(label).name
    except LookupError:
        return None


def _decode_with(body: bytes, charset: str) -> str | None:
    try:
        return body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        if charset == "cp1252":  # the five bytes cp1252 leaves undefined: latin-1 never fails
            return body.decode("latin-1")
        return None


def decode_body(body: bytes, header_charset: str | None, is_html: bool) -> tuple[str, str]:
    """Decode with the declared charset when the bytes agree with it; otherwise detect.

    A header that says utf-8 over cp1252 bytes is common (templates vs. stored text), so a failed strict
    decode falls through to the page's own <meta> and then to detection rather than producing mojibake.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    candidates = []
    declared = _norm_charset(header_charset)
    if declared:
        candidates.append(declared)
    if is_html:
        m = _META_CHARSET.search(body[:8192])
        meta = _norm_charset(m.group(1).decode("ascii", "ignore")) if m else None
        if meta and meta not in candidates:
            candidates.append(meta)
    for charset in candidates:
        # A declared single-byte charset never "fails"; if the bytes are valid UTF-8 with multi-byte
        # sequences, that is much stronger evidence than the label.
        if charset == "cp1252" and _looks_utf8(body):
            return body.decode("utf-8"), "utf-8"
        text = _decode_with(body, charset)
        if text is not None:
            return text, charset
    if _looks_utf8(body) or body.isascii():
        return body.decode("utf-8"), "utf-8"
    enc = _detect(body)
    if enc:
        text = _decode_with(body, enc)
        if text is not None:
            return text, enc
    return body.decode("cp1252", "replace"), "cp1252"


def _detect(body: bytes) -> str | None:
    """charset-normalizer's guess, nudged towards windows-1252 when that reads about as cleanly.

    On short Western-European pages the detector often ranks a Baltic or Central-European code page first
    by a hair; windows-1252 is by far the most common legacy web charset, so near-ties go to it.
    """
    matches = list(charset_normalizer.from_bytes(body[:200_000]))
    if not matches:
        return None
    best = matches[0]
    near = {(_norm_charset(m.encoding) or m.encoding) for m in matches if m.chaos <= best.chaos + 0.1}
    if "cp1252" in near:
        return "cp1252"
    return _norm_charset(best.encoding) or best.encoding


def _looks_utf8(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ------------------------------------------------------------------------------------------- fetch


def _content_type(resp: http.client.HTTPResponse) -> tuple[str, str | None]:
    raw = resp.getheader("Content-Type") or ""
    ctype = raw.split(";", 1)[0].strip().lower()
    m = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", raw, re.I)
    return ctype, (m.group(1) if m else None)


def _check_type(ctype: str) -> None:
    if not ctype or ctype in _TEXT_TYPES:
        return
    if ctype == "application/pdf":
        raise FetchError("PDF not supported yet")
    raise FetchError(f"unsupported content type {ctype[:80]}")


def _sniff_type(body: bytes) -> str:
    head = body[:1024].lstrip().lower()
    if head.startswith(b"%pdf"):
        raise FetchError("PDF not supported yet")
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head or b"<head" in head:
        return "text/html"
    return "text/plain"


def _request_once(url: str, ips: list[str], policy: FetchPolicy, deadline: _Deadline):
    """One GET to a vetted IP; returns (status, reason, location, content_type, charset, body)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or _DEFAULT_PORTS[scheme]
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connect_timeout = min(policy.connect_timeout, deadline.remaining())
    conn = cls(host, port, ips, connect_timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # http.client drops conn.sock once the response owns it, so keep our own handle for the watchdog and
    # the per-read timeouts.
    holder: dict = {}
    timer = _watchdog(holder, deadline.remaining())
    connected = False
    try:
        conn.connect()
        connected = True
        sock = holder["sock"] = conn.sock
        if deadline.expired():
            raise FetchError(f"timed out after {deadline.seconds:g} s")
        sock.settimeout(deadline.remaining())
        conn.request("GET", path, headers={
            "User-Agent": policy.user_agent,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,text/markdown;q=0.9,*/*;q=0.1",
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "en;q=1.0, *;q=0.5",
            "Connection": "close",
        })
        resp = conn.getresponse()
        deadline.remaining()
        status = resp.status
        if status in _REDIRECT_STATUSES:
            return status, resp.reason, resp.getheader("Location"), "", None, b""
        if status >= 400:
            return status, resp.reason, None, "", None, b""
        ctype, charset = _content_type(resp)
        _check_type(ctype)
        body = _read_body(resp, sock, policy, deadline)
        return status, resp.reason, None, ctype, charset, body
    except FetchError:
        if deadline.expired():
            raise FetchError(f"timed out after {deadline.seconds:g} s") from None
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _network_error(exc, deadline, policy, connected) from None
    finally:
        timer.cancel()
        conn.close()


def _status_error(status: int, reason: str | None) -> FetchError:
    try:
        phrase = http.client.responses.get(status) or (reason or "").strip()
    except Exception:  # noqa: BLE001
        phrase = ""
    phrase = " ".join(phrase.split())[:60]
    return FetchError(f"HTTP {status} {phrase}".rstrip())


def fetch(url: str, policy: FetchPolicy | None = None) -> FetchedPage:
    """Fetch one article page under `policy`; raise FetchError/BlockedAddressError with a one-line reason."""
    policy = policy or FetchPolicy()
    requested = canonical_url(url)
    deadline = _Deadline(policy.total_timeout)
    current = requested
    redirects = 0
    while True:
        ips = check_url(current, policy)
        status, reason, location, ctype, charset, body = _request_once(current, ips, policy, deadline)
        if status in _REDIRECT_STATUSES:
            if not location or not location.strip():
                raise FetchError(f"HTTP {status} redirect without a Location")
            redirects += 1
            if redirects > policy.max_redirects:
                raise FetchError(f"too many redirects (more than {policy.max_redirects})")
            current = canonical_url(urljoin(current, location.strip()))
            continue
        if status >= 400 or (status != 200 and not body):
            raise _status_error(status, reason)
        if not ctype:
            ctype = _sniff_type(body)
        text, encoding = decode_body(body, charset, ctype in ("text/html", "application/xhtml+xml"))
        return FetchedPage(url=current, requested_url=requested, status=status, content_type=ctype,
                           text=text, encoding=encoding)

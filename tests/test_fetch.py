"""The fetcher against a real HTTP server on 127.0.0.1: limits, content types, charsets, redirects, SSRF.

Guard tests run with `socket` patched to refuse any non-loopback connect, so even a broken guard can never
send a packet beyond this machine, and they assert the recording server saw zero connections.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import time
import zlib

import pytest

from bot.errors import BlockedAddressError, FetchError
from bot.pipeline.fetch import FetchPolicy, canonical_url, check_url, fetch, find_canonical_link
from tests.helpers import article_server as _server_helpers

article_server = _server_helpers.article_server  # the fixture, usable without a conftest

ARTICLE = (
    "<html><head><title>Central bank holds rates</title></head><body><article>"
    "<h1>Central bank holds rates</h1><p>The Federal Reserve kept its policy rate unchanged on Wednesday."
    "</p></article></body></html>"
)


def loopback_policy(**kw) -> FetchPolicy:
    kw.setdefault("allow", ("127.0.0.1",))
    kw.setdefault("total_timeout", 5.0)
    kw.setdefault("connect_timeout", 2.0)
    return FetchPolicy(**kw)


def _is_loopback(host) -> bool:
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return ip.version == 4 and ip in ipaddress.ip_network("127.0.0.0/8") or str(ip) == "::1"


@pytest.fixture
def no_outbound(monkeypatch):
    """Make any connect to a non-loopback address raise, and record attempts (there must be none)."""
    attempts: list = []
    real_connect = socket.socket.connect
    real_create = socket.create_connection

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if not _is_loopback(host):
            attempts.append(address)
            raise AssertionError(f"test tried to connect beyond loopback: {address!r}")
        return real_connect(self, address)

    def guarded_create(address, *args, **kwargs):
        if not _is_loopback(address[0]):
            attempts.append(address)
            raise AssertionError(f"test tried to connect beyond loopback: {address!r}")
        return real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create)
    yield attempts
    assert attempts == []


def fetch_error(url: str, policy: FetchPolicy) -> str:
    with pytest.raises(FetchError) as info:
        fetch(url, policy)
    msg = str(info.value)
    assert "\n" not in msg and msg
    return msg


# ------------------------------------------------------------------------------------------ basics


def test_fetches_html_and_sends_identity(article_server):
    article_server.html("/story", ARTICLE)
    page = fetch(article_server.url("/story?utm_source=slack&id=7"), loopback_policy())
    assert page.status == 200
    assert page.content_type == "text/html"
    assert "Federal Reserve kept its policy rate" in page.text
    assert page.encoding == "utf-8"
    assert page.requested_url == article_server.url("/story?id=7")
    assert page.url == page.requested_url
    (req,) = article_server.requests_for("/story")
    assert req.path == "/story?id=7"  # tracking parameter never sent
    assert req.headers["User-Agent"].startswith("briefbot/")


@pytest.mark.parametrize("status, message", [(404, "HTTP 404 Not Found"),
                                             (500, "HTTP 500 Internal Server Error"),
                                             (403, "HTTP 403 Forbidden")])
def test_http_errors(article_server, status, message):
    article_server.route("/e", b"<html>error page</html>", status=status)
    assert fetch_error(article_server.url("/e"), loopback_policy()) == message


def test_missing_route_is_404(article_server):
    assert fetch_error(article_server.url("/nothing-here"), loopback_policy()) == "HTTP 404 Not Found"


def test_server_slower_than_timeout(article_server):
    article_server.slow("/slow", delay=5)
    start = time.monotonic()
    msg = fetch_error(article_server.url("/slow"), loopback_policy(total_timeout=0.6))
    assert msg == "timed out after 0.6 s"
    assert time.monotonic() - start < 2.5


def test_slow_drip_body_hits_wall_clock_deadline(article_server):
    # Each chunk arrives well within any per-read timeout; only a whole-fetch deadline stops this.
    article_server.drip("/drip", chunks=100, every=0.05)
    start = time.monotonic()
    msg = fetch_error(article_server.url("/drip"), loopback_policy(total_timeout=0.7))
    assert msg == "timed out after 0.7 s"
    assert time.monotonic() - start < 2.5


def test_slow_drip_headers_hit_deadline(article_server):
    def drip_headers(_req, writer):
        writer.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(100):
            writer.wfile.write(f"X-Pad-{i}: y\r\n".encode())
            writer.wfile.flush()
            if not writer.wait(0.05):
                return

    article_server.handler("/hdrs", drip_headers)
    start = time.monotonic()
    assert fetch_error(article_server.url("/hdrs"), loopback_policy(total_timeout=0.7)) == "timed out after 0.7 s"
    assert time.monotonic() - start < 2.5


@pytest.mark.parametrize("ctype, message", [
    ("image/png", "unsupported content type image/png"),
    ("application/json; charset=utf-8", "unsupported content type application/json"),
    ("application/pdf", "PDF not supported yet"),
])
def test_content_types_refused(article_server, ctype, message):
    article_server.route("/f", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, headers={"Content-Type": ctype})
    assert fetch_error(article_server.url("/f"), loopback_policy()) == message


def test_pdf_without_content_type_is_sniffed(article_server):
    article_server.route("/doc", b"%PDF-1.7\n%binary", headers={})
    assert fetch_error(article_server.url("/doc"), loopback_policy()) == "PDF not supported yet"


@pytest.mark.parametrize("ctype", ["text/plain; charset=utf-8", "text/markdown", "application/xhtml+xml"])
def test_text_types_accepted(article_server, ctype):
    article_server.route("/t", b"Plain words about the Bank of Japan.", headers={"Content-Type": ctype})
    page = fetch(article_server.url("/t"), loopback_policy())
    assert page.content_type == ctype.split(";")[0]
    assert page.text == "Plain words about the Bank of Japan."


@pytest.mark.parametrize("content_length", [True, False])
def test_oversize_body_is_cut(article_server, content_length):
    article_server.huge("/big", size=400_000, content_length=content_length)
    msg = fetch_error(article_server.url("/big"), loopback_policy(max_bytes=100_000))
    assert msg == "page larger than 100000 bytes"


def test_default_cap_message_names_5_mb(article_server):
    article_server.huge("/big", size=6 * 1024 * 1024, content_length=False)
    assert fetch_error(article_server.url("/big"), loopback_policy()) == "page larger than 5 MB"


def test_gzip_bomb_capped_on_decoded_size(article_server):
    bomb = gzip.compress(b"<p>" + b"a" * 3_000_000 + b"</p>")
    assert len(bomb) < 20_000
    article_server.route("/bomb", bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    assert fetch_error(article_server.url("/bomb"), loopback_policy(max_bytes=500_000)) == (
        "page larger than 500000 bytes")


def test_gzip_and_deflate_bodies(article_server):
    article_server.route("/gz", gzip.compress(ARTICLE.encode()),
                         headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"})
    article_server.route("/zl", zlib.compress(ARTICLE.encode()),
                         headers={"Content-Type": "text/html", "Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    article_server.route("/raw", raw.compress(ARTICLE.encode()) + raw.flush(),
                         headers={"Content-Type": "text/html", "Content-Encoding": "deflate"})
    for path in ("/gz", "/zl", "/raw"):
        assert fetch(article_server.url(path), loopback_policy()).text == ARTICLE
    assert article_server.requests_for("/gz")[0].headers["Accept-Encoding"] == "gzip, deflate"


# ----------------------------------------------------------------------------------------- charsets

FRENCH = "<html><body><p>Le café où l’on parle de la Banque de France — « déjà » vu, naïve façade.</p></body></html>"


def test_cp1252_with_correct_header(article_server):
    article_server.route("/a", FRENCH.encode("cp1252"), headers={"Content-Type": "text/html; charset=windows-1252"})
    page = fetch(article_server.url("/a"), loopback_policy())
    assert page.text == FRENCH and page.encoding == "cp1252"


def test_latin1_label_read_as_cp1252(article_server):
    # Browsers decode an ISO-8859-1 label as windows-1252: the curly apostrophe and dash must survive.
    article_server.route("/a", FRENCH.encode("cp1252"), headers={"Content-Type": "text/html; charset=ISO-8859-1"})
    assert fetch(article_server.url("/a"), loopback_policy()).text == FRENCH


def test_cp1252_without_any_declaration_is_detected(article_server):
    article_server.route("/a", (FRENCH * 3).encode("cp1252"), headers={"Content-Type": "text/html"})
    page = fetch(article_server.url("/a"), loopback_policy())
    assert "café où" in page.text and "naïve façade" in page.text


def test_meta_charset_used_when_header_silent(article_server):
    html = '<html><head><meta charset="windows-1252"></head>' + FRENCH[6:]
    article_server.route("/a", html.encode("cp1252"), headers={"Content-Type": "text/html"})
    page = fetch(article_server.url("/a"), loopback_policy())
    assert "l’on parle" in page.text and page.encoding == "cp1252"


def test_lying_utf8_header_over_cp1252_bytes(article_server):
    article_server.route("/a", FRENCH.encode("cp1252"), headers={"Content-Type": "text/html; charset=utf-8"})
    page = fetch(article_server.url("/a"), loopback_policy())
    assert "café où" in page.text and "naïve façade" in page.text
    assert "\ufffd" not in page.text


def test_lying_latin1_header_over_utf8_bytes(article_server):
    article_server.route("/a", FRENCH.encode("utf-8"), headers={"Content-Type": "text/html; charset=iso-8859-1"})
    assert fetch(article_server.url("/a"), loopback_policy()).text == FRENCH


# ---------------------------------------------------------------------------------------- redirects


def test_redirect_chain_followed_and_canonicalised(article_server):
    article_server.redirect("/r1", "/r2?utm_campaign=x", status=301)
    article_server.redirect("/r2", article_server.url("/final#top"), status=307)
    article_server.html("/final", ARTICLE)
    page = fetch(article_server.url("/r1"), loopback_policy())
    assert page.url == article_server.url("/final")
    assert page.requested_url == article_server.url("/r1")
    assert article_server.count("/final") == 1


def test_redirect_loop(article_server):
    article_server.redirect("/a", "/b")
    article_server.redirect("/b", "/a")
    assert fetch_error(article_server.url("/a"), loopback_policy()).startswith("too many redirects")
    assert article_server.count("/a") + article_server.count("/b") == 6  # the first request + 5 redirects


def test_more_than_five_redirects(article_server):
    for i in range(7):
        article_server.redirect(f"/hop{i}", f"/hop{i + 1}")
    article_server.html("/hop7", ARTICLE)
    assert fetch_error(article_server.url("/hop0"), loopback_policy()).startswith("too many redirects")
    assert article_server.count("/hop6") == 0


@pytest.mark.parametrize("target", [
    "http://10.0.0.7/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/x",
    "http://127.0.0.2:{port}/x",  # loopback, but not the allow-listed 127.0.0.1
    "http://[::ffff:127.0.0.2]:{port}/x",
])
def test_redirect_to_refused_address_is_rechecked(article_server, no_outbound, target):
    target = target.format(port=article_server.port)
    article_server.redirect("/go", target)
    policy = loopback_policy(allow=("127.0.0.1",))
    with pytest.raises(BlockedAddressError):
        fetch(article_server.url("/go"), policy)
    assert article_server.count("/go") == 1
    assert article_server.connections == 1  # only the first hop


def test_redirect_to_other_scheme_refused(article_server):
    article_server.redirect("/go", "file:///etc/passwd")
    assert fetch_error(article_server.url("/go"), loopback_policy()) == "unsupported URL scheme file:"


# ----------------------------------------------------------------------------------- network errors


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_host_refused_connection():
    msg = fetch_error(f"http://127.0.0.1:{_closed_port()}/x", loopback_policy())
    assert msg == "connection refused"


def test_connection_reset(article_server):
    article_server.reset("/rst")
    assert fetch_error(article_server.url("/rst"), loopback_policy()) == "connection reset"


def test_reset_mid_body(article_server):
    article_server.route("/half", [b"<html><body>" + b"x" * 1000, b"never sent"], reset_after_headers=True,
                         headers={"Content-Type": "text/html", "Content-Length": "100000"})
    msg = fetch_error(article_server.url("/half"), loopback_policy())
    assert msg in ("connection reset", "connection closed by the server before the page was complete")


def test_unknown_host_via_resolver():
    def resolver(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert fetch_error("https://no-such-host.example.test/", FetchPolicy(resolver=resolver)) == (
        "host not found: no-such-host.example.test")


@pytest.mark.parametrize("url", ["ftp://example.org/file", "file:///etc/passwd", "javascript:alert(1)",
                                 "data:text/html,hi", "gopher://example.org/"])
def test_unsupported_schemes(url):
    assert fetch_error(url, FetchPolicy()).startswith("unsupported URL scheme")


# --------------------------------------------------------------------------------------- SSRF guard

LOOPBACK_SPELLINGS = ["127.0.0.1", "127.1", "2130706433", "0x7f.1", "0x7f000001", "0177.0.0.1", "127.0.0.1.",
                      "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:0:0:1]", "localhost",
                      "LOCALHOST", "[2002:7f00:1::]", "[64:ff9b::127.0.0.1]"]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_loopback_spelling_refused_before_connecting(article_server, no_outbound, host):
    article_server.html("/secret", ARTICLE)
    url = article_server.url("/secret", host=host)
    with pytest.raises(BlockedAddressError) as info:
        fetch(url, FetchPolicy(total_timeout=2))  # nothing allow-listed
    assert "refused" in str(info.value)
    assert article_server.connections == 0
    assert article_server.requests == []


@pytest.mark.parametrize("host, reason", [
    ("169.254.169.254", "link-local"),
    ("[fe80::1]", "link-local"),
    ("[::ffff:169.254.169.254]", "link-local"),
    ("10.1.2.3", "private"),
    ("172.16.5.4", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("[fd12:3456::1]", "private"),
    ("[::ffff:10.0.0.1]", "private"),
    ("[::ffff:192.168.0.1]", "private"),
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.254", "CGNAT"),
    ("0.0.0.0", ""),
    ("0", ""),
    ("224.0.0.251", "multicast"),
    ("[ff02::1]", "multicast"),
    ("240.0.0.1", ""),
    ("255.255.255.255", ""),
    ("192.0.2.10", ""),
    ("198.18.0.1", ""),
    ("[2001:db8::1]", ""),
    ("[64:ff9b::a00:1]", "private"),  # NAT64 of 10.0.0.1
    ("[2002:c0a8:101::1]", "private"),  # 6to4 of 192.168.1.1
    ("012.0.0.1", "private"),  # octal: 10.0.0.1
    ("0xa9.0xfe.0xa9.0xfe", "link-local"),  # 169.254.169.254
])
def test_non_global_addresses_refused(no_outbound, host, reason):
    with pytest.raises(BlockedAddressError) as info:
        fetch(f"http://{host}/latest/meta-data/", FetchPolicy(total_timeout=2))
    assert reason in str(info.value)


def test_name_resolving_to_private_address_refused(article_server, no_outbound):
    def resolver(host, port):
        return {"intranet.example.test": ["10.20.30.40"],
                "mixed.example.test": ["93.184.216.34", "192.168.0.10"]}[host]

    for name in ("intranet.example.test", "mixed.example.test"):
        with pytest.raises(BlockedAddressError, match="private address"):
            fetch(f"https://{name}/page", FetchPolicy(resolver=resolver))
    assert article_server.connections == 0


def test_public_looking_url_redirecting_to_private_refused(article_server, no_outbound):
    """news.example.test is allow-listed by name (standing in for a public site); its redirect to a name
    that resolves to the metadata address is checked again and refused before connecting."""
    calls = []

    def resolver(host, port):
        calls.append(host)
        return {"news.example.test": ["127.0.0.1"], "cdn.example.test": ["169.254.169.254"]}[host]

    article_server.redirect("/story", "http://cdn.example.test/latest/meta-data/iam")
    policy = FetchPolicy(resolver=resolver, allow=("news.example.test",), total_timeout=3)
    with pytest.raises(BlockedAddressError, match="link-local"):
        fetch(f"http://news.example.test:{article_server.port}/story", policy)
    assert calls == ["news.example.test", "cdn.example.test"]
    assert article_server.connections == 1


def test_connects_to_vetted_ip_with_original_host_header(article_server, no_outbound):
    """DNS rebinding: the name is resolved once per hop and the socket goes to that vetted address;
    a second, different answer is never asked for."""
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])

    def rebinding_resolver(host, port):
        return next(answers)

    article_server.html("/p", ARTICLE)
    policy = FetchPolicy(resolver=rebinding_resolver, allow=("127.0.0.1",), total_timeout=3)
    page = fetch(f"http://News.Example.Test:{article_server.port}/p", policy)
    assert "Federal Reserve" in page.text
    (req,) = article_server.requests_for("/p")
    assert req.headers["Host"] == f"news.example.test:{article_server.port}"


def test_allow_list_by_cidr_and_host():
    def resolver(host, port):
        return ["10.1.2.3"]

    assert check_url("http://wiki.corp.test/", FetchPolicy(resolver=resolver, allow=("10.0.0.0/8",))) == [
        "10.1.2.3"]
    assert check_url("http://wiki.corp.test/", FetchPolicy(resolver=resolver, allow=("wiki.corp.test",))) == [
        "10.1.2.3"]
    with pytest.raises(BlockedAddressError):
        check_url("http://wiki.corp.test/", FetchPolicy(resolver=resolver, allow=("192.168.0.0/16",)))


def test_public_address_passes_guard_without_connecting():
    assert check_url("https://93.184.216.34/", FetchPolicy()) == ["93.184.216.34"]
    assert check_url("https://[::ffff:93.184.216.34]/", FetchPolicy()) == ["93.184.216.34"]


# ------------------------------------------------------------------------------------------------ TLS

# A self-signed certificate for news.example.test (made for these tests, valid for 100 years). No CA
# trusts it, so a fetcher that verifies certificates against the *name* must refuse it.
TEST_CERT = """-----BEGIN CERTIFICATE-----
MIIDOTCCAiGgAwIBAgIUGpYtyZOJwTFkHXuXy1IESIAFj1gwDQYJKoZIhvcNAQEL
BQAwHDEaMBgGA1UEAwwRbmV3cy5leGFtcGxlLnRlc3QwIBcNMjYxMTI5MTU1MTI3
WhgPMjEyNjExMDUxNTUxMjdaMBwxGjAYBgNVBAMMEW5ld3MuZXhhbXBsZS50ZXN0
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmGYG2ruv0VaX0ptJqWFf
NaYayl4b380jRdvXvynCcXwD0GkevNOWTgowipLcMHvjfyv8TjUZHPkJHMo3bm3C
Md7Dkt8k4ry2dU4LkTWb5LkCpL+2fB3MkQuPGICBNam1OCHGLHGiiRHijBFEgPS2
SAWDEPelZXIov2s/X3QTDW+HSpOTVCGPSEnBr6sxFMGQerj2y/drega3LgyNMkNb
M93QRnVLVlw8c78fuYC5fvc2v5BoKae42Gb2Cn9qwr9sgir9ymG3EzTkdQ91YdY7
2JdM4Btfo50xXd0HRnjEGNOobb5RuTM0hS6MLR38tKRY7VtLcYJe4Yo3jx/TCXqb
FQIDAQABo3EwbzAdBgNVHQ4EFgQUmBbkixDWzczErjpdA1mJkg2MiCswHwYDVR0j
BBgwFoAUmBbkixDWzczErjpdA1mJkg2MiCswDwYDVR0TAQH/BAUwAwEB/zAcBgNV
HREEFTATghFuZXdzLmV4YW1wbGUudGVzdDANBgkqhkiG9w0BAQsFAAOCAQEAHNV0
GuEdRztW1QBN3Ckv7Mws/AO5ddZup5I2RN9++G3qaAhN+ZQQGa0yWcSQLXQiujEt
ZGWdxVkxzsgKsBk4Yrvt2ZbpSwfIbRr4kfdtPAWajCX1UJR2n8RdhfrT/bXbkOdP
LSvIQLsoJYBAkQL2q/QRdKf8ws4ma/WrwYNtzEiJn5TxKzvKg8xpwSdJy4WNiwEv
7SselfNe8lH0XEXo9cDFO+pIpdGW+wyh3tpZ23LzVQPnpO0rrp8/WvhOXo+CNuU1
SVhRwwBwrtJjzYS9EOneQ2maf9YfWChSObUXWVHgnCvU00GRVeZezsT6koyG9nTu
gchTLgU+ZDGYQY7C9w==
-----END CERTIFICATE-----
"""
TEST_KEY = """-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCYZgbau6/RVpfS
m0mpYV81phrKXhvfzSNF29e/KcJxfAPQaR6805ZOCjCKktwwe+N/K/xONRkc+Qkc
yjdubcIx3sOS3yTivLZ1TguRNZvkuQKkv7Z8HcyRC48YgIE1qbU4IcYscaKJEeKM
EUSA9LZIBYMQ96Vlcii/az9fdBMNb4dKk5NUIY9IScGvqzEUwZB6uPbL92t6Brcu
DI0yQ1sz3dBGdUtWXDxzvx+5gLl+9za/kGgpp7jYZvYKf2rCv2yCKv3KYbcTNOR1
D3Vh1jvYl0zgG1+jnTFd3QdGeMQY06htvlG5MzSFLowtHfy0pFjtW0txgl7hijeP
H9MJepsVAgMBAAECggEAFMNDuE29Uqs2RIyBEOlR+CRw/nSrXgacAWLGBkaZde4k
M+L6e9Xk4q17Nwnyo01hrXwP5BTSXtLkBa7cNfiQrkwv/4TUyOpWfm1bYJV574Ow
Q0NWSJsjuXgmbvtk/ytno+XgEsKJlxyfbZ9Voq8UXYQYuvlOaJ+QwyGIsQfGp7v9
7HTqtJ7iy+PSMhbHLfR2Up66Ty1X5rvTRtDhLelJvbUy4GsVBPOReG0V8ufVHIG+
jIOIZ/N0istM66OtTZ9KaXjCvz/Zm24w/GZzgPbI9i0g5hu3BVZE6FV/aL8zt8pl
fBmSpuucEV98gOg0laAuU+MoShqOmG8GnzHADMN9yQKBgQDVBIpm8aAx3LRw6DbU
eA/Ae5MJJwlStFjYUVinSgpvwz0374dJsN/Itcx4Bg+Sa6d6u0dN3iauLmN6DNMC
4EPFHqm2gD7W1/cT6VLEzdlUIE4SlYVD+NYGxx0ldOcOqKmEKs1MxQSurrIZd2KT
1mSg3k0yWnMZt2U6r4UIH+T/bQKBgQC3JjGRF5O9D2pkV8BcrVWTYgb8l4sVvOu1
FXQN2jegBuy3HXABJMq8CYKCqF+6IsMoJppYcqisRUfz5YPWXl6b1XC25mZfX70h
636IaW5lXcg37SSWR2qAHrR6bfui5vufHIqntuzFu4w6Y09gPi7cjGSECpW2QmPO
J3r9L/i5SQKBgCXyoCFErDAVzENM6u+gz9WPbhs0TBHitO0cWLm8k+1jD5XWYvh6
vPMJh/pdwgpoiTZxBHvXtnZTJz+H51Nc1lXYZ41ufUNSx95RM4CB11SISMBAyLPa
MW6VrBiPIdZXr5Mu+NHTS0k/L9Ufkn0ZtWV/FKuCt3x+UldJC17uJ6JlAoGAPY0H
cXSUASDSJ6DaFAtozBxQrskbRBX2vSfVleY1dYF+QlgRUUEVJTao9tIxQbP3FGJM
0tbN2v95m/0RXpTehM6pj75Ev17EiEbFgoC0SjrHVAxNlHex0hb/nnmh7PBlteZ4
rr6qOhW6ndDMV1Lums5P5ZRNFjCfrCPWkIpzs4kCgYAZfiYDhbnXS6vb76cyEQgr
QObi4KUbh+nlr/DUbv+WLCleAb9KZe0C0lQWqmoedfaY+3PuSbaf1Pa6hp54GXXn
tz54ztbuiIn6Ysom4WPYmUO6Xsg7dTHLYowO8C/UHveC/+AMue9ClSVfVd6rCKw3
8u9tDzOUjR7pvPzrezefdg==
-----END PRIVATE KEY-----
"""


@pytest.fixture
def tls_server(tmp_path):
    (tmp_path / "cert.pem").write_text(TEST_CERT)
    (tmp_path / "key.pem").write_text(TEST_KEY)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    seen_sni: list = []
    ctx.sni_callback = lambda sslobj, name, _ctx: seen_sni.append(name)
    server = _server_helpers.ArticleServer(ssl_context=ctx).start()
    server.seen_sni = seen_sni
    try:
        yield server
    finally:
        server.stop()


def test_https_verifies_certificate_for_the_host_name_over_the_pinned_ip(tls_server, no_outbound):
    tls_server.html("/p", ARTICLE)

    def resolver(host, port):
        return ["127.0.0.1"]

    policy = FetchPolicy(resolver=resolver, allow=("127.0.0.1",), total_timeout=3)
    msg = fetch_error(f"https://news.example.test:{tls_server.port}/p", policy)
    assert msg.startswith("TLS certificate check failed")
    assert tls_server.seen_sni == ["news.example.test"]  # SNI carries the name, the socket went to the IP
    assert tls_server.requests == []  # nothing was sent over the unverified channel


# ----------------------------------------------------------------------------------- canonical URLs


@pytest.mark.parametrize("raw, expected", [
    ("  HTTPS://Example.COM:443/News/Story?utm_source=slack&id=42&fbclid=abc#comments ",
     "https://example.com/News/Story?id=42"),
    ("http://example.com:80", "http://example.com/"),
    ("http://example.com:8080/a", "http://example.com:8080/a"),
    ("https://example.com/a?b=2&a=1&gclid=x&utm_medium=y&UTM_TERM=z", "https://example.com/a?b=2&a=1"),
    ("https://example.com/a?mc_cid=1&mc_eid=2&igshid=3&_ga=4&ref_src=5&yclid=6&msclkid=7&dclid=8",
     "https://example.com/a"),
    ("https://example.com/a?q=caf%C3%A9&page=2", "https://example.com/a?q=caf%C3%A9&page=2"),
    ("https://example.com/path with space", "https://example.com/path%20with%20space"),
    ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
    ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
    ("https://example.com/a?ref=home", "https://example.com/a?ref=home"),  # 'ref' itself may be content
])
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected


def test_canonical_url_is_idempotent():
    url = "https://Example.com/a b?x=%2F&utm_id=1#f"
    assert canonical_url(canonical_url(url)) == canonical_url(url)


@pytest.mark.parametrize("html, expected", [
    ('<head><link rel="canonical" href="https://Example.com/story?utm_source=rss#x"></head>',
     "https://example.com/story"),
    ("<head><LINK REL='Canonical' HREF='/amp/../story-42'></head>", "https://site.test/story-42"),
    ('<head><link rel="alternate canonical" href="//cdn.site.test/s"></head>', "https://cdn.site.test/s"),
    ('<head><link rel="canonical" href="javascript:alert(1)"></head>', None),
    ('<head><link rel="canonical" href=""></head>', None),
    ('<head><link rel="stylesheet" href="/s.css"></head>', None),
    ("", None),
])
def test_find_canonical_link(html, expected):
    assert find_canonical_link(html, "https://site.test/amp/page") == expected

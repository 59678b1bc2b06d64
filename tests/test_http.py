"""httpd from outside: status codes and exact headers, persistence and pipelining, paths that
try to escape, and that the server keeps serving after every bad input.  The site is generated
per test module and served through QEMU's vfat driver."""
import gzip
import os
import re
import socket
import threading
import time
from email.utils import parsedate_to_datetime

import pytest

from harness import stats
from harness.http_client import Conn, get
from harness.vm import Vm

INDEX = b"<!doctype html><title>t</title><p>hello\n"
KB = os.urandom(1024)
CSS = b"body { color: #333 }\n" * 10


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_bytes(INDEX)
    (root / "1k.bin").write_bytes(KB)
    (root / "docs").mkdir()
    (root / "docs" / "index.html").write_bytes(b"<p>docs\n")
    (root / "docs" / "a b.txt").write_bytes(b"spaces\n")
    (root / "style.css").write_bytes(CSS)
    (root / "style.css.gz").write_bytes(gzip.compress(CSS, mtime=0))
    (root / "empty.txt").write_bytes(b"")
    return root


@pytest.fixture(scope="module")
def vm(site):
    v = Vm(cpus=2, args="keepalive_ms=3000", env={"SITE": str(site), "DISK": "vfat"})
    v.expect(r"toril: 2 cpus online")
    v.expect(r"httpd: serving on port 80")
    v.host = "127.0.0.1"
    yield v
    if os.environ.get("TORIL_TEST_CONSOLE"):
        print(v.output[-4000:])
    v.kill()


def conn(vm):
    return Conn(vm.host, vm.http_port)


def test_200_with_exact_headers(vm):
    r = get(vm.host, vm.http_port, "/")
    assert r.status == 200 and r.body == INDEX
    assert r.header("content-type") == "text/html; charset=utf-8"
    assert r.header("content-length") == str(len(INDEX))
    assert r.header("server").startswith("toril")
    assert r.header("accept-ranges") == "bytes"
    assert re.fullmatch(r'"[^"]+"', r.header("etag"))
    parsedate_to_datetime(r.header("date"))
    parsedate_to_datetime(r.header("last-modified"))
    assert r.header("connection") == "close"


def test_binary_file_and_empty_file(vm):
    assert get(vm.host, vm.http_port, "/1k.bin").body == KB
    r = get(vm.host, vm.http_port, "/empty.txt")
    assert r.status == 200 and r.body == b"" and r.header("content-length") == "0"


def test_folder_redirect_and_index(vm):
    r = get(vm.host, vm.http_port, "/docs?x=1")
    assert r.status == 301 and r.header("location") == "/docs/?x=1"
    r = get(vm.host, vm.http_port, "/docs/")
    assert r.status == 200 and r.body == b"<p>docs\n"
    assert get(vm.host, vm.http_port, "/docs/a%20b.txt").body == b"spaces\n"


def test_404_405_400_414_431_505(vm):
    assert get(vm.host, vm.http_port, "/nope").status == 404
    r = get(vm.host, vm.http_port, "/", method="POST")
    assert r.status == 405 and r.header("allow") == "GET, HEAD"
    assert get(vm.host, vm.http_port, "/%zz").status == 400
    assert get(vm.host, vm.http_port, "/" + "a" * 5000).status == 414
    assert get(vm.host, vm.http_port, "/", headers=[f"X-Big: {'b' * 9000}"]).status == 431
    c = conn(vm)
    c.send("GET / HTTP/2.0\r\nHost: t\r\n\r\n")
    assert c.read_response().status == 505
    c = conn(vm)
    c.send("GET / HTTP/1.1\r\n\r\n")  # no Host
    assert c.read_response().status == 400
    c = conn(vm)
    c.send("garbage\r\n\r\n")
    assert c.read_response().status == 400


def test_304_and_conditional_requests(vm):
    r = get(vm.host, vm.http_port, "/1k.bin")
    etag, lm = r.header("etag"), r.header("last-modified")
    r = get(vm.host, vm.http_port, "/1k.bin", headers=[f"If-None-Match: {etag}"])
    assert r.status == 304 and r.body == b"" and r.header("etag") == etag
    r = get(vm.host, vm.http_port, "/1k.bin", headers=[f"If-Modified-Since: {lm}"])
    assert r.status == 304
    r = get(vm.host, vm.http_port, "/1k.bin", headers=['If-None-Match: "other"'])
    assert r.status == 200


def test_ranges_206_and_416(vm):
    r = get(vm.host, vm.http_port, "/1k.bin", headers=["Range: bytes=10-19"])
    assert r.status == 206 and r.body == KB[10:20]
    assert r.header("content-range") == "bytes 10-19/1024"
    assert get(vm.host, vm.http_port, "/1k.bin", headers=["Range: bytes=-5"]).body == KB[-5:]
    assert get(vm.host, vm.http_port, "/1k.bin", headers=["Range: bytes=1000-"]).body == KB[1000:]
    r = get(vm.host, vm.http_port, "/1k.bin", headers=["Range: bytes=5000-"])
    assert r.status == 416 and r.header("content-range") == "bytes */1024"


def test_gzip_variant_and_vary(vm):
    r = get(vm.host, vm.http_port, "/style.css", headers=["Accept-Encoding: gzip"])
    assert r.header("content-encoding") == "gzip" and gzip.decompress(r.body) == CSS
    assert "accept-encoding" in r.header("vary").lower()
    r = get(vm.host, vm.http_port, "/style.css")
    assert r.header("content-encoding") is None and r.body == CSS
    assert "accept-encoding" in r.header("vary").lower()


def test_head_has_no_body_and_next_pipelined_response_parses(vm):
    c = conn(vm)
    c.send("HEAD /1k.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /index.html HTTP/1.1\r\nHost: t\r\n\r\n")
    h = c.read_response(head=True)
    assert h.status == 200 and h.header("content-length") == "1024"
    r = c.read_response()
    assert r.status == 200 and r.body == INDEX
    c.close()


def test_three_pipelined_requests_in_order(vm):
    c = conn(vm)
    c.send("".join(f"GET {p} HTTP/1.1\r\nHost: t\r\n\r\n"
                   for p in ("/1k.bin", "/nope", "/index.html")))
    rs = [c.read_response() for _ in range(3)]
    assert [r.status for r in rs] == [200, 404, 200]
    assert rs[0].body == KB and rs[2].body == INDEX
    c.close()


def test_50_requests_on_one_keepalive_connection(vm):
    c = conn(vm)
    for i in range(50):
        c.send("GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        r = c.read_response()
        assert r.status == 200 and r.body == KB and r.header("connection") != "close", i
    c.close()


def test_two_clients_interleaved(vm):
    a, b = conn(vm), conn(vm)
    for i in range(10):
        a.send("GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n")
        b.send("GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        assert b.read_response().body == KB
        assert a.read_response().body == INDEX
    a.close()
    b.close()


# Each input with the one status it must get: 400 for a path that would climb out of the site
# or carries a backslash or NUL (decoded or not), 404 for one that stays inside and names
# nothing, 200 with the right file for one that stays inside and names a file.
TRAVERSALS = [
    ("/../../etc/passwd", 400, None),
    ("/%2e%2e/%2e%2e/etc/passwd", 400, None),
    ("/..%2f..%2fetc/passwd", 400, None),
    ("/docs/../../index.html", 400, None),
    ("/./../index.html", 400, None),
    ("/%5c..%5cindex.html", 400, None),
    ("/docs/..%5c..%5cx", 400, None),
    ("/%00", 400, None),
    ("/index.html%00.txt", 400, None),
    ("//etc/passwd", 404, None),
    ("/docs/../index.html", 200, INDEX),
    ("/docs/./index.html", 200, b"<p>docs\n"),
]


@pytest.mark.parametrize("path,status,body", TRAVERSALS)
def test_traversal_gets_its_exact_status(vm, path, status, body):
    r = get(vm.host, vm.http_port, path)
    assert r.status == status, (path, r)
    if body is not None:
        assert r.body == body
    assert b"root:" not in r.body


def test_still_serving_after_bad_input(vm):
    for junk in [b"\x00" * 100, b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n", b"\r\n" * 50, os.urandom(3000)]:
        s = socket.create_connection((vm.host, vm.http_port), timeout=5)
        s.sendall(junk)
        s.close()
    assert get(vm.host, vm.http_port, "/").body == INDEX


def test_keepalive_idle_timeout_closes_on_time(vm):
    c = conn(vm)
    c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    c.read_response()
    t0 = time.monotonic()
    assert c.closed_by_peer(timeout=10)
    assert 2.5 <= time.monotonic() - t0 <= 5.0  # keepalive_ms=3000, 500 ms granularity


def test_connections_beyond_max_conns_are_refused_cleanly(site):
    """max_conns=2 on one core: a third connection is reset at once (refused=), the first two
    keep working, and a slot freed by a close is usable again."""
    v = Vm(cpus=1, args="max_conns=2", env={"SITE": str(site), "DISK": "vfat"})
    try:
        v.expect(r"httpd: serving on port 80")
        a, b = Conn("127.0.0.1", v.http_port), Conn("127.0.0.1", v.http_port)
        for c in (a, b):
            c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            assert c.read_response().body == INDEX
        extra = Conn("127.0.0.1", v.http_port)
        extra.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        with pytest.raises((ConnectionResetError, EOFError, BrokenPipeError)):
            extra.read_response()
        a.send("GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        assert a.read_response().body == KB
        b.close()
        time.sleep(0.5)
        c = Conn("127.0.0.1", v.http_port)
        c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.read_response().body == INDEX
        assert stats.read(v, 1)[0]["refused"] >= 1
    finally:
        v.kill()

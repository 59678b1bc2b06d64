"""virtio-net offloads and zero-copy transmit, checked from outside.

Over a tap the device offers checksum offload both ways and TSO, and the driver uses them: the
host kernel drops TCP segments whose checksum is wrong, so a byte-exact download over the tap
proves the partial sums the device completed, and fewer frames handed to the device than
segments on the wire (the tx= and txwire= counters) prove segmentation offload.  Over user networking the device offers no
offload and the stack computes every checksum itself: the same downloads must be byte-exact
there too.  Large files, a Range in the middle of one, and 256 concurrent 64 KiB downloads
that must all complete with no reset and no connection timed out by the server.

A large file to a lone client is not held to 64 KiB per round trip: the host acknowledges a
whole TSO frame with one ACK, so the server's congestion window must grow by what each ACK
covers, and its send buffer beyond TCP_SND_BUF while the core has few connections.  A client
speaking TCP itself (harness/rawtcp.py) acknowledges once per round and counts
what each round brought."""
import hashlib
import os
import selectors
import socket
import time

import pytest

from harness import stats
from harness.rawtcp import RawTcp
from harness.http_client import Conn
from harness.netns import GUEST_IP

KIB, MIB = 1 << 10, 1 << 20
CONCURRENT = 256        # simultaneous downloads of the 64 KiB file over the tap
CONCURRENT_DEADLINE_S = 120
RANGE = (3 * MIB + 12345, 5 * MIB + 999)  # inclusive, in the middle of the 10 MiB file
DEFAULT_SNDBUF = 64 * KIB  # lwipopts.h TCP_SND_BUF: what a connection starts with
ROUNDS = 10                # round trips the lone client allows before judging
ROUND_QUIET_S = 0.15       # no new data for this long: the server waits for our ACK
TINY_MSS = 200             # below netstack's floor for large segments (536)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("offload-site")
    rnd = os.urandom(10 * MIB)  # random: any reordering or corruption changes the digest
    files = {"1m.bin": rnd[:MIB], "10m.bin": rnd, "64k.bin": rnd[-64 * KIB:]}
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / "index.html").write_bytes(b"<p>offload\n")
    return root, files


def fetch(sock, path, headers=""):
    c = Conn(None, None, timeout=30, sock=sock)
    c.send(f"GET {path} HTTP/1.1\r\nHost: t\r\n{headers}Connection: close\r\n\r\n")
    r = c.read_response()
    c.close()
    return r


def check_files(connect, files):
    """1 MiB and 10 MiB byte-exact, and a Range in the middle of the 10 MiB file."""
    for name in ("1m.bin", "10m.bin"):
        r = fetch(connect(), f"/{name}")
        assert r.status == 200, r
        assert hashlib.sha256(r.body).digest() == hashlib.sha256(files[name]).digest(), \
            f"/{name}: {len(r.body)} bytes, content differs"
    a, b = RANGE
    r = fetch(connect(), "/10m.bin", f"Range: bytes={a}-{b}\r\n")
    assert r.status == 206, r
    assert r.header("content-range") == f"bytes {a}-{b}/{10 * MIB}"
    assert r.body == files["10m.bin"][a:b + 1]


def totals(vm, ncpus, *keys):
    st = stats.read(vm, ncpus)
    return {k: sum(core.get(k, 0) for core in st) for k in keys}


def boot_tap(boot, netns, root, before_serving=None):
    """One core on a one-queue tap in a namespace of its own, serving root; waits for
    before_serving (a boot line printed before httpd serves), then for httpd."""
    ns = netns(queues=1)
    vm = boot(cpus=1, netns=ns, args=f"ip={GUEST_IP}/24 gw=10.77.0.1",
              env={"SITE": str(root), "DISK": "vfat"})
    if before_serving:
        vm.expect(before_serving)
    vm.expect(r"httpd: serving on port 80")
    return ns, vm


def test_tap_offloads_byte_exact(boot, netns, site):
    root, files = site
    ns, vm = boot_tap(boot, netns, root, r"virtio-net: .*offloads: tx-csum rx-csum tso4")
    check_files(lambda: ns.connect(80, timeout=30), files)
    t = totals(vm, 1, "tx", "txwire")
    # 22 MiB went out in ~15,000 segments on the wire; with TSO most left 64 KiB at a time.
    assert t["tx"] * 4 < t["txwire"], f"segmentation offload unused: {t}"


def test_tiny_mss_client_gets_one_segment_per_frame(boot, netns, site):
    """A client announcing a tiny MSS is served byte-exact, without large segments: the host
    would otherwise cut every 64 KiB frame into hundreds of packets for it.  One frame per
    segment on the wire for its download (tx= and txwire= grow alike)."""
    root, files = site
    ns, vm = boot_tap(boot, netns, root)
    before = totals(vm, 1, "tx", "txwire")
    with ns.entered():
        s = socket.socket()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, TINY_MSS)  # announced in the SYN
        s.settimeout(30)
        s.connect((GUEST_IP, 80))
    r = fetch(s, "/64k.bin")
    assert r.status == 200 and r.body == files["64k.bin"]
    after = totals(vm, 1, "tx", "txwire")
    frames, wire = after["tx"] - before["tx"], after["txwire"] - before["txwire"]
    assert frames >= 64 * KIB // TINY_MSS and wire == frames, (frames, wire)


def test_user_networking_software_checksums_byte_exact(boot, site):
    root, files = site
    vm = boot(cpus=1, env={"SITE": str(root), "DISK": "vfat"})
    vm.expect(r"virtio-net: .*offloads: none")
    vm.expect(r"httpd: serving on port 80")
    check_files(lambda: socket.create_connection(("127.0.0.1", vm.http_port), timeout=30),
                files)
    t = totals(vm, 1, "tx", "txwire")
    assert t["txwire"] == t["tx"], f"one frame per segment without TSO: {t}"


def concurrent_downloads(ns, n, path, size):
    """n connections at once, each GET path; returns (complete, errors)."""
    sel = selectors.DefaultSelector()
    socks = []
    with ns.entered():
        for _ in range(n):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((GUEST_IP, 80))
            socks.append(s)
    for s in socks:
        sel.register(s, selectors.EVENT_WRITE, {"sent": False, "got": bytearray()})
    complete = errors = 0
    deadline = time.monotonic() + CONCURRENT_DEADLINE_S
    open_ = n
    while open_ and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=1):
            s, st = key.fileobj, key.data
            try:
                if not st["sent"]:
                    s.send(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                           .encode())
                    st["sent"] = True
                    sel.modify(s, selectors.EVENT_READ, st)
                    continue
                data = s.recv(256 * KIB)
            except (ConnectionResetError, BrokenPipeError, ConnectionRefusedError):
                errors += 1
                data = None
            if data:
                st["got"] += data
                continue
            sel.unregister(s)
            s.close()
            open_ -= 1
            if data is not None:
                head, _, body = bytes(st["got"]).partition(b"\r\n\r\n")
                if head.startswith(b"HTTP/1.1 200") and len(body) == size:
                    complete += 1
                else:
                    errors += 1
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    return complete, errors


def test_256_concurrent_64k_downloads_none_lost(boot, netns, site):
    root, files = site
    ns, vm = boot_tap(boot, netns, root)
    complete, errors = concurrent_downloads(ns, CONCURRENT, "/64k.bin", 64 * KIB)
    t = totals(vm, 1, "timeouts")
    assert (complete, errors) == (CONCURRENT, 0), \
        f"{complete} of {CONCURRENT} complete, {errors} reset or short"
    assert t["timeouts"] == 0, f"the server timed out connections it was behind on: {t}"



def round_bursts(raw, sport, seq, acked, rounds):
    """Bytes the server sent in each round: ACK everything so far (one ACK per round, as the host
    acknowledges a TSO frame), then take segments until the server goes quiet."""
    bursts = []
    for _ in range(rounds):
        top = acked
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                s = raw.wait_segment(sport, lambda s: s[6] > 0, ROUND_QUIET_S)
            except AssertionError:
                break  # quiet: the server waits for an acknowledgement
            end = (s[2] + s[6]) & 0xffffffff
            if 0 < (end - top) & 0xffffffff < 1 << 30:
                top = end
        bursts.append((top - acked) & 0xffffffff)
        if top == acked:
            break
        acked = top
        raw.send(sport, seq, acked, 0x10)
    return bursts


def test_lone_client_gets_more_than_the_default_send_buffer_per_round_trip(boot, netns, site):
    root, files = site
    ns, vm = boot_tap(boot, netns, root)
    raw = RawTcp(ns, sized=True)
    try:
        sport, isn = 41000, 7000
        # MSS 1460, window scale 7: our 65535 means 8 MiB, never what limits the server.
        raw.send(sport, isn, 0, 0x02, options=b"\x02\x04\x05\xb4\x01\x03\x03\x07")
        their = raw.wait_segment(sport, lambda s: s[4] & 0x12 == 0x12)[2]
        acked = (their + 1) & 0xffffffff
        req = b"GET /10m.bin HTTP/1.1\r\nHost: t\r\n\r\n"
        raw.send(sport, isn + 1, acked, 0x18, req)
        bursts = round_bursts(raw, sport, isn + 1 + len(req), acked, ROUNDS)
        raw.send(sport, isn + 1 + len(req), 0, 0x04)  # RST: done
    finally:
        raw.close()
    assert max(bursts) > DEFAULT_SNDBUF, \
        f"at most {max(bursts)} bytes per round trip in {len(bursts)} rounds: {bursts}"

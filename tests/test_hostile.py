"""Hostile clients: each attack runs from inside a network namespace the test makes, over a tap,
while a normal client in the same namespace measures its own latency (Prober).  What must hold:
the normal client keeps being served, the attackers are closed and counted in `stats`, the
guest's connection memory stays bounded, nothing panics.

Raw frames (spoofed SYNs, out-of-order segments, ISN probes) go through an AF_PACKET socket on
the namespace's tap (RawTcp): the test speaks TCP itself from an address the host kernel does
not own, and answers the guest's ARP for it."""
import random
import re
import socket
import threading
import time

from harness import stats
from harness.quantile import quantile
from harness.rawtcp import RawTcp
from harness.netns import GUEST_IP, HOST_IP

ARGS = f"ip={GUEST_IP}/24 gw={HOST_IP}"
STALL_MS = 2000     # send_stall_ms for the tests: the send-progress window
PROBE_P99_S = 1.0   # the normal client's bound while an attack runs


class Prober(threading.Thread):
    """A normal client: a fresh connection and GET / every `interval` seconds, each bounded by
    `timeout`; keeps every latency and counts failures."""

    def __init__(self, ns, interval=0.1, timeout=5.0):
        super().__init__(daemon=True)
        self.ns, self.interval, self.timeout = ns, interval, timeout
        self.lat, self.failures = [], []
        self.stop_ev = threading.Event()

    def one(self):
        t0 = time.monotonic()
        with socket.create_connection((GUEST_IP, 80), timeout=self.timeout) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        if not data.startswith(b"HTTP/1.1 200"):
            raise OSError(f"bad answer {data[:40]!r}")
        return time.monotonic() - t0

    def run(self):
        with self.ns.entered():
            while not self.stop_ev.is_set():
                try:
                    self.lat.append(self.one())
                except OSError as e:
                    self.failures.append(repr(e))
                self.stop_ev.wait(self.interval)

    def stop(self):
        self.stop_ev.set()
        self.join(self.timeout + 5)

    def check(self, what):
        assert len(self.lat) >= 5, f"{what}: the normal client got too few answers: {self.failures}"
        assert not self.failures, f"{what}: normal client failed: {self.failures[:5]}"
        p99 = quantile(self.lat, 0.99)
        assert p99 < PROBE_P99_S, f"{what}: normal client p99 {p99:.3f}s"
        return p99


def boot_tap(boot, netns, cpus=1, mem="256M", args=""):
    """A VM on a tap with one queue pair per core, in a namespace of its own."""
    ns = netns(queues=cpus)
    vm = boot(cpus=cpus, netns=ns, mem=mem, args=f"{ARGS} {args}".strip())
    vm.expect(r"httpd: serving on port 80")
    return ns, vm


def total(vm, ncpus, key):
    return sum(core.get(key, 0) for core in stats.read(vm, ncpus))


def assert_alive(vm):
    assert "panic" not in vm.output.lower(), vm.output[-3000:]
    vm.send("help")  # the console still answers
    vm.expect(r"shutdown", timeout=10)


def test_one_byte_segments_behind_a_blocked_response(boot, netns):
    """20 connections block their response (45 pipelined GETs, then a zero window) and send
    1-byte segments in order, 1,500 each.  MEM=32M: each segment costs its byte, not a pbuf
    (the heap stays flat), the normal client keeps being served, and the attackers are reset by
    the send-progress rule (their window stays shut)."""
    ns, vm = boot_tap(boot, netns, cpus=1, mem="32M", args=f"send_stall_ms={STALL_MS}")
    raw = RawTcp(ns)
    prober = Prober(ns)
    prober.start()
    try:
        conns = []
        for i in range(20):
            sport = 42000 + i
            seq, ack = raw.connect(sport)
            req = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n" * 45  # one segment, under the MSS
            raw.send(sport, seq, ack, 0x18, req, window=0)  # and no room for the answers
            conns.append([sport, seq + len(req), ack])
        before = total(vm, 1, "conn_mem")
        t0 = time.monotonic()
        for k in range(1500):
            for c in conns:
                raw.send(c[0], c[1], c[2], 0x10, b"G", window=0)
                c[1] += 1
            time.sleep(max(0.0, t0 + (k + 1) * 0.002 - time.monotonic()))  # ~10,000 per s
        grown = total(vm, 1, "conn_mem") - before
        time.sleep(2 * STALL_MS / 1000 + 1.5)  # two send-progress windows and a poll
        prober.stop()
        p99 = prober.check("1-byte segments")
        closed = total(vm, 1, "slow_readers")
    finally:
        raw.close()
    assert closed >= 20, f"attackers not reset by the send-progress rule: {closed}"
    assert grown < 1 << 20, f"30,000 one-byte segments grew the heap by {grown} bytes"
    print(f"1-byte attack: 30,000 in-order 1-byte segments behind zero windows, heap grew "
          f"{grown >> 10} KiB, slow_readers={closed}, normal client p99 {p99 * 1000:.0f} ms")
    assert_alive(vm)


def test_out_of_order_one_byte_segments_behind_a_gap(boot, netns):
    """10 connections each send 1,000 one-byte segments behind a gap (never filled): lwIP keeps
    at most NETSTACK_OOSEQ_PBUFS_MAX of them; the idle connections are closed by keepalive_ms."""
    ns, vm = boot_tap(boot, netns, cpus=1, mem="32M", args="keepalive_ms=2000")
    raw = RawTcp(ns)
    prober = Prober(ns)
    prober.start()
    try:
        conns = [(40000 + i, *raw.connect(40000 + i)) for i in range(10)]
        before = total(vm, 1, "conn_mem")
        for k in range(1000):
            for sport, seq, ack in conns:
                raw.send(sport, seq + 1 + 2 * k, ack, 0x10, b"x")  # seq itself never comes
        grown = total(vm, 1, "conn_mem") - before
        time.sleep(3.5)  # keepalive_ms and a poll interval
        prober.stop()
        p99 = prober.check("out-of-order segments")
        timeouts = total(vm, 1, "timeouts")
    finally:
        raw.close()
    assert grown < 1 << 20, f"10 connections grew the heap by {grown} bytes"
    assert timeouts >= 10, f"idle attackers not closed: timeouts={timeouts}"
    print(f"out-of-order attack: 10,000 segments, heap grew {grown >> 10} KiB, "
          f"timeouts={timeouts}, normal client p99 {p99 * 1000:.0f} ms")
    assert_alive(vm)


def test_window_opened_one_byte_every_two_seconds_is_closed(boot, netns):
    """A client that takes one byte every 2 s (its receive window stays shut) is reset within
    the send-progress window (seen in stats: the client's own socket still holds bytes it has
    not read, so it learns of the reset late); a normal client is unaffected."""
    ns, vm = boot_tap(boot, netns, cpus=1, args=f"send_stall_ms={STALL_MS}")
    with ns.entered():
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        s.connect((GUEST_IP, 80))
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n" * 20)
    s.settimeout(0.5)
    t0 = time.monotonic()
    closed_at = None
    next_read = t0
    while time.monotonic() - t0 < 3 * STALL_MS / 1000 + 4:
        if time.monotonic() >= next_read:
            try:
                s.recv(1)
            except OSError:
                pass
            next_read += 2
        if total(vm, 1, "slow_readers") >= 1:
            closed_at = time.monotonic() - t0
            break
        time.sleep(0.25)
    s.close()
    assert closed_at is not None, "the trickling reader was never closed"
    assert closed_at <= 2 * STALL_MS / 1000 + 1.5, f"closed only after {closed_at:.1f}s"
    prober = Prober(ns)
    prober.start()
    time.sleep(1)
    prober.stop()
    prober.check("after the trickling reader")
    print(f"window opener: reset after {closed_at:.1f}s (send_stall_ms={STALL_MS})")


def test_syn_flood_normal_client_still_connects(boot, netns):
    """2,000 spoofed SYNs per second for 10 s (random off-link sources): the listen backlogs
    fill, SYN cookies answer, and a normal client connects and is served within 1 s throughout."""
    ns, vm = boot_tap(boot, netns, cpus=2)
    raw = RawTcp(ns)
    rng = random.Random(12)
    frames = [raw.frame(rng.randrange(1024, 65536), rng.getrandbits(32), 0, 0x02,
                        src_ip=f"198.18.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                        dst_mac=raw.guest_mac, options=b"\x02\x04\x05\xb4")
              for _ in range(2000)]
    prober = Prober(ns, interval=0.2, timeout=1.0)
    prober.start()
    try:
        start = time.monotonic()
        n = 0
        while time.monotonic() - start < 10:
            for f in frames[(n % 10) * 200:(n % 10) * 200 + 200]:
                raw.sock.send(f)
            n += 1
            time.sleep(max(0.0, start + n * 0.1 - time.monotonic()))  # 200 per 100 ms
        prober.stop()
    finally:
        raw.close()
    p99 = prober.check("SYN flood")
    cores = stats.read(vm, 2)
    cookies = sum(c["syn_cookies"] for c in cores)
    ok = sum(c["syn_cookies_ok"] for c in cores)
    assert cookies > 1000, f"backlog never overflowed into cookies: {cookies}"
    assert ok >= 1, "no connection was made from a cookie"
    print(f"SYN flood: {n * 200} SYNs in {time.monotonic() - start:.1f}s, {cookies} cookies, "
          f"{ok} connections from cookies, normal client p99 {p99 * 1000:.0f} ms "
          f"({len(prober.lat)} requests)")
    assert_alive(vm)


def test_initial_sequence_numbers_are_unpredictable(boot, netns):
    """Five sequential connection attempts from one client: the ISNs of the SYN-ACKs bear no
    arithmetic relation (lwIP's own ISN advances by its tick count)."""
    ns, vm = boot_tap(boot, netns, cpus=1)
    raw = RawTcp(ns)
    try:
        isns = []
        for i in range(5):
            sport = 41000 + i
            isn, _ = raw.syn_ack(sport, 1000 * i)
            raw.send(sport, 1000 * i + 1, 0, 0x04)  # RST: forget it
            isns.append(isn)
            time.sleep(0.05)
    finally:
        raw.close()
    diffs = [(b - a) % (1 << 32) for a, b in zip(isns, isns[1:])]
    small = [min(d, (1 << 32) - d) < (1 << 20) for d in diffs]
    assert not all(small), f"ISNs close together: {[hex(i) for i in isns]}"
    assert len({i & 0xfff for i in isns}) >= 4, f"low bits repeat: {[hex(i) for i in isns]}"
    assert len(set(diffs)) == len(diffs), f"equal steps: {diffs}"


def test_ten_thousand_pipelined_404s(boot, netns):
    """One client pipelines 10,000 requests for missing files (log=errors logs each 404): the
    access log is rate-limited and says how much it left out, the UART never stalls the core,
    and a normal client's latency stays low meanwhile (max_reqs raised: 1,000 by default)."""
    ns, vm = boot_tap(boot, netns, cpus=1, args="max_reqs=20000")
    prober = Prober(ns)
    prober.start()
    time.sleep(1)
    got = bytearray()
    with ns.entered():
        s = socket.create_connection((GUEST_IP, 80), timeout=10)

    def write():
        for i in range(0, 10000, 500):
            s.sendall(b"".join(b"GET /missing-%d HTTP/1.1\r\nHost: t\r\n\r\n" % j
                               for j in range(i, i + 500)))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    t0 = time.monotonic()
    while got.count(b"HTTP/1.1 404") < 10000 and time.monotonic() - t0 < 60:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        got += chunk
    elapsed = time.monotonic() - t0
    writer.join(5)
    s.close()
    time.sleep(1.2)  # the next second's log line reports what was left out
    prober.stop()
    p99 = prober.check("10,000 pipelined 404s")
    assert got.count(b"HTTP/1.1 404") == 10000
    limited = total(vm, 1, "log_limited")
    assert limited >= 9000, f"log_limited={limited}"
    reported = re.findall(r"httpd: (\d+) access log lines not written", vm.output)
    assert reported and sum(map(int, reported)) >= 9000, reported
    print(f"10,000 pipelined 404s in {elapsed:.1f}s; log_limited={limited}; normal client p99 "
          f"{p99 * 1000:.0f} ms")


def test_request_target_is_escaped_in_the_access_log(boot, netns):
    """A target with '"' and '\\' (llhttp lets both through; bytes outside 0x21..0x7e it refuses)
    cannot forge a field of the access line: both are escaped with a backslash."""
    ns, vm = boot_tap(boot, netns, cpus=1, args="log=all")
    with ns.entered():
        s = socket.create_connection((GUEST_IP, 80), timeout=10)
    s.sendall(b'GET /a"b\\c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
    answer = s.recv(4096)
    s.close()
    assert answer.startswith(b"HTTP/1.1 "), answer
    line = vm.expect(r'"GET [^\r\n]* HTTP/1\.1" \d+ \d+', timeout=10).group(0)
    assert r'"GET /a\"b\\c HTTP/1.1"' in line, line


def test_clients_waiting_on_the_servers_own_backlog_are_never_timed_out(boot, netns, tmp_path):
    """The opposite case: 96 clients download 1 MiB each at once from one core, with a send-
    progress window of 300 ms.  The server's own transmit backlog and congestion window make
    them wait, which is never their fault: none is reset, every download is byte-exact."""
    import hashlib
    body = random.Random(7).randbytes(1 << 20)
    (tmp_path / "big.bin").write_bytes(body)
    want = hashlib.sha256(body).hexdigest()
    ns = netns(queues=1)
    vm = boot(cpus=1, netns=ns, args=f"{ARGS} send_stall_ms=300",
              env={"SITE": str(tmp_path), "DISK": "vfat"})
    vm.expect(r"httpd: serving on port 80")
    results = []

    def fetch():
        try:
            with ns.entered():
                s = socket.create_connection((GUEST_IP, 80), timeout=30)
            with s:
                s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                data = bytearray()
                while True:
                    chunk = s.recv(1 << 16)
                    if not chunk:
                        break
                    data += chunk
            head, _, got = bytes(data).partition(b"\r\n\r\n")
            results.append(head.startswith(b"HTTP/1.1 200") and
                           hashlib.sha256(got).hexdigest() == want)
        except OSError as e:
            results.append(repr(e))

    threads = [threading.Thread(target=fetch, daemon=True) for _ in range(96)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    elapsed = time.monotonic() - t0
    core = stats.read(vm, 1)[0]
    assert results.count(True) == 96, [r for r in results if r is not True][:5]
    assert core["slow_readers"] == 0 and core["timeouts"] == 0, core
    print(f"96 x 1 MiB at once in {elapsed:.1f}s: all byte-exact, slow_readers=0, timeouts=0")


def get_keepalive(s):
    """GET / on the keep-alive connection s; the whole response's status line."""
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(1 << 16)
        if not chunk:
            raise OSError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        chunk = s.recv(1 << 16)
        if not chunk:
            raise OSError("closed")
        body += chunk
    return head.split(b"\r\n")[0]


def test_connection_memory_budget_refuses_new_never_established(boot, netns):
    """conn_mem_pct=1 of MEM=32M: idle keep-alive connections are admitted until the core's
    budget is near, then new ones are refused (reset, refused_mem=); the established ones are
    still served, and an idle one costs well under a kilobyte."""
    ns, vm = boot_tap(boot, netns, cpus=1, mem="32M", args="conn_mem_pct=1 keepalive_ms=60000")
    budget = int(re.search(r"httpd: connection memory (\d+) KiB per core", vm.output).group(1))
    conns, refused = [], 0
    with ns.entered():
        for _ in range(900):
            try:
                s = socket.create_connection((GUEST_IP, 80), timeout=5)
                s.settimeout(2)
                if get_keepalive(s) != b"HTTP/1.1 200 OK":
                    raise OSError("no answer")
                conns.append(s)
            except OSError:
                refused += 1
                if refused >= 20:
                    break
    try:
        core = stats.read(vm, 1)[0]
        assert core["refused_mem"] >= 1 and refused >= 1, (core, refused)
        assert len(conns) >= 50, f"only {len(conns)} connections fit {budget} KiB"
        assert core["conn_mem"] <= budget * 1024, core
        per_conn = core["conn_mem"] / max(1, core["active"])
        assert per_conn < 2048, f"{per_conn:.0f} bytes per idle connection"
        # The established connections are still served.
        for s in conns[:: max(1, len(conns) // 10)]:
            assert get_keepalive(s) == b"HTTP/1.1 200 OK"
    finally:
        for s in conns:
            s.close()
    print(f"budget {budget} KiB: {len(conns)} idle connections admitted "
          f"({per_conn:.0f} bytes each: conn, altcp and tcp pcbs), then refused_mem="
          f"{core['refused_mem']}")
    assert_alive(vm)


def test_time_wait_is_capped(boot, netns):
    """1,200 connections closed by the server within ~2 s (its TIME_WAIT lasts 2 * TCP_MSL):
    the TIME_WAIT list stays at NETSTACK_TIME_WAIT_MAX (512), the oldest reused."""
    ns, vm = boot_tap(boot, netns, cpus=1)
    failures = []

    def client(n):
        with ns.entered():
            for _ in range(n):
                try:
                    with socket.create_connection((GUEST_IP, 80), timeout=5) as s:
                        s.sendall(b"GET /missing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                        while s.recv(4096):
                            pass
                except OSError as e:
                    failures.append(repr(e))

    threads = [threading.Thread(target=client, args=(300,), daemon=True) for _ in range(4)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - t0
    reused = total(vm, 1, "tw_reused")
    assert not failures, failures[:3]
    assert reused > 0, f"1,200 closes in {elapsed:.1f}s never filled TIME_WAIT"
    print(f"TIME_WAIT: 1,200 server-closed connections in {elapsed:.1f}s, tw_reused={reused}")

"""HTTPS from outside: curl fetches files byte-exact with an ECDSA and an RSA key; openssl
s_client sees only TLS 1.2 with the allowed AEAD suites, ALPN http/1.1 and ticket resumption;
every bad-key case gets its one line while HTTP keeps serving; hostile ClientHellos and
half-open handshakes are closed and counted while HTTP and HTTPS still answer.  Keys and
certificates are made per module with openssl; they reach the guest by fw_cfg (run-qemu
TLS_CERT=/TLS_KEY=), never on the served disk."""
import os
import re
import socket
import struct
import subprocess
import time

import pytest

from harness import stats
from harness.http_client import Conn, get
from harness.netns import GUEST_IP
from harness.vm import Vm

SMALL = b"<!doctype html><title>t</title><p>hello over TLS\n"
BIG = os.urandom(1024 * 1024)
HOST = "127.0.0.1"
RESUME_TRIES = 16  # new connections resuming one ticket: all on one of two queues has p = 2^-15
ALLOWED = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
           "ECDHE-ECDSA-CHACHA20-POLY1305"]
ALLOWED_RSA = ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
               "ECDHE-RSA-CHACHA20-POLY1305"]


def openssl(*args, stdin=None, timeout=30):
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True, timeout=timeout)


def make_cert(d, name, keyargs, days=30, key_out=None):
    """A self-signed certificate for localhost/127.0.0.1 with a fresh key: (cert, key) paths."""
    cert, key = d / f"{name}-cert.pem", key_out or d / f"{name}-key.pem"
    r = openssl("req", "-x509", *keyargs, "-nodes", "-days", str(days), "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", str(key), "-out", str(cert))
    assert r.returncode == 0, r.stderr.decode()
    return cert, key


ECDSA = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
RSA = ["-newkey", "rsa:2048"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_bytes(SMALL)
    (root / "big.bin").write_bytes(BIG)
    return root


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    return {"ecdsa": make_cert(d, "ecdsa", ECDSA), "rsa": make_cert(d, "rsa", RSA), "dir": d}


def boot_tls(site, cert, key, args="", cpus=1, env_extra=None, extra=""):
    env = {"SITE": str(site), "DISK": "vfat", **(env_extra or {})}
    if cert:
        env["TLS_CERT"] = str(cert)
    if key:
        env["TLS_KEY"] = str(key)
    return Vm(cpus=cpus, args=args, env=env, extra=extra)


@pytest.fixture(scope="module", params=["ecdsa", "rsa"])
def vm(request, site, keys):
    cert, key = keys[request.param]
    v = boot_tls(site, cert, key, args="keepalive_ms=3000")
    v.expect(r"httpd: serving on port 443 \(HTTPS\)")
    v.kind, v.cert = request.param, cert
    yield v
    if os.environ.get("TORIL_TEST_CONSOLE"):
        print(v.output[-4000:])
    v.kill()


def curl(vm, path, *extra):
    r = subprocess.run(["curl", "-sS", "--max-time", "60", "--cacert", str(vm.cert), *extra,
                        f"https://{HOST}:{vm.https_port}{path}"], capture_output=True, timeout=90)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def s_client(vm, *args, stdin=b"", timeout=30):
    r = openssl("s_client", "-connect", f"{HOST}:{vm.https_port}", "-CAfile", str(vm.cert),
                *args, stdin=stdin, timeout=timeout)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


def https_alive(vm):
    assert curl(vm, "/") == SMALL


def http_alive(vm):
    r = get(HOST, vm.http_port, "/")
    assert r.status == 200 and r.body == SMALL


# ---- fetching ---------------------------------------------------------------------------------

def test_small_file_byte_exact(vm):
    assert curl(vm, "/") == SMALL


def test_1mb_file_byte_exact(vm):
    assert curl(vm, "/big.bin") == BIG


def test_aes_gcm_with_the_ghash_chosen_at_boot_byte_exact(vm):
    """The boot measures GCM's two GHASH routines and names the one it keeps; 1 MB over each
    AES-GCM suite (TLS records both ways go through it) arrives byte-exact."""
    m = re.search(r"tls: GCM's GHASH by (tables|PCLMULQDQ)", vm.output)
    assert m, vm.output[-3000:]
    for suite in (ALLOWED if vm.kind == "ecdsa" else ALLOWED_RSA)[:2]:
        assert curl(vm, "/big.bin", "--tlsv1.2", "--tls-max", "1.2", "--ciphers", suite) == BIG, suite


def test_1mb_file_then_close_byte_exact(vm):
    """A response the server closes after (Connection: close, HTTP/1.0): every record goes out
    before the FIN."""
    assert curl(vm, "/big.bin", "-H", "Connection: close") == BIG
    assert curl(vm, "/big.bin", "--http1.0") == BIG


def test_entropy_from_rdrand_and_virtio_rng(vm):
    """run-qemu gives an HTTPS guest a virtio-rng device: its bytes join RDRAND's in every
    core's first seeding, and the boot log says so."""
    assert re.search(r"tls: entropy from RDRAND, and \d+ bytes per core from virtio-rng",
                     vm.output), vm.output[-3000:]


def test_without_virtio_rng_rdrand_alone(site, keys):
    """RNG=0: no device; RDRAND alone, said in one line, and HTTPS serves."""
    cert, key = keys["ecdsa"]
    v = boot_tls(site, cert, key, env_extra={"RNG": "0"})
    try:
        v.expect(r"httpd: serving on port 443 \(HTTPS\)")
        assert "tls: entropy from RDRAND (no virtio-rng device)" in v.output
        v.cert = cert
        assert curl(v, "/") == SMALL
    finally:
        v.kill()


def test_aes_gcm_on_a_cpu_without_aes_ni_or_pclmulqdq(site, keys):
    """A CPU without AES-NI and PCLMULQDQ (QEMU's -cpu max with both taken away; the last -cpu
    counts): AES in software, GHASH by tables, said at boot; 1 MB over each AES-GCM suite
    arrives byte-exact."""
    cert, key = keys["ecdsa"]
    v = boot_tls(site, cert, key, extra="-cpu max,-aes,-pclmulqdq")
    try:
        v.expect(r"httpd: serving on port 443 \(HTTPS\)")
        assert "tls: GCM's GHASH by tables (no PCLMULQDQ)" in v.output, v.output[-3000:]
        v.cert = cert
        for suite in ALLOWED[:2]:
            assert curl(v, "/big.bin", "--tlsv1.2", "--tls-max", "1.2", "--ciphers",
                        suite) == BIG, suite
    finally:
        v.kill()


def test_keepalive_several_requests_one_connection(vm):
    """Two URLs in one curl run share one connection: one handshake for both."""
    before = stats.read(vm, 1)[0]
    assert curl(vm, "/", f"https://{HOST}:{vm.https_port}/big.bin") == BIG + SMALL
    d = stats.delta(before, stats.read(vm, 1)[0])
    assert d["tls_handshakes"] == 1 and d["reqs"] == 2


def test_http_still_serves(vm):
    http_alive(vm)


# ---- protocol policy (openssl s_client) ------------------------------------------------------

def test_each_allowed_suite(vm):
    for suite in ALLOWED if vm.kind == "ecdsa" else ALLOWED_RSA:
        rc, out = s_client(vm, "-tls1_2", "-cipher", suite)
        assert rc == 0 and f"Cipher is {suite}" in out, out[-1500:]
        assert "Verify return code: 0 (ok)" in out


def test_curves_x25519_and_p256(vm):
    # (An ECDSA P-256 certificate needs P-256 among the client's groups: RFC 8422 5.1.)
    for group, shown in (("X25519:P-256", "X25519"), ("P-256", "prime256v1")):
        rc, out = s_client(vm, "-tls1_2", "-groups", group)
        assert rc == 0 and re.search(rf"Server Temp Key: [^\n]*{shown}", out), out[-1500:]


def test_old_versions_refused(vm):
    for flag in ("-tls1", "-tls1_1"):
        # OpenSSL 3 disables these at its default security level; level 0 lets it try.
        rc, out = s_client(vm, flag, "-cipher", "DEFAULT:@SECLEVEL=0")
        assert rc != 0 and "Cipher is (NONE)" in out or "no protocols available" in out, out
    http_alive(vm)


def test_tls13_only_client_refused(vm):
    rc, out = s_client(vm, "-tls1_3")
    assert rc != 0 and "Cipher is (NONE)" in out, out[-1500:]


def test_cbc_and_null_suites_refused(vm):
    kx = "ECDSA" if vm.kind == "ecdsa" else "RSA"
    for suite in (f"ECDHE-{kx}-AES128-SHA256", f"ECDHE-{kx}-AES256-SHA", "AES128-GCM-SHA256",
                  f"ECDHE-{kx}-NULL-SHA:@SECLEVEL=0", "NULL-SHA256:@SECLEVEL=0"):
        rc, out = s_client(vm, "-tls1_2", "-cipher", suite)
        assert rc != 0 and "Cipher is (NONE)" in out, (suite, out[-1500:])
    https_alive(vm)


def test_alpn_http11(vm):
    rc, out = s_client(vm, "-tls1_2", "-alpn", "h2,http/1.1")
    assert rc == 0 and "ALPN protocol: http/1.1" in out, out[-1500:]
    rc, out = s_client(vm, "-tls1_2", "-alpn", "http/1.0")
    assert rc == 0 and "ALPN protocol: http/1.0" in out, out[-1500:]
    rc, out = s_client(vm, "-tls1_2", "-alpn", "h2")
    assert rc != 0 and "no application protocol" in out, out[-1500:]


def test_ticket_resumption(vm, tmp_path):
    sess = tmp_path / "sess.pem"
    before = stats.read(vm, 1)[0]
    rc, out = s_client(vm, "-tls1_2", "-sess_out", str(sess))
    assert rc == 0 and "TLS session ticket lifetime hint" in out, out[-1500:]
    rc, out = s_client(vm, "-tls1_2", "-sess_in", str(sess))
    assert rc == 0 and "Reused, TLSv1.2" in out, out[-1500:]
    d = stats.delta(before, stats.read(vm, 1)[0])
    assert d["tls_handshakes"] == 2 and d["tls_resumed"] == 1, d


def test_close_notify_ends_a_closed_response_and_its_session_resumes(vm, tmp_path):
    """A response the server closes after (Connection: close) ends with TLS's close_notify
    before the FIN: OpenSSL reads a clean end, not an "unexpected eof" (a cut connection,
    whose session it throws away), and the session from that exchange resumes."""
    sess = tmp_path / "sess.pem"
    request = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    rc, out = s_client(vm, "-tls1_2", "-ign_eof", "-sess_out", str(sess), stdin=request)
    assert rc == 0 and SMALL.decode() in out, out[-1500:]
    assert "unexpected eof" not in out, out[-1500:]
    rc, out = s_client(vm, "-tls1_2", "-ign_eof", "-sess_in", str(sess), stdin=request)
    assert rc == 0 and "Reused, TLSv1.2" in out and SMALL.decode() in out, out[-1500:]


def test_ticket_resumes_on_every_core(boot, netns, site, keys, tmp_path):
    """Two cores, each with its own TLS configuration, one tap queue each: a ticket issued by
    one core resumes on the other, because every core derives the same ticket keys.  New
    connections (new source ports) spread over both queues, so both cores resume tickets."""
    cert, key = keys["ecdsa"]
    ns = netns(queues=2)
    v = boot(cpus=2, netns=ns, args=f"ip={GUEST_IP}/24 gw=10.77.0.1",
             env={"SITE": str(site), "DISK": "vfat", "TLS_CERT": str(cert), "TLS_KEY": str(key)})
    v.expect(r"httpd: serving on port 443 \(HTTPS\)")
    sess = tmp_path / "sess.pem"
    r = ns.run("openssl", "s_client", "-connect", f"{GUEST_IP}:443", "-tls1_2", "-sess_out",
               str(sess), timeout=30)
    assert "TLS session ticket lifetime hint" in r.stdout, r.stdout[-1500:]
    before = stats.read(v, 2)
    for _ in range(RESUME_TRIES):
        r = ns.run("openssl", "s_client", "-connect", f"{GUEST_IP}:443", "-tls1_2", "-sess_in",
                   str(sess), timeout=30)
        assert "Reused, TLSv1.2" in r.stdout, r.stdout[-1500:]
    after = stats.read(v, 2)
    resumed = [a["tls_resumed"] - b["tls_resumed"] for a, b in zip(after, before)]
    assert sum(resumed) == RESUME_TRIES and min(resumed) > 0, resumed


def test_no_renegotiation(vm):
    # "R" on s_client's stdin asks for a renegotiation; the server must refuse it and still
    # answer afterwards on a new connection.
    rc, out = s_client(vm, "-tls1_2", stdin=b"R\n", timeout=30)
    assert "RENEGOTIATING" in out and "no renegotiation" in out, out[-1500:]
    https_alive(vm)


# ---- bad keys: one line each, HTTP keeps serving ----------------------------------------------

@pytest.fixture(scope="module")
def bad(keys):
    d = keys["dir"]
    ecert, ekey = keys["ecdsa"]
    out = {}
    enc = d / "enc-key.pem"
    r = openssl("pkey", "-in", str(ekey), "-aes256", "-passout", "pass:secret", "-out", str(enc))
    assert r.returncode == 0, r.stderr
    out["encrypted"] = (ecert, enc, r"tls: the private key is encrypted")
    other = d / "other-key.pem"
    r = openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", str(other))
    assert r.returncode == 0, r.stderr
    out["mismatched"] = (ecert, other, r"tls: the private key does not match the certificate")
    out["mismatched_type"] = (ecert, keys["rsa"][1],
                              r"tls: the private key does not match the certificate")
    out["ed25519"] = (*make_cert(d, "ed", ["-newkey", "ed25519"]),
                      r"tls: the private key is of an unsupported type")
    out["p384"] = (*make_cert(d, "p384", ["-newkey", "ec", "-pkeyopt",
                                          "ec_paramgen_curve:P-384"]),
                   r"tls: the private key is on an unsupported curve")
    out["rsa1024"] = (*make_cert(d, "rsa1024", ["-newkey", "rsa:1024"]),
                      r"tls: the RSA key has 1024 bits, fewer than the 2048 required")
    out["missing_key"] = (ecert, None, r"tls: a certificate but no private key was given")
    out["missing_cert"] = (None, ekey, r"tls: a private key but no certificate was given")
    out["unreadable_key"] = (ecert, d / "no-such-key.pem",
                             r"TLS_KEY=.*cannot read it(.|\n)*tls: a certificate but no private key")
    empty = d / "empty.pem"
    empty.write_bytes(b"")
    out["empty_key"] = (ecert, empty, r"tls: the private key \(fw_cfg opt/toril/tls_key\) is empty")
    garbage = d / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n")
    out["garbage_key"] = (ecert, garbage, r"tls: the private key is not a PEM or DER private key")
    return out


BAD_CASES = ["encrypted", "mismatched", "mismatched_type", "ed25519", "p384", "rsa1024",
             "missing_key", "missing_cert", "unreadable_key", "empty_key", "garbage_key"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_key_one_line_http_serves(case, bad, site):
    cert, key, line = bad[case]
    vm = boot_tls(site, cert, key)
    try:
        vm.expect(line)
        vm.expect(r"httpd: serving on port 80")
        r = get(HOST, vm.http_port, "/")
        assert r.status == 200 and r.body == SMALL
        assert "(HTTPS)" not in vm.output
        # Exactly one tls: line says what is wrong.
        assert len([ln for ln in vm.output.splitlines() if " tls: " in ln]) == 1, vm.output
        with pytest.raises(OSError):
            s = socket.create_connection((HOST, vm.https_port), timeout=5)
            s.settimeout(5)
            s.sendall(b"\x16\x03\x01\x00\x05hello")
            if not s.recv(100):
                raise ConnectionResetError("closed")
    finally:
        vm.kill()


def test_expired_certificate_warns_and_serves(site, tmp_path):
    (tmp_path / "index.txt").touch()
    (tmp_path / "serial").write_text("01\n")
    (tmp_path / "ca.cnf").write_text(
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n"
        "default_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n")
    key, csr, cert = tmp_path / "k.pem", tmp_path / "r.csr", tmp_path / "c.pem"
    r = openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(csr))
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["openssl", "ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile",
                        "k.pem", "-in", "r.csr", "-startdate", "20200101000000Z", "-enddate",
                        "20200201000000Z", "-out", "c.pem"], cwd=tmp_path, capture_output=True)
    assert r.returncode == 0, r.stderr
    vm = boot_tls(site, cert, key)
    try:
        vm.expect(r"tls: the certificate expired on 2020-02-01")
        vm.expect(r"httpd: serving on port 443 \(HTTPS\)")
        # Served anyway: a client that skips verification gets the page.
        out = subprocess.run(["curl", "-sSk", f"https://{HOST}:{vm.https_port}/"],
                             capture_output=True, timeout=60)
        assert out.stdout == SMALL
        http_alive(vm)
    finally:
        vm.kill()


# ---- options, limits, hostile clients (one VM with small limits) ------------------------------

HANDSHAKE_MS = 2000
MAX_TLS = 150
LIMITED_ARGS = f"hsts=31536000 https_redirect=on max_tls_conns={MAX_TLS} keepalive_ms=3000"
# Opening many connections through user networking takes seconds: the limit test must not
# see its first connections time out meanwhile.
LONG_HANDSHAKE_MS = 120000


@pytest.fixture(scope="module")
def limited(site, keys):
    cert, key = keys["ecdsa"]
    v = boot_tls(site, cert, key, args=f"{LIMITED_ARGS} tls_handshake_ms={LONG_HANDSHAKE_MS}")
    v.expect(r"httpd: serving on port 443 \(HTTPS\)")
    v.cert = cert
    yield v
    if os.environ.get("TORIL_TEST_CONSOLE"):
        print(v.output[-4000:])
    v.kill()


def test_hsts_header_on_https(limited):
    r = subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "--cacert", str(limited.cert),
                        f"https://{HOST}:{limited.https_port}/"], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert b"\r\nStrict-Transport-Security: max-age=31536000\r\n" in r.stdout, r.stdout


def test_https_redirect_from_http(limited):
    c = Conn(HOST, limited.http_port)
    c.send("GET /index.html?x=1 HTTP/1.1\r\nHost: example.org:8080\r\nConnection: close\r\n\r\n")
    r = c.read_response()
    c.close()
    assert r.status == 301
    assert r.header("location") == "https://example.org/index.html?x=1"
    assert r.header("strict-transport-security") is None  # never over plain HTTP


def hello_record(body_len, declared=None):
    """A TLS handshake record carrying a ClientHello header of body_len bytes of zeros."""
    body = b"\x03\x03" + bytes(body_len - 2)
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    n = len(hs) if declared is None else declared
    return b"\x16\x03\x01" + struct.pack(">H", n) + hs


def closed_soon(sock, timeout=10):
    """Whether the server closes sock (EOF or reset) within timeout, whatever it sends first."""
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_hostile_client_hellos_closed_and_counted(limited):
    before = stats.read(limited, 1)[0]
    cases = [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",       # plain HTTP on the TLS port
        os.urandom(512),                             # garbage
        b"\x16\x03\x01\x00\x30\x01\x00\x00\x2c\x03",  # truncated, then FIN
        b"\x16\x03\x01\xff\xff" + bytes(64),         # record longer than any input buffer
        hello_record(100),                           # a hello that is zeros: no suites
        b"\x80\x2e\x01\x00\x02\x00\x15" + bytes(40),  # SSLv2-style hello
    ]
    for data in cases:
        s = socket.create_connection((HOST, limited.https_port), timeout=10)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        assert closed_soon(s), data[:16]
        s.close()
    http_alive_redirect(limited)
    https_alive(limited)
    time.sleep(1)
    d = stats.delta(before, stats.read(limited, 1)[0])
    assert d["tls_failed"] == len(cases), d


def http_alive_redirect(vm):
    r = get(HOST, vm.http_port, "/")
    assert r.status == 301  # https_redirect=on in this VM: HTTP answers


def test_half_open_handshakes_time_out(site, keys):
    """100 connections that start a handshake and stall: HTTP and HTTPS still answer; each is
    reset at tls_handshake_ms and counted."""
    cert, key = keys["ecdsa"]
    limited = boot_tls(site, cert, key, args=f"{LIMITED_ARGS} tls_handshake_ms={HANDSHAKE_MS}")
    limited.expect(r"httpd: serving on port 443 \(HTTPS\)")
    limited.cert = cert
    try:
        half_open(limited)
    finally:
        limited.kill()


def half_open(limited):
    before = stats.read(limited, 1)[0]
    socks = []
    for _ in range(100):
        s = socket.create_connection((HOST, limited.https_port), timeout=10)
        try:
            s.sendall(hello_record(200)[:60])  # the start of a hello, never finished
        except ConnectionResetError:
            pass  # already reset at its deadline (opening 100 takes a while): counted too
        socks.append(s)
    http_alive_redirect(limited)
    https_alive(limited)
    assert all(closed_soon(s, timeout=HANDSHAKE_MS / 1000 + 10) for s in socks)
    for s in socks:
        s.close()
    time.sleep(1)
    after = stats.read(limited, 1)[0]
    d = stats.delta(before, after)
    assert d["tls_failed"] >= 100 and d["timeouts"] >= 100, d
    assert after["tls_active"] == 0
    https_alive(limited)


def test_max_tls_conns_refused_and_counted(limited):
    before = stats.read(limited, 1)[0]
    socks = [socket.create_connection((HOST, limited.https_port), timeout=10)
             for _ in range(MAX_TLS + 20)]
    time.sleep(1)
    mid = stats.read(limited, 1)[0]
    assert mid["tls_active"] == MAX_TLS, stats.delta(before, mid)
    assert stats.delta(before, mid)["tls_refused"] == 20
    http_alive_redirect(limited)  # plain HTTP is not starved
    for s in socks:
        s.close()
    time.sleep(1)
    https_alive(limited)


# ---- drain ------------------------------------------------------------------------------------

def test_drain_with_https_powers_off_cleanly(site, keys):
    """`drain` closes the HTTPS listeners too (each core's TLS listener over its TCP one):
    an HTTPS response in flight completes, new connections are refused, QEMU exits 0."""
    cert, key = keys["ecdsa"]
    v = boot_tls(site, cert, key, args="drain_ms=5000", cpus=2)
    try:
        v.expect(r"httpd: serving on port 443 \(HTTPS\)")
        v.cert = cert
        https_alive(v)
        v.send("drain")
        assert v.wait(30) == 0, v.output[-3000:]
        assert "PANIC" not in v.output
    finally:
        v.kill()

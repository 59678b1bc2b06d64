"""toril-bench --https: the parsing, pinning, medians and target verdicts of loadtest/https_bench.py,
the nginx HTTPS configuration of the Linux guest, and the command line."""
import gzip

import pytest

from loadtest import bench, https_bench, linux_guest

# openssl s_time -new, as OpenSSL 3.0 prints it.
S_TIME = """Collecting connection statistics for 8 seconds
tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt

212 connections in 0.31s; 683.87 connections/user sec, bytes read 9964
212 connections in 9 real seconds, 47 bytes read per connection


Now timing with session id reuse.
"""
# openssl s_time -reuse against a server that resumes (OpenSSL 3.0; marks shortened: one per
# timed connection, 'r' for a resumed session)...
S_TIME_REUSE = """

Now timing with session id reuse.
starting
""" + "r" * 40 + """

40 connections in 0.15s; 266.67 connections/user sec, bytes read 143360
40 connections in 2 real seconds, 3584 bytes read per connection
"""
# ... and against one that resumes nothing (s_server -no_ticket -no_cache): '*' is TLS 1.2.
S_TIME_REUSE_REFUSED = S_TIME_REUSE.replace("r" * 40, "*" * 40)
S_TIME_REFUSED = """Collecting connection statistics for 8 seconds
ERROR
40B7A4C1F67F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure
"""
S_CLIENT = """CONNECTION ESTABLISHED
Protocol version: TLSv1.2
Ciphersuite: ECDHE-ECDSA-CHACHA20-POLY1305
Peer certificate: CN = 10.77.0.2
Hash used: SHA256
Signature type: ECDSA
Verification error: self-signed certificate
Server Temp Key: X25519, 253 bits
DONE
"""


def test_parse_s_time_counts_connections():
    assert https_bench.parse_s_time(S_TIME) == 212


def test_parse_s_time_without_a_count_is_an_error():
    with pytest.raises(ValueError, match="no 'N connections"):
        https_bench.parse_s_time(S_TIME_REFUSED)
    with pytest.raises(ValueError):
        https_bench.parse_s_time("")


def test_s_time_resumed_counts_the_marks():
    assert https_bench.parse_s_time(S_TIME_REUSE) == 40
    assert https_bench.s_time_resumed(S_TIME_REUSE) == (40, 40)
    assert https_bench.s_time_resumed(S_TIME_REUSE_REFUSED) == (0, 40)
    assert https_bench.s_time_resumed(S_TIME) == (0, 88)
    mixed = S_TIME_REUSE.replace("r" * 40, "r" * 30 + "*" * 10)
    assert https_bench.s_time_resumed(mixed) == (30, 40)
    # No marks (no connection completed) and the text lines are no marks.
    assert https_bench.s_time_resumed(S_TIME_REFUSED) == (0, 0)
    assert https_bench.s_time_resumed("0 connections in 2 real seconds\nstarting\n") == (0, 0)


def test_resumption_problems():
    rp = https_bench.resumption_problems
    # Full: nothing resumed is right, one resumption on either side is a problem.
    assert rp("full", (212, 0), (0, 212)) == []
    assert rp("full", None, (0, 212)) == []
    assert rp("full", (211, 1), (0, 212)) == ["guest: 1 of 212 sessions were resumed"]
    assert rp("full", None, (3, 212)) == ["s_time: 3 of 212 sessions were resumed"]
    # Resumed: the guest counts each process's first (full) handshake; most must be resumed.
    assert rp("resumed", (4, 996), (996, 996)) == []
    assert rp("resumed", None, (600, 1000)) == []
    assert rp("resumed", (1000, 0), (0, 1000)) == [
        "guest: only 0 of 1000 handshakes were resumed",
        "s_time: only 0 of 1000 handshakes were resumed"]
    assert rp("resumed", (50, 50), (50, 100)) == [
        "guest: only 50 of 100 handshakes were resumed",
        "s_time: only 50 of 100 handshakes were resumed"]
    # No connection at all proves nothing.
    assert rp("resumed", (0, 0), (0, 0)) == ["guest: only 0 of 0 handshakes were resumed",
                                             "s_time: only 0 of 0 handshakes were resumed"]


def test_parse_s_client_brief():
    assert https_bench.parse_s_client(S_CLIENT) == ("TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305",
                                                    "X25519")
    assert https_bench.parse_s_client("connect: Connection refused\n") == (None, None, None)


def test_parse_suites():
    assert https_bench.parse_suites("aes128, CHACHA20") == [
        ("aes128", "ECDHE-ECDSA-AES128-GCM-SHA256"),
        ("chacha20", "ECDHE-ECDSA-CHACHA20-POLY1305")]
    for bad, msg in (("rc4", "one of"), ("aes128,aes128", "twice"), (" , ", "no suite")):
        with pytest.raises(ValueError, match=msg):
            https_bench.parse_suites(bad)


def test_openssl_conf_pins_protocol_suite_and_group():
    text = https_bench.openssl_conf("ECDHE-ECDSA-AES128-GCM-SHA256")
    assert text.startswith("openssl_conf = bench_init\n")
    lines = text.splitlines()
    for want in ("MinProtocol = TLSv1.2", "MaxProtocol = TLSv1.2",
                 "CipherString = ECDHE-ECDSA-AES128-GCM-SHA256", "Groups = X25519:P-256"):
        assert want in lines
    with pytest.raises(ValueError):
        https_bench.openssl_conf("ALL\nOptions = Bugs")  # no line can be smuggled in


def test_openssl_conf_is_accepted_by_openssl(tmp_path):
    """The real OpenSSL reads the file and lists exactly the pinned suite."""
    import subprocess
    conf = tmp_path / "c.cnf"
    conf.write_text(https_bench.openssl_conf("ECDHE-ECDSA-CHACHA20-POLY1305"))
    p = subprocess.run(["openssl", "ciphers", "-s", "-tls1_2"], capture_output=True, text=True,
                       env={"OPENSSL_CONF": str(conf), "PATH": "/usr/bin:/bin"}, check=True)
    assert p.stdout.strip() == "ECDHE-ECDSA-CHACHA20-POLY1305"


def test_summary_medians_and_verdicts():
    reps = [{"Toril": {"keep-alive 1k c=16 aes128": 6000.0, "handshakes full aes128": 30.0},
             "Linux+nginx": {"keep-alive 1k c=16 aes128": 2000.0,
                             "handshakes full aes128": 40.0}},
            {"Toril": {"keep-alive 1k c=16 aes128": 5000.0, "handshakes full aes128": 34.0},
             "Linux+nginx": {"keep-alive 1k c=16 aes128": 3000.0,
                             "handshakes full aes128": 40.0}}]
    s = https_bench.summarize(reps)
    assert s["Toril"]["keep-alive 1k c=16 aes128"] == {"runs": [6000.0, 5000.0],
                                                       "median": 5500.0}
    rows = {r[0]: r for r in https_bench.verdicts(s)}
    ka = rows["keep-alive 1k c=16 aes128"]
    assert ka[3] == pytest.approx(2.2) and ka[4] == 2.0 and ka[5] is True
    hs = rows["handshakes full aes128"]
    assert hs[3] == pytest.approx(0.8) and hs[4] == 1.0 and hs[5] is False
    md = https_bench.markdown(s, list(rows.values()), {
        "date": "d", "setup": "s", "host": "h", "command": "c", "repeat": 2, "wrk": "w",
        "s_time": "t", "problems": ["one"]})
    assert "| keep-alive 1k c=16 aes128 | 5500 | 2500 | 2.20x | >= 2x | yes |" in md
    assert "| handshakes full aes128 | 32.0 | 40.0 | 0.80x | >= 1x | NO |" in md
    assert "- one" in md


def test_resumed_handshakes_are_reported_without_a_target():
    reps = [{"Toril": {"handshakes full aes128": 30.0, "handshakes resumed aes128": 300.0},
             "Linux+nginx": {"handshakes full aes128": 20.0,
                             "handshakes resumed aes128": 400.0}}]
    s = https_bench.summarize(reps)
    rows = {r[0]: r for r in https_bench.verdicts(s)}
    assert rows["handshakes full aes128"][4:] == (1.0, True)
    res = rows["handshakes resumed aes128"]
    assert res[3] == pytest.approx(0.75) and res[4] is None and res[5] is None
    md = https_bench.markdown(s, list(rows.values()), {
        "date": "d", "setup": "s", "host": "h", "command": "c", "repeat": 1, "wrk": "w",
        "s_time": "t"})
    assert "| Toril | handshakes resumed aes128 | 300 handshakes/s | 300 |" in md
    assert "| handshakes resumed aes128 | 300 | 400 | 0.75x | report only | - |" in md
    assert https_bench.target("keep-alive 64k c=16 chacha20") == 2.0
    assert https_bench.target("handshakes full chacha20") == 1.0
    assert https_bench.target("handshakes resumed chacha20") is None
    assert https_bench.target("handshakesfull x") is None


def test_verdicts_need_both_servers_and_a_value():
    s = https_bench.summarize([{"Toril": {"handshakes full aes128": 30.0}}])
    assert https_bench.verdicts(s) == []
    s = https_bench.summarize([{"Toril": {"handshakes full aes128": None},
                                "Linux+nginx": {"handshakes full aes128": 0.0}}])
    assert https_bench.verdicts(s) == [("handshakes full aes128", None, 0.0, None, 1.0, None)]


def test_linux_guest_https_conf_and_files(tmp_path):
    conf = linux_guest.nginx_conf(1, tls=True)
    assert "listen 443 ssl" in conf and "ssl_protocols TLSv1.2;" in conf
    assert f"ssl_certificate {linux_guest.TLS_CERT_PATH};" in conf
    assert "ECDHE-ECDSA-AES128-GCM-SHA256" in conf and "ECDHE-ECDSA-CHACHA20-POLY1305" in conf
    assert "443" not in linux_guest.nginx_conf(1)
    base = tmp_path / "base.cpio.gz"
    base.write_bytes(gzip.compress(b"base"))
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_bytes(b"x")
    out = linux_guest.initrd(base, site, tmp_path / "rd", "10.77.0.2/24", 1,
                             tls=(b"CERT-PEM", b"KEY-PEM"))
    data = out.read_bytes()
    second = gzip.decompress(data[data.index(b"\x1f\x8b", 10):])
    for name in (b"etc/nginx/bench-cert.pem\0", b"etc/nginx/bench-key.pem\0", b"CERT-PEM",
                 b"KEY-PEM", b"listen 443 ssl"):
        assert name in second


def test_command_line_https(monkeypatch):
    monkeypatch.setattr(bench.os, "geteuid", lambda: 0)
    a = bench.parse_args(["--https", "--compare", "linux", "--kernel", "/bin/sh",
                          "--suites", "chacha20"])
    assert a.boot and a.https and a.conns == [https_bench.DEFAULT_CONNS] and a.repeat == 2
    assert a.suites == [("chacha20", "ECDHE-ECDSA-CHACHA20-POLY1305")]
    assert a.machine == "q35"
    assert bench.parse_args(["--boot", "--kernel", "/bin/sh"]).conns == [32, 256]
    with pytest.raises(SystemExit):
        bench.parse_args(["--https", "--kernel", "/bin/sh", "--suites", "null"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--https", "--kernel", "/bin/sh", "--repeat", "0"])

#!/usr/bin/env python3
"""make bench, the HTTPS part: Toril serving HTTPS over a tap in a network namespace of its
own, TCG, with an ECDSA P-256 certificate for the guest's address issued by a throw-away test
CA made here with openssl (testssl.sh is told to trust that CA: a self-signed certificate would
only report itself, as HIGH/CRITICAL trust findings), and hsts= on.

  1. keep-alive req/s, HTTP and HTTPS, 1 KB and 64 KB files (wrk -t1 -c16);
  2. handshakes/s: full (openssl s_time -new) and resumed (-reuse);
  3. testssl.sh (Debian's testssl) against it: the report is kept as
     build/bench/testssl-<time>.json; any finding of severity HIGH or CRITICAL fails the run.

Needs root (network namespaces).  Traffic stays inside the namespace this script creates.
Usage: tls/bench.py [--cpus N] [--seconds S] [--no-testssl]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from harness.netns import GUEST_IP, HOST_IP, NetNs  # noqa: E402
from harness.vm import Vm  # noqa: E402

BAD_SEVERITIES = {"HIGH", "CRITICAL"}


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca_and_cert(d):
    """ca.pem, and chain.pem (leaf + CA) with key.pem for GUEST_IP.  The leaf names a CRL URI
    (inside the namespace, never fetched: testssl.sh does not phone out) so that revocation
    information is present as a real certificate would have it."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "365", "-subj", "/CN=Toril bench CA", "-keyout", "ca-key.pem",
            "-out", "ca.pem", cwd=d)
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", f"/CN={GUEST_IP}", "-keyout", "key.pem", "-out", "leaf.csr", cwd=d)
    (d / "ext.cnf").write_text(
        f"subjectAltName=IP:{GUEST_IP}\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
        f"crlDistributionPoints=URI:http://{HOST_IP}/ca.crl\n")
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
            "-CAcreateserial", "-days", "365", "-extfile", "ext.cnf", "-out", "leaf.pem", cwd=d)
    (d / "chain.pem").write_bytes((d / "leaf.pem").read_bytes() + (d / "ca.pem").read_bytes())
    return d / "ca.pem", d / "chain.pem", d / "key.pem"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--no-testssl", action="store_true")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("tls/bench.py: needs root (it creates a network namespace)")
    site = Path(tempfile.mkdtemp(prefix="toril-tls-bench-"))
    (site / "index.html").write_bytes(b"<p>hello\n")
    (site / "1k.bin").write_bytes(os.urandom(1024))
    (site / "64k.bin").write_bytes(os.urandom(65536))
    out_dir = ROOT / "build" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = Path(tempfile.mkdtemp(prefix="toril-tls-bench-keys-"))
    ca, chain, key = make_ca_and_cert(keys)

    ns = NetNs(queues=a.cpus)
    vm = Vm(cpus=a.cpus, netns=ns, args=f"ip={GUEST_IP}/24 hsts=31536000",
            env={"TLS_CERT": str(chain), "TLS_KEY": str(key), "SITE": str(site),
                 "DISK": "vfat"})
    failed = False
    try:
        vm.expect(r"httpd: serving on port 443", timeout=60)

        def run(*cmd, timeout=a.seconds + 60):
            r = subprocess.run(["ip", "netns", "exec", ns.name, *cmd], capture_output=True,
                               timeout=timeout)
            return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")

        print(f"HTTPS bench: Toril, {a.cpus} vCPU, TCG, tap; wrk -t1 -c16 -d{a.seconds}s")
        for f in ("1k.bin", "64k.bin"):
            for proto in ("http", "https"):
                _, out = run("wrk", "-t1", "-c16", f"-d{a.seconds}s", f"{proto}://{GUEST_IP}/{f}")
                m = re.search(r"Requests/sec:\s+([\d.]+)", out)
                errs = re.search(r"Socket errors:[^\n]*", out)
                print(f"  {proto:5} {f:8} {m.group(1) if m else '?':>10} req/s"
                      f"{'  ' + errs.group(0) if errs else ''}")
        for mode in ("-new", "-reuse"):
            _, out = run("openssl", "s_time", "-connect", f"{GUEST_IP}:443", mode,
                         "-time", str(a.seconds))
            m = re.search(r"(\d+) connections in (\d+) real seconds", out)
            rate = int(m.group(1)) / max(int(m.group(2)), 1) if m else float("nan")
            print(f"  handshakes ({'full' if mode == '-new' else 'resumed'}): {rate:.0f}/s")

        if not a.no_testssl:
            report = out_dir / f"testssl-{time.strftime('%Y%m%d-%H%M%S')}.json"
            rc, out = run("testssl", "--quiet", "--color", "0", "--warnings", "off",
                          "--add-ca", str(ca), "--jsonfile", str(report), f"{GUEST_IP}:443",
                          timeout=3600)
            findings = json.loads(report.read_text()) if report.exists() else []
            bad = [f for f in findings if f.get("severity") in BAD_SEVERITIES]
            print(f"  testssl.sh: {len(findings)} findings, {len(bad)} HIGH/CRITICAL; report "
                  f"{report.relative_to(ROOT)}")
            for f in bad:
                print(f"    {f.get('severity')} {f.get('id')}: {f.get('finding')}")
            failed = bool(bad) or not findings
    finally:
        vm.kill()
        ns.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

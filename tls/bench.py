#!/usr/bin/env python3
"""make bench, the TLS configuration audit: testssl.sh (Debian's testssl) against Toril serving
HTTPS over a tap in a network namespace of its own (TCG, booted as loadtest/guests.py boots it
for the benchmarks), with hsts= on and an ECDSA P-256 certificate for the guest's address issued
by a throw-away test CA made here with openssl (testssl.sh is told to trust that CA: a
self-signed certificate would only report itself, as HIGH/CRITICAL trust findings).

The report is kept as build/bench/testssl-<time>.json; any finding of severity HIGH or CRITICAL,
or a report with no finding at all, fails the run.  The HTTPS figures of make bench (keep-alive
req/s, full handshakes/s) come from `loadtest/toril-bench --https` (loadtest/https_bench.py).

Needs root (network namespaces).  Traffic stays inside the namespace this script creates.
Usage: tls/bench.py [--cpus N] [--kernel PATH]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from harness.netns import GUEST_IP, HOST_IP  # noqa: E402
from harness.vm import KERNEL  # noqa: E402
from loadtest import guests  # noqa: E402
from loadtest.bench import make_site  # noqa: E402

BAD_SEVERITIES = {"HIGH", "CRITICAL"}
HSTS_MAX_AGE_S = 31536000      # one year (testssl.sh rates under 180 days as too short)
BOOT_TIMEOUT_S = 120
TESTSSL_TIMEOUT_S = 3600       # testssl.sh runs hundreds of handshakes against a TCG guest
TESTSSL_ERRORS = 242           # testssl.sh's own failures exit with 242..255 (its ERR_* codes)


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


def testssl(ns, ca, report):
    """testssl.sh inside ns against the guest, JSON report to `report` -> its findings ([] when
    it wrote none).  Its exit status is no verdict (it adds up what its checks return), except
    from TESTSSL_ERRORS up: then testssl.sh itself failed (no connection, bad option...)."""
    try:
        r = subprocess.run(["ip", "netns", "exec", ns.name, "testssl", "--quiet", "--color", "0",
                            "--warnings", "off", "--add-ca", str(ca), "--jsonfile", str(report),
                            f"{GUEST_IP}:443"], capture_output=True, timeout=TESTSSL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"tls/bench.py: testssl.sh still running after {TESTSSL_TIMEOUT_S} s")
    if r.returncode >= TESTSSL_ERRORS:
        out = (r.stdout + r.stderr).decode("utf-8", "replace")
        raise SystemExit(f"tls/bench.py: testssl.sh failed with status {r.returncode}:\n"
                         f"{out[-1500:]}")
    if not report.exists():
        return []
    try:
        return json.loads(report.read_text())
    except ValueError as e:
        raise SystemExit(f"tls/bench.py: {report}: not a testssl.sh JSON report ({e})")


def main():
    ap = argparse.ArgumentParser(description="testssl.sh audit of Toril's HTTPS (make bench)")
    ap.add_argument("--cpus", type=int, default=1, help="guest vCPUs and queue pairs (default 1)")
    ap.add_argument("--kernel", type=Path, default=KERNEL, help=f"the Toril kernel (default "
                                                                f"{KERNEL})")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("tls/bench.py: needs root (it creates a network namespace)")
    if a.cpus < 1:
        ap.error("--cpus must be >= 1")
    if not a.kernel.exists():
        ap.error(f"no kernel at {a.kernel} (run make first)")
    for tool in ("ip", "openssl", "qemu-system-x86_64", "testssl"):
        if not shutil.which(tool):
            ap.error(f"{tool} not found (scripts/deps bench installs it)")
    out_dir = ROOT / "build" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="toril-tls-bench-"))
    make_site(tmp / "site", [])
    keys = tmp / "keys"
    keys.mkdir()
    ca, chain, key = make_ca_and_cert(keys)
    # The settings guests.boot_toril takes from toril-bench's arguments, as toril-bench's
    # defaults have them.
    boot = argparse.Namespace(cpus=a.cpus, machine="microvm", mem="256M", accel="tcg",
                              kernel=a.kernel.resolve(), args=f"hsts={HSTS_MAX_AGE_S}")
    guest = guests.Guest()
    t0 = time.monotonic()
    try:
        guest.ns, guest.vm = guests.boot_toril(boot, tmp / "site",
                                               {"TLS_CERT": str(chain), "TLS_KEY": str(key)})
        guest.vm.expect(r"httpd: serving on port 443", timeout=BOOT_TIMEOUT_S)
        report = out_dir / f"testssl-{time.strftime('%Y%m%d-%H%M%S')}.json"
        findings = testssl(guest.ns, ca, report)
    finally:
        guest.stop()
        shutil.rmtree(tmp)
    bad = [f for f in findings if f.get("severity") in BAD_SEVERITIES]
    print(f"testssl.sh against Toril ({a.cpus} vCPU, TCG, tap, hsts={HSTS_MAX_AGE_S}, test CA): "
          f"{len(findings)} findings, {len(bad)} HIGH/CRITICAL in "
          f"{time.monotonic() - t0:.0f} s; report {report.relative_to(ROOT)}")
    for f in bad:
        print(f"  {f.get('severity')} {f.get('id')}: {f.get('finding')}")
    if not findings:
        print("  no findings at all: testssl.sh did not run to the end")
    sys.exit(1 if bad or not findings else 0)


if __name__ == "__main__":
    main()

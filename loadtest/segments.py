#!/usr/bin/python3
"""Frames per response: boot a Toril kernel over a tap in a private namespace, fetch each file
N times on one keep-alive connection, and print, per response, the frames the stack handed the
device (the guest's tx= counter: with TSO, TCP segments of up to 64 KiB) and the segments they
made on the wire (txwire=).  Kernels before large segments counted differently (tx= was lwIP's
MSS-sized segments, txdev= the device frames they were grouped into): read as the same two
numbers.  Root (namespace and tap).

    loadtest/segments.py --kernel build/toril.elf --sizes 64k,1m --count 50
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import stats  # noqa: E402
from harness.http_client import Conn  # noqa: E402
from harness.netns import GUEST_IP, NetNs  # noqa: E402
from harness.vm import Vm  # noqa: E402
from loadtest.bench import parse_size  # noqa: E402

BOOT_TIMEOUT_S = 60


def totals(vm):
    """(device frames, wire segments, requests) so far."""
    st = stats.read(vm, 1)[0]
    if "txwire" in st:
        return st["tx"], st["txwire"], st["reqs"]
    return st.get("txdev", st["tx"]), st["tx"], st["reqs"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel", type=Path, required=True)
    ap.add_argument("--sizes", default="64k,1m")
    ap.add_argument("--count", type=int, default=50, help="responses per size (default 50)")
    a = ap.parse_args(argv)
    sizes = [parse_size(s) for s in a.sizes.split(",")]
    site = Path(tempfile.mkdtemp(prefix="toril-segments-"))
    for label, n in sizes:
        (site / f"{label}.bin").write_bytes(os.urandom(n))
    ns = NetNs(1)
    vm = None
    try:
        vm = Vm(cpus=1, netns=ns, args=f"ip={GUEST_IP}/24 gw=10.77.0.1",
                env={"KERNEL": str(a.kernel.resolve()), "SITE": str(site), "DISK": "vfat"})
        vm.expect(r"httpd: serving on port 80", timeout=BOOT_TIMEOUT_S)
        print(f"kernel {a.kernel}: {a.count} responses per size, one keep-alive connection")
        print("| size | device frames / response | wire segments / response | MB/s |")
        print("|---|---:|---:|---:|")
        for label, n in sizes:
            c = Conn(None, None, timeout=30, sock=ns.connect(80, timeout=30))
            dev0, wire0, req0 = totals(vm)
            t0 = time.monotonic()
            for _ in range(a.count):
                c.send(f"GET /{label}.bin HTTP/1.1\r\nHost: t\r\n\r\n")
                r = c.read_response()
                if r.status != 200 or len(r.body) != n:
                    raise SystemExit(f"/{label}.bin: {r.status}, {len(r.body)} bytes")
            elapsed = time.monotonic() - t0
            c.close()
            dev1, wire1, req1 = totals(vm)
            reqs = req1 - req0
            print(f"| {label} | {(dev1 - dev0) / reqs:.1f} | {(wire1 - wire0) / reqs:.1f} |"
                  f" {n * a.count / elapsed / 1e6:.0f} |")
    finally:
        if vm:
            vm.kill()
        ns.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Echo throughput over a multiqueue tap in a private network namespace, for CPUS=1 and 2.

Each run boots Toril with echo=7, opens C connections from inside the namespace and pushes
BYTES through each (send and receive concurrently); reports aggregate MB/s (echoed bytes per
second of wall time).  Repeats R times and prints the median.  Usage:
    loadtest/echo_bench.py [--cpus 1,2] [--conns 8] [--mib 16] [--repeat 3]
"""
import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the harness package
from harness.netns import GUEST_IP, NetNs  # noqa: E402
from harness.vm import Vm  # noqa: E402


def pump(ns, nbytes, out, idx):
    s = ns.connect(7, timeout=60)
    chunk = os.urandom(65536)
    got = [0]

    def reader():
        while got[0] < nbytes:
            d = s.recv(1 << 20)
            if not d:
                break
            got[0] += len(d)

    t = threading.Thread(target=reader)
    t.start()
    sent = 0
    while sent < nbytes:
        n = min(len(chunk), nbytes - sent)
        s.sendall(chunk[:n])
        sent += n
    t.join(120)
    s.close()
    out[idx] = got[0]


def run(cpus, conns, mib):
    ns = NetNs(queues=cpus)
    vm = Vm(cpus=cpus, netns=ns, args=f"echo=7 ip={GUEST_IP}/24")
    try:
        vm.expect(rf"toril: {cpus} cpus online")
        ns.run("ping", "-c", "1", "-W", "5", GUEST_IP)
        out = [0] * conns
        threads = [threading.Thread(target=pump, args=(ns, mib << 20, out, i))
                   for i in range(conns)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        dt = time.monotonic() - t0
        assert sum(out) == conns * (mib << 20), f"short echo: {sum(out)}"
        return sum(out) / dt / 1e6
    finally:
        vm.kill()
        ns.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpus", default="1,2")
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--mib", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    for cpus in [int(c) for c in a.cpus.split(",")]:
        runs = [run(cpus, a.conns, a.mib) for _ in range(a.repeat)]
        print(f"echo CPUS={cpus} conns={a.conns} {a.mib} MiB each: median "
              f"{statistics.median(runs):.1f} MB/s (runs: {', '.join(f'{r:.1f}' for r in runs)})",
              flush=True)


if __name__ == "__main__":
    main()

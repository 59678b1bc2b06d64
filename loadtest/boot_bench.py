#!/usr/bin/python3
"""Boot time as a user sees it: QEMU process start (its start time in /proc, 10 ms resolution;
the process is run-qemu's, which execs QEMU) to the first HTTP 200 for the sample site, for
DISK=vfat and DISK=image, over user networking or (--tap, root) a tap in a private namespace.
Each run is split at the guest's first console line ("toril: booting"): before it, run-qemu,
QEMU and firmware (qboot on microvm); after it, the guest until it serves.
Repeats R times and prints the medians.
Usage: loadtest/boot_bench.py [--repeat 5] [--cpus 2] [--machine microvm] [--tap] [--disk image]"""
import argparse
import os
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the harness package
from harness.netns import GUEST_IP, NetNs  # noqa: E402
from harness.vm import Vm  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 0.02  # a SYN the guest missed is retried by a new connect, not TCP's 1 s


def first_200(vm, connect):
    """CLOCK_BOOTTIME of the first HTTP 200, and of the first console line seen before it."""
    deadline = time.monotonic() + TIMEOUT_S
    console_at = None
    while time.monotonic() < deadline:
        if console_at is None and "toril: booting" in vm.output:
            console_at = time.clock_gettime(time.CLOCK_BOOTTIME)
        try:
            with connect() as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(16).startswith(b"HTTP/1.1 200"):
                    return time.clock_gettime(time.CLOCK_BOOTTIME), console_at
        except OSError:
            pass
        time.sleep(0.001)
    raise RuntimeError(f"no HTTP 200 within {TIMEOUT_S} s:\n{vm.output[-2000:]}")


def qemu_start(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19]) / TICK  # starttime, since boot


def med(xs):
    return f"{statistics.median(xs):.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--machine", default="microvm")
    ap.add_argument("--tap", action="store_true", help="a tap in a private namespace (root)")
    ap.add_argument("--disk", choices=("vfat", "image"), help="only this DISK (default both)")
    a = ap.parse_args()
    for disk in (a.disk,) if a.disk else ("vfat", "image"):
        runs, before, guest = [], [], []
        for _ in range(a.repeat):
            ns = NetNs(1) if a.tap else None
            try:
                vm = Vm(cpus=a.cpus, machine=a.machine, netns=ns, env={"DISK": disk},
                        args=f"ip={GUEST_IP}/24" if ns else "")
                if ns:
                    # The guest's MAC is QEMU's default: a permanent neighbour entry spares the
                    # first SYN an ARP round that would wait for the guest (1 s retry), and a
                    # short connect timeout spares it TCP's 1 s SYN retransmission.
                    ns.run("ip", "neigh", "replace", GUEST_IP, "lladdr", "52:54:00:12:34:56",
                           "dev", ns.tap, "nud", "permanent")

                    def connect():
                        return ns.connect(80, timeout=CONNECT_TIMEOUT_S)
                else:
                    def connect():
                        return socket.create_connection(("127.0.0.1", vm.http_port),
                                                        timeout=CONNECT_TIMEOUT_S)
                try:
                    start = qemu_start(vm.proc.pid)
                    done, console = first_200(vm, connect)
                    runs.append((done - start) * 1000)
                    if console:
                        before.append((console - start) * 1000)
                        guest.append((done - console) * 1000)
                finally:
                    vm.kill()
            finally:
                if ns:
                    ns.close()
        net = "tap" if a.tap else "user"
        print(f"boot {a.machine} DISK={disk} CPUS={a.cpus} NET={net}: QEMU start -> first HTTP "
              f"200 median {med(runs)} ms (runs: {', '.join(f'{r:.0f}' for r in runs)}); "
              f"split at the first console line: run-qemu + QEMU + firmware {med(before)} ms, "
              f"guest until serving {med(guest)} ms", flush=True)


if __name__ == "__main__":
    main()

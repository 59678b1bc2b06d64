#!/usr/bin/python3
"""Boot time as a user sees it: QEMU process start (its start time in /proc, 10 ms resolution)
to the first HTTP 200 for the sample site, over user networking, for DISK=vfat and DISK=image.
Repeats R times and prints the median.  Usage: loadtest/boot_bench.py [--repeat 5] [--cpus 2]"""
import argparse
import os
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the harness package
from harness.vm import Vm  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
TIMEOUT_S = 30


def first_200(vm):
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", vm.http_port), timeout=1) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(16).startswith(b"HTTP/1.1 200"):
                    return time.clock_gettime(time.CLOCK_BOOTTIME)
        except OSError:
            pass
        time.sleep(0.002)
    raise RuntimeError(f"no HTTP 200 within {TIMEOUT_S} s:\n{vm.output[-2000:]}")


def qemu_start(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19]) / TICK  # starttime, since boot


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cpus", type=int, default=2)
    a = ap.parse_args()
    for disk in ("vfat", "image"):
        runs = []
        for _ in range(a.repeat):
            vm = Vm(cpus=a.cpus, env={"DISK": disk})
            try:
                runs.append((first_200(vm) - qemu_start(vm.proc.pid)) * 1000)
            finally:
                vm.kill()
        print(f"boot DISK={disk} CPUS={a.cpus}: QEMU start -> first HTTP 200 median "
              f"{statistics.median(runs):.0f} ms (runs: {', '.join(f'{r:.0f}' for r in runs)})",
              flush=True)


if __name__ == "__main__":
    main()

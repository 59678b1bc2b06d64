"""One QEMU process booted through scripts/run-qemu, serial console on a pipe.  Every wait is
bounded; kill() ends the whole process group (run-qemu execs QEMU, so proc.pid is QEMU's pid)."""
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNEL = Path(os.environ.get("KERNEL", ROOT / "build" / "toril.elf"))


def free_ports(n):
    """n distinct TCP ports on 127.0.0.1 nobody listens on now (a VM must not collide with make
    run).  The sockets stay bound until all n are chosen: ports asked for one at a time may come
    back equal, and QEMU then refuses the second forwarding rule."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port():
    """One TCP port on 127.0.0.1 nobody listens on now."""
    return free_ports(1)[0]


class Vm:
    """One QEMU process with the serial console on its stdin/stdout.

    cpus, machine, args (kernel command line), mem, extra (more QEMU arguments) map to
    scripts/run-qemu's settings; env overrides any of them (KERNEL, DISK, SITE, ACCEL...).
    netns: a harness.netns.NetNs; QEMU then opens its tap inside that namespace."""

    def __init__(self, cpus=2, machine="microvm", args="", mem="256M", extra="", env=None,
                 netns=None):
        e = dict(os.environ)
        e.update(KERNEL=str(KERNEL), CPUS=str(cpus), MACHINE=machine, ARGS=args, MEM=mem,
                 ACCEL="tcg", QEMU_EXTRA=extra)
        # User networking forwards these host ports to the guest's 80 and 443 (and 7, echo).
        self.http_port, self.https_port, self.echo_port = free_ports(3)
        e.update(HTTP_PORT=str(self.http_port), HTTPS_PORT=str(self.https_port),
                 HOSTFWD=f"tcp:127.0.0.1:{self.echo_port}-:7")
        e.update(env or {})
        cmd = [str(ROOT / "scripts" / "run-qemu")]
        if netns:  # QEMU opens the tap inside the namespace (ip netns exec execs: same pid)
            cmd = ["ip", "netns", "exec", netns.name] + cmd
            e.update(NET="tap", TAP=netns.tap)
        self.proc = subprocess.Popen(cmd, env=e,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self._out = bytearray()
        self._lock = threading.Condition()
        self._pos = 0  # expect() searches from here
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(4096)
            with self._lock:
                if not chunk:
                    self._lock.notify_all()
                    return
                self._out += chunk
                self._lock.notify_all()

    @property
    def output(self):
        with self._lock:
            return self._out.decode("utf-8", "replace")

    def expect(self, pattern, timeout=30):
        """Wait for `pattern` (a regex) in the console output after the previous match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                text = self._out.decode("utf-8", "replace")
                m = rx.search(text, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"no match for {pattern!r} within {timeout}s; "
                                         f"console:\n{text[-3000:]}")
                self._lock.wait(min(left, 0.2))

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def wait(self, timeout=30):
        """QEMU's exit status; raises AssertionError if it does not exit in time."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"QEMU still running after {timeout}s; console:\n"
                                 f"{self.output[-3000:]}")
        self._reader.join(5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

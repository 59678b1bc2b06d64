"""Test networks: a network namespace of the test's own with a (multiqueue) tap in it.  Guest
traffic never leaves the namespace; the test talks to the guest from inside it."""
import contextlib
import ctypes
import os
import socket
import subprocess
import uuid

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL("libc.so.6", use_errno=True)

HOST_IP = "10.77.0.1"   # the namespace's side of the tap
GUEST_IP = "10.77.0.2"  # Toril
PREFIX = 24


def _ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns failed")


class NetNs:
    """`ip netns add` + tap0 (multi_queue when queues > 1) at HOST_IP/24, up."""

    def __init__(self, queues=1):
        self.name = "toril-" + uuid.uuid4().hex[:8]
        self.tap = "tap0"
        _ip("netns", "add", self.name)
        try:
            mq = ["multi_queue"] if queues > 1 else []
            _ip("-n", self.name, "tuntap", "add", "dev", self.tap, "mode", "tap", *mq)
            _ip("-n", self.name, "addr", "add", f"{HOST_IP}/{PREFIX}", "dev", self.tap)
            _ip("-n", self.name, "link", "set", self.tap, "up")
            _ip("-n", self.name, "link", "set", "lo", "up")
        except Exception:
            self.close()
            raise

    @contextlib.contextmanager
    def entered(self):
        """Run the body in the namespace (this thread only); sockets made there stay there."""
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        ns = os.open(f"/var/run/netns/{self.name}", os.O_RDONLY)
        try:
            _setns(ns)
            yield
        finally:
            _setns(own)
            os.close(ns)
            os.close(own)

    def connect(self, port, ip=GUEST_IP, timeout=10):
        with self.entered():
            return socket.create_connection((ip, port), timeout=timeout)

    def run(self, *cmd, timeout=60, input=None):
        """A command inside the namespace (ping, curl, wrk); input: its stdin (text), else
        none (stdin at end of file)."""
        return subprocess.run(["ip", "netns", "exec", self.name, *cmd], capture_output=True,
                              text=True, timeout=timeout, input=input or "")

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

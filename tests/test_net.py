"""Networking: the per-core lwIP instances over virtio-net, checked with the echo service
(echo=7), over user networking and over a multiqueue tap in a namespace of the test's own."""
import concurrent.futures
import os
import re
import socket
import time

import pytest

from harness import stats
from harness.netns import GUEST_IP

MIB = 1 << 20


def echo_roundtrip(sock, payload, chunks):
    """Send payload in chunks of the given sizes (cycled) while reading the echo back."""
    sock.settimeout(20)
    got = bytearray()
    off = i = 0
    while off < len(payload):
        n = chunks[i % len(chunks)]
        i += 1
        sock.sendall(payload[off:off + n])
        off += n
        while len(got) < off - 256 * 1024:  # keep the pipe from filling both ways
            got += sock.recv(65536)
    while len(got) < len(payload):
        data = sock.recv(65536)
        assert data, "connection closed early"
        got += data
    return bytes(got)


@pytest.fixture(params=["microvm", "microvm-noacpi"])
def echo_vm(boot, request):
    """Echo over user networking, on virtio-pci (microvm) and virtio-mmio (microvm-noacpi)."""
    vm = boot(cpus=2, machine=request.param, args="echo=7")
    vm.expect(r"virtio-net: .*(pci|virtio-mmio@)")
    vm.expect(r"toril: 2 cpus online")
    return vm


def test_echo_returns_1mib_byte_exact_over_user_networking(echo_vm):
    payload = os.urandom(MIB)
    with socket.create_connection(("127.0.0.1", echo_vm.echo_port), timeout=10) as s:
        got = echo_roundtrip(s, payload, [1, 7, 100, 1460, 1461, 4096, 65536, 13])
    assert got == payload


def test_100_sequential_connections(echo_vm):
    for i in range(100):
        with socket.create_connection(("127.0.0.1", echo_vm.echo_port), timeout=10) as s:
            msg = f"connection {i}".encode()
            s.sendall(msg)
            s.settimeout(10)
            assert s.recv(100) == msg
    assert stats.read(echo_vm, 2)[0]["conns"] >= 100


@pytest.mark.parametrize("machine", ["microvm", "q35"])
def test_tap_two_queues_ping_and_64_concurrent_echo_connections(boot, netns, machine):
    ns = netns(queues=2)
    vm = boot(cpus=2, machine=machine, netns=ns, args=f"echo=7 ip={GUEST_IP}/24 gw=10.77.0.1")
    vm.expect(r"virtio-net: .* 2 queue pairs")
    vm.expect(r"toril: 2 cpus online")
    ping = ns.run("ping", "-c", "3", "-i", "0.2", "-W", "2", GUEST_IP)
    assert ping.returncode == 0, ping.stdout + ping.stderr

    def one(i):
        payload = os.urandom(32 * 1024 + i)
        with ns.connect(7) as s:
            return echo_roundtrip(s, payload, [1000 + i, 3000]) == payload

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, range(64)))
    assert all(results), f"{results.count(False)} of 64 echo connections corrupted"
    st = stats.read(vm, 2)
    assert st[0]["conns"] > 0 and st[1]["conns"] > 0, f"one core carried nothing: {st}"
    assert st[0]["conns"] + st[1]["conns"] >= 64
    vm.send("shutdown")
    assert vm.wait(30) == 0


def raw_frames(dst_mac, src_mac):
    """Hostile frames: runts, oversize, bad checksums, unknown ethertypes, truncated headers."""
    eth = lambda t: dst_mac + src_mac + t  # noqa: E731
    ip_hdr = bytes.fromhex("450000281234000040060000") + bytes([10, 77, 0, 1, 10, 77, 0, 2])
    tcp_bad_csum = bytes.fromhex("d43100070000000100000000500220000bad0000")
    yield dst_mac[:6]                                        # runt: not even a header
    yield eth(b"\x08\x00")                                   # IPv4 type, no header
    yield eth(b"\x08\x00") + ip_hdr[:10]                     # truncated IPv4 header
    yield eth(b"\x08\x00") + ip_hdr + tcp_bad_csum           # bad IP and TCP checksums
    yield eth(b"\x08\x00") + bytes.fromhex("4f") + bytes(59)  # IHL 15 with no options
    yield eth(b"\x08\x06") + bytes(10)                       # truncated ARP
    yield eth(b"\x88\xb5") + bytes(100)                      # unknown (local experimental)
    yield eth(b"\x86\xdd") + bytes(60)                       # IPv6: not supported
    yield eth(b"\x81\x00\x00\x01\x08\x00") + ip_hdr          # VLAN-tagged
    yield eth(b"\x08\x00") + ip_hdr + bytes(8000)            # oversize (jumbo)


@pytest.mark.parametrize("machine", ["microvm", "microvm-noacpi"])
def test_bad_frames_are_dropped_and_counted_never_crash(boot, netns, machine):
    ns = netns(queues=1)
    vm = boot(cpus=1, machine=machine, netns=ns, args=f"echo=7 ip={GUEST_IP}/24")
    vm.expect(r"toril: 1 cpus online")
    ns.run("ip", "link", "set", "tap0", "mtu", "9000")
    assert ns.run("ping", "-c", "1", "-W", "5", GUEST_IP).returncode == 0  # learn its MAC
    neigh = ns.run("ip", "neigh", "show", GUEST_IP).stdout
    dst = bytes.fromhex(re.search(r"lladdr ([0-9a-f:]+)", neigh).group(1).replace(":", ""))
    before = stats.read(vm, 1)[0]["drops"]
    with ns.entered():
        raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        raw.bind(("tap0", 0))
        src = raw.getsockname()[4]
        frames = list(raw_frames(dst, src))
        for _ in range(20):
            for f in frames:
                try:
                    raw.send(f)
                except OSError:
                    pass  # the host kernel refused it: fine, nothing to test then
        raw.close()
    time.sleep(1)
    with ns.connect(7) as s:  # still serving
        s.sendall(b"still alive")
        s.settimeout(10)
        assert s.recv(100) == b"still alive"
    assert stats.read(vm, 1)[0]["drops"] > before
    vm.send("shutdown")
    assert vm.wait(30) == 0


def test_echo_over_virtio_mmio_on_microvm_without_acpi(boot):
    vm = boot(cpus=2, machine="microvm-noacpi", args="echo=7")
    vm.expect(r"virtio-net: .*virtio-mmio@")
    vm.expect(r"toril: 2 cpus online")
    payload = os.urandom(256 * 1024)
    with socket.create_connection(("127.0.0.1", vm.echo_port), timeout=10) as s:
        assert echo_roundtrip(s, payload, [1, 1460, 9000]) == payload
    vm.send("shutdown")
    assert vm.wait(30) == 0


def test_dhcp_address_from_user_networking(boot):
    """ip=dhcp: core 0's client gets QEMU's lease (10.0.2.15 via 10.0.2.2) and serves on it."""
    vm = boot(cpus=2, args="ip=dhcp echo=7")
    vm.expect(r"toril: 2 cpus online")
    vm.expect(r"netstack: address 10\.0\.2\.15/255\.255\.255\.0 gw 10\.0\.2\.2", timeout=30)
    with socket.create_connection(("127.0.0.1", vm.echo_port), timeout=10) as s:
        s.sendall(b"leased")
        s.settimeout(10)
        assert s.recv(100) == b"leased"
    vm.send("shutdown")
    assert vm.wait(30) == 0

"""Many cores, one network stack image: lwIP's code is linked once and each core sees its own
copy of lwIP's state through its own page tables (the per-core window).  Checked from outside:
the guest's boot-time separation check, serving with 1 to 16 vCPUs (64 boots), and an 8-queue
tap on which all eight cores serve connections byte-exact."""
import concurrent.futures
import os
import socket

import pytest

from harness import stats
from harness.http_client import Conn, get
from harness.netns import GUEST_IP

BLOB = os.urandom(40 * 1024 + 7)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("cores-site")
    (root / "index.html").write_bytes(b"<p>cores\n")
    (root / "blob.bin").write_bytes(BLOB)
    return root


@pytest.mark.parametrize("cpus", [1, 2, 4, 16])
def test_serves_with_n_cores_and_each_sees_its_own_window(boot, site, cpus):
    vm = boot(cpus=cpus, mem="512M", env={"SITE": str(site), "DISK": "image"})
    vm.expect(rf"percpu: {cpus} cores, each sees only its own window \(checked\)", timeout=120)
    vm.expect(rf"toril: {cpus} cpus online")
    vm.expect(r"httpd: serving on port 80", timeout=60)
    r = get("127.0.0.1", vm.http_port, "/blob.bin")
    assert r.status == 200 and r.body == BLOB
    assert "panic" not in vm.output
    vm.send("shutdown")
    assert vm.wait(60) == 0


def test_64_cores_boot_with_one_stack_image(boot, site):
    """64 vCPUs under TCG on a small host: boot, the separation check on every core, serve once
    (user networking has one queue pair: core 0 serves, the others say so and halt)."""
    vm = boot(cpus=64, mem="512M", env={"SITE": str(site), "DISK": "image"})
    # cpu1 says it has no queue pair as soon as it starts, before core 0's summary lines.
    vm.expect(r"net: cpus 1\.\.63 have no queue pair", timeout=300)
    vm.expect(r"percpu: 64 cores, each sees only its own window \(checked\)", timeout=120)
    vm.expect(r"toril: 64 cpus online")
    r = get("127.0.0.1", vm.http_port, "/index.html")
    assert r.status == 200 and r.body == b"<p>cores\n"
    vm.send("shutdown")
    assert vm.wait(120) == 0


def test_eight_queue_tap_every_core_serves_byte_exact(boot, netns, site):
    ns = netns(queues=8)
    vm = boot(cpus=8, mem="512M", netns=ns, env={"SITE": str(site), "DISK": "image"},
              args=f"ip={GUEST_IP}/24 gw=10.77.0.1")
    vm.expect(r"virtio-net: .* 8 queue pairs", timeout=120)
    vm.expect(r"toril: 8 cpus online", timeout=120)
    vm.expect(r"httpd: serving on port 80", timeout=60)

    def one(i):
        # A new connection each time: the host's flow hash spreads them over the 8 queues.
        with ns.entered():
            s = socket.create_connection((GUEST_IP, 80), timeout=20)
        c = Conn(GUEST_IP, 80, timeout=20, sock=s)
        try:
            c.send(b"GET /blob.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            r = c.read_response()
            return r.status == 200 and r.body == BLOB
        finally:
            c.close()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(160)))
    assert all(results), f"{results.count(False)} of 160 responses wrong"
    st = stats.read(vm, 8)
    reqs = [core["reqs"] for core in st]
    assert sum(reqs) >= 160
    assert all(n > 0 for n in reqs), f"a core served nothing: reqs per core {reqs}"
    print(f"requests per core: {reqs}")
    vm.send("shutdown")
    assert vm.wait(60) == 0

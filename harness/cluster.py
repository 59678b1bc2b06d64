"""N Toril VMs behind HAProxy, all inside one private network namespace: a bridge at
BRIDGE_IP/24 with one tap per VM (each VM its own MAC and address), and Debian's haproxy on the
bridge address balancing across the VMs with health checks on their admin port's /healthz.
Used by loadtest/cluster (by hand) and tests/test_ops.py (rolling restart, kill -9).

Nothing leaves the namespace: the VMs, HAProxy and the load generator all live in it."""
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from harness.vm import Vm

BRIDGE_IP = "10.78.0.1"
FRONT_PORT = 8080
ADMIN_PORT = 9100
CHECK_INTER_MS = 200   # health check interval; fall 2 => a dead VM is out within ~0.5 s
UP_TIMEOUT_S = 20


def vm_ip(i):
    return f"10.78.0.{10 + i}"


def _ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


HAPROXY_CFG = """\
global
    stats socket {sock} mode 600 level admin
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    # A request that meets a VM going away (refused connect, a reused connection closed under
    # it) is sent again, to another VM: GETs are safe to replay.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend site
    bind {bridge}:{front}
    default_backend toril

backend toril
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server check port {admin} inter {inter}ms fastinter {inter}ms downinter {inter}ms fall 2 rise 1
{servers}
"""


class Cluster:
    """start(): namespace, bridge, taps, VMs, HAProxy.  close() undoes everything."""

    def __init__(self, n, site, kernel_env=None, cpus=1, drain_ms=5000):
        self.n, self.site, self.cpus, self.drain_ms = n, str(site), cpus, drain_ms
        self.env = dict(kernel_env or {})
        self.ns = "toril-cl-" + uuid.uuid4().hex[:6]
        self.dir = Path(tempfile.mkdtemp(prefix="toril-cluster-"))
        self.sock = str(self.dir / "haproxy.sock")
        self.vms = [None] * n
        self.haproxy = None

    # -- setup -------------------------------------------------------------------------------
    def start(self):
        """Everything up and every VM UP in HAProxy; on any failure all of it is undone."""
        try:
            return self._start()
        except BaseException:
            self.close()
            raise

    def _start(self):
        _ip("netns", "add", self.ns)
        _ip("-n", self.ns, "link", "set", "lo", "up")
        _ip("-n", self.ns, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.ns, "addr", "add", f"{BRIDGE_IP}/24", "dev", "br0")
        _ip("-n", self.ns, "link", "set", "br0", "up")
        for i in range(self.n):
            tap = f"tap{i}"
            _ip("-n", self.ns, "tuntap", "add", "dev", tap, "mode", "tap")
            _ip("-n", self.ns, "link", "set", tap, "master", "br0")
            _ip("-n", self.ns, "link", "set", tap, "up")
        for i in range(self.n):
            self.boot_vm(i)
        servers = "\n".join(f"    server vm{i} {vm_ip(i)}:80" for i in range(self.n))
        cfg = self.dir / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.format(sock=self.sock, bridge=BRIDGE_IP, front=FRONT_PORT,
                                          admin=ADMIN_PORT, inter=CHECK_INTER_MS,
                                          servers=servers))
        check = self.run("haproxy", "-c", "-f", str(cfg))
        if check.returncode != 0:
            raise RuntimeError("haproxy config: " + check.stdout + check.stderr)
        self.haproxy = subprocess.Popen(["ip", "netns", "exec", self.ns, "haproxy", "-db", "-f",
                                         str(cfg)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.wait_all_up()
        return self

    def boot_vm(self, i):
        """(Re)start VM i on tap i; returns once it serves."""
        class _Tap:  # what Vm needs of a namespace
            name, tap = self.ns, f"tap{i}"
        mac = f"52:54:00:78:00:{10 + i:02x}"
        vm = Vm(cpus=self.cpus, netns=_Tap(),
                args=f"ip={vm_ip(i)}/24 admin_port={ADMIN_PORT} drain_ms={self.drain_ms}",
                extra=f"-global virtio-net-pci.mac={mac}",
                env=dict(self.env, SITE=self.site, DISK="image"))
        vm.expect(r"admin: /metrics and /healthz on port", timeout=UP_TIMEOUT_S)
        self.vms[i] = vm
        return vm

    # -- HAProxy's runtime API -------------------------------------------------------------------
    def haproxy_cmd(self, line):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(self.sock)
            s.sendall(line.encode() + b"\n")
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        return out.decode()

    def status(self):
        """{'vm0': 'UP', ...} from `show stat`."""
        out = {}
        lines = self.haproxy_cmd("show stat").splitlines()
        if not lines:
            return out
        head = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            row = dict(zip(head, line.split(",")))
            if row.get("pxname") == "toril" and row.get("svname", "").startswith("vm"):
                out[row["svname"]] = row.get("status", "")
        return out

    def wait_status(self, name, want, timeout=UP_TIMEOUT_S):
        """Seconds until server `name` shows a status starting with `want`."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            try:
                if self.status().get(name, "").startswith(want):
                    return time.monotonic() - t0
            except (FileNotFoundError, ConnectionRefusedError):
                pass  # HAProxy is still starting: its socket is not there yet
            time.sleep(0.05)
        raise AssertionError(f"{name} not {want} within {timeout}s: {self.status()}")

    def wait_all_up(self):
        for i in range(self.n):
            self.wait_status(f"vm{i}", "UP")

    # -- operations ----------------------------------------------------------------------------
    def restart(self, i):
        """Rolling-restart step: take VM i out of HAProxy, drain it (console `drain`), check it
        powered off cleanly, boot it again and put it back once its health check passes."""
        self.haproxy_cmd(f"set server toril/vm{i} state drain")
        time.sleep(0.2)  # requests HAProxy already sent there finish; no new ones go
        self.vms[i].send("drain")
        rc = self.vms[i].wait(timeout=self.drain_ms / 1000 + 5)
        if rc != 0:
            raise AssertionError(f"vm{i} exited {rc} after drain")
        self.boot_vm(i)
        self.haproxy_cmd(f"set server toril/vm{i} state ready")
        self.wait_status(f"vm{i}", "UP")

    def kill(self, i):
        """kill -9 VM i; returns the seconds HAProxy took to mark it DOWN."""
        self.vms[i].kill()
        return self.wait_status(f"vm{i}", "DOWN", timeout=10)

    def run(self, *cmd, timeout=120):
        return subprocess.run(["ip", "netns", "exec", self.ns, *cmd], capture_output=True,
                              text=True, timeout=timeout)

    def wrk_cmd(self, seconds, conns=8, threads=2, path="/"):
        return ["ip", "netns", "exec", self.ns, "wrk", f"-t{threads}", f"-c{conns}",
                f"-d{seconds}s", "--timeout", "5s", f"http://{BRIDGE_IP}:{FRONT_PORT}{path}"]

    def close(self):
        if self.haproxy and self.haproxy.poll() is None:
            self.haproxy.kill()
            self.haproxy.wait(10)
        for vm in self.vms:
            if vm:
                vm.kill()
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)

"""The servers the benchmarks boot: Toril, and nginx in a Linux guest, each over a tap in a
network namespace of its own, with the same QEMU settings (a's cpus, machine, mem, accel).
loadtest/bench.py (HTTP) and loadtest/https_bench.py (HTTPS) both start them from here."""
from harness.netns import GUEST_IP, NetNs
from harness.vm import Vm
from loadtest import linux_guest


class Guest:
    """A booted server: its namespace and its QEMU process; stop() ends both."""
    name = "?"
    ns = vm = None

    def stop(self):
        if self.vm:
            self.vm.kill()
        if self.ns:
            self.ns.close()
        self.vm = self.ns = None


def _vm(ns, **kw):
    """Vm(**kw) on ns; ns is closed if QEMU cannot be started."""
    try:
        return Vm(netns=ns, **kw)
    except BaseException:
        ns.close()
        raise


def boot_toril(a, site, env=None):
    """Toril (a.kernel, command line ip= plus a.args) serving site from a vfat view; env: more
    for scripts/run-qemu (TLS_CERT, TLS_KEY).  Returns (ns, vm), not yet waited for."""
    ns = NetNs(queues=a.cpus)
    vm = _vm(ns, cpus=a.cpus, machine=a.machine, mem=a.mem,
             args=f"ip={GUEST_IP}/24 {a.args}".strip(),
             env={"KERNEL": str(a.kernel), "SITE": str(site), "DISK": "vfat", "ACCEL": a.accel,
                  **(env or {})})
    return ns, vm


def boot_linux(a, site, initrd_out, log, tls=None):
    """nginx in the Linux guest (built once under a.linux_cache) serving site; tls: (certificate
    PEM, key PEM) bytes to serve HTTPS too.  Returns (ns, vm), not yet waited for
    (linux_guest.READY)."""
    kernel, base = linux_guest.prepare(a.linux_cache, log)
    rd = linux_guest.initrd(base, site, initrd_out, f"{GUEST_IP}/24", a.cpus, tls=tls)
    ns = NetNs(queues=a.cpus)
    vm = _vm(ns, cpus=a.cpus, machine=a.machine, mem=a.mem, args=linux_guest.CMDLINE,
             extra=f"-initrd {rd}", env={"KERNEL": str(kernel), "DISK": "none", "ACCEL": a.accel})
    return ns, vm

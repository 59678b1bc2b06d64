"""Whole-system test fixtures: boot Toril in QEMU (TCG) and give a test a network namespace of its
own.  The helpers themselves (Vm, NetNs, the HTTP client, stats parsing) live in the harness/
package at the repository root, shared with loadtest/; this file puts the root on sys.path."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.netns import NetNs  # noqa: E402
from harness.noskip import pytest_runtest_makereport  # noqa: E402,F401  (a skip fails)
from harness.vm import KERNEL, Vm  # noqa: E402


@pytest.fixture
def boot():
    """boot(cpus=..., machine=..., args=...) -> Vm; every VM is killed after the test."""
    vms = []

    def start(**kw):
        if not KERNEL.exists():
            pytest.fail(f"kernel {KERNEL} not built")
        vm = Vm(**kw)
        vms.append(vm)
        return vm

    yield start
    for vm in vms:
        vm.kill()


@pytest.fixture
def netns():
    """netns(queues=N) -> NetNs with a tap; removed after the test."""
    made = []

    def make(queues=1):
        ns = NetNs(queues)
        made.append(ns)
        return ns

    yield make
    for ns in made:
        ns.close()

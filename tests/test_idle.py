"""Idle cost as the host sees it: the QEMU process's CPU time (all its threads, in schedstat
nanoseconds) while the guest has nothing to do.  A halting guest must add (almost) nothing;
idle=poll proves the measurement sees a spinning guest."""
import time

from harness import stats
from harness.hostcpu import process_cpu_seconds as cpu_seconds

IDLE_WINDOW_S = 10


def idle_share(vm, seconds=IDLE_WINDOW_S):
    """Share of one host core the QEMU process used over `seconds` of guest idleness."""
    start = cpu_seconds(vm.proc.pid)
    time.sleep(seconds)
    return (cpu_seconds(vm.proc.pid) - start) / seconds


def test_idle_guest_costs_under_2_percent_of_a_core(boot):
    vm = boot(cpus=2)
    vm.expect(r"toril: 2 cpus online")
    time.sleep(1)  # let boot-time work (QEMU's own start-up) settle
    share = idle_share(vm)
    stats.read(vm, 2)
    assert share < 0.02, f"idle QEMU used {share:.1%} of a core"
    vm.send("shutdown")
    assert vm.wait(30) == 0


def test_idle_poll_is_visible_as_busy(boot):
    vm = boot(cpus=2, args="idle=poll")
    vm.expect(r"toril: 2 cpus online")
    share = idle_share(vm, 5)
    assert share > 0.5, f"idle=poll QEMU used only {share:.1%} of a core"
    vm.send("shutdown")
    assert vm.wait(30) == 0

"""Idle cost as the host sees it: the QEMU process's CPU time (utime + stime from /proc) while
the guest has nothing to do.  A halting guest must add (almost) nothing; idle=poll proves the
measurement sees a spinning guest."""
import os
import time

IDLE_WINDOW_S = 10
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


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
    vm.send("stats")
    vm.expect(r"(?m)^cpu1 [^\r\n]*\r?\n")
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

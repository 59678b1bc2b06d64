"""Per-thread host CPU from a /proc tree written by the test."""
import pytest

from harness import hostcpu


def stat_line(tid, name, utime, stime):
    # pid (comm) state ppid ... : utime and stime are fields 14 and 15
    rest = ["S"] + ["0"] * 10 + [str(utime), str(stime)] + ["0"] * 30
    return f"{tid} ({name}) " + " ".join(rest) + "\n"


def make_proc(root, pid, threads, argv=None):
    """threads: {tid: (name, schedstat ns or None, utime ticks)}"""
    for tid, (name, ns, ticks) in threads.items():
        d = root / str(pid) / "task" / str(tid)
        d.mkdir(parents=True, exist_ok=True)
        (d / "stat").write_text(stat_line(tid, name, ticks, 0))
        if ns is not None:
            (d / "schedstat").write_text(f"{ns} 1234 56\n")
    if argv is not None:
        (root / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")


def test_threads_by_name_with_spaces_and_parentheses(tmp_path):
    make_proc(tmp_path, 100, {100: ("qemu-system-x86", 5_000_000, 0),
                              101: ("CPU 0/TCG", 7_000_000_123, 0),
                              102: ("CPU 1/KVM", 1, 0),
                              103: ("odd) (name", 20, 0)})
    t = hostcpu.read_threads(100, str(tmp_path))
    assert t == {"100": ("qemu-system-x86", 5_000_000), "101": ("CPU 0/TCG", 7_000_000_123),
                 "102": ("CPU 1/KVM", 1), "103": ("odd) (name", 20)}
    c = hostcpu.Counter(100, str(tmp_path), clock=lambda: 1.0)
    s = c.sample()
    assert (s.vcpu_ns, s.io_ns) == (7_000_000_124, 5_000_020)
    assert c.split_known


def test_no_schedstat_falls_back_to_ticks(tmp_path):
    make_proc(tmp_path, 7, {7: ("qemu-system-x86", None, 3)})
    assert hostcpu.read_threads(7, str(tmp_path))["7"][1] == 3 * 10**9 // hostcpu.CLK_TCK


def test_exited_threads_keep_their_time_and_windows_are_per_core_percent(tmp_path):
    clock = iter([10.0, 12.0]).__next__
    make_proc(tmp_path, 5, {5: ("qemu-system-x86", 1_000_000_000, 0),
                            6: ("CPU 0/TCG", 2_000_000_000, 0)})
    c = hostcpu.Counter(5, str(tmp_path), clock=clock)
    a = c.sample()
    # thread 6 exits; thread 5 spends 10 ms more; a new vCPU thread appears with 1 s
    import shutil
    shutil.rmtree(tmp_path / "5" / "task" / "6")
    make_proc(tmp_path, 5, {5: ("qemu-system-x86", 1_010_000_000, 0),
                            8: ("CPU 1/TCG", 1_000_000_000, 0)})
    b = c.sample()
    assert b.vcpu_ns == 3_000_000_000 and b.io_ns == 1_010_000_000
    v, io, dt = hostcpu.window(a, b)
    assert dt == 2.0 and v == pytest.approx(50.0) and io == pytest.approx(0.5)


def test_unnamed_threads_count_as_io_and_say_so(tmp_path):
    make_proc(tmp_path, 9, {9: ("qemu-system-x86", 10, 0), 10: ("qemu-system-x86", 5, 0)})
    c = hostcpu.Counter(9, str(tmp_path))
    s = c.sample()
    assert (s.vcpu_ns, s.io_ns) == (0, 15) and not c.split_known


def test_gone_process(tmp_path):
    with pytest.raises(hostcpu.ProcessGone):
        hostcpu.read_threads(4242, str(tmp_path))


def test_garbled_stat_is_an_error(tmp_path):
    d = tmp_path / "3" / "task" / "3"
    d.mkdir(parents=True)
    (d / "stat").write_text("3 no-parentheses S 1 2\n")
    with pytest.raises(ValueError):
        hostcpu.read_threads(3, str(tmp_path))


def test_cpu_pct():
    assert hostcpu.cpu_pct(250_000_000, 0.5) == pytest.approx(50.0)
    assert hostcpu.cpu_pct(10**9, 0) != hostcpu.cpu_pct(10**9, 0)  # nan: no time, no share


def test_find_qemu_running_toril(tmp_path):
    make_proc(tmp_path, 11, {11: ("qemu-system-x86", 1, 0)},
              ["/usr/bin/qemu-system-x86_64", "-M", "q35", "-kernel", "/x/build/toril.elf"])
    make_proc(tmp_path, 12, {12: ("qemu-system-x86", 1, 0)},
              ["qemu-system-x86_64", "-kernel", "/boot/vmlinuz"])
    make_proc(tmp_path, 13, {13: ("bash", 1, 0)}, ["bash", "-kernel", "toril.elf"])
    (tmp_path / "self").mkdir()
    assert [p for p, _ in hostcpu.find_qemu(str(tmp_path))] == [11]

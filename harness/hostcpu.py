"""Host CPU time of a process, per thread, from /proc with nanosecond precision.

/proc/PID/stat counts in clock ticks (10 ms): an idle Toril reads as 0 there for many seconds.
The first field of /proc/PID/task/TID/schedstat is the thread's time on a CPU in nanoseconds, so
it is summed instead (ticks from task/TID/stat only where a kernel has no schedstat).  Threads are
sorted by name: QEMU started with `-name debug-threads=on` (DEBUG_THREADS) names its vCPU threads
'CPU <n>/TCG' or 'CPU <n>/KVM'; everything else (the main loop, which moves every packet when there
is no vhost, RCU, workers) counts as I/O.  Without that option every thread is called
'qemu-system-x86' and only the total is known (Counter.split_known is then False).

    read_threads(pid, proc)   {tid: (name, ns)} once
    Counter(pid, proc)        cumulative vCPU and I/O nanoseconds; threads that exit keep the
                              time they had when last seen, so totals never go backwards
    Sampler(pid, interval)    a background thread taking a Counter sample every interval
    cpu_pct(ns, seconds)      share of one host core, in %
    find_qemu(proc)           QEMU processes running a Toril kernel ([(pid, cmdline)])
"""
import os
import re
import threading
import time
from collections import namedtuple

VCPU_NAME = re.compile(r"CPU \d+/(TCG|KVM)")
# The QEMU option that gives its threads those names.
DEBUG_THREADS = "-name toril,debug-threads=on"
CLK_TCK = os.sysconf("SC_CLK_TCK")
NS_PER_S = 1_000_000_000
SAMPLE_INTERVAL_S = 0.5

# t: seconds on time.monotonic(); vcpu_ns, io_ns: cumulative since the process started.
Sample = namedtuple("Sample", "t vcpu_ns io_ns")


class ProcessGone(Exception):
    pass


def _thread_name_and_ticks(stat_text):
    """Name and utime+stime ticks from a task's stat line.  The name sits in parentheses and
    may itself hold spaces and parentheses ('CPU 0/TCG'): it ends at the last ')'."""
    head, sep, rest = stat_text.rpartition(")")
    if not sep or "(" not in head:
        raise ValueError(f"stat: no (name) in {stat_text[:80]!r}")
    name = head.split("(", 1)[1]
    fields = rest.split()
    if len(fields) < 13:
        raise ValueError(f"stat: {len(fields)} fields after the name, expected >= 13")
    return name, int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)


def read_threads(pid, proc="/proc"):
    """{tid: (name, ns on CPU)} for every thread of pid now; ProcessGone if it has exited."""
    try:
        tids = os.listdir(f"{proc}/{pid}/task")
    except (FileNotFoundError, ProcessLookupError):
        raise ProcessGone(pid)
    out = {}
    for tid in tids:
        base = f"{proc}/{pid}/task/{tid}"
        try:
            with open(f"{base}/stat") as f:
                name, ticks = _thread_name_and_ticks(f.read())
            try:
                with open(f"{base}/schedstat") as f:
                    ns = int(f.read().split()[0])
            except FileNotFoundError:  # no CONFIG_SCHED_INFO: tick precision only
                ns = ticks * NS_PER_S // CLK_TCK
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread exited between listdir and open
        out[tid] = (name, ns)
    return out


def is_vcpu(name):
    return VCPU_NAME.fullmatch(name) is not None


class Counter:
    """Cumulative vCPU and I/O-thread nanoseconds of one process."""

    def __init__(self, pid, proc="/proc", clock=time.monotonic):
        self.pid, self.proc, self.clock = pid, proc, clock
        self.last = {}  # tid -> (name, ns) at its last sighting

    @property
    def split_known(self):
        """True once a vCPU thread has been seen by name (else all time counts as I/O)."""
        return any(is_vcpu(name) for name, _ in self.last.values())

    def sample(self):
        self.last.update(read_threads(self.pid, self.proc))
        vcpu = sum(ns for name, ns in self.last.values() if is_vcpu(name))
        io = sum(ns for name, ns in self.last.values() if not is_vcpu(name))
        return Sample(self.clock(), vcpu, io)

    def threads(self):
        """{name: ns} of the threads seen so far (vCPU threads by name, the rest summed by name)."""
        out = {}
        for name, ns in self.last.values():
            out[name] = out.get(name, 0) + ns
        return out


def cpu_pct(ns, seconds):
    """ns of CPU time over `seconds` of wall time as % of one host core."""
    return ns / NS_PER_S / seconds * 100 if seconds > 0 else float("nan")


def window(a, b):
    """(vCPU %, I/O %, seconds) between two Samples."""
    dt = b.t - a.t
    return cpu_pct(b.vcpu_ns - a.vcpu_ns, dt), cpu_pct(b.io_ns - a.io_ns, dt), dt


def process_cpu_seconds(pid, proc="/proc"):
    """All of a process's threads' time on a CPU now, in seconds (nanosecond precision)."""
    return sum(ns for _, ns in read_threads(pid, proc).values()) / NS_PER_S


class Sampler(threading.Thread):
    """Takes counter.sample() every `interval` seconds into .samples until stop() or the
    process exits (.gone is then set)."""

    def __init__(self, counter, interval=SAMPLE_INTERVAL_S):
        super().__init__(daemon=True)
        self.counter, self.interval = counter, interval
        self.samples = []
        self.gone = False
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def run(self):
        nxt = time.monotonic()
        while not self._halt.is_set():
            try:
                s = self.counter.sample()
            except ProcessGone:
                self.gone = True
                return
            with self._lock:
                self.samples.append(s)
            nxt += self.interval
            self._halt.wait(max(0.0, nxt - time.monotonic()))

    def latest(self):
        with self._lock:
            return self.samples[-2:] if len(self.samples) >= 2 else None

    def snapshot(self):
        with self._lock:
            return list(self.samples)

    def stop(self):
        self._halt.set()
        self.join(5)


def find_qemu(proc="/proc"):
    """[(pid, cmdline)] of QEMU processes whose command line boots a Toril kernel (-kernel
    .../toril.elf), e.g. the one `make run` started."""
    found = []
    for d in os.listdir(proc):
        if not d.isdigit():
            continue
        try:
            with open(f"{proc}/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        argv = [a.decode("utf-8", "replace") for a in argv if a]
        if not argv or not os.path.basename(argv[0]).startswith("qemu-system"):
            continue
        kernel = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "-kernel"), "")
        if os.path.basename(kernel).startswith("toril"):
            found.append((int(d), " ".join(argv)))
    return sorted(found)

"""The guest's `stats` console command: one line per core, `cpuN key=value key=value ...`, every
value a decimal counter (core/stats.c and the sources that register with it).

    read(vm, ncpus)   send `stats`, wait for the ncpus lines, return [{key: int}, ...]
    parse_line(text)  the counters of one line (after the `cpuN `), strictly
    wakeups(core)     wake-ups by any cause (interrupt, timer, IPI) in one core's counters
    delta(a, b)       b - a per counter, for the keys both have

The `stats` command itself wakes core 0 once (the serial interrupt): a caller that counts idle
wake-ups between two reads sees that one too (STATS_OWN_WAKEUPS)."""
import re

# Wake-ups the stats command causes on core 0 (its serial interrupt).
STATS_OWN_WAKEUPS = 1
WAKEUP_KEYS = ("wakeups_irq", "wakeups_timer", "wakeups_ipi")
READ_TIMEOUT_S = 20

_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\d+)")


def parse_line(text):
    """{key: int} from 'halts=3 wakeups_irq=2 ...'; ValueError on anything else (a garbled or
    interleaved console line must not turn into a plausible number)."""
    out = {}
    for token in text.split():
        m = _PAIR.fullmatch(token)
        if not m:
            raise ValueError(f"stats: not a key=counter pair: {token!r} in {text!r}")
        if m.group(1) in out:
            raise ValueError(f"stats: {m.group(1)} twice in {text!r}")
        out[m.group(1)] = int(m.group(2))
    if not out:
        raise ValueError("stats: empty line")
    return out


def read(vm, ncpus, timeout=READ_TIMEOUT_S):
    """Send `stats` on vm's console; the counters of cores 0..ncpus-1, in order."""
    vm.send("stats")
    return [parse_line(vm.expect(rf"(?m)^cpu{i} ([^\r\n]*)\r?\n", timeout=timeout).group(1))
            for i in range(ncpus)]


def wakeups(core):
    return sum(core[k] for k in WAKEUP_KEYS)


def delta(before, after):
    return {k: after[k] - before[k] for k in after if k in before}

"""idle-watch: a running VM's host CPU, live, one line per interval; on exit (Ctrl-C, --seconds,
or the VM going away) the mean, median and p90 of those intervals and a plot.

The VM is the QEMU process given with --pid, or the one QEMU running a Toril kernel (as `make
run` starts it).  The figures are the process's time on the host's CPUs, all threads, from
/proc/PID/task/*/schedstat (nanoseconds), as % of one host core.
"""
import argparse
import datetime
import signal
import statistics
import time
from pathlib import Path

from harness import hostcpu
from harness.quantile import quantile
from harness.vm import ROOT


def summary(points):
    """points: [(t, vcpu %, io %)] per interval -> dict of mean/median/p90 of the totals."""
    totals = [v + i for _, v, i in points]
    if not totals:
        return None
    return {"intervals": len(totals), "mean": statistics.fmean(totals),
            "median": statistics.median(totals), "p90": quantile(totals, 0.9), "max": max(totals)}


def plot(points, png, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot([t for t, _, _ in points], [v + i for _, v, i in points], lw=1, label="all threads")
    ax.plot([t for t, _, _ in points], [v for _, v, _ in points], lw=0.8, ls="--",
            label="vCPU threads")
    ax.set_xlabel("seconds")
    ax.set_ylabel("host CPU, % of a core")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="idle-watch", description=__doc__.split("\n")[0])
    ap.add_argument("--pid", type=int, help="the QEMU process (default: the one running Toril)")
    ap.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds per line (default 1)")
    ap.add_argument("--out", type=Path, help="the plot (default build/loadtest/idle-<time>.png)")
    ap.add_argument("--no-plot", action="store_true")
    a = ap.parse_args(argv)
    if a.interval < 0.05 or (a.seconds is not None and a.seconds <= 0):
        ap.error("--interval >= 0.05 s and --seconds > 0")
    pid = a.pid
    if pid is None:
        found = hostcpu.find_qemu()
        if len(found) != 1:
            ap.error(("no QEMU running a Toril kernel found (start one with make run, or give "
                      "--pid)" if not found else "several QEMUs run a Toril kernel; pick one "
                      "with --pid:\n" + "\n".join(f"  {p}  {c[:150]}" for p, c in found)))
        pid = found[0][0]
    try:
        counter = hostcpu.Counter(pid)
        prev = first = counter.sample()
    except hostcpu.ProcessGone:
        ap.error(f"no process {pid}")
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    split = counter.split_known
    print(f"idle-watch: QEMU pid {pid}, host CPU as % of one core every {a.interval:g} s"
          + ("" if split else " (threads unnamed: start QEMU with "
             f"'{hostcpu.DEBUG_THREADS}' for the vCPU / I/O split)") + "; Ctrl-C ends",
          flush=True)
    points, why = [], "interrupted"
    try:
        while a.seconds is None or prev.t - first.t < a.seconds - 1e-6:
            time.sleep(max(0.0, prev.t + a.interval - time.monotonic()))
            cur = counter.sample()
            v, i, _ = hostcpu.window(prev, cur)
            points.append((cur.t - first.t, v, i))
            print(f"{cur.t - first.t:7.1f} s  {v + i:8.3f} %" +
                  (f"   (vCPU {v:.3f}, I/O {i:.3f})" if split else ""), flush=True)
            prev = cur
        why = f"{a.seconds:g} s"
    except KeyboardInterrupt:
        pass
    except hostcpu.ProcessGone:
        why = "the VM exited"
    s = summary(points)
    if not s:
        print("idle-watch: no complete interval")
        return 1
    total = hostcpu.cpu_pct(prev.vcpu_ns + prev.io_ns - first.vcpu_ns - first.io_ns,
                            prev.t - first.t)
    print(f"idle-watch ({why}): {s['intervals']} intervals of {a.interval:g} s: mean "
          f"{s['mean']:.3f} %, median {s['median']:.3f} %, p90 {s['p90']:.3f} %, max "
          f"{s['max']:.3f} % of a core (whole span {total:.3f} %)")
    if not a.no_plot:
        png = a.out or ROOT / "build" / "loadtest" / \
            f"idle-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}.png"
        png.parent.mkdir(parents=True, exist_ok=True)
        plot(points, png, f"QEMU pid {pid}: host CPU per {a.interval:g} s (mean "
                          f"{s['mean']:.3f} %, p90 {s['p90']:.3f} %)")
        print(f"idle-watch: wrote {png}")
    return 0

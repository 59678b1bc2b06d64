#!/usr/bin/python3
"""Idle cost between bursts: the experiment behind the Toro kernel's published idle numbers.

For each configuration (idle=halt and idle=poll, CPUS=1, 2 and 4 by default) Toril boots, then
every EVERY seconds a burst of N GET requests arrives (the first alone on a fresh connection and
timed: the first-request latency after idleness; the rest over C keep-alive connections in
parallel), for DURATION seconds.  Meanwhile the QEMU process's CPU time is sampled every 100 ms
(per-thread schedstat, nanoseconds; threads that exit keep their last value).  Between bursts,
console `stats` lines give each core's wake-ups during the idle gap.

Writes under build/bench/:
  idle_cpu.csv      mode,cpus,t_s,cpu_pct,phase      one row per 100 ms sample
  idle_bursts.csv   mode,cpus,burst,t_start_s,burst_s,first_ms,settle_ms,gap_s,wakeups...
  idle_summary.csv  one row per configuration
  idle_cpu.png      CPU over time (one panel per CPUS, halt and poll on each)
and prints per configuration: idle CPU % between bursts, time back to quiet after a burst,
idle wake-ups per second per core, and the first-request latency distribution.

Networking: a multiqueue tap in a private namespace (default when root: one queue pair per core,
so each core is woken by its own flows), or QEMU user networking (--net user: one queue pair,
core 0 takes all traffic).  All traffic stays on loopback or inside the namespace.
Usage:
    loadtest/idle_bench.py [--modes halt,poll] [--cpus 1,2,4] [--duration 120] [--every 10]
                           [--requests 200] [--conns 4] [--net tap|user] [--plot-only]
"""
import argparse
import csv
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository root: the harness package
from harness import hostcpu  # noqa: E402
from harness.quantile import quantile  # noqa: E402
from harness.http_client import Conn  # noqa: E402
from harness.netns import GUEST_IP, NetNs  # noqa: E402
from harness.stats import read as read_stats, wakeups  # noqa: E402
from harness.vm import Vm  # noqa: E402

SAMPLE_S = 0.1


def stat_cpu_seconds(pid):
    """utime + stime from /proc/PID/stat (10 ms ticks), for comparison with schedstat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Target:
    """Where the client connects: 127.0.0.1:<forwarded port> or the guest inside a namespace."""

    def __init__(self, vm, ns):
        self.vm, self.ns = vm, ns

    def conn(self):
        if self.ns:
            return Conn(None, None, sock=self.ns.connect(80, GUEST_IP, timeout=10))
        return Conn("127.0.0.1", self.vm.http_port, timeout=10)


def get_one(target, path):
    c = target.conn()
    try:
        c.send(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        r = c.read_response()
    finally:
        c.close()
    if r.status != 200:
        raise RuntimeError(f"GET {path}: {r.status}")


def burst(target, path, n, conns):
    """n requests: one timed on a fresh connection, the rest over `conns` keep-alive connections
    in parallel.  Returns the first request's latency in seconds."""
    t = time.monotonic()
    get_one(target, path)
    first = time.monotonic() - t
    rest = n - 1
    errors = []

    def worker(count):
        try:
            c = target.conn()
            try:
                for _ in range(count):
                    c.send(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n")
                    r = c.read_response()
                    if r.status != 200:
                        raise RuntimeError(f"GET {path}: {r.status}")
            finally:
                c.close()
        except Exception as e:  # reported by the caller
            errors.append(e)

    counts = [rest // conns + (1 if i < rest % conns else 0) for i in range(conns)]
    threads = [threading.Thread(target=worker, args=(k,)) for k in counts if k]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    if errors:
        raise errors[0]
    return first


def run_config(a, mode, cpus):
    ns = None
    if a.net == "tap":
        ns = NetNs(queues=cpus)
    args = f"idle={mode}" + (f" ip={GUEST_IP}/24" if ns else "") + (f" {a.args}" if a.args else "")
    vm = Vm(cpus=cpus, args=args, netns=ns, env={"SITE": str(a.site), "DISK": "vfat"})
    target = Target(vm, ns)
    rows, bursts = [], []
    try:
        vm.expect(rf"toril: {cpus} cpus online")
        vm.expect(r"httpd: serving on port 80")
        if ns:
            ns.run("ping", "-c", "1", "-W", "5", GUEST_IP)
        get_one(target, a.path)  # first contact (ARP both ways) before the clock starts
        t0 = time.monotonic()
        # QEMU's CPU time, all threads (dead ones keep their last value), every SAMPLE_S
        sampler = hostcpu.Sampler(hostcpu.Counter(vm.proc.pid), SAMPLE_S)
        sampler.start()
        stat0 = stat_cpu_seconds(vm.proc.pid)
        starts = [a.every * k for k in range(1, 10**6) if a.every * k < a.duration]
        stats_at = []  # when stats commands ran (their console output costs a little CPU)

        def stats_now():
            stats_at.append(time.monotonic() - t0)
            return read_stats(vm, cpus) if a.stats else None

        time.sleep(a.wakeup_after)  # the first contact's TIME_WAIT
        gap_stats = stats_now()
        gap_from = time.monotonic() - t0
        for k, ts in enumerate(starts):
            # Wake-ups are counted from `wakeup_after` after a burst until `quiet_before` before the
            # next one; nothing touches the guest in those last seconds before a burst.
            time.sleep(max(0.0, t0 + max(gap_from + 1, ts - a.quiet_before) - time.monotonic()))
            pre = stats_now()
            gap_to = time.monotonic() - t0
            time.sleep(max(0.0, t0 + ts - time.monotonic()))
            tb = time.monotonic() - t0
            first = burst(target, a.path, a.requests, a.conns)
            te = time.monotonic() - t0
            b = {"burst": k, "t_start_s": tb, "t_end_s": te, "burst_s": te - tb,
                 "first_ms": first * 1000, "gap_s": gap_to - gap_from}
            if a.stats:
                for i in range(cpus):
                    b[f"cpu{i}_wakeups_per_s"] = ((wakeups(pre[i]) - wakeups(gap_stats[i]))
                                                  / b["gap_s"])
            bursts.append(b)
            # Wake-ups of the next idle gap are counted from `wakeup_after` after the burst
            # (past TIME_WAIT, 2 * TCP_MSL = 2 s, during which lwIP's 250 ms TCP timer runs).
            time.sleep(max(0.0, t0 + te + a.wakeup_after - time.monotonic()))
            gap_stats = stats_now()
            gap_from = time.monotonic() - t0
        time.sleep(max(0.0, t0 + a.duration - time.monotonic()))
        sampler.stop()
        stat_total = stat_cpu_seconds(vm.proc.pid) - stat0
        vm.send("shutdown")
        try:
            vm.proc.wait(20)
        except Exception:
            pass
    finally:
        vm.kill()
        if ns:
            ns.close()

    # Per-sample CPU % and phase.
    s = [(x.t - t0, (x.vcpu_ns + x.io_ns) / 1e9) for x in sampler.snapshot()]
    spans = [(b["t_start_s"], b["t_end_s"]) for b in bursts]
    for (t1, c1), (t2, c2) in zip(s, s[1:]):
        share = (c2 - c1) / (t2 - t1) * 100
        phase = "idle"
        for bs, be in spans:
            if t2 > bs and t1 < be:
                phase = "burst"
                break
            if be <= t1 < be + a.margin:
                phase = "settle"
                break
        rows.append({"mode": mode, "cpus": cpus, "t_s": round(t2, 3), "cpu_pct": round(share, 3),
                     "phase": phase})
    # Settle: first sample after a burst's end whose CPU % is under the quiet threshold.
    for b in bursts:
        after = [r for r in rows if r["t_s"] - SAMPLE_S >= b["t_end_s"] - 1e-9
                 and r["t_s"] <= b["t_end_s"] + a.every]
        q = next((r for r in after if r["cpu_pct"] < a.quiet_pct), None)
        b["settle_ms"] = (q["t_s"] - b["t_end_s"]) * 1000 if q else float("nan")
    # Idle CPU: samples in the idle phase, except those overlapping a stats command.
    if a.stats:
        for r in rows:
            if r["phase"] == "idle" and any(-0.05 <= r["t_s"] - t < SAMPLE_S + 0.35
                                            for t in stats_at):
                r["phase"] = "stats"
    idle = [r["cpu_pct"] for r in rows if r["phase"] == "idle"]
    total_cpu = s[-1][1] - s[0][1]
    summary = {
        "mode": mode, "cpus": cpus, "bursts": len(bursts), "requests": a.requests,
        "idle_cpu_mean_pct": statistics.fmean(idle) if idle else float("nan"),
        "idle_cpu_median_pct": statistics.median(idle) if idle else float("nan"),
        "idle_cpu_p90_pct": quantile(idle, 0.9),
        "run_cpu_mean_pct": total_cpu / (s[-1][0] - s[0][0]) * 100,
        "run_cpu_stat_pct": stat_total / (s[-1][0] - s[0][0]) * 100,
        "burst_s_median": statistics.median(b["burst_s"] for b in bursts),
        "settle_ms_median": statistics.median(b["settle_ms"] for b in bursts),
        "settle_ms_max": max(b["settle_ms"] for b in bursts),
    }
    firsts = [b["first_ms"] for b in bursts]
    summary.update({"first_ms_min": min(firsts), "first_ms_median": statistics.median(firsts),
                    "first_ms_p90": quantile(firsts, 0.9), "first_ms_max": max(firsts)})
    if a.stats:
        for i in range(cpus):
            w = [b[f"cpu{i}_wakeups_per_s"] for b in bursts]
            summary[f"cpu{i}_idle_wakeups_per_s"] = statistics.median(w)
    return rows, bursts, summary, vm.output


def write_csv(path, dicts):
    keys = []
    for d in dicts:
        keys += [k for k in d if k not in keys]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for d in dicts:
            w.writerow({k: (f"{v:.3f}" if isinstance(v, float) else v) for k, v in d.items()})


def plot(out, cpu_csv, bursts_csv, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(cpu_csv) as f:
        rows = list(csv.DictReader(f))
    with open(bursts_csv) as f:
        bursts = list(csv.DictReader(f))
    cpus_list = sorted({int(r["cpus"]) for r in rows})
    modes = [m for m in ("halt", "poll") if any(r["mode"] == m for r in rows)]
    modes += sorted({r["mode"] for r in rows} - set(modes))
    colors = {"halt": "tab:blue", "poll": "tab:red"}
    fig, axes = plt.subplots(len(cpus_list), 1, figsize=(11, 3.2 * len(cpus_list)), sharex=True,
                             squeeze=False)
    for ax, cpus in zip(axes[:, 0], cpus_list):
        for mode in modes:
            rs = [r for r in rows if r["mode"] == mode and int(r["cpus"]) == cpus]
            if not rs:
                continue
            ax.plot([float(r["t_s"]) for r in rs], [float(r["cpu_pct"]) for r in rs],
                    lw=0.8, color=colors.get(mode), label=f"idle={mode}")
        for b in bursts:
            if int(b["cpus"]) == cpus and b["mode"] == modes[0]:
                ax.axvspan(float(b["t_start_s"]), float(b["t_end_s"]), color="0.85", lw=0)
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(0, max(100 * cpus, 100) * 1.5)
        ax.axhline(2, color="0.4", ls=":", lw=0.8)
        ax.set_ylabel(f"CPUS={cpus}\nQEMU CPU % of a core")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1, 0].set_xlabel("time (s); grey: bursts (idle=halt run); dotted: 2 %")
    fig.suptitle("Toril under TCG: QEMU process CPU, sampled every 100 ms, bursts of requests")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modes", default="halt,poll")
    ap.add_argument("--cpus", default="1,2,4")
    ap.add_argument("--duration", type=float, default=120, help="seconds per configuration")
    ap.add_argument("--every", type=float, default=12, help="seconds between burst starts")
    ap.add_argument("--requests", type=int, default=200, help="requests per burst")
    ap.add_argument("--conns", type=int, default=4, help="keep-alive connections per burst")
    ap.add_argument("--margin", type=float, default=1.0,
                    help="seconds after a burst not counted as idle")
    ap.add_argument("--wakeup-after", type=float, default=3.0,
                    help="seconds after a burst before idle wake-ups are counted")
    ap.add_argument("--quiet-before", type=float, default=5.0,
                    help="seconds before each burst with no console command (true idleness)")
    ap.add_argument("--quiet-pct", type=float, default=2.0,
                    help="CPU %% of a core under which a 100 ms sample counts as quiet")
    ap.add_argument("--net", choices=("tap", "user"),
                    default="tap" if os.geteuid() == 0 else "user")
    ap.add_argument("--site", type=Path, default=ROOT / "content" / "site")
    ap.add_argument("--path", default="/")
    ap.add_argument("--args", default="", help="more kernel command-line keys")
    ap.add_argument("--no-stats", dest="stats", action="store_false",
                    help="do not read console stats between bursts")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    ap.add_argument("--plot-only", action="store_true", help="redraw the PNG from the CSVs")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    cpu_csv, bursts_csv = a.out / "idle_cpu.csv", a.out / "idle_bursts.csv"
    summary_csv, png = a.out / "idle_summary.csv", a.out / "idle_cpu.png"
    if a.plot_only:
        plot(a.out, cpu_csv, bursts_csv, png)
        print(f"wrote {png}")
        return
    if a.every < max(a.margin, a.wakeup_after) + a.quiet_before + 1:
        ap.error("--every must leave an idle gap: >= max(margin, wakeup-after) + quiet-before + 1")

    all_rows, all_bursts, summaries = [], [], []
    print(f"idle bench: {a.net} networking, bursts of {a.requests} requests ({a.conns} keep-alive "
          f"connections) every {a.every:g} s for {a.duration:g} s, CPU sampled every "
          f"{SAMPLE_S * 1000:.0f} ms", flush=True)
    for cpus in [int(c) for c in a.cpus.split(",")]:
        for mode in a.modes.split(","):
            rows, bursts, sm, console = run_config(a, mode, cpus)
            (a.out / f"idle_console_{mode}_{cpus}.txt").write_text(console)
            for b in bursts:
                b.update(mode=mode, cpus=cpus)
            all_rows += rows
            all_bursts += [{"mode": mode, "cpus": cpus, **{k: v for k, v in b.items()
                                                           if k not in ("mode", "cpus")}}
                           for b in bursts]
            summaries.append(sm)
            wk = " ".join(f"{sm[f'cpu{i}_idle_wakeups_per_s']:.2f}" for i in range(cpus)
                          if f"cpu{i}_idle_wakeups_per_s" in sm)
            print(f"idle={mode} CPUS={cpus}: idle CPU {sm['idle_cpu_mean_pct']:.3f} % of a core "
                  f"(median {sm['idle_cpu_median_pct']:.3f}, p90 {sm['idle_cpu_p90_pct']:.3f}); "
                  f"whole run {sm['run_cpu_mean_pct']:.2f} % (/proc stat "
                  f"{sm['run_cpu_stat_pct']:.2f} %); burst {sm['burst_s_median'] * 1000:.0f} ms; "
                  f"quiet (<{a.quiet_pct:g} %) {sm['settle_ms_median']:.0f} ms after a burst "
                  f"(max {sm['settle_ms_max']:.0f}); idle wake-ups/s per core: {wk or '-'}; "
                  f"first request after >= {a.quiet_before:g} s idle: min "
                  f"{sm['first_ms_min']:.1f} median {sm['first_ms_median']:.1f} p90 "
                  f"{sm['first_ms_p90']:.1f} max {sm['first_ms_max']:.1f} ms", flush=True)
            write_csv(cpu_csv, all_rows)
            write_csv(bursts_csv, all_bursts)
            write_csv(summary_csv, summaries)
            plot(a.out, cpu_csv, bursts_csv, png)
    firsts = {}
    for b in all_bursts:
        firsts.setdefault(b["mode"], []).append(b["first_ms"])
    for mode, xs in firsts.items():
        print(f"first-request latency after idleness, idle={mode}, all CPUS ({len(xs)} bursts): "
              f"min {min(xs):.1f} median {statistics.median(xs):.1f} p90 {quantile(xs, 0.9):.1f} "
              f"max {max(xs):.1f} ms")
    print(f"wrote {cpu_csv}, {bursts_csv}, {summary_csv}, {png}")


if __name__ == "__main__":
    main()

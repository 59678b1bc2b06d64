"""toril-bench: wrk scenarios against Toril (or any URL) with the host CPU cost of the VM and the
guest's own counters, reported as a markdown table, PNG plots and an HTML page.

Per target: a warm-up, then one wrk run per (path, connections), each with the QEMU process's
CPU time (vCPU threads and QEMU's I/O threads apart) taken before and after and sampled every
half second for the plot; then a quiet spell (--settle) and an idle window (--idle) whose host
CPU and guest wake-ups are measured.  With --compare linux the same runs follow against nginx in
a Linux guest booted in the same QEMU configuration, and the report adds Toril/Linux ratios.
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import sys
import time
from pathlib import Path

from harness import hostcpu, stats
from harness.netns import GUEST_IP
from harness.vm import KERNEL, ROOT
from loadtest import guests, https_bench, linux_guest, report, wrk

DEFAULT_SIZES = "1k,64k"
BOOT_TIMEOUT_S = 90
SETTLE_DEFAULT_S = 3.0   # past TIME_WAIT (2 * TCP_MSL = 2 s in Toril) before the idle window
CONSOLE_PAUSE_S = 1.0    # a console command's own work settles before a CPU window opens (a Linux
                         # shell takes most of a second)
SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}
MAX_SIZE = 64 * 1024 * 1024


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_size(text):
    m = re.fullmatch(r"(\d+)([kKmM]?)", text.strip())
    if not m:
        raise ValueError(f"size {text!r}: expected a number with an optional k or m (1k, 64k)")
    n = int(m.group(1)) * SIZE_UNITS[m.group(2).lower()]
    if not 1 <= n <= MAX_SIZE:
        raise ValueError(f"size {text!r}: between 1 byte and {MAX_SIZE >> 20} MiB")
    return text.strip().lower(), n


def make_site(root, sizes):
    """<label>.html of exactly each size (1k.html: 1024 bytes) and an index.html."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    line = b"<p>Toril benchmark payload: the quick brown fox jumps over the lazy dog.</p>\n"
    for label, size in sizes:
        body = (line * (size // len(line) + 1))[:size - 1] + b"\n"
        (root / f"{label}.html").write_bytes(body)
    (root / "index.html").write_bytes(b"<!doctype html><title>toril-bench</title>\n")


def check_get(host, port, path, size, ns=None):
    """One GET before the load: status 200 and, when size is known, the whole body."""
    def get():
        c = http.client.HTTPConnection(host, port, timeout=10)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, len(r.read())
        finally:
            c.close()
    if ns:
        with ns.entered():
            status, n = get()
    else:
        status, n = get()
    if status != 200 or (size is not None and n != size):
        raise RuntimeError(f"GET {path}: status {status}, {n} bytes"
                           f" (expected 200{'' if size is None else f', {size}'})")


# --- targets -----------------------------------------------------------------------------------

class Target(guests.Guest):
    """What the load goes to.  start() -> base URL; pid: the QEMU process (or None);
    guest(): guest counters now ({"wakeups": int, "reqs": [per core]}) or None."""
    pid = None
    cpus = machine = None

    def start(self):
        raise NotImplementedError

    def guest(self):
        return None

    def idle_wakeups(self, before, after):
        return None

    def console(self):
        return self.vm.output if self.vm else ""


class UrlTarget(Target):
    """A server someone else started: only the URL, and maybe the QEMU process's pid."""

    def __init__(self, url, pid):
        self.url, self.pid, self.name = url.rstrip("/"), pid, "server"

    def start(self):
        return self.url


class TorilBoot(Target):
    """Toril booted here with scripts/run-qemu over a tap in a namespace of its own."""

    def __init__(self, a, site, sizes):
        self.a, self.site, self.sizes = a, site, sizes
        self.name, self.cpus, self.machine = "Toril", a.cpus, a.machine

    def start(self):
        self.ns, self.vm = guests.boot_toril(self.a, self.site)
        self.pid = self.vm.proc.pid
        self.vm.expect(rf"toril: {self.cpus} cpus online", timeout=BOOT_TIMEOUT_S)
        self.vm.expect(r"httpd: serving on port 80", timeout=BOOT_TIMEOUT_S)
        for label, size in self.sizes:
            check_get(GUEST_IP, 80, f"/{label}.html", size, self.ns)
        return f"http://{GUEST_IP}"

    def guest(self):
        cores = stats.read(self.vm, self.cpus)
        return {"wakeups": sum(stats.wakeups(c) for c in cores),
                "reqs": [c.get("reqs", 0) for c in cores]}

    def idle_wakeups(self, before, after):
        return after["wakeups"] - before["wakeups"] - stats.STATS_OWN_WAKEUPS


class LinuxBoot(Target):
    """nginx in a Linux guest (loadtest/linux_guest.py), same QEMU settings and tap."""

    def __init__(self, a, site, sizes, out):
        self.a, self.site, self.sizes, self.out = a, site, sizes, out
        self.name, self.cpus, self.machine = "Linux+nginx", a.cpus, a.machine

    def start(self):
        self.ns, self.vm = guests.boot_linux(self.a, self.site, self.out / "linux-initrd.img", log)
        self.pid = self.vm.proc.pid
        self.vm.expect(linux_guest.READY, timeout=BOOT_TIMEOUT_S)
        for label, size in self.sizes:
            check_get(GUEST_IP, 80, f"/{label}.html", size, self.ns)
        return f"http://{GUEST_IP}"

    def _intr(self):
        self.vm.send("bench-intr")
        # to the end of the line: the console may deliver the number in pieces
        return int(self.vm.expect(r"(?m)^bench-intr (\d+)\r?\n", timeout=20).group(1))

    def guest(self):
        # Two reads back to back tell what one read costs in interrupts (console in and out).
        r0 = self._intr()
        r1 = self._intr()
        return {"first": r0, "wakeups": r1, "cost": r1 - r0, "reqs": None}

    def idle_wakeups(self, before, after):
        # From the end of `before` to the first read of `after`, less that read's own cost.
        return after["first"] - before["wakeups"] - before["cost"]


# --- measuring ---------------------------------------------------------------------------------

class Progress:
    """One status line on a terminal (rewritten in place), a line every 10 s otherwise."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.last = -10

    def show(self, text, elapsed):
        if self.tty:
            sys.stderr.write("\r" + text.ljust(78)[:120])
            sys.stderr.flush()
        elif elapsed - self.last >= 10:
            self.last = elapsed
            log(text)

    def done(self, text):
        if self.tty:
            sys.stderr.write("\r" + " " * 80 + "\r")
        log(text)


def measure(t, a, paths, out, script):
    """All runs and the idle window of one target -> its result dict (see report.py)."""
    res = {"name": t.name, "cpus": t.cpus, "machine": t.machine, "runs": [], "idle": None,
           "samples": [], "phases": [], "problems": []}
    t0 = time.monotonic()
    base = t.start()
    res["boot_s"] = time.monotonic() - t0
    log(f"{t.name}: serving at {base}" + (f" (up in {res['boot_s']:.1f} s)" if t.vm else "") +
        (f"; QEMU pid {t.pid}" if t.pid else "; no QEMU process: host CPU not measured"))
    counter = hostcpu.Counter(t.pid) if t.pid else None
    sampler = hostcpu.Sampler(counter) if counter else None
    start = time.monotonic()
    if sampler:
        sampler.start()
    netns = t.ns.name if t.ns else None
    progress = Progress()
    try:
        if a.warmup > 0:
            wrk.run(wrk.command(base + paths[0], a.conns[0], a.threads, a.warmup, a.timeout,
                                None, netns), a.warmup, a.timeout)
        for path in paths:
            for conns in a.conns:
                res["runs"].append(one_run(t, a, base, path, conns, netns, counter, sampler,
                                           start, out, script, progress))
        if a.idle > 0:
            res["idle"] = idle_window(t, a, counter, start)
    finally:
        if sampler:
            sampler.stop()
            s = sampler.snapshot()
            res["samples"] = [(b.t - start, *hostcpu.window(x, b)[:2]) for x, b in zip(s, s[1:])]
        if t.vm:
            (out / f"console-{slug(t.name)}.txt").write_text(t.console())
            if t.vm.proc.poll() is not None:
                res["problems"].append(f"QEMU exited with {t.vm.proc.returncode}")
    return res


def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def one_run(t, a, base, path, conns, netns, counter, sampler, start, out, script, progress):
    label = f"{path} c={conns}"
    g0 = t.guest() if t.vm else None
    if g0 is not None:
        time.sleep(CONSOLE_PAUSE_S)
    s0 = counter.sample() if counter else None
    m0, w0 = time.monotonic(), time.time()
    cmd = wrk.command(base + path, conns, a.threads, a.duration, a.timeout, script, netns)

    def tick(elapsed):
        cpu = ""
        last = sampler.latest() if sampler else None
        if last:
            v, i, _ = hostcpu.window(*last)
            cpu = f"  host CPU {v + i:5.0f} % (vCPU {v:.0f}, I/O {i:.0f})"
        progress.show(f"  {t.name} {label}: {elapsed:4.0f}/{a.duration} s{cpu}", elapsed)

    raw = wrk.run(cmd, a.duration, a.timeout, tick)
    s1 = counter.sample() if counter else None
    m1, w1 = time.monotonic(), time.time()
    (out / f"wrk-{slug(t.name)}-{slug(path)}-c{conns}.txt").write_text(raw)
    r = wrk.parse(raw)
    run = {"path": path, "conns": conns, "t_start": m0 - start, "t_end": m1 - start,
           "wrk": r, "cpu": None, "guest_reqs": None,
           "timeline": report.timeline(r["timeline"], w0, w1, m0 - start)}
    if s0 and s1:
        vcpu, io = s1.vcpu_ns - s0.vcpu_ns, s1.io_ns - s0.io_ns
        run["cpu"] = {"wall_s": s1.t - s0.t, "vcpu_s": vcpu / 1e9, "io_s": io / 1e9,
                      "pct": hostcpu.cpu_pct(vcpu + io, s1.t - s0.t),
                      "s_per_1k": report.per_1k(vcpu + io, r["requests"]),
                      "vcpu_s_per_1k": report.per_1k(vcpu, r["requests"]),
                      "io_s_per_1k": report.per_1k(io, r["requests"])}
    g1 = t.guest() if g0 is not None else None
    if g0 and g1 and g0.get("reqs") is not None:
        run["guest_reqs"] = [b - a_ for a_, b in zip(g0["reqs"], g1["reqs"])]
    errs = r["errors_total"]
    progress.done(f"  {t.name} {label}: {r['rps']:.0f} req/s, p99 "
                  f"{report.fmt_ms(r['percentiles_ms'].get(99.0))} ms, {r['requests']} requests"
                  + (f", {errs} errors {r['errors']}" if errs else "")
                  + (f", host CPU {run['cpu']['s_per_1k']:.3f} s per 1k requests"
                     if run["cpu"] and run["cpu"]["s_per_1k"] is not None else ""))
    return run


def idle_window(t, a, counter, start):
    """Host CPU and guest wake-ups over a.idle seconds of nothing, after a.settle seconds."""
    log(f"  {t.name}: idle: {a.settle:g} s to settle, then {a.idle:g} s measured")
    time.sleep(a.settle)
    g0 = t.guest() if t.vm else None
    if g0 is not None:
        time.sleep(CONSOLE_PAUSE_S)
    s0 = counter.sample() if counter else None
    m0 = time.monotonic()
    time.sleep(a.idle)
    s1 = counter.sample() if counter else None
    m1 = time.monotonic()
    g1 = t.guest() if g0 is not None else None
    idle = {"t_start": m0 - start, "t_end": m1 - start, "seconds": m1 - m0}
    if s0 and s1:
        v, i, dt = hostcpu.window(s0, s1)
        idle.update(vcpu_pct=v, io_pct=i, pct=v + i)
    if g0 is not None and g1 is not None:
        w = t.idle_wakeups(g0, g1)
        idle["wakeups_per_s"] = max(w, 0) / (m1 - m0) if w is not None else None
    log(f"  {t.name}: idle host CPU "
        + (f"{idle['pct']:.3f} % of a core (vCPU {idle['vcpu_pct']:.3f}, I/O "
           f"{idle['io_pct']:.3f})" if "pct" in idle else "not measured")
        + (f", guest wake-ups {idle['wakeups_per_s']:.1f}/s"
           if idle.get("wakeups_per_s") is not None else ""))
    return idle


# --- command line ------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="toril-bench",
        description="Load-test Toril (or any HTTP server) with wrk and measure the VM's host "
                    "CPU while loaded and idle.",
        epilog="Examples:  toril-bench --boot --cpus 1   |   toril-bench "
               "http://127.0.0.1:8080 --paths /   |   toril-bench --boot --compare linux")
    ap.add_argument("url", nargs="?", help="base URL of a running server (e.g. "
                    "http://127.0.0.1:8080); leave out with --boot")
    ap.add_argument("--boot", action="store_true",
                    help="boot Toril here (root: a tap in a private network namespace), with a "
                         "generated site holding files of --sizes; the guest's stats are read")
    ap.add_argument("--compare", choices=("linux",),
                    help="also run everything against nginx in a Linux guest (implies --boot)")
    ap.add_argument("--sizes", default=DEFAULT_SIZES,
                    help=f"with --boot: file sizes to serve and fetch (default {DEFAULT_SIZES})")
    ap.add_argument("--paths", help="paths to fetch (default: / for a URL, /<size>.html with "
                                    "--boot)")
    ap.add_argument("--conns", help="wrk connection counts (default 32,256; with --https 16)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--timeout", type=int, default=10, help="wrk --timeout, seconds (default 10)")
    ap.add_argument("--warmup", type=int, default=1, help="seconds of warm-up (default 1; 0: none)")
    ap.add_argument("--idle", type=float, default=10,
                    help="seconds of the idle window after the load (default 10; 0: none)")
    ap.add_argument("--settle", type=float, default=SETTLE_DEFAULT_S,
                    help=f"seconds between the load and the idle window (default "
                         f"{SETTLE_DEFAULT_S:g})")
    ap.add_argument("--pid", type=int, help="QEMU process to measure (default: the one QEMU "
                                            "running a Toril kernel, e.g. from make run)")
    ap.add_argument("--cpus", type=int, default=1, help="with --boot: vCPUs and queue pairs "
                                                        "(default 1)")
    ap.add_argument("--machine", help="with --boot: microvm or q35 (default microvm; q35 with "
                                      "--compare, the machine the Linux guest needs)")
    ap.add_argument("--mem", default="256M", help="with --boot: guest memory (default 256M)")
    ap.add_argument("--accel", default="tcg", choices=("tcg", "kvm"),
                    help="with --boot: accelerator (default tcg)")
    ap.add_argument("--args", default="", help="with --boot: more Toril command-line keys")
    ap.add_argument("--kernel", type=Path, default=KERNEL, help=f"with --boot: the Toril kernel "
                                                                f"(default {KERNEL})")
    ap.add_argument("--linux-cache", type=Path, default=ROOT / "build" / "linux-guest",
                    help="where the Linux guest is built and kept (default build/linux-guest)")
    ap.add_argument("--no-timeline", action="store_true",
                    help="no per-second req/s (wrk then runs without its Lua counting script)")
    ap.add_argument("--no-plots", action="store_true", help="table only (no matplotlib needed)")
    ap.add_argument("--out", type=Path, help="output folder (default build/loadtest/<time>/)")
    ap.add_argument("--https", action="store_true",
                    help="HTTPS instead (implies --boot): keep-alive req/s per --sizes, full and "
                         "resumed handshakes/s, TLS 1.2 with each of --suites pinned, --repeat "
                         "fresh boots, medians; with --compare linux, nginx + OpenSSL in the "
                         "Linux guest too and Toril/Linux against the targets "
                         "(loadtest/https_bench.py)")
    ap.add_argument("--suites", default=https_bench.DEFAULT_SUITES,
                    help=f"with --https: ECDSA suites to pin, of {', '.join(https_bench.SUITES)} "
                         f"(default {https_bench.DEFAULT_SUITES})")
    ap.add_argument("--repeat", type=int, default=2,
                    help="with --https: repetitions, each a fresh boot of each server (default 2)")
    ap.add_argument("--handshake-procs", type=int, default=https_bench.DEFAULT_HANDSHAKE_PROCS,
                    help=f"with --https: openssl s_time processes at once, -new then -reuse "
                         f"(default {https_bench.DEFAULT_HANDSHAKE_PROCS})")
    ap.add_argument("--make-site", type=Path, metavar="DIR",
                    help="only write the --sizes files into DIR (to serve with make run SITE=DIR)"
                         " and exit")
    a = ap.parse_args(argv)
    a.argv = list(argv)
    if a.conns is None:
        a.conns = str(https_bench.DEFAULT_CONNS) if a.https else "32,256"
    try:
        a.sizes = [parse_size(s) for s in a.sizes.split(",") if s.strip()]
        a.conns = [int(c) for c in a.conns.split(",") if c.strip()]
        a.suites = https_bench.parse_suites(a.suites)
    except ValueError as e:
        ap.error(str(e))
    if a.repeat < 1 or a.handshake_procs < 1:
        ap.error("--repeat and --handshake-procs must be >= 1")
    if not a.sizes or not a.conns or min(a.conns) < 1:
        ap.error("--sizes and --conns need at least one value each, connections >= 1")
    if a.duration < 1 or a.threads < 1 or a.timeout < 1 or a.idle < 0 or a.settle < 0:
        ap.error("--duration, --threads, --timeout must be >= 1; --idle, --settle >= 0")
    if a.make_site:
        return a
    if a.compare or a.https:
        a.boot = True
    if a.boot and a.url:
        ap.error("give a URL or --boot, not both")
    if not a.boot and not a.url:
        ap.error("give a URL (a running server) or --boot")
    if a.url and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", a.url):
        ap.error(f"URL {a.url!r}: expected http://host[:port][/prefix]")
    a.machine = a.machine or ("q35" if a.compare else "microvm")
    if a.machine not in ("microvm", "q35"):
        ap.error("--machine: microvm or q35")
    if a.compare and a.machine != "q35":
        ap.error("--compare linux needs --machine q35 (the Linux guest does not boot on microvm)")
    if a.boot:
        if os.geteuid() != 0:
            ap.error("--boot needs root (it creates a network namespace and a tap)")
        if not a.kernel.exists():
            ap.error(f"no kernel at {a.kernel} (run make first)")
    paths = a.paths.split(",") if a.paths else (
        [f"/{label}.html" for label, _ in a.sizes] if a.boot else ["/"])
    for p in paths:
        if not p.startswith("/") or any(ch.isspace() for ch in p):
            ap.error(f"--paths: {p!r} must start with / and hold no spaces")
    a.path_list = paths
    for tool in ["wrk"] + (["ip", "qemu-system-x86_64"] if a.boot else []) + \
            (["openssl"] if a.https else []):
        if not shutil.which(tool):
            ap.error(f"{tool} not found (scripts/deps installs it)")
    return a


def find_pid(a):
    if a.pid:
        if not Path(f"/proc/{a.pid}").exists():
            raise SystemExit(f"toril-bench: no process {a.pid}")
        return a.pid
    found = hostcpu.find_qemu()
    if len(found) == 1:
        return found[0][0]
    if len(found) > 1:
        raise SystemExit("toril-bench: several QEMUs run a Toril kernel; pick one with --pid:\n"
                         + "\n".join(f"  {pid}  {cmd[:150]}" for pid, cmd in found))
    return None


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if a.make_site:
        make_site(a.make_site, a.sizes)
        print(f"wrote {', '.join(f'{l}.html' for l, _ in a.sizes)} and index.html in "
              f"{a.make_site}; serve it with: make run SITE={a.make_site}")
        return 0
    if a.https:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        return https_bench.run(a)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = (a.out or ROOT / "build" / "loadtest" / stamp).resolve()
    out.mkdir(parents=True, exist_ok=True)
    script = None
    if not a.no_timeline:
        script = out / "timeline.lua"
        script.write_text(wrk.LUA)
    # SIGTERM (and SIGINT even when inherited as ignored) end the run like Ctrl-C: the finally
    # blocks remove every VM and namespace, and the results so far are reported.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    targets = []
    if a.boot:
        site = out / "site"
        make_site(site, a.sizes)
        targets.append(TorilBoot(a, site, a.sizes))
        if a.compare == "linux":
            targets.append(LinuxBoot(a, site, a.sizes, out))
    else:
        targets.append(UrlTarget(a.url, find_pid(a)))
    results, problems = [], []
    t0 = time.monotonic()
    try:
        for t in targets:
            try:
                res = measure(t, a, a.path_list, out, script)
                results.append(res)
                problems += [f"{t.name}: {p}" for p in res["problems"]]
            except (wrk.WrkError, RuntimeError, AssertionError, ValueError,
                    linux_guest.GuestError, hostcpu.ProcessGone) as e:
                problems.append(f"{t.name}: {type(e).__name__}: {e}"[:3000])
                log(f"{t.name}: FAILED: {e}"[:3000])
                if t.vm:
                    (out / f"console-{slug(t.name)}.txt").write_text(t.console())
            finally:
                t.stop()
    except KeyboardInterrupt:
        log("interrupted: cleaning up; the results so far follow")
        problems.append("interrupted before the end: partial results")
    for res in results:
        for run in res["runs"]:
            if run["wrk"]["errors_total"] or not run["wrk"]["requests"]:
                problems.append(f"{res['name']} {run['path']} c={run['conns']}: "
                                f"{run['wrk']['requests']} requests, errors {run['wrk']['errors']}")
    meta = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "host": f"{platform.node()}, {os.cpu_count()} CPUs, "
                    f"{platform.processor() or platform.machine()}, Linux {platform.release()}",
            "command": "loadtest/toril-bench " + " ".join(sys.argv[1:] if argv is None else argv),
            "wrk": f"wrk -t {a.threads} -d {a.duration}s --timeout {a.timeout}s --latency",
            "setup": (f"{a.machine}, {a.cpus} vCPU(s), ACCEL={a.accel}, tap with {a.cpus} queue "
                      f"pair(s) in a private namespace" if a.boot else a.url),
            "elapsed_s": time.monotonic() - t0, "problems": problems}
    (out / "results.json").write_text(json.dumps({"meta": meta, "targets": results}, indent=1))
    md = report.markdown(results, meta)
    (out / "report.md").write_text(md)
    pngs = [] if a.no_plots else report.plots(results, out)
    (out / "index.html").write_text(report.html(results, meta, pngs))
    print(md)
    log(f"wrote {out}/report.md, index.html" + "".join(f", {p}" for p in pngs))
    return 1 if problems else 0

#!/usr/bin/python3
"""HTTP benchmark: wrk against Toril and, as the reference line of the same run, nginx.

Targets (each repeated R times, the repetitions interleaved so drift spreads over all of them):
  toril/tap   Toril with CPUS=N over a (multiqueue, N pairs) tap in a private network namespace;
              wrk runs inside the namespace against 10.77.0.2:80.
  toril/user  Toril with CPUS=N over QEMU user networking (one queue pair); wrk on the host
              against 127.0.0.1:<forwarded port>.
  nginx       nginx on the host loopback with worker_processes N (loadtest/nginx.conf.in),
              serving the same folder.
Every target serves a generated folder holding a 1 KB and a 64 KB file (plus a small index.html);
every configuration runs `wrk -t T -c C -d D --latency` for C in 32 and 256 against both files.
Each Toril repetition is a fresh boot (each nginx repetition a fresh start), then a short
warm-up run, then the measured runs.

Prints (stdout) a markdown table of medians of requests/s and p99 latency, with Toril/nginx
ratios against nginx with the same number of workers, and then every wrk run that reported
socket errors (connect/read/write/timeout) or non-2xx/3xx responses, and any VM trouble (QEMU
gone, panic, a run without a single request) with the console tail.  Progress goes to stderr.
Exit status 1 when anything of that sort happened.

Traffic goes only to 127.0.0.1 and into the namespaces this script creates.  Every QEMU, nginx
and namespace is removed on the way out, on an exception, Ctrl-C or SIGTERM too.  Needs root.

    loadtest/http_bench.py [--quick] [--repeat 3] [--duration 5] [--cpus 1,2] [--conns 32,256]
                           [--files 1k,64k] [--nets tap,user] [--no-nginx] [--threads 2]
                           [--timeout 10] [--warmup 1] [--verbose]
Defaults take about 7-8 minutes on a 2-core machine (6 targets x 3 repetitions x 4 runs of 5 s);
--quick is one repetition of 3 s runs (about 1.5 minutes).
"""
import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root: the harness package
from harness.netns import GUEST_IP, NetNs  # noqa: E402
from harness.stats import read as read_stats  # noqa: E402
from harness.vm import KERNEL, Vm, free_port  # noqa: E402
from loadtest import wrk as wrkout  # noqa: E402

FILES = {"1k": 1024, "64k": 65536}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The site

def make_site(root):
    """The served folder: <name>.html of exactly the sizes in FILES, and an index.html."""
    os.chmod(root, 0o755)
    line = b"<p>Toril benchmark payload: the quick brown fox jumps over the lazy dog.</p>\n"
    for name, size in FILES.items():
        body = (line * (size // len(line) + 1))[:size - 1] + b"\n"
        (Path(root) / f"{name}.html").write_bytes(body)
    (Path(root) / "index.html").write_bytes(b"<!doctype html><title>bench</title>\n")


def check_get(host, port, path, size, netns=None):
    """One GET before the load: status 200 and the whole body (also resolves ARP on the tap)."""
    def get():
        c = http.client.HTTPConnection(host, port, timeout=10)
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            return r.status, len(body)
        finally:
            c.close()
    if netns:
        with netns.entered():
            status, n = get()
    else:
        status, n = get()
    if status != 200 or n != size:
        raise RuntimeError(f"GET {path}: status {status}, {n} bytes (expected 200, {size})")


# ---------------------------------------------------------------------------------------------
# wrk

def parse_wrk(out):
    """req/s, p99 (ms), request count, and the error counters wrk printed."""
    r = wrkout.parse(out)
    return {"rps": r["rps"], "p99": r["percentiles_ms"].get(99.0), "requests": r["requests"],
            **r["errors"]}


def wrk(url, conns, args, duration, netns=None):
    cmd = ["wrk", "-t", str(args.threads), "-c", str(conns), "-d", f"{duration}s",
           "--timeout", f"{args.timeout}s", "--latency", url]
    if netns:
        cmd = ["ip", "netns", "exec", netns.name] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + args.timeout + 30)
    if p.returncode != 0:
        raise RuntimeError(f"wrk exited with {p.returncode}: {p.stderr.strip()}\n{p.stdout}")
    return p.stdout


# ---------------------------------------------------------------------------------------------
# Targets: each start() returns (base URL, netns or None, stop(), health() -> problem or None)

class Cleanup:
    """Undo actions, run last-in first-out exactly once (finally, atexit-style)."""

    def __init__(self):
        self.actions = []

    def push(self, fn):
        self.actions.append(fn)
        return fn

    def run(self, fn):
        if fn in self.actions:
            self.actions.remove(fn)
            fn()

    def all(self):
        while self.actions:
            fn = self.actions.pop()
            try:
                fn()
            except Exception as e:  # keep cleaning
                log(f"cleanup: {e}")


CLEANUP = Cleanup()


class TorilTarget:
    def __init__(self, net, cpus, site):
        self.net, self.cpus, self.site = net, cpus, site
        self.name = "Toril"
        self.vm = self.ns = None

    def start(self):
        env = {"SITE": self.site, "DISK": "vfat"}
        if self.net == "tap":
            self.ns = NetNs(queues=self.cpus)
            CLEANUP.push(self.ns.close)
            self.vm = Vm(cpus=self.cpus, netns=self.ns, args=f"ip={GUEST_IP}/24", env=env)
            CLEANUP.push(self.vm.kill)
            host, port = GUEST_IP, 80
        else:
            self.vm = Vm(cpus=self.cpus, env=env)
            CLEANUP.push(self.vm.kill)
            host, port = "127.0.0.1", self.vm.http_port
        self.vm.expect(rf"toril: {self.cpus} cpus online", timeout=60)
        self.vm.expect(r"httpd: serving on port 80", timeout=30)
        for name, size in FILES.items():
            check_get(host, port, f"/{name}.html", size, self.ns)
        return f"http://{host}:{port}", self.ns

    def health(self):
        """A problem with the VM, or None: QEMU gone, a panic or error lines on the console."""
        if self.vm.proc.poll() is not None:
            return f"QEMU exited with {self.vm.proc.returncode}"
        bad = [ln for ln in self.vm.output.splitlines()
               if re.search(r"panic|assert|fault|exception|error|fail", ln, re.I)]
        return "console: " + " | ".join(bad[-5:]) if bad else None

    def stats(self):
        """Per core {"reqs", "drops"} from the console's `stats`, or None."""
        try:
            return [{k: c.get(k, 0) for k in ("reqs", "drops")}
                    for c in read_stats(self.vm, self.cpus, timeout=10)]
        except Exception:
            return None

    def console(self):
        return self.vm.output if self.vm else ""

    def stop(self):
        if self.vm:
            CLEANUP.run(self.vm.kill)
        if self.ns:
            CLEANUP.run(self.ns.close)
        self.vm = self.ns = None


def nginx_temp_paths(prefix):
    """*_temp_path lines for the modules this nginx has, so it writes nothing outside prefix."""
    v = subprocess.run(["nginx", "-V"], capture_output=True, text=True).stderr
    lines = []
    for mod in ("client-body", "proxy", "fastcgi", "uwsgi", "scgi"):
        if f"--http-{mod}-temp-path" in v:
            d = Path(prefix) / f"{mod}_temp"
            d.mkdir(exist_ok=True)
            lines.append(f"    {mod.replace('-', '_')}_temp_path {d};")
    return "\n".join(lines)


class NginxTarget:
    def __init__(self, workers, site):
        self.cpus, self.site = workers, site
        self.name, self.net = "nginx", "host lo"
        self.proc = None

    def start(self):
        self.prefix = tempfile.mkdtemp(prefix="toril-bench-nginx-")
        CLEANUP.push(lambda p=self.prefix: shutil.rmtree(p, ignore_errors=True))
        self.port = free_port()
        conf = (HERE / "nginx.conf.in").read_text()
        for k, v in {"WORKERS": self.cpus, "PREFIX": self.prefix, "PORT": self.port,
                     "ROOT": self.site, "TEMP_PATHS": nginx_temp_paths(self.prefix)}.items():
            conf = conf.replace(f"@{k}@", str(v))
        cf = Path(self.prefix) / "nginx.conf"
        cf.write_text(conf)
        self.proc = subprocess.Popen(["nginx", "-p", self.prefix, "-c", str(cf),
                                      "-e", f"{self.prefix}/error.log"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        CLEANUP.push(self._kill)
        deadline = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode()}"
                                   f"{self.console()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx does not listen after 10 s")
                time.sleep(0.05)
        for name, size in FILES.items():
            check_get("127.0.0.1", self.port, f"/{name}.html", size)
        return f"http://127.0.0.1:{self.port}", None

    def health(self):
        if self.proc.poll() is not None:
            return f"nginx exited with {self.proc.returncode}"
        return None

    def stats(self):
        return None

    def console(self):
        try:
            return (Path(self.prefix) / "error.log").read_text()
        except OSError:
            return ""

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass

    def stop(self):
        CLEANUP.run(self._kill)


# ---------------------------------------------------------------------------------------------

def run_target(t, args, results, problems):
    """One repetition of one target: start, warm up, every (file, conns) run, stop."""
    key0 = (t.name, t.net, t.cpus)
    try:
        t0 = time.monotonic()
        base, ns = t.start()
        log(f"  {t.name} {t.net} cpus={t.cpus}: up in {time.monotonic() - t0:.1f} s")
        if args.warmup > 0:
            wrk(f"{base}/{args.files[0]}.html", args.conns[0], args, args.warmup, ns)
        for f in args.files:
            for c in args.conns:
                out = wrk(f"{base}/{f}.html", c, args, args.duration, ns)
                r = parse_wrk(out)
                results.setdefault(key0 + (f, c), []).append(r)
                errs = {k: r[k] for k in ("connect", "read", "write", "timeout", "non2xx") if r[k]}
                log(f"    {f} c={c}: {r['rps'] or 0:.0f} req/s, p99 {fmt_ms(r['p99'])} ms"
                    f"{', ERRORS ' + str(errs) if errs else ''}")
                if args.verbose:
                    log(out)
                if errs or not r["requests"] or r["rps"] is None:
                    problems.append(f"{t.name} {t.net} cpus={t.cpus} {f} -c {c}: "
                                    f"{errs or 'no requests completed'}")
                h = t.health()
                if h:
                    problems.append(f"{t.name} {t.net} cpus={t.cpus} after {f} -c {c}: {h}")
                    raise RuntimeError(h)
        st = t.stats()
        if st:
            reqs, drops = [c["reqs"] for c in st], sum(c["drops"] for c in st)
            log(f"    requests per core: {reqs}; frames dropped (stats drops=): {drops}")
            results.setdefault(key0 + ("cores",), []).append((reqs, drops))
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:
        problems.append(f"{t.name} {t.net} cpus={t.cpus}: {type(e).__name__}: {e}\n"
                        f"--- console/error log tail ---\n{t.console()[-3000:]}")
        log(f"  FAILED: {e}")
    finally:
        t.stop()


def fmt_ms(v):
    return "-" if v is None else (f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}")


def median_of(runs, k):
    vals = [r[k] for r in runs if r[k] is not None]
    return statistics.median(vals) if vals else None


def report(args, targets, results, problems, elapsed):
    print(f"## HTTP benchmark: wrk -t {args.threads} -d {args.duration}s --latency, "
          f"median of {args.repeat} run(s)\n")
    print(f"Host: {os.cpu_count()} CPUs; Toril under QEMU TCG (microvm, virtio-net-pci); "
          f"{'no nginx' if args.no_nginx else f'nginx {nginx_version()} on the host loopback'}. "
          f"Total time {elapsed / 60:.1f} min.\n")
    print("| server | network | CPUs | file | conns | req/s | p99 ms | req/s vs nginx | "
          "p99 vs nginx | errors | runs (req/s) |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---|---|")
    for t in targets:
        for f in args.files:
            for c in args.conns:
                runs = results.get((t.name, t.net, t.cpus, f, c), [])
                rps, p99 = median_of(runs, "rps"), median_of(runs, "p99")
                ref = results.get(("nginx", "host lo", t.cpus, f, c), [])
                nrps, np99 = median_of(ref, "rps"), median_of(ref, "p99")
                ratio = p_ratio = "-"
                if t.name != "nginx" and rps and nrps:
                    ratio = f"{rps / nrps:.2f}x"
                if t.name != "nginx" and p99 and np99:
                    p_ratio = f"{p99 / np99:.2f}x"
                errs = sum(r[k] for r in runs for k in ("connect", "read", "write", "timeout",
                                                        "non2xx"))
                print(f"| {t.name} | {t.net} | {t.cpus} | {FILES[f] // 1024} KB | {c} | "
                      f"{'-' if rps is None else f'{rps:.0f}'} | {fmt_ms(p99)} | {ratio} | "
                      f"{p_ratio} | {errs if runs else 'no runs'} | "
                      f"{', '.join('%.0f' % (r['rps'] or 0) for r in runs)} |")
    shares = [(t, results.get((t.name, t.net, t.cpus, "cores"))) for t in targets]
    shares = [(t, s) for t, s in shares if s]
    if shares:
        print("\nToril `stats` after each repetition, requests per core (frames dropped, "
              "`drops=` summed over cores):\n")
        for t, s in shares:
            print(f"- {t.name} {t.net} CPUS={t.cpus}: " +
                  ", ".join(f"{'/'.join(map(str, r))} ({d})" for r, d in s))
    print("\nRatios compare with nginx running as many workers as Toril has CPUs, same file and "
          "connections. wrk errors are socket errors (connect/read/write/timeout, timeout = no "
          f"response within {args.timeout} s) plus non-2xx/3xx responses, summed over the runs.")
    if problems:
        print("\n### Problems\n")
        for p in problems:
            print("- " + p.replace("\n", "\n  "))
    else:
        print("\nNo socket errors, non-2xx responses or VM problems in any run.")


def nginx_version():
    try:
        v = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
        return v.strip().split("/")[-1]
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="one repetition of 3 s runs (unless --repeat/--duration say otherwise)")
    ap.add_argument("--repeat", type=int, help="repetitions per configuration (default 3)")
    ap.add_argument("--duration", type=int, help="seconds per wrk run (default 5)")
    ap.add_argument("--cpus", default="1,2", help="Toril CPUS / nginx workers (default 1,2)")
    ap.add_argument("--conns", default="32,256", help="wrk -c values (default 32,256)")
    ap.add_argument("--files", default="1k,64k", help="files: 1k, 64k (default both)")
    ap.add_argument("--nets", default="tap,user", help="Toril networks: tap, user (default both)")
    ap.add_argument("--no-nginx", action="store_true", help="leave out the nginx reference")
    ap.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    ap.add_argument("--timeout", type=int, default=10,
                    help="wrk --timeout in seconds: slower responses count as timeouts and are "
                         "left out of the latency figures (default 10)")
    ap.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per start (1)")
    ap.add_argument("--verbose", action="store_true", help="print every wrk output")
    a = ap.parse_args()
    a.repeat = a.repeat or (1 if a.quick else 3)
    a.duration = a.duration or (3 if a.quick else 5)
    a.cpus = [int(x) for x in a.cpus.split(",")]
    a.conns = [int(x) for x in a.conns.split(",")]
    a.files = a.files.split(",")
    a.nets = [x for x in a.nets.split(",") if x]
    for f in a.files:
        if f not in FILES:
            ap.error(f"--files: {f!r} is not one of {', '.join(FILES)}")
    for n in a.nets:
        if n not in ("tap", "user"):
            ap.error(f"--nets: {n!r} is not tap or user")
    if os.geteuid() != 0:
        ap.error("needs root (network namespaces, nginx as root)")
    if not KERNEL.exists():
        ap.error(f"no kernel at {KERNEL} (run make first)")
    for tool in ("wrk", "ip", "qemu-system-x86_64") + (() if a.no_nginx else ("nginx",)):
        if not shutil.which(tool):
            ap.error(f"{tool} not found" + (" (apt-get install nginx-light)" if tool == "nginx"
                                           else ""))

    # SIGINT (even when inherited as ignored, as in a background job) and SIGTERM end the run
    # like Ctrl-C: the finally below removes every VM, namespace and nginx.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    site = tempfile.mkdtemp(prefix="toril-bench-site-")
    CLEANUP.push(lambda: shutil.rmtree(site, ignore_errors=True))
    make_site(site)
    targets = [TorilTarget(n, c, site) for n in a.nets for c in a.cpus]
    if not a.no_nginx:
        targets += [NginxTarget(c, site) for c in a.cpus]
    results, problems = {}, []
    t0 = time.monotonic()
    try:
        for rep in range(a.repeat):
            log(f"repetition {rep + 1}/{a.repeat}")
            for t in targets:
                run_target(t, a, results, problems)
    except KeyboardInterrupt:
        log("interrupted: cleaning up (results so far follow)")
        problems.append("interrupted before the end: partial results")
    finally:
        CLEANUP.all()
    report(a, targets, results, problems, time.monotonic() - t0)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

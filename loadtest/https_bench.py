"""toril-bench --https: the same HTTPS scenarios against Toril and (with --compare linux) nginx +
OpenSSL in the Linux guest of loadtest/linux_guest.py, both in the same QEMU configuration over
a tap in a namespace of their own, both with one throw-away ECDSA P-256 key and self-signed
certificate made here with openssl, and TLS 1.2 with one pinned suite per scenario:

  keep-alive   wrk -t T -c C -d D against /<size>.html for each --sizes (1k, 64k): req/s;
  handshakes   P `openssl s_time -new` at once for D s, each a new connection and a full
    full       handshake (no session resumed) per GET of /index.html: handshakes/s, summed;
  handshakes   P `openssl s_time -reuse` at once for D s: each process makes one full
    resumed    handshake (untimed) for a session ticket, then resumes that session on every
               new connection, GETs the same small file and lets the server close it:
               handshakes/s, summed.

Toril's stats counters (tls_handshakes, tls_resumed), read around each handshake run, and
s_time's own mark per connection ('r': resumed) must show that the full handshakes were full and
that most of the resumed ones were resumed; otherwise the run has a problem.

(wrk with `Connection: close` is no measure of full handshakes: it keeps its TLS session across
reconnects and resumes it.)  The suite is pinned on the client: wrk and s_time read an OpenSSL
configuration written here (OPENSSL_CONF: TLS 1.2 only, that one suite, X25519), and both
servers accept the client's choice among their ECDSA suites.  Every repetition boots each server
afresh; the repetitions alternate between the servers so that drift in the host's load spreads
over both.  The report gives the median of each figure over the repetitions and, with the Linux
guest, Toril / Linux against the targets: keep-alive >= 2x, full handshakes >= 1x; resumed
handshakes have no target and are reported only.
"""
import datetime
import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import http.client
from pathlib import Path

from harness import stats
from harness.netns import GUEST_IP
from loadtest import guests, linux_guest, wrk

# --suites names -> OpenSSL's name of the ECDSA suite (Toril offers both; tls/tls.c).
SUITES = {"aes128": "ECDHE-ECDSA-AES128-GCM-SHA256",
          "chacha20": "ECDHE-ECDSA-CHACHA20-POLY1305"}
DEFAULT_SUITES = "aes128,chacha20"
KEY_EXCHANGE_GROUP = "X25519"    # both servers' first choice: pinned so neither differs
# The client also lists P-256: in TLS 1.2 its curve list says which curves an ECDSA certificate
# may be on too, and OpenSSL's server refuses a P-256 certificate to a client without P-256.
CLIENT_GROUPS = KEY_EXCHANGE_GROUP + ":P-256"
HANDSHAKE_PATH = "/index.html"
DEFAULT_HANDSHAKE_PROCS = 4      # s_time is sequential: several at once keep the server busy
# The handshake scenarios: "handshakes <kind> <suite>", kind -> s_time's flags; the two differ
# only in the handshake.  (With -www the client reads until the server closes: a server that
# closes without a close_notify alert gets its session dropped by OpenSSL 3, and then nothing
# resumes, which the resumption check below reports.)
HANDSHAKE_KINDS = {"full": ["-new", "-www", HANDSHAKE_PATH],
                   "resumed": ["-reuse", "-www", HANDSHAKE_PATH]}
DEFAULT_CONNS = 16
BOOT_TIMEOUT_S = 120
# The targets of the comparison: Toril / Linux at least this, by the scenario's first words
# (resumed handshakes have none: they are reported only).
TARGETS = {"keep-alive": 2.0, "handshakes full": 1.0}
S_TIME_SLACK_S = 60              # s_time runs its -time, then finishes one connection


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- pure parts (unit-tested) ------------------------------------------------------------------

def parse_suites(text):
    """'aes128,chacha20' -> [('aes128', 'ECDHE-ECDSA-AES128-GCM-SHA256'), ...]; ValueError on
    an unknown or repeated name."""
    out = []
    for name in (s.strip().lower() for s in text.split(",")):
        if not name:
            continue
        if name not in SUITES:
            raise ValueError(f"suite {name!r}: one of {', '.join(SUITES)}")
        if name in (n for n, _ in out):
            raise ValueError(f"suite {name!r} given twice")
        out.append((name, SUITES[name]))
    if not out:
        raise ValueError("no suite given")
    return out


def openssl_conf(suite, groups=CLIENT_GROUPS):
    """An OpenSSL configuration that pins every client reading it (OPENSSL_CONF) to TLS 1.2,
    one suite and the key-exchange groups (the first is the one both servers pick)."""
    if not re.fullmatch(r"[A-Z0-9-]+", suite) or not re.fullmatch(r"[A-Za-z0-9:-]+", groups):
        raise ValueError(f"suite {suite!r} / groups {groups!r}: not OpenSSL names")
    return ("openssl_conf = bench_init\n"
            "[bench_init]\nssl_conf = bench_ssl\n"
            "[bench_ssl]\nsystem_default = bench_client\n"
            "[bench_client]\nMinProtocol = TLSv1.2\nMaxProtocol = TLSv1.2\n"
            f"CipherString = {suite}\nGroups = {groups}\n")


_S_TIME = re.compile(r"^(\d+) connections in ([\d.]+)s; ([\d.]+) connections/user sec", re.M)
_S_TIME_REAL = re.compile(r"^(\d+) connections in (\d+) real seconds", re.M)


def parse_s_time(out):
    """`openssl s_time -new` output -> connections completed.  Its rates are of no use: one is
    per second of the client's CPU time, the other over whole seconds of time(); the caller
    times the process.  ValueError when the output has no count (the server refused, etc.)."""
    m = _S_TIME_REAL.search(out)
    if not m:
        raise ValueError(f"s_time: no 'N connections in S real seconds' line in:\n{out[-1500:]}")
    return int(m.group(1))


_S_TIME_MARKS = re.compile(r"^[rt3*]+$", re.M)


def s_time_resumed(out):
    """(resumed, connections) from the marks s_time prints, one per timed connection: 'r' when
    the session was resumed, else a mark of its protocol ('*' for TLS 1.2).  (0, 0) without
    marks (no connection completed)."""
    marks = "".join(_S_TIME_MARKS.findall(out))
    return marks.count("r"), len(marks)


def resumption_problems(kind, guest, client):
    """What says the handshakes of one run were not of their kind, as a list of sentences.
    kind: 'full' or 'resumed'; guest: (full, resumed) from the server's counters, or None when
    it has none; client: (resumed, connections) from s_time_resumed, summed over the processes.
    Full: none may be resumed.  Resumed: most must be (each process's first handshake, which
    gets the ticket, is full)."""
    out = []
    for who, counted in (("guest", guest and (guest[1], sum(guest))), ("s_time", client)):
        if counted is None:
            continue
        resumed, total = counted
        if kind == "full" and resumed:
            out.append(f"{who}: {resumed} of {total} sessions were resumed")
        elif kind == "resumed" and resumed * 2 <= total:
            out.append(f"{who}: only {resumed} of {total} handshakes were resumed")
    return out


def target(scen):
    """The target of a scenario by its first words (TARGETS), None when it has none."""
    return next((t for k, t in TARGETS.items() if scen.startswith(k + " ")), None)


def parse_s_client(out):
    """(protocol, suite, server temp key) from `openssl s_client -brief` output (None for a
    missing one)."""
    proto = re.search(r"^Protocol version: (\S+)", out, re.M)
    suite = re.search(r"^Ciphersuite: (\S+)", out, re.M)
    key = re.search(r"^Server Temp Key: (\S+)", out, re.M)
    return tuple(m.group(1).rstrip(",") if m else None for m in (proto, suite, key))


def median(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def summarize(reps):
    """reps: [{server: {scenario: value}}] (one dict per repetition) ->
    {server: {scenario: {"median": m, "runs": [v, ...]}}}."""
    out = {}
    for rep in reps:
        for server, figures in rep.items():
            for scen, v in figures.items():
                out.setdefault(server, {}).setdefault(scen, {"runs": []})["runs"].append(v)
    for figures in out.values():
        for f in figures.values():
            f["median"] = median(f["runs"])
    return out


def verdicts(summary, ours="Toril", ref="Linux+nginx"):
    """[(scenario, ours, ref, ratio, target, met)] for the scenarios both have.  A scenario's
    target comes from its first words (target()); without one, target and met are None."""
    rows = []
    if ours not in summary or ref not in summary:
        return rows
    for scen, f in summary[ours].items():
        if scen not in summary[ref]:
            continue
        a, b = f["median"], summary[ref][scen]["median"]
        ratio = a / b if a is not None and b else None
        goal = target(scen)
        met = None if ratio is None or goal is None else ratio >= goal
        rows.append((scen, a, b, ratio, goal, met))
    return rows


def markdown(summary, rows, meta):
    lines = [f"# HTTPS: {' vs '.join(summary)}", "",
             f"{meta['date']}; {meta['setup']}; {meta['host']}", "",
             f"`{meta['command']}`", "",
             f"Medians of {meta['repeat']} repetition(s), each a fresh boot. keep-alive: "
             f"{meta['wrk']}; handshakes: {meta['s_time']}.", "",
             "| server | scenario | median | runs |", "|---|---|---:|---|"]
    for server, figures in summary.items():
        for scen, f in figures.items():
            unit = "req/s" if scen.startswith("keep-alive") else "handshakes/s"
            lines.append(f"| {server} | {scen} | {_num(f['median'])} {unit} | "
                         f"{', '.join(_num(v) for v in f['runs'])} |")
    if rows:
        lines += ["", "| scenario | Toril | Linux | Toril / Linux | target | met |",
                  "|---|---:|---:|---:|---:|---|"]
        for scen, a, b, ratio, goal, met in rows:
            lines.append(f"| {scen} | {_num(a)} | {_num(b)} | "
                         f"{'-' if ratio is None else f'{ratio:.2f}x'} | "
                         f"{'report only' if goal is None else f'>= {goal:g}x'} | "
                         f"{'-' if met is None else 'yes' if met else 'NO'} |")
    if meta.get("problems"):
        lines += ["", "## Problems", ""] + [f"- {p}" for p in meta["problems"]]
    return "\n".join(lines) + "\n"


def _num(v):
    if v is None:
        return "-"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


# --- the servers -------------------------------------------------------------------------------

def make_key_and_cert(d):
    """A throw-away ECDSA P-256 key and a self-signed certificate for GUEST_IP, in folder d."""
    d = Path(d)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", f"/CN={GUEST_IP}",
                    "-addext", f"subjectAltName=IP:{GUEST_IP}", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem")], check=True, capture_output=True)
    return d / "cert.pem", d / "key.pem"


def check_get(ns, path, size):
    """One HTTPS GET before the load: status 200 and the whole body."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # a throw-away self-signed certificate
    with ns.entered():
        c = http.client.HTTPSConnection(GUEST_IP, 443, timeout=30, context=ctx)
        try:
            c.request("GET", path)
            r = c.getresponse()
            status, n = r.status, len(r.read())
        finally:
            c.close()
    if status != 200 or (size is not None and n != size):
        raise RuntimeError(f"GET https://{GUEST_IP}{path}: status {status}, {n} bytes "
                           f"(expected 200, {size})")


class Server(guests.Guest):
    def __init__(self, a, site, cert, key, out):
        self.a, self.site, self.cert, self.key, self.out = a, site, cert, key, out

    def boot(self):
        raise NotImplementedError

    def counters(self):
        return None


class Toril(Server):
    name = "Toril"

    def boot(self):
        self.ns, self.vm = guests.boot_toril(self.a, self.site, {"TLS_CERT": str(self.cert),
                                                                 "TLS_KEY": str(self.key)})
        self.vm.expect(r"httpd: serving on port 443", timeout=BOOT_TIMEOUT_S)

    def counters(self):
        """Summed over the cores: TLS handshakes and resumptions (to prove 'full' was full)."""
        cores = stats.read(self.vm, self.a.cpus)
        return {k: sum(c.get(k, 0) for c in cores) for k in ("tls_handshakes", "tls_resumed")}


class Linux(Server):
    name = "Linux+nginx"

    def boot(self):
        self.ns, self.vm = guests.boot_linux(self.a, self.site, self.out / "linux-initrd.img",
                                             log, tls=(self.cert.read_bytes(),
                                                       self.key.read_bytes()))
        self.vm.expect(linux_guest.READY, timeout=BOOT_TIMEOUT_S)


# --- one repetition against one server ---------------------------------------------------------

def in_ns(ns, conf, cmd):
    """cmd inside the namespace with the pinned OpenSSL configuration."""
    return ["ip", "netns", "exec", ns.name, "env", f"OPENSSL_CONF={conf}", *cmd]


def check_suite(ns, conf, suite):
    """The pinned configuration really gives that suite and group (s_client, no -cipher)."""
    p = subprocess.run(in_ns(ns, conf, ["openssl", "s_client", "-brief", "-connect",
                                        f"{GUEST_IP}:443"]),
                       input=b"", capture_output=True, timeout=60)
    proto, got, key = parse_s_client((p.stdout + p.stderr).decode("utf-8", "replace"))
    if proto != "TLSv1.2" or got != suite or key != KEY_EXCHANGE_GROUP:
        raise RuntimeError(f"pinned {suite}/{KEY_EXCHANGE_GROUP} over TLSv1.2, got {got}/{key} "
                           f"over {proto}")


def handshakes(ns, conf, suite, flags, procs, seconds):
    """P `openssl s_time <flags>` (HANDSHAKE_KINDS) at once: (handshakes per second summed over
    them, (resumed, connections) by their marks summed)."""
    cmd = ["openssl", "s_time", "-connect", f"{GUEST_IP}:443", *flags, "-tls1_2", "-cipher",
           suite, "-time", str(seconds)]
    ps = []
    for _ in range(procs):
        ps.append((time.monotonic(), subprocess.Popen(in_ns(ns, conf, cmd), stdout=subprocess.PIPE,
                                                      stderr=subprocess.STDOUT)))
    rate, resumed, conns = 0.0, 0, 0
    for t0, p in ps:
        try:
            out, _ = p.communicate(timeout=seconds + S_TIME_SLACK_S)
        except subprocess.TimeoutExpired:
            for _, q in ps:
                q.kill()
            raise RuntimeError(f"openssl s_time still running after {seconds + S_TIME_SLACK_S} s")
        wall = time.monotonic() - t0
        text = out.decode("utf-8", "replace")
        if p.returncode != 0:
            raise RuntimeError(f"openssl s_time exited with {p.returncode}:\n{text[-1500:]}")
        rate += parse_s_time(text) / wall
        r, n = s_time_resumed(text)
        resumed, conns = resumed + r, conns + n
    return rate, (resumed, conns)


def one_server(srv, a, suites, problems, counts):
    """Boot, check, measure every suite and scenario: {scenario: value}.  Appends to counts
    what says each handshake run's connections were full or resumed."""
    figures = {}
    t0 = time.monotonic()
    srv.boot()
    log(f"{srv.name}: up in {time.monotonic() - t0:.1f} s")
    for label, size in a.sizes:
        check_get(srv.ns, f"/{label}.html", size)
    check_get(srv.ns, HANDSHAKE_PATH, None)
    for name, suite in suites:
        conf = a.out / f"openssl-{name}.cnf"
        check_suite(srv.ns, conf, suite)
        if a.warmup:
            wrk.run(in_ns(srv.ns, conf, wrk.command(
                f"https://{GUEST_IP}/{a.sizes[0][0]}.html", a.conns[0], a.threads, a.warmup,
                a.timeout)), a.warmup, a.timeout)
        for label, _ in a.sizes:
            for conns in a.conns:
                scen = f"keep-alive {label} c={conns} {name}"
                raw = wrk.run(in_ns(srv.ns, conf, wrk.command(
                    f"https://{GUEST_IP}/{label}.html", conns, a.threads, a.duration,
                    a.timeout)), a.duration, a.timeout)
                (a.out / f"wrk-{srv.name}-{label}-c{conns}-{name}-{a.rep}.txt").write_text(raw)
                r = wrk.parse(raw)
                if r["errors_total"] or not r["requests"]:
                    problems.append(f"{srv.name} {scen} rep {a.rep}: {r['requests']} requests, "
                                    f"errors {r['errors']}")
                figures[scen] = r["rps"]
                log(f"  {srv.name} {scen}: {r['rps']:.0f} req/s")
        for kind, flags in HANDSHAKE_KINDS.items():
            c0 = srv.counters()
            rate, client = handshakes(srv.ns, conf, suite, flags, a.handshake_procs, a.duration)
            c1 = srv.counters()
            scen = f"handshakes {kind} {name}"
            figures[scen] = rate
            seen = {"server": srv.name, "rep": a.rep, "scenario": scen,
                    "s_time_resumed": client[0], "s_time_connections": client[1]}
            extra = f" (s_time: {client[0]} of {client[1]} resumed"
            guest = None
            if c0 and c1:
                resumed = c1["tls_resumed"] - c0["tls_resumed"]
                guest = (c1["tls_handshakes"] - c0["tls_handshakes"] - resumed, resumed)
                seen.update(guest_full=guest[0], guest_resumed=guest[1])
                extra += f"; guest: {guest[0]} full, {guest[1]} resumed"
            counts.append(seen)
            extra += ")"
            for p in resumption_problems(kind, guest, client):
                problems.append(f"{srv.name} {scen} rep {a.rep}: {p}")
            log(f"  {srv.name} {scen}: {rate:.1f}/s with {a.handshake_procs} s_time {flags[0]}"
                f"{extra}")
    return figures


def run(a):
    """toril-bench --https (a: its parsed arguments, with suites, repeat, handshake_procs)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    a.out = Path(a.out or Path(__file__).resolve().parent.parent / "build" / "loadtest" /
                 f"https-{stamp}").resolve()
    a.out.mkdir(parents=True, exist_ok=True)
    for name, suite in a.suites:
        (a.out / f"openssl-{name}.cnf").write_text(openssl_conf(suite))
    from loadtest.bench import make_site  # the same generated site as the HTTP runs
    site = a.out / "site"
    make_site(site, a.sizes)
    keys = Path(tempfile.mkdtemp(prefix="toril-https-bench-"))
    cert, key = make_key_and_cert(keys)
    kinds = [Toril] + ([Linux] if a.compare == "linux" else [])
    reps, problems, counts = [], [], []
    t0 = time.monotonic()
    try:
        for rep in range(1, a.repeat + 1):
            a.rep = rep
            figures = {}
            for kind in kinds:
                srv = kind(a, site, cert, key, a.out)
                log(f"repetition {rep}/{a.repeat}: {srv.name}")
                try:
                    figures[srv.name] = one_server(srv, a, a.suites, problems, counts)
                except (wrk.WrkError, RuntimeError, AssertionError, ValueError, OSError,
                        subprocess.SubprocessError, linux_guest.GuestError) as e:
                    problems.append(f"{srv.name} rep {rep}: {type(e).__name__}: {e}"[:3000])
                    log(f"{srv.name}: FAILED: {e}"[:3000])
                finally:
                    if srv.vm:
                        (a.out / f"console-{srv.name}-{rep}.txt").write_text(srv.vm.output)
                    srv.stop()
            reps.append(figures)
    except KeyboardInterrupt:
        problems.append("interrupted before the end: partial results")
    finally:
        for p in keys.iterdir():
            p.unlink()
        keys.rmdir()
    summary = summarize(reps)
    rows = verdicts(summary)
    meta = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "host": f"{os.uname().nodename}, {os.cpu_count()} CPUs",
            "command": "loadtest/toril-bench " + " ".join(a.argv),
            "setup": f"{a.machine}, {a.cpus} vCPU(s), ACCEL={a.accel}, tap, TLS 1.2, "
                     f"{KEY_EXCHANGE_GROUP}, ECDSA P-256 key",
            "wrk": f"wrk -t {a.threads} -c {','.join(map(str, a.conns))} -d {a.duration}s",
            "s_time": "; ".join(f"{kind}: {a.handshake_procs} x openssl s_time {' '.join(f)} "
                                f"-time {a.duration}" for kind, f in HANDSHAKE_KINDS.items()),
            "repeat": a.repeat, "elapsed_s": time.monotonic() - t0, "problems": problems}
    (a.out / "results.json").write_text(json.dumps(
        {"meta": meta, "repetitions": reps, "summary": summary, "handshake_counts": counts,
         "verdicts": [dict(zip(("scenario", "toril", "linux", "ratio", "target", "met"), r))
                      for r in rows]}, indent=1))
    md = markdown(summary, rows, meta)
    (a.out / "report.md").write_text(md)
    print(md)
    log(f"wrote {a.out}/report.md, results.json")
    return 1 if problems else 0

"""wrk: the command line, a run with a progress line, and the parsing of what it prints.

wrk prints its summary only at the end.  A small Lua script (LUA, written next to the results)
adds, in its done() hook, one line starting with JSON_TAG: more latency percentiles than
--latency gives, and completed responses per second of wall time per thread (the req/s
timeline), which wrk itself does not report.  Counting responses costs wrk a Lua call per
response; --no-timeline leaves the script out.
"""
import json
import re
import subprocess
import time

# Latency units wrk prints (its stats.c/units.c: us, ms, s, m, h), in milliseconds.
UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
JSON_TAG = "toril-bench-json "
EXTRA_PERCENTILES = (50, 75, 90, 95, 99, 99.9, 99.99)
# wrk's own --timeout plus this: wrk stuck past its duration is killed.
GRACE_S = 30

LUA = r"""
-- toril-bench: count completed responses per wall-clock second in each thread; report them and
-- extra latency percentiles from done() on one line (parsed by loadtest/wrk.py).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
end

function response(status, headers, body)
  local now = os.time()
  counts[now] = (counts[now] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts") or {}
    for sec, n in pairs(c) do merged[sec] = (merged[sec] or 0) + n end
  end
  local parts = {}
  for sec, n in pairs(merged) do table.insert(parts, string.format('"%d": %d', sec, n)) end
  local pct = {}
  for _, p in ipairs({PERCENTILES}) do
    table.insert(pct, string.format('"%s": %d', tostring(p), latency:percentile(p)))
  end
  io.write(string.format('JSONTAG{"timeline": {%s}, "percentiles_us": {%s}, "max_us": %d, ' ..
    '"mean_us": %.1f, "requests": %d, "duration_us": %d}\n', table.concat(parts, ", "),
    table.concat(pct, ", "), latency.max, latency.mean, summary.requests, summary.duration))
end
""".replace("PERCENTILES", ", ".join(str(p) for p in EXTRA_PERCENTILES)).replace(
    "JSONTAG", JSON_TAG)


class WrkError(Exception):
    pass


def to_ms(text):
    """'512.00us' / '1.23ms' / '2.01s' / '1.00m' -> milliseconds."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"wrk: not a latency: {text!r}")
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def _count(text):
    """wrk's Req/Sec column style: '3.10k' -> 3100.0, '200.00' -> 200.0."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kMG]?)", text.strip())
    if not m:
        raise ValueError(f"wrk: not a number: {text!r}")
    return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]


def parse(out):
    """wrk's output -> dict:
      requests, duration_s, rps, read_bytes (approx., as printed), latency_ms {mean, stdev, max},
      percentiles_ms {50.0: .., 75.0: .., ...} (from --latency, and from the Lua line if present),
      errors {connect, read, write, timeout, non2xx}, errors_total, timeline {unix_s: count}.
    Raises ValueError when the summary line ('N requests in Ts, X read') is missing."""
    r = {"requests": None, "duration_s": None, "rps": None, "latency_ms": {},
         "percentiles_ms": {}, "timeline": {},
         "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0}}
    m = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)([KMGT]?B) read", out,
                  re.M)
    if not m:
        raise ValueError("wrk: no 'N requests in T, X read' line in its output:\n" + out[-800:])
    r["requests"] = int(m.group(1))
    r["duration_s"] = to_ms(m.group(2) + m.group(3)) / 1e3
    r["read_bytes"] = float(m.group(4)) * {"B": 1, "KB": 1 << 10, "MB": 1 << 20,
                                           "GB": 1 << 30, "TB": 1 << 40}[m.group(5)]
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    if not m:
        raise ValueError("wrk: no Requests/sec line")
    r["rps"] = float(m.group(1))
    # '    Latency     5.23ms    2.10ms  40.12ms   85.00%' (nan or 0 with no responses at all)
    m = re.search(r"^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+\s*$", out, re.M)
    if m:
        try:
            r["latency_ms"] = {"mean": to_ms(m.group(1)), "stdev": to_ms(m.group(2)),
                               "max": to_ms(m.group(3))}
        except ValueError:
            r["latency_ms"] = {}  # '-nan%' style lines of a run without responses
    dist = out.split("Latency Distribution", 1)
    if len(dist) == 2:
        for pm in re.finditer(r"^\s*(\d+(?:\.\d+)?)%\s+(\S+)\s*$", dist[1], re.M):
            r["percentiles_ms"][float(pm.group(1))] = to_ms(pm.group(2))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["errors"].update(connect=int(m.group(1)), read=int(m.group(2)),
                           write=int(m.group(3)), timeout=int(m.group(4)))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        r["errors"]["non2xx"] = int(m.group(1))
    r["errors_total"] = sum(r["errors"].values())
    for line in out.splitlines():
        if line.startswith(JSON_TAG):
            extra = json.loads(line[len(JSON_TAG):])
            r["timeline"] = {int(k): int(v) for k, v in extra.get("timeline", {}).items()}
            if r["requests"]:  # wrk's percentiles of an empty histogram are meaningless
                # the Lua figures are exact (us); the printed ones are rounded to 3 digits
                for k, v in extra.get("percentiles_us", {}).items():
                    r["percentiles_ms"][float(k)] = v / 1e3
                r["percentiles_ms"][100.0] = extra["max_us"] / 1e3
    r["percentiles_ms"] = dict(sorted(r["percentiles_ms"].items()))
    return r


def command(url, conns, threads, duration, timeout, script=None, netns=None):
    """The argv of one wrk run (inside `ip netns exec NAME` when netns is a name)."""
    threads = max(1, min(threads, conns))  # wrk refuses fewer connections than threads
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{duration}s",
           "--timeout", f"{timeout}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    return cmd


def run(cmd, duration, timeout, progress=None, tick_s=1.0):
    """Run wrk; call progress(elapsed_s) about every tick_s while it runs.  Returns its stdout;
    WrkError if it fails or outlives duration + timeout + GRACE_S."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    limit = duration + timeout + GRACE_S
    try:
        while True:
            try:
                out, err = p.communicate(timeout=tick_s)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - t0
                if elapsed > limit:
                    raise WrkError(f"wrk still running after {limit:.0f} s: killed")
                if progress:
                    progress(elapsed)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    if p.returncode != 0:
        raise WrkError(f"wrk exited with {p.returncode}: {err.strip()}\n{out}")
    return out

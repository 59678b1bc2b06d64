"""toril-bench's report: the arithmetic, a markdown table, PNG plots and an HTML page.

A result (one per target, as loadtest/bench.py builds it) is a dict:
  name, cpus, machine, boot_s
  runs: [{path, conns, t_start, t_end, wrk: (loadtest.wrk.parse), timeline: [(t, responses)],
          cpu: {wall_s, vcpu_s, io_s, pct, s_per_1k, vcpu_s_per_1k, io_s_per_1k} or None,
          guest_reqs: [per core] or None}]
  idle: {t_start, t_end, seconds, pct, vcpu_pct, io_pct, wakeups_per_s} or None
  samples: [(t, vcpu %, io %)]    host CPU over the whole session, for the timeline plot
The first target is the one measured; with a comparison, ratios are first / second.
"""
import html as htmllib

NS_PER_S = 1e9
LATENCY_COLUMNS = (50.0, 90.0, 99.0)


def per_1k(cpu_ns, requests):
    """Host CPU-seconds per 1,000 requests, or None without requests."""
    if not requests:
        return None
    return cpu_ns / NS_PER_S / requests * 1000


def ratio(a, b):
    """a / b, or None when either is missing or b is 0."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def timeline(counts, wall_start, wall_end, t_start, min_part_s=0.1):
    """wrk's responses per wall-clock second ({unix_s: n}) -> [(t, responses/s)] on the
    session's clock, where the run spans wall_start..wall_end and began at t_start.  A second
    only partly inside the run counts over that part (so the first and last are not low);
    parts shorter than min_part_s are left out (too noisy to scale)."""
    out = []
    for sec, n in sorted(counts.items()):
        lo, hi = max(sec, wall_start), min(sec + 1, wall_end)
        if hi - lo >= min_part_s:
            out.append(((lo + hi) / 2 - wall_start + t_start, n / (hi - lo)))
    return out


def fmt_ms(v):
    if v is None:
        return "-"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def fmt_ratio(v):
    return "-" if v is None else f"{v:.2f}x"


def _run_key(run):
    return run["path"], run["conns"]


def load_rows(results):
    """(header, rows) of the load table; rows are lists of strings."""
    header = ["server", "path", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
              "errors", "host CPU %", "host CPU s / 1k req (vCPU + I/O)", "guest reqs per core"]
    cmp = len(results) > 1
    if cmp:
        header += [f"req/s vs {results[1]['name']}", f"p99 vs {results[1]['name']}",
                   f"CPU / 1k req vs {results[1]['name']}"]
    ref = {_run_key(r): r for r in results[1]["runs"]} if cmp else {}
    rows = []
    for i, res in enumerate(results):
        for run in res["runs"]:
            w, c = run["wrk"], run["cpu"]
            pct = w["percentiles_ms"]
            row = [res["name"], run["path"], str(run["conns"]), f"{w['rps']:.0f}",
                   *(fmt_ms(pct.get(p)) for p in LATENCY_COLUMNS),
                   fmt_ms(pct.get(100.0, w["latency_ms"].get("max"))),
                   str(w["errors_total"]) if w["errors_total"] else "0",
                   fmt(c and c["pct"], ".0f"),
                   "-" if not c or c["s_per_1k"] is None else
                   f"{c['s_per_1k']:.3f} ({c['vcpu_s_per_1k']:.3f} + {c['io_s_per_1k']:.3f})",
                   "/".join(map(str, run["guest_reqs"])) if run["guest_reqs"] else "-"]
            if cmp:
                other = ref.get(_run_key(run)) if i == 0 else None
                if other:
                    oc = other["cpu"]
                    row += [fmt_ratio(ratio(w["rps"], other["wrk"]["rps"])),
                            fmt_ratio(ratio(pct.get(99.0), other["wrk"]["percentiles_ms"].get(99.0))),
                            fmt_ratio(ratio(c and c["s_per_1k"], oc and oc["s_per_1k"]))]
                else:
                    row += ["", "", ""]
            rows.append(row)
    return header, rows


def idle_rows(results):
    header = ["server", "idle s", "host CPU % of a core", "vCPU %", "I/O %", "guest wake-ups/s"]
    cmp = len(results) > 1
    if cmp:
        header += [f"CPU vs {results[1]['name']}"]
    rows = []
    for i, res in enumerate(results):
        d = res["idle"]
        if not d:
            continue
        row = [res["name"], f"{d['seconds']:.1f}", fmt(d.get("pct"), ".3f"),
               fmt(d.get("vcpu_pct"), ".3f"), fmt(d.get("io_pct"), ".3f"),
               fmt(d.get("wakeups_per_s"), ".1f")]
        if cmp:
            other = results[1]["idle"] if i == 0 else None
            row.append(fmt_ratio(ratio(d.get("pct"), other and other.get("pct"))) if other else "")
        rows.append(row)
    return header, rows


def _md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i < 2 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def markdown(results, meta):
    lines = [f"## toril-bench, {meta['date']}", "",
             f"- command: `{meta['command']}`",
             f"- host: {meta['host']}",
             f"- setup: {meta['setup']}; {meta['wrk']}", ""]
    if results:
        lines += ["### Under load", "", _md_table(*load_rows(results)), ""]
        h, rows = idle_rows(results)
        if rows:
            lines += ["### Idle", "", _md_table(h, rows), ""]
        lines += ["Host CPU is the QEMU process's time on the host's CPUs (all threads, from "
                  "/proc/PID/task/*/schedstat), as % of one core; per 1k requests it is "
                  "vCPU threads + QEMU's I/O threads. Guest wake-ups: Toril's `stats` (halt "
                  "exits by interrupt, timer, IPI, all cores); Linux: interrupts taken "
                  "(/proc/stat).", ""]
    if meta["problems"]:
        lines += ["### Problems", ""] + [f"- {p}" for p in meta["problems"]] + [""]
    return "\n".join(lines)


# --- plots -------------------------------------------------------------------------------------

def plots(results, out):
    """timeline.png (req/s and host CPU over time) and latency.png (percentiles); returns the
    file names written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = ["tab:blue", "tab:red", "tab:green", "tab:purple"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True)
    for i, res in enumerate(results):
        col = colors[i % len(colors)]
        pts = sorted(p for run in res["runs"] for p in run["timeline"])
        if pts:
            ax1.plot([t for t, _ in pts], [n for _, n in pts], ".-", color=col, lw=1,
                     label=res["name"])
        s = res["samples"]
        if s:
            ax2.plot([t for t, _, _ in s], [v + io for _, v, io in s], color=col, lw=1,
                     label=f"{res['name']}: all threads")
            ax2.plot([t for t, _, _ in s], [v for _, v, _ in s], color=col, lw=0.8, ls="--",
                     label=f"{res['name']}: vCPU threads")
        if i == 0:
            for run in res["runs"]:
                for ax in (ax1, ax2):
                    ax.axvspan(run["t_start"], run["t_end"], color="0.92", lw=0)
                ax1.annotate(f"{run['path']} c={run['conns']}", (run["t_start"], 1),
                             xycoords=("data", "axes fraction"), va="top", fontsize=7,
                             xytext=(2, -2), textcoords="offset points")
            if res["idle"]:
                ax2.axvspan(res["idle"]["t_start"], res["idle"]["t_end"], color="#dfe",
                            lw=0, label="idle window")
    ax1.set_ylabel("responses / s")
    ax1.grid(True, alpha=0.3)
    ax2.set_yscale("symlog", linthresh=1.0)
    ax2.set_ylabel("host CPU, % of a core")
    ax2.set_xlabel("seconds since the first run began (grey: wrk runs)")
    ax2.grid(True, alpha=0.3)
    for ax in (ax1, ax2):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="upper right")
    fig.suptitle("toril-bench: throughput and the VM's host CPU over time")
    fig.tight_layout()
    fig.savefig(out / "timeline.png", dpi=100)
    plt.close(fig)

    import math
    fig, ax = plt.subplots(figsize=(9, 5))
    styles = ["-", "--", ":", "-."]
    keys = sorted({_run_key(r) for res in results for r in res["runs"]})
    for i, res in enumerate(results):
        for run in res["runs"]:
            pct = {p: v for p, v in run["wrk"]["percentiles_ms"].items() if v and p < 100}
            if not pct:
                continue
            xs = [-math.log10(1 - p / 100) for p in pct]
            ax.plot(xs, list(pct.values()), "o" + styles[keys.index(_run_key(run)) % 4],
                    color=colors[i % len(colors)], ms=3,
                    label=f"{res['name']} {run['path']} c={run['conns']}")
    ticks = [50, 90, 99, 99.9, 99.99]
    ax.set_xticks([-math.log10(1 - p / 100) for p in ticks], [f"{p:g}%" for p in ticks])
    ax.set_yscale("log")
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency, ms")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    ax.set_title("toril-bench: latency percentiles (wrk)")
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=100)
    plt.close(fig)
    return ["timeline.png", "latency.png"]


# --- HTML --------------------------------------------------------------------------------------

def _html_table(header, rows):
    e = htmllib.escape
    return ("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>\n" +
            "\n".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows) +
            "</table>")


def html(results, meta, pngs):
    e = htmllib.escape
    parts = ["<!doctype html><meta charset=utf-8><title>toril-bench</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
             "td:first-child,td:nth-child(2){text-align:left}img{max-width:100%}</style>",
             f"<h1>toril-bench, {e(meta['date'])}</h1>",
             f"<p><code>{e(meta['command'])}</code><br>host: {e(meta['host'])}<br>"
             f"setup: {e(meta['setup'])}; {e(meta['wrk'])}</p>"]
    if results:
        parts += ["<h2>Under load</h2>", _html_table(*load_rows(results))]
        h, rows = idle_rows(results)
        if rows:
            parts += ["<h2>Idle</h2>", _html_table(h, rows)]
    for p in pngs:
        parts.append(f'<p><img src="{e(p)}" alt="{e(p)}"></p>')
    if meta["problems"]:
        parts += ["<h2>Problems</h2><ul>"] + [f"<li><pre>{e(p)}</pre></li>"
                                              for p in meta["problems"]] + ["</ul>"]
    return "\n".join(parts) + "\n"

"""The report's arithmetic, table, plots and page, from results made up by the test."""
import pytest

from loadtest import report, wrk
from loadtest.tests.test_wrk_parse import ERRORS, PLAIN


def run(path, conns, out, cpu_ns=(2_000_000_000, 500_000_000), guest=None, t=0.0):
    w = wrk.parse(out)
    v, io = cpu_ns
    return {"path": path, "conns": conns, "t_start": t, "t_end": t + 5, "wrk": w,
            "timeline": [(t + 0.5, 1000.0), (t + 1.5, 1200.0)], "guest_reqs": guest,
            "cpu": {"wall_s": 5.0, "vcpu_s": v / 1e9, "io_s": io / 1e9,
                    "pct": (v + io) / 1e9 / 5 * 100,
                    "s_per_1k": report.per_1k(v + io, w["requests"]),
                    "vcpu_s_per_1k": report.per_1k(v, w["requests"]),
                    "io_s_per_1k": report.per_1k(io, w["requests"])}}


def target(name, runs, idle_pct=0.02, wakeups=1.5):
    return {"name": name, "cpus": 1, "machine": "q35", "runs": runs,
            "idle": {"t_start": 20, "t_end": 30, "seconds": 10.0, "pct": idle_pct,
                     "vcpu_pct": idle_pct / 2, "io_pct": idle_pct / 2, "wakeups_per_s": wakeups},
            "samples": [(0.5, 80.0, 20.0), (1.0, 70.0, 10.0), (25.0, 0.01, 0.01)],
            "problems": []}


META = {"date": "2026-12-07T10:00:00+00:00", "host": "h, 2 CPUs", "command": "toril-bench <x>",
        "wrk": "wrk -t 2", "setup": "q35", "problems": []}


def test_cpu_seconds_per_1000_requests():
    assert report.per_1k(2_500_000_000, 5000) == pytest.approx(0.5)  # 2.5 s over 5k requests
    assert report.per_1k(1_000_000, 1) == pytest.approx(1.0)         # 1 ms per request
    assert report.per_1k(10**9, 0) is None
    assert report.ratio(6.0, 3.0) == 2.0
    assert report.ratio(1.0, 0) is None and report.ratio(None, 1.0) is None


def test_timeline_scales_partial_seconds_and_moves_to_the_run_clock():
    # run from wall 100.5 to 103.25, started at t=7 on the session clock
    pts = report.timeline({100: 500, 101: 1000, 102: 1000, 103: 200, 104: 5}, 100.5, 103.25, 7.0)
    assert pts == [(7.25, 1000.0), (8.0, 1000.0), (9.0, 1000.0), (9.625, 800.0)]


def test_markdown_table_with_comparison():
    toril = target("Toril", [run("/1k.html", 32, PLAIN, guest=[31000])])
    linux = target("Linux+nginx", [run("/1k.html", 32, ERRORS, (4_000_000_000, 0))], 0.4, 30)
    md = report.markdown([toril, linux], META)
    lines = md.splitlines()
    head = next(ln for ln in lines if ln.startswith("| server | path"))
    assert "req/s vs Linux+nginx" in head
    row = next(ln for ln in lines if ln.startswith("| Toril | /1k.html"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3] == "6200"                               # req/s
    assert cells[4:8] == ["0.51", "7.50", "1200", "40.1"]   # p50 p90 p99 max (ms)
    assert cells[8] == "0"                                  # errors
    assert cells[10] == "0.081 (0.065 + 0.016)"             # 2.5 s / 31k requests * 1000
    assert cells[11] == "31000"
    assert cells[12] == f"{6200 / 199.8:.2f}x"              # req/s ratio
    assert cells[14] == f"{(2.5 / 31) / (4 / 2):.2f}x"      # CPU per 1k ratio
    lrow = next(ln for ln in lines if ln.startswith("| Linux+nginx | /1k.html"))
    assert "| 79 |" in lrow                                 # all wrk errors summed
    idle = next(ln for ln in lines if ln.startswith("| Toril | 10.0"))
    assert "0.020" in idle and "1.5" in idle and "0.05x" in idle
    assert "toril-bench <x>" in md and "Problems" not in md


def test_problems_are_listed():
    md = report.markdown([], dict(META, problems=["Toril: QEMU exited with 3"]))
    assert "### Problems" in md and "- Toril: QEMU exited with 3" in md


def test_plots_and_html(tmp_path):
    res = [target("Toril", [run("/1k.html", 32, PLAIN), run("/64k.html", 32, PLAIN, t=6)])]
    names = report.plots(res, tmp_path)
    assert names == ["timeline.png", "latency.png"]
    for n in names:
        data = (tmp_path / n).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    page = report.html(res, dict(META, command="toril-bench <script>"), names)
    assert '<img src="timeline.png"' in page and '<img src="latency.png"' in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<table>") == 2

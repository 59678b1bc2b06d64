"""The tools as a user runs them, briefly: toril-bench against a Toril it boots (a few seconds of
wrk over a tap in a namespace it makes, then an idle window), scripts/tap and idle-watch against
a VM on a tap that scripts/tap made in a namespace of this test's own."""
import json
import re
import subprocess
import uuid

import pytest

from harness.vm import KERNEL, ROOT, Vm

IDLE_PCT_MAX = 2.0   # of one host core, over the idle window


@pytest.fixture
def namespace():
    name = "toril-lt-" + uuid.uuid4().hex[:8]
    subprocess.run(["ip", "netns", "add", name], check=True)
    yield name
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


def in_ns(ns, *cmd, timeout=60):
    return subprocess.run(["ip", "netns", "exec", ns, *cmd], capture_output=True, text=True,
                          timeout=timeout)


def test_toril_bench_boots_loads_idles_and_reports(tmp_path):
    assert KERNEL.exists(), f"kernel {KERNEL} not built"
    out = tmp_path / "report"
    p = subprocess.run([str(ROOT / "loadtest" / "toril-bench"), "--boot", "--cpus", "1",
                        "--kernel", str(KERNEL), "--sizes", "1k", "--conns", "8",
                        "--duration", "3", "--warmup", "1", "--settle", "2.5", "--idle", "3",
                        "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    md = (out / "report.md").read_text()
    assert md.strip() in p.stdout  # the table on stdout too
    assert re.search(r"^\| Toril \| /1k\.html \| 8 \| \d+ \|", md, re.M), md
    for png in ("timeline.png", "latency.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert 'src="timeline.png"' in (out / "index.html").read_text()
    res = json.loads((out / "results.json").read_text())
    toril = res["targets"][0]
    run = toril["runs"][0]
    w = run["wrk"]
    assert w["requests"] > 0 and w["rps"] > 0 and w["errors_total"] == 0, w
    assert run["guest_reqs"] and sum(run["guest_reqs"]) >= w["requests"], run["guest_reqs"]
    assert run["cpu"]["s_per_1k"] > 0 and run["cpu"]["vcpu_s"] > 0, run["cpu"]
    assert run["timeline"], "no per-second counts from wrk's script"
    idle = toril["idle"]
    assert idle["seconds"] >= 2.9
    assert 0 <= idle["pct"] < IDLE_PCT_MAX, idle
    assert idle["wakeups_per_s"] is not None and idle["wakeups_per_s"] < 20, idle
    assert res["meta"]["problems"] == []



def test_toril_bench_https_toril_alone(tmp_path):
    """--https against Toril only (the Linux guest needs packages downloaded): both suites
    pinned and checked, keep-alive req/s, full handshakes (none resumed) and resumed ones (all
    resumed, by s_time's marks and the guest's counters), medians reported."""
    assert KERNEL.exists(), f"kernel {KERNEL} not built"
    out = tmp_path / "https"
    p = subprocess.run([str(ROOT / "loadtest" / "toril-bench"), "--https", "--cpus", "1",
                        "--kernel", str(KERNEL), "--sizes", "1k", "--conns", "4",
                        "--duration", "2", "--warmup", "0", "--repeat", "1",
                        "--handshake-procs", "2", "--out", str(out)],
                       capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stdout + p.stderr
    res = json.loads((out / "results.json").read_text())
    assert res["meta"]["problems"] == []
    toril = res["summary"]["Toril"]
    for suite in ("aes128", "chacha20"):
        assert toril[f"keep-alive 1k c=4 {suite}"]["median"] > 0, toril
        assert toril[f"handshakes full {suite}"]["median"] > 0, toril
        assert toril[f"handshakes resumed {suite}"]["median"] > 0, toril
        assert re.search(rf"Toril handshakes full {suite}: .* \(s_time: 0 of [1-9]\d* resumed; "
                         rf"guest: [1-9]\d* full, 0 resumed\)", p.stderr), p.stderr
        # Each of the 2 processes makes one full handshake for its ticket, then only resumes.
        assert re.search(rf"Toril handshakes resumed {suite}: .* \(s_time: (\d+) of \1 resumed; "
                         rf"guest: 2 full, [1-9]\d* resumed\)", p.stderr), p.stderr
    counts = {c["scenario"]: c for c in res["handshake_counts"]}
    assert counts["handshakes resumed aes128"]["guest_resumed"] > 0, counts
    assert counts["handshakes full aes128"]["guest_resumed"] == 0, counts
    assert res["verdicts"] == []  # nothing to compare with
    report = (out / "report.md").read_text()
    assert "| Toril | handshakes full chacha20 |" in report
    assert "| Toril | handshakes resumed chacha20 |" in report

def test_tap_script_then_run_and_idle_watch(namespace, tmp_path):
    tap = ROOT / "scripts" / "tap"
    up = in_ns(namespace, str(tap), "up", "--queues", "2")
    assert up.returncode == 0, up.stderr
    link = in_ns(namespace, "ip", "-d", "link", "show", "tap0").stdout
    assert "multi_queue" in link and "UP" in link, link
    assert "inet 10.77.0.1/24" in in_ns(namespace, "ip", "addr", "show", "tap0").stdout
    again = in_ns(namespace, str(tap), "up", "--queues", "2")
    assert again.returncode == 2 and "exists already" in again.stderr
    m = re.search(r'make run NET=tap TAP=(\w+) CPUS=(\d+) ARGS="([^"]+)"', up.stdout)
    assert m and m.group(1) == "tap0" and m.group(2) == "2", up.stdout
    # Boot as that make run line would (run-qemu is what make run calls), inside the namespace.
    ns = type("Ns", (), {"name": namespace, "tap": "tap0"})
    vm = Vm(cpus=2, args=m.group(3), netns=ns, extra="-name toril,debug-threads=on")
    try:
        vm.expect(r"httpd: serving on port 80", timeout=60)
        guest = re.search(r"ip=([\d.]+)/", m.group(3)).group(1)
        curl = in_ns(namespace, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                     "--max-time", "10", f"http://{guest}/")
        assert curl.stdout == "200", curl
        png = tmp_path / "idle.png"
        w = subprocess.run([str(ROOT / "loadtest" / "idle-watch"), "--pid", str(vm.proc.pid),
                            "--seconds", "2", "--out", str(png)], capture_output=True, text=True,
                           timeout=30)
        assert w.returncode == 0, w.stdout + w.stderr
        lines = [ln for ln in w.stdout.splitlines() if re.match(r"\s+\d+\.\d s\s+[\d.]+ %", ln)]
        assert len(lines) == 2 and "vCPU" in lines[0], w.stdout
        s = re.search(r"mean ([\d.]+) %, median ([\d.]+) %, p90 ([\d.]+) %", w.stdout)
        assert s and float(s.group(1)) < IDLE_PCT_MAX, w.stdout
        assert png.read_bytes()[:4] == b"\x89PNG"
    finally:
        vm.kill()
    down = in_ns(namespace, str(tap), "down")
    assert down.returncode == 0 and "tap0" not in in_ns(namespace, "ip", "link").stdout
    one = in_ns(namespace, str(tap), "up", "--name", "tap1", "--queues", "1")
    assert one.returncode == 0, one.stderr
    assert "multi_queue" not in in_ns(namespace, "ip", "-d", "link", "show", "tap1").stdout
    bad = in_ns(namespace, str(tap), "up", "--name", "tap2", "--addr", "10.77.0.9/16")
    assert bad.returncode == 2 and "overlaps" in bad.stderr


def test_guest_profile_samples_the_guest_stack(tmp_path):
    """guest-profile against a Toril started with a gdb socket: every sample is a stack from
    the kernel's main loop (each core runs core_main -> core_loop_run), named by symbol."""
    assert KERNEL.exists(), f"kernel {KERNEL} not built"
    sock = tmp_path / "gdb.sock"
    vm = Vm(cpus=1, extra=f"-gdb unix:{sock},server=on,wait=off")
    try:
        vm.expect(r"toril: 1 cpus online")
        p = subprocess.run([str(ROOT / "loadtest" / "guest-profile"), "--socket", str(sock),
                            "--kernel", str(KERNEL), "--samples", "5"],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "5 samples" in p.stdout, p.stdout
        assert re.search(r"^\s+100\.0%\s+core_loop_run$", p.stdout, re.M), p.stdout
    finally:
        vm.kill()

"""wrk's output, as wrk 4.x prints it, into numbers."""
import pytest

from loadtest import wrk

PLAIN = """Running 5s test @ http://10.77.0.2/1k.html
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.23ms    2.10ms  40.12ms   85.00%
    Req/Sec     3.10k   200.00     3.50k    70.00%
  Latency Distribution
     50%  512.00us
     75%    6.00ms
     90%    7.50ms
     99%    1.20s
  31000 requests in 5.00s, 33.50MB read
Requests/sec:   6200.00
Transfer/sec:      6.70MB
"""

ERRORS = """Running 10s test @ http://127.0.0.1:8080/
  2 threads and 256 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   250.10ms  100.00ms    2.00m    90.00%
    Req/Sec   100.00     10.00   200.00     60.00%
  Latency Distribution
     50%  200.00ms
     75%  300.00ms
     90%  400.00ms
     99%     1.50m
  2000 requests in 10.01s, 1.00MB read
  Socket errors: connect 3, read 17, write 2, timeout 45
  Non-2xx or 3xx responses: 12
Requests/sec:    199.80
Transfer/sec:    102.30KB
"""

NOTHING = """Running 2s test @ http://10.77.0.2/
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 2.00s, 0.00B read
  Socket errors: connect 1, read 0, write 0, timeout 0
Requests/sec:      0.00
Transfer/sec:       0.00B
"""


def test_plain_run_with_latency_distribution_in_every_unit():
    r = wrk.parse(PLAIN)
    assert r["requests"] == 31000
    assert r["duration_s"] == 5.0
    assert r["rps"] == 6200.0
    assert r["read_bytes"] == pytest.approx(33.5 * 2**20)
    assert r["latency_ms"] == pytest.approx({"mean": 5.23, "stdev": 2.10, "max": 40.12})
    assert r["percentiles_ms"] == pytest.approx({50.0: 0.512, 75.0: 6.0, 90.0: 7.5, 99.0: 1200.0})
    assert r["errors_total"] == 0 and set(r["errors"].values()) == {0}
    assert r["timeline"] == {}


def test_socket_errors_and_non_2xx_are_counted_minutes_converted():
    r = wrk.parse(ERRORS)
    assert r["errors"] == {"connect": 3, "read": 17, "write": 2, "timeout": 45, "non2xx": 12}
    assert r["errors_total"] == 79
    assert r["latency_ms"]["max"] == 120000.0
    assert r["percentiles_ms"][99.0] == 90000.0
    assert r["duration_s"] == pytest.approx(10.01)
    assert r["read_bytes"] == 2**20


def test_run_without_a_response():
    r = wrk.parse(NOTHING)
    assert r["requests"] == 0 and r["rps"] == 0.0
    assert r["errors"]["connect"] == 1
    assert r["latency_ms"] == {"mean": 0.0, "stdev": 0.0, "max": 0.0}


def test_lua_line_adds_exact_percentiles_and_the_timeline():
    line = (wrk.JSON_TAG + '{"timeline": {"1700000001": 3000, "1700000000": 1200}, '
            '"percentiles_us": {"50": 511, "99": 1199999, "99.9": 1500000}, "max_us": 1600000, '
            '"mean_us": 5230.0, "requests": 31000, "duration_us": 5000000}\n')
    r = wrk.parse(PLAIN + line)
    assert r["timeline"] == {1700000000: 1200, 1700000001: 3000}
    assert r["percentiles_ms"][50.0] == 0.511            # the exact figure wins
    assert r["percentiles_ms"][75.0] == 6.0              # printed only
    assert r["percentiles_ms"][99.9] == 1500.0
    assert r["percentiles_ms"][100.0] == 1600.0
    assert list(r["percentiles_ms"]) == sorted(r["percentiles_ms"])


@pytest.mark.parametrize("text,ms", [("1us", 0.001), ("2.50ms", 2.5), ("3s", 3000.0),
                                     ("1.5m", 90000.0), ("1h", 3600000.0)])
def test_latency_units(text, ms):
    assert wrk.to_ms(text) == pytest.approx(ms)


@pytest.mark.parametrize("text", ["", "5", "5 ms", "-1ms", "1.2.3ms", "nanms", "3d"])
def test_bad_latency_is_an_error(text):
    with pytest.raises(ValueError):
        wrk.to_ms(text)


@pytest.mark.parametrize("out", ["", "wrk: connection refused\n", PLAIN.replace("Requests/sec", "R")])
def test_output_without_a_summary_is_an_error(out):
    with pytest.raises(ValueError):
        wrk.parse(out)


def test_command_line():
    cmd = wrk.command("http://h/x", 1, 2, 5, 10, "/tmp/s.lua", "ns1")
    assert cmd[:4] == ["ip", "netns", "exec", "ns1"]
    assert cmd[4:] == ["wrk", "-t", "1", "-c", "1", "-d", "5s", "--timeout", "10s", "--latency",
                       "-s", "/tmp/s.lua", "http://h/x"]  # never more threads than connections

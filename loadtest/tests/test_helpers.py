"""Small helpers of the tools: the guest's stats lines, idle-watch's summary, the Linux guest's
initramfs writer, the size and argument checks of toril-bench."""
import gzip

import pytest

from harness import stats
from loadtest import bench, idle_watch, linux_guest


def test_stats_line():
    c = stats.parse_line("halts=5 wakeups_irq=2 wakeups_timer=3 wakeups_ipi=1 busy_pct=0 reqs=9")
    assert c["reqs"] == 9 and stats.wakeups(c) == 6
    assert stats.delta({"a": 1, "b": 2}, {"a": 4, "c": 1}) == {"a": 3}


@pytest.mark.parametrize("line", ["", "halts=1 junk", "halts=-1", "halts=1 halts=2", "a=1\x1b[0m",
                                  "x=0x10"])
def test_garbled_stats_line_is_an_error(line):
    with pytest.raises(ValueError):
        stats.parse_line(line)


def test_idle_summary():
    pts = [(i, v, 0.0) for i, v in enumerate([0.1, 0.2, 0.3, 0.4, 10.0], 1)]
    s = idle_watch.summary(pts)
    assert s["mean"] == pytest.approx(2.2) and s["median"] == 0.3
    assert s["p90"] == pytest.approx(0.4 + (10.0 - 0.4) * 0.6) and s["max"] == 10.0
    assert idle_watch.summary([]) is None


def read_newc(data):
    """[(name, mode, rdev major, rdev minor, data)] of a newc archive (the test's own reader)."""
    out, off = [], 0
    while True:
        assert data[off:off + 6] == b"070701", off
        f = [int(data[off + 6 + 8 * i: off + 14 + 8 * i], 16) for i in range(13)]
        namesize, size = f[11], f[6]
        name = data[off + 110: off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += -off % 4
        body = data[off: off + size]
        off += size
        off += -off % 4
        if name == "TRAILER!!!":
            return out
        out.append((name, f[1], f[9], f[10], body))


def test_initramfs_archive_and_site_layer(tmp_path):
    a = linux_guest.Cpio()
    a.dir("etc")
    a.file("etc/x", b"abc", 0o600)
    a.symlink("bin/sh", "busybox")
    a.chardev("dev/console", 5, 1)
    got = read_newc(a.bytes())
    assert got == [("etc", 0o040755, 0, 0, b""), ("etc/x", 0o100600, 0, 0, b"abc"),
                   ("bin/sh", 0o120777, 0, 0, b"busybox"), ("dev/console", 0o020600, 5, 1, b"")]
    base = tmp_path / "base.gz"
    base.write_bytes(gzip.compress(linux_guest.Cpio().bytes()))
    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / "1k.html").write_bytes(b"x" * 1024)
    (site / "sub" / "a.css").write_bytes(b"a{}")
    rd = linux_guest.initrd(base, site, tmp_path / "rd", "10.77.0.2/24", 2)
    raw = rd.read_bytes()
    first = len(base.read_bytes())
    assert raw[:first] == base.read_bytes()
    first += -first % 4  # archives start 4-byte aligned
    assert raw[first:first + 2] == b"\x1f\x8b"
    names = {n: d for n, _, _, _, d in read_newc(gzip.decompress(raw[first:]))}
    assert names["etc/bench.env"] == b"BENCH_IP=10.77.0.2/24\n"
    assert b"worker_processes 2;" in names["etc/nginx/nginx.conf"]
    assert names["srv/site/1k.html"] == b"x" * 1024 and names["srv/site/sub/a.css"] == b"a{}"
    assert list(names).index("srv/site/sub") < list(names).index("srv/site/sub/a.css")


@pytest.mark.parametrize("text,n", [("1", 1), ("1k", 1024), ("64K", 65536), ("2m", 2 << 20)])
def test_sizes(text, n):
    assert bench.parse_size(text)[1] == n


@pytest.mark.parametrize("text", ["0", "1g", "k", "-1k", "1.5k", "65m"])
def test_bad_sizes(text):
    with pytest.raises(ValueError):
        bench.parse_size(text)


def test_site_has_exact_sizes(tmp_path):
    bench.make_site(tmp_path / "s", [("1k", 1024), ("3", 3)])
    assert (tmp_path / "s" / "1k.html").stat().st_size == 1024
    assert (tmp_path / "s" / "3.html").stat().st_size == 3


@pytest.mark.parametrize("argv", [[], ["http://x", "--boot"], ["ftp://x"], ["http://x", "--conns", "0"],
                                  ["http://x", "--paths", "noslash"], ["http://x", "--sizes", "1q"],
                                  ["--compare", "linux", "--machine", "microvm"]])
def test_bad_command_lines_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as e:
        bench.parse_args(argv)
    assert e.value.code == 2
    assert "error:" in capsys.readouterr().err

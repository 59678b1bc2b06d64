"""Content from outside: a generated tree (nested folders, spaces and dots in names, a 0-byte
file, a 1 MiB + 7 byte file, 40 files in one folder) is served through DISK=vfat (QEMU's vfat
driver) and DISK=image (content/mkimage --gzip), and the boot log counts every file and byte;
no disk boots serving nothing; a site larger than guest memory stops the boot with its size;
and every file comes back over HTTP byte-identical, in both disk modes."""
import gzip
import hashlib
import os
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from harness.vm import ROOT

LOADED = r"content: (\d+) files, (\d+) bytes loaded in (\d+) ms \(virtio-blk, (\d+) MiB disk\)"
DETAIL = r"content: (\d+) folders, (\d+) gzip variants, (\d+) files left out"


def make_tree(root):
    """Writes the tree under root; returns {relative path: bytes}."""
    rnd = __import__("random").Random(4)
    text = lambda n: ("".join(rnd.choice("toril serves ") for _ in range(n))).encode()
    files = {
        "index.html": b"<!doctype html><title>t</title>" + text(3000),
        "css/site.css": b"body { margin: 0 }\n" * 200,
        "a/b/c/d/deep.txt": b"deep\n",
        "with space/file name.with.dots.txt": text(700),
        "v1.2.3/notes.tar.gz": os.urandom(2000),  # a .gz without its original
        "empty.txt": b"",
        "big/blob.bin": os.urandom(1024 * 1024 + 7),
    }
    for i in range(40):
        files[f"many/page{i:02d}.html"] = text(100 + 37 * i)
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return files


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("content-site")
    files = make_tree(root)
    yield root, files
    # DISK=image leaves its image in build/ (scripts/run-qemu: site-<name>-<hash>.img).
    real = os.path.realpath(root)
    h = hashlib.sha256(real.encode()).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(real))
    (ROOT / "build" / f"site-{name}-{h}.img").unlink(missing_ok=True)


def boot_site(boot, root, disk, **kw):
    return boot(cpus=1, env={"SITE": str(root), "DISK": disk, "NET": "none"}, **kw)


def test_vfat_loads_every_file(boot, tree):
    root, files = tree
    vm = boot_site(boot, root, "vfat")
    m = vm.expect(LOADED, timeout=60)
    assert int(m.group(1)) == len(files)
    assert int(m.group(2)) == sum(len(d) for d in files.values())
    assert int(m.group(4)) == 504  # QEMU's vfat disk size
    d = vm.expect(DETAIL)
    # a/, a/b, a/b/c, a/b/c/d, css, with space, v1.2.3, big, many
    assert (int(d.group(1)), int(d.group(2)), int(d.group(3))) == (9, 0, 0)
    vm.expect(r"toril: 1 cpus online")
    vm.send("shutdown")
    assert vm.wait(30) == 0


def test_image_loads_every_file_and_gzip_siblings(boot, tree):
    root, files = tree
    vm = boot_site(boot, root, "image")
    # mkimage's summary (on run-qemu's stderr): what it put into the image.
    s = vm.expect(r"mkimage: .*: (\d+) files \((\d+) \.gz siblings added\), (\d+) bytes", 120)
    n, gz, total = (int(g) for g in s.groups())
    assert n == len(files) + gz and gz > 0
    m = vm.expect(LOADED, timeout=60)
    assert (int(m.group(1)), int(m.group(2))) == (n, total)
    d = vm.expect(DETAIL)
    assert (int(d.group(2)), int(d.group(3))) == (gz, 0)
    vm.expect(r"toril: 1 cpus online")
    vm.send("shutdown")
    assert vm.wait(30) == 0


def test_no_disk_serves_nothing(boot):
    vm = boot(cpus=1, env={"DISK": "none", "NET": "none"})
    vm.expect(r"content: no disk, serving nothing")
    vm.expect(r"toril: 1 cpus online")
    vm.send("shutdown")
    assert vm.wait(30) == 0


def test_site_larger_than_memory_stops_the_boot(boot, tmp_path):
    """48 MiB of guest memory, a 40 MiB site: refused before a byte is read, with its size."""
    (tmp_path / "big").mkdir()
    for i in range(5):
        with open(tmp_path / "big" / f"part{i}.bin", "wb") as f:
            f.truncate(8 * 1024 * 1024)  # sparse: vfat reads zeros
    vm = boot(cpus=1, mem="48M", env={"SITE": str(tmp_path), "DISK": "vfat", "NET": "none"})
    m = vm.expect(r"content: the site does not fit in memory: 5 files, 41943040 bytes "
                  r"\(40 MiB\) need (\d+) MiB.*MEM=(\d+)M")
    assert int(m.group(1)) >= 40 and int(m.group(2)) > 48
    rc = vm.wait(30)
    assert rc != 0 and rc % 2 == 1, rc  # the guest reported a failed boot
    assert not re.search(LOADED, vm.output)
    # The suggestion is one that works.
    vm = boot(cpus=1, mem=f"{m.group(2)}M",
              env={"SITE": str(tmp_path), "DISK": "vfat", "NET": "none"})
    vm.expect(LOADED, timeout=120)

def fetch(port, rel, gz=False):
    url = f"http://127.0.0.1:{port}/" + urllib.parse.quote(rel)
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip" if gz else "identity"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


@pytest.mark.parametrize("disk", ["vfat", "image"])
def test_every_file_fetched_byte_identical(boot, tree, disk):
    root, files = tree
    vm = boot(cpus=2, env={"SITE": str(root), "DISK": disk})
    vm.expect(LOADED, timeout=120)
    vm.expect(r"toril: 2 cpus online", timeout=60)
    tags, ngz = {}, 0
    for rel, data in files.items():
        status, headers, body = fetch(vm.http_port, rel)
        assert status == 200 and body == data, rel
        assert headers["content-length"] == str(len(data)), rel
        assert "content-encoding" not in headers, rel
        tags[rel] = headers["etag"]
        # The same bytes again, gzip-encoded where the image has a sibling.
        status, headers, body = fetch(vm.http_port, rel, gz=True)
        if headers.get("content-encoding") == "gzip":
            assert disk == "image", rel
            assert gzip.decompress(body) == data, rel
            assert headers["etag"] != tags[rel], rel
            assert headers["vary"] == "Accept-Encoding", rel
            ngz += 1
        else:
            assert body == data, rel
    assert (ngz > 0) == (disk == "image")
    # Distinct files, distinct tags.
    assert len(set(tags[r] for r in files if files[r])) == len(set(d for d in files.values() if d))
    # A missing file is 404.
    with pytest.raises(urllib.error.HTTPError) as e:
        fetch(vm.http_port, "nope.html")
    assert e.value.code == 404


def test_sample_site_served_in_32_mib(boot):
    """The memory target: the sample site is served in 32 MB of guest memory."""
    vm = boot(cpus=2, mem="32M")
    vm.expect(r"toril: 2 cpus online")
    vm.expect(r"httpd: serving on port 80")
    status, headers, body = fetch(vm.http_port, "")
    assert status == 200 and b"Toril" in body
    vm.send("shutdown")
    assert vm.wait(30) == 0

"""A Linux + nginx guest, the baseline of `toril-bench --compare linux`: booted by the same
scripts/run-qemu (q35, TCG, -cpu max, the same tap), built only from Debian packages:

  - the kernel of linux-image-cloud-amd64 (the metapackage names the versioned image), its
    virtio-net modules loaded from the initramfs (the cloud kernel builds them as modules);
  - busybox-static as /init's shell and tools;
  - Debian's nginx with the shared libraries it needs, taken from their Debian packages too.

`apt-get download` fetches the .debs into the cache folder (nothing is installed on the host);
dpkg-deb unpacks them there.  The cache (default build/linux-guest/) holds the kernel and a base
initramfs and is rebuilt only when missing.  Each boot appends a second, small archive with the
nginx configuration and the site to serve: the kernel unpacks concatenated archives in order.

The guest's console (its shell on ttyS0) answers `bench-intr`: the interrupts the guest has taken
(/proc/stat `intr`, timer and IPIs included), the Linux counterpart of Toril's wake-up counters.
"""
import gzip
import os
import re
import shutil
import subprocess
from pathlib import Path

KERNEL_META = "linux-image-cloud-amd64"
USER_PACKAGES = ("busybox-static", "nginx")
# nginx's libraries (its NEEDED entries, and theirs) come from these packages.
LIB_PACKAGES = ("libc6", "libcrypt1", "libpcre2-8-0", "libssl3", "zlib1g")
# The modules virtio-net over PCI needs; their own dependencies (each module's `depends=`) are
# added, and the load order follows from them (the package has no modules.dep: depmod makes it).
MODULES = ("virtio_pci", "virtio_net")
LIB_DIRS = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64")
INTERP = "/lib64/ld-linux-x86-64.so.2"
CMDLINE = "console=ttyS0 panic=-1 quiet"
READY = "bench: nginx ready"
CACHE_FORMAT = "3"  # bump when the base archive's layout changes

INIT = r"""#!/bin/busybox sh
# /init of the toril-bench Linux guest: modules, network, nginx, then a shell on the console.
/bin/busybox mkdir -p /proc /sys /dev /run /tmp /var/log/nginx /var/lib/nginx
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox --install -s /bin
for m in $(cat /lib/modules/order); do
    insmod /lib/modules/$m.ko || echo "bench: insmod $m failed"
done
. /etc/bench.env
ip link set lo up
ip addr add "$BENCH_IP" dev eth0 && ip link set eth0 up || echo "bench: no eth0"
ulimit -n 65536
if nginx -c /etc/nginx/nginx.conf; then echo "READY"; else echo "bench: nginx failed"; fi
echo "bench: $(grep -c ^processor /proc/cpuinfo) cpus, $(ls /sys/class/net/eth0/queues | grep -c rx) rx queues"
PS1='' exec sh
""".replace("READY", READY)

# `bench-intr` on the console: interrupts taken so far, all CPUs (the first field of `intr`).
BENCH_INTR = b"""#!/bin/sh
echo "bench-intr $(grep '^intr ' /proc/stat | cut -d' ' -f2)"
"""

NGINX_CONF = """# toril-bench: nginx in the Linux guest, limits as Toril's defaults where both have one.
user root;
worker_processes {workers};
daemon on;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log warn;
events {{ worker_connections 4096; }}
http {{
    types {{ text/html html htm; text/css css; application/javascript js; image/png png; }}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 5s;
    keepalive_requests 1000;
    open_file_cache max=64 inactive=60s;
    server {{
        listen 80 default_server backlog=4096;
        root /srv/site;
        index index.html;
    }}
{https_server}}}
"""

# `toril-bench --https`: the same site over TLS 1.2 with the suites and curves Toril offers
# (ECDSA key; the client pins the suite, so nginx follows the client's order).  Tickets on, as
# Toril issues them; no server-side session cache (Toril keeps none), so a client that resumes
# does so only by ticket on both servers.
NGINX_HTTPS_SERVER = """    server {{
        listen 443 ssl default_server backlog=4096;
        root /srv/site;
        index index.html;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2;
        ssl_ciphers {ciphers};
        ssl_prefer_server_ciphers off;
        ssl_ecdh_curve X25519:prime256v1;
        ssl_session_tickets on;
        ssl_session_cache off;
    }}
"""
TLS_CERT_PATH = "/etc/nginx/bench-cert.pem"
TLS_KEY_PATH = "/etc/nginx/bench-key.pem"
# Toril's ECDSA suites (tls/tls.c), in OpenSSL's names.
NGINX_TLS_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
                     "ECDHE-ECDSA-AES256-GCM-SHA384")


class GuestError(Exception):
    pass


# --- cpio (newc), written here so no host tool is needed --------------------------------------

class Cpio:
    """An initramfs archive in the 'newc' format the kernel unpacks (buffer-format.rst)."""

    def __init__(self):
        self.parts, self.ino = [], 1

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        name_b = name.lstrip("/").encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        self.parts += [hdr, name_b, b"\0" * (-(len(hdr) + len(name_b)) % 4), data,
                       b"\0" * (-len(data) % 4)]

    def dir(self, name):
        self._entry(name, 0o040755)

    def file(self, name, data, mode=0o644):
        self._entry(name, 0o100000 | mode, data)

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def chardev(self, name, major, minor):
        self._entry(name, 0o020600, rdev=(major, minor))

    def bytes(self):
        self._entry("TRAILER!!!", 0)
        return b"".join(self.parts)


# --- the cache ---------------------------------------------------------------------------------

def _run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise GuestError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()[-800:]}")
    return p.stdout


def kernel_package():
    """The versioned image package the metapackage depends on (linux-image-6.1.0-N-cloud-amd64)."""
    out = _run(["apt-cache", "depends", KERNEL_META])
    m = re.search(r"Depends: (linux-image-[\w.+-]+-cloud-amd64)\b", out)
    if not m:
        raise GuestError(f"apt-cache depends {KERNEL_META}: no linux-image dependency "
                         f"(run apt-get update?)\n{out}")
    return m.group(1)


def _modules(mods, kpkg):
    """[(name, bytes)] of MODULES and their dependencies, dependencies first."""
    builtin = (mods / "modules.builtin").read_text() if (mods / "modules.builtin").exists() else ""
    out, done = [], set()

    def add(name, chain):
        if name in done:
            return
        if name in chain:
            raise GuestError(f"{kpkg}: module dependency loop {' -> '.join(chain + (name,))}")
        ko = sorted(mods.rglob(f"{name}.ko"))
        if not ko:
            if f"/{name}.ko" in builtin:
                done.add(name)
                return
            raise GuestError(f"{kpkg}: module {name} neither built in nor in {mods}")
        data = ko[0].read_bytes()
        m = re.search(rb"(?:^|\0)depends=([^\0]*)\0", data)
        for dep in (m.group(1).decode().split(",") if m and m.group(1) else []):
            add(dep, chain + (name,))
        done.add(name)
        out.append((name, data))

    for name in MODULES:
        add(name, ())
    return out


def _needed(path):
    out = _run(["objdump", "-p", str(path)])
    return re.findall(r"^\s*NEEDED\s+(\S+)", out, re.M)


def _find_lib(root, name):
    for d in LIB_DIRS:
        p = root / d / name
        if p.exists():
            return p
    raise GuestError(f"{name}: not in the unpacked packages ({', '.join(LIB_PACKAGES)})")


def prepare(cache, log=print):
    """Download and unpack the packages (once), build cache/vmlinuz and cache/base.cpio.gz.
    Returns (kernel path, base initramfs path)."""
    cache = Path(cache)
    kernel, base, stamp = cache / "vmlinuz", cache / "base.cpio.gz", cache / "ready"
    if stamp.exists() and stamp.read_text().startswith(CACHE_FORMAT + " ") and \
            kernel.exists() and base.exists():
        return kernel, base
    for tool in ("apt-get", "apt-cache", "dpkg-deb", "objdump"):
        if not shutil.which(tool):
            raise GuestError(f"{tool} not found (a Debian host is needed to build the guest)")
    debs, root = cache / "debs", cache / "root"
    shutil.rmtree(root, ignore_errors=True)
    debs.mkdir(parents=True, exist_ok=True)
    kpkg = kernel_package()
    pkgs = (kpkg,) + USER_PACKAGES + LIB_PACKAGES
    log(f"linux guest: apt-get download {' '.join(pkgs)} into {debs}")
    # As root apt drops to the _apt user for downloads, which cannot write a private folder.
    _run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", *pkgs], cwd=debs)
    for pkg in pkgs:
        found = sorted(debs.glob(f"{pkg}_*.deb"))
        if not found:
            raise GuestError(f"apt-get download {pkg}: no .deb in {debs}")
        _run(["dpkg-deb", "-x", str(found[-1]), str(root)])

    vmlinuz = sorted((root / "boot").glob("vmlinuz-*"))
    if not vmlinuz:
        raise GuestError(f"{kpkg}: no /boot/vmlinuz-*")
    kver = vmlinuz[-1].name[len("vmlinuz-"):]
    a = Cpio()
    for d in ("bin", "sbin", "dev", "proc", "sys", "run", "tmp", "etc", "etc/nginx", "lib",
              "lib/modules", "lib/x86_64-linux-gnu", "lib64", "usr", "usr/sbin", "var",
              "var/log", "var/log/nginx", "var/lib", "var/lib/nginx", "srv"):
        a.dir(d)
    a.chardev("dev/console", 5, 1)  # the kernel opens it for /init before devtmpfs is mounted
    a.file("init", INIT.encode(), 0o755)
    a.file("bin/busybox", (root / "bin" / "busybox").read_bytes(), 0o755)
    a.file("etc/passwd", b"root:x:0:0:root:/:/bin/sh\n")
    a.file("etc/group", b"root:x:0:\n")
    a.file("bin/bench-intr", BENCH_INTR, 0o755)
    order = []
    for name, data in _modules(root / "lib" / "modules" / kver, kpkg):
        a.file(f"lib/modules/{name}.ko", data)
        order.append(name)
    a.file("lib/modules/order", ("\n".join(order) + "\n").encode())
    nginx = root / "usr" / "sbin" / "nginx"
    a.file("usr/sbin/nginx", nginx.read_bytes(), 0o755)
    todo, seen = list(_needed(nginx)), set()
    while todo:  # the libraries' own NEEDED entries too
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        lib = _find_lib(root, name)
        a.file(f"lib/x86_64-linux-gnu/{name}", lib.resolve().read_bytes(), 0o755)
        todo += _needed(lib.resolve())
    interp = _find_lib(root, os.path.basename(INTERP))
    a.file(INTERP.lstrip("/"), interp.resolve().read_bytes(), 0o755)
    tmp = base.with_suffix(".tmp")
    tmp.write_bytes(gzip.compress(a.bytes(), 6))
    tmp.replace(base)
    shutil.copyfile(vmlinuz[-1], kernel)
    stamp.write_text(f"{CACHE_FORMAT} {kpkg} {kver}\n")
    shutil.rmtree(root, ignore_errors=True)
    log(f"linux guest: {kver}, initramfs {base.stat().st_size // 1024} KiB, cached in {cache}")
    return kernel, base


def nginx_conf(workers, tls=False):
    """nginx.conf text: HTTP on 80, and with tls HTTPS on 443 too (files at TLS_*_PATH)."""
    https = NGINX_HTTPS_SERVER.format(cert=TLS_CERT_PATH, key=TLS_KEY_PATH,
                                      ciphers=NGINX_TLS_CIPHERS) if tls else ""
    return NGINX_CONF.format(workers=workers, https_server=https)


def initrd(base, site, out, ip, workers, tls=None):
    """base + an archive with /etc/bench.env, nginx.conf and the site (flat folder of files, or
    with subfolders) -> out (a file QEMU loads with -initrd).  tls: (certificate PEM, key PEM)
    bytes to serve HTTPS on 443 as well."""
    a = Cpio()
    a.file("etc/bench.env", f"BENCH_IP={ip}\n".encode())
    a.file("etc/nginx/nginx.conf", nginx_conf(workers, tls is not None).encode())
    if tls is not None:
        a.file(TLS_CERT_PATH.lstrip("/"), tls[0])
        a.file(TLS_KEY_PATH.lstrip("/"), tls[1], 0o600)
    site = Path(site)
    a.dir("srv/site")
    for p in sorted(site.rglob("*")):
        rel = "srv/site/" + p.relative_to(site).as_posix()
        if p.is_dir():
            a.dir(rel)
        elif p.is_file():
            a.file(rel, p.read_bytes())
    data = Path(base).read_bytes()
    data += b"\0" * (-len(data) % 4)
    Path(out).write_bytes(data + gzip.compress(a.bytes(), 1))
    return Path(out)

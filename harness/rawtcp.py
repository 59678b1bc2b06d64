"""TCP spoken by the test itself over AF_PACKET on a test-made namespace's tap, from an address
the host kernel does not own (so the host's TCP stack never answers for it): for attacks and
measurements that a socket cannot make (1-byte segments, spoofed SYNs, one ACK per round)."""
import random
import re
import socket
import struct
import threading
import time

from harness.netns import GUEST_IP


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def mac_bytes(text):
    return bytes.fromhex(text.replace(":", ""))


class RawTcp:
    """TCP from a made-up address (FAKE_IP, FAKE_MAC) over AF_PACKET on the namespace's tap.
    A reader thread answers the guest's ARP for FAKE_IP and queues the TCP segments sent to it,
    each as (src port, dst port, seq, ack, flags, window, payload).  sized=True: the payload is
    given as its length, taken from the IP header (a TSO frame reaches the tap whole, up to
    64 KiB, more than the reader keeps of it)."""
    FAKE_IP = "10.77.0.77"
    FAKE_MAC = mac_bytes("02:00:00:00:00:77")

    def __init__(self, ns, sized=False):
        self.ns = ns
        self.sized = sized
        assert ns.run("ping", "-c", "1", "-W", "5", GUEST_IP).returncode == 0  # learn its MAC
        neigh = ns.run("ip", "neigh", "show", GUEST_IP).stdout
        self.guest_mac = mac_bytes(re.search(r"lladdr ([0-9a-f:]+)", neigh).group(1))
        self.host_mac = mac_bytes(ns.run("cat", f"/sys/class/net/{ns.tap}/address").stdout.strip())
        with ns.entered():
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            self.sock.bind((ns.tap, 0))
        self.sock.settimeout(0.2)
        self.segments = []  # (src port, dst port, seq, ack, flags, window, payload) to FAKE_IP
        self.cv = threading.Condition()
        self.stop_ev = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def close(self):
        self.stop_ev.set()
        self.reader.join(2)
        self.sock.close()

    def _read(self):
        fake = socket.inet_aton(self.FAKE_IP)
        while not self.stop_ev.is_set():
            try:
                f = self.sock.recv(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            etype = f[12:14]
            if etype == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[38:42] == fake:
                arp = (b"\x00\x01\x08\x00\x06\x04\x00\x02" + self.FAKE_MAC + fake + f[22:28] +
                       f[28:32])
                self.sock.send(f[6:12] + self.FAKE_MAC + b"\x08\x06" + arp)
            elif etype == b"\x08\x00" and f[30:34] == fake and f[23] == 6:
                ihl = (f[14] & 15) * 4
                t = f[14 + ihl:]
                sport, dport, seq, ack, off, flags, win = struct.unpack("!HHIIBBH", t[:16])
                if self.sized:
                    payload = struct.unpack("!H", f[16:18])[0] - ihl - (off >> 4) * 4
                else:
                    payload = t[(off >> 4) * 4:]
                with self.cv:
                    self.segments.append((sport, dport, seq, ack, flags, win, payload))
                    self.cv.notify_all()

    def frame(self, sport, seq, ack, flags, payload=b"", src_ip=None, dst_mac=None, window=65535,
              options=b""):
        """An Ethernet frame carrying one TCP segment to the guest's port 80."""
        src = socket.inet_aton(src_ip or self.FAKE_IP)
        dst = socket.inet_aton(GUEST_IP)
        off = (20 + len(options)) // 4
        tcp = struct.pack("!HHIIBBHHH", sport, 80, seq & 0xffffffff, ack & 0xffffffff, off << 4,
                          flags, window, 0, 0) + options + payload
        csum = checksum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
        tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        return (dst_mac or self.guest_mac) + self.FAKE_MAC + b"\x08\x00" + ip + tcp

    def send(self, *args, **kw):
        self.sock.send(self.frame(*args, **kw))

    def wait_segment(self, sport, pred, timeout=5.0):
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for s in self.segments:
                    if s[1] == sport and pred(s):
                        self.segments.remove(s)
                        return s
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching segment to port {sport} in {timeout}s")
                self.cv.wait(left)

    def syn_ack(self, sport, isn):
        """Send a SYN (MSS 1460); the guest's SYN-ACK as (its ISN, its window)."""
        self.send(sport, isn, 0, 0x02, options=b"\x02\x04\x05\xb4")
        s = self.wait_segment(sport, lambda s: s[4] & 0x12 == 0x12)
        return s[2], s[5]

    def connect(self, sport):
        """Handshake; returns (our next seq, the guest's next seq)."""
        isn = random.getrandbits(32)
        their, _ = self.syn_ack(sport, isn)
        self.send(sport, isn + 1, their + 1, 0x10)
        return isn + 1, their + 1

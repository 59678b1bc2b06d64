"""A strict little HTTP/1.1 client for tests: raw requests in, parsed responses out, so tests see
exactly what the server sent (status line, every header, body length) and can pipeline."""
import socket


class Response:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<{self.status} {self.reason} {self.headers} {len(self.body)} bytes>"


class Conn:
    def __init__(self, host, port, timeout=10, sock=None):
        self.sock = sock or socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def read_response(self, head=False):
        """One response; head=True for a response to HEAD (no body whatever it says)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        version, status, reason = (lines[0].split(" ", 2) + [""])[:3]
        assert version == "HTTP/1.1", lines[0]
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            assert name.lower() not in headers, f"duplicate header {name}"
            headers[name.lower()] = value.strip()
        n = 0 if head or int(status) in (204, 304) else int(headers.get("content-length", 0))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return Response(int(status), reason, headers, body)

    def closed_by_peer(self, timeout=5):
        """True if the server closed the connection (EOF) with nothing more to read."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b"" and not self.buf
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.sock.close()


def get(host, port, path, headers=(), method="GET"):
    c = Conn(host, port)
    extra = "".join(f"{h}\r\n" for h in headers)
    c.send(f"{method} {path} HTTP/1.1\r\nHost: t\r\n{extra}Connection: close\r\n\r\n")
    r = c.read_response(head=method == "HEAD")
    c.close()
    return r

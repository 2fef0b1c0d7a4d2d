"""Wire-level helpers of the fuzz suite: SigV4-signed raw requests, a JSON encoder that can write what
json.dumps cannot (duplicate keys, invalid UTF-8, raw tokens), and a raw HTTP/1.1 exchange that reports
exactly what came back: an answer, a reset, an EOF or a time-out."""
import select
import socket
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDENTIALS = Credentials("test", "test")
REGION = "us-east-1"
CONTENT_TYPE = "application/x-amz-json-1.1"


class Raw:
    """JSON text (bytes) written as is: numbers json.dumps refuses, invalid UTF-8, bad escapes."""

    def __init__(self, data):
        self.data = data

    def __repr__(self):
        return f"Raw({self.data!r})"


class Obj:
    """A JSON object as an ordered list of (key, value) pairs: keys may repeat, and may be Raw."""

    def __init__(self, pairs):
        self.pairs = list(pairs)


def to_tree(value):
    """json-like Python value -> tree of Obj / list / scalars."""
    if isinstance(value, dict):
        return Obj((k, to_tree(v)) for k, v in value.items())
    if isinstance(value, list):
        return [to_tree(v) for v in value]
    return value


def encode(value):
    """Tree -> JSON bytes, in the spacing of the Python clients."""
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, Obj):
        return b"{" + b", ".join(encode_key(k) + b": " + encode(v) for k, v in value.pairs) + b"}"
    if isinstance(value, list):
        return b"[" + b", ".join(encode(v) for v in value) + b"]"
    if value is None:
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, (int, float)):
        return repr(value).encode()
    if isinstance(value, str):
        return encode_string(value)
    raise TypeError(type(value))


def encode_key(key):
    return key.data if isinstance(key, Raw) else encode_string(key)


def encode_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out).encode("utf-8")


def sign(port, target, body, service="workspaces", path="/", method="POST", headers=None, sign_target=True):
    """The headers of a SigV4-signed request, in order, as (name, str value); values are sent as Latin-1.
    Host, Content-Type, X-Amz-Target and X-Amz-Date are signed, as the AWS clients sign them."""
    h = {"Content-Type": CONTENT_TYPE}
    if target is not None and sign_target:
        h["X-Amz-Target"] = target
    h.update(headers or {})
    req = AWSRequest(method=method, url=f"http://127.0.0.1:{port}{path}", data=body, headers=h)
    SigV4Auth(CREDENTIALS, service, REGION).add_auth(req)
    out = [("Host", f"127.0.0.1:{port}")] + list(req.headers.items())
    if target is not None and not sign_target:
        out.append(("X-Amz-Target", target))
    return out


def head(method, path, headers, version="HTTP/1.1"):
    lines = [f"{method} {path} {version}".encode("latin-1")]
    for name, value in headers:
        n = name if isinstance(name, bytes) else name.encode("latin-1")
        v = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(n + b": " + v)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def with_length(headers, body):
    return [*headers, ("Content-Length", str(len(body)))]


class Answer:
    """What one exchange got back. `error` is None for an answer, else 'reset', 'eof' or 'timeout'."""

    def __init__(self, status=None, reason="", headers=None, body=b"", error=None, elapsed=0.0):
        self.status, self.reason, self.headers, self.body = status, reason, headers or [], body
        self.error, self.elapsed = error, elapsed

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    @property
    def closes(self):
        return (self.header("Connection") or "").lower() == "close"

    def __str__(self):
        if self.error:
            return f"<{self.error} after {self.elapsed:.2f}s>"
        hs = "".join(f"\n    {n}: {v}" for n, v in self.headers)
        return f"HTTP {self.status} {self.reason} ({self.elapsed:.2f}s){hs}\n    body: {self.body[:400]!r}"


class Connection:
    """One client connection. `exchange` sends parts (bytes, or a float: pause that many seconds) and reads
    one response; a connection the server closed or broke is reopened on the next call."""

    def __init__(self, port, timeout=20.0):
        self.port, self.timeout = port, timeout
        self.sock, self.buf = None, b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def _open(self):
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def trickle(self, first, body, rate):
        """Sends `first`, then `body` at `rate` bytes/s (none at all when 0) until the server answers."""
        self._open()
        start = time.monotonic()
        try:
            self.sock.sendall(first)
            sent, step = 0, max(1, rate // 10)
            while True:
                # Wait for an answer as long as one step of the body takes; send the step when none came.
                readable, _, _ = select.select([self.sock], [], [], 0.1 if rate else self.timeout)
                if readable or not rate or sent >= len(body):
                    break
                self.sock.sendall(body[sent:sent + step])
                sent += step
            answer = self._read(start)
        except socket.timeout:
            answer = Answer(error="timeout", elapsed=time.monotonic() - start)
        except (ConnectionResetError, BrokenPipeError):
            answer = Answer(error="reset", elapsed=time.monotonic() - start)
        self.close()
        return answer

    def exchange(self, parts, shut_write=False):
        self._open()
        start = time.monotonic()
        try:
            for part in parts:
                if isinstance(part, float):
                    time.sleep(part)  # the stimulus itself: a client that sends slowly
                else:
                    try:
                        self.sock.sendall(part)
                    except (BrokenPipeError, ConnectionResetError):
                        break  # the server answered early and stopped reading: its answer may be waiting
            if shut_write:
                try:
                    self.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            answer = self._read(start)
        except socket.timeout:
            answer = Answer(error="timeout", elapsed=time.monotonic() - start)
        except ConnectionResetError:
            answer = Answer(error="reset", elapsed=time.monotonic() - start)
        if answer.error or answer.closes or shut_write:
            self.close()
        return answer

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def _read(self, start):
        try:
            while b"\r\n\r\n" not in self.buf:
                self._fill()
        except EOFError:
            return Answer(error="eof" if not self.buf else "eof-partial", elapsed=time.monotonic() - start)
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if raw.startswith(b"HTTP/1.1 100 "):  # an interim answer to Expect: 100-continue; the real one follows
            return self._read(start)
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status, reason = int(parts[1]), parts[2] if len(parts) > 2 else ""
        headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
        a = Answer(status, reason, headers)
        try:
            if (a.header("Transfer-Encoding") or "").lower() == "chunked":
                a.body = self._chunked()
            else:
                n = int(a.header("Content-Length") or 0)
                while len(self.buf) < n:
                    self._fill()
                a.body, self.buf = self.buf[:n], self.buf[n:]
        except EOFError:
            a.error = "eof-in-body"
        a.elapsed = time.monotonic() - start
        return a

    def _chunked(self):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            line, self.buf = self.buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            while len(self.buf) < size + 2:
                self._fill()
            body, self.buf = body + self.buf[:size], self.buf[size + 2:]
            if size == 0:
                return body
